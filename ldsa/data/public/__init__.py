"""Importers of the published UK files and the public-data store.

One module per source (:mod:`~ldsa.data.public.cases`, :mod:`~ldsa.data.public.deaths`,
:mod:`~ldsa.data.public.population`, :mod:`~ldsa.data.public.deprivation`,
:mod:`~ldsa.data.public.survey`, :mod:`~ldsa.data.public.standard_population`,
:mod:`~ldsa.data.public.lookups`, :mod:`~ldsa.data.public.mortality_rates`), the
versioned-geography
:mod:`~ldsa.data.public.crosswalk`, and :func:`prepare_public_store`, which writes the
same store layout as :func:`ldsa.data.prepare.prepare_store`.
"""

from ldsa.data.public.crosswalk import Crosswalk, build_crosswalk, read_vintages
from ldsa.data.public.prepare import prepare_public_store

__all__ = ["Crosswalk", "build_crosswalk", "prepare_public_store", "read_vintages"]
