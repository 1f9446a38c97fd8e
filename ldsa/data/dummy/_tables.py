"""The small per-LA tables: geography, deprivation and population."""

from __future__ import annotations

import numpy as np

from ldsa.data.dummy._deprivation import Deprivation
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import YEARS, Population
from ldsa.data.dummy._write import ChunkWriter, categories
from ldsa.data.schemas import SEXES


def write_geography(write: ChunkWriter, geography: Geography) -> None:
    """Write one row per LA, in code order of the layout (region by region)."""
    write(
        {
            "la_code": list(geography.la_code),
            "la_name": list(geography.la_name),
            "la_type": list(geography.la_type),
            "utla_code": list(geography.utla_code),
            "region_code": list(geography.region_code),
            "region_name": list(geography.region_name),
            "cis_area": categories(geography.cis_index, geography.cis_codes),
        }
    )


def write_deprivation(write: ChunkWriter, geography: Geography, deprivation: Deprivation) -> None:
    """Write each LA's IMD score, rank and decile."""
    write(
        {
            "la_code": list(geography.la_code),
            "imd_score": deprivation.score,
            "imd_rank": deprivation.rank,
            "imd_decile": deprivation.decile,
        }
    )


def write_population(write: ChunkWriter, geography: Geography, population: Population) -> None:
    """Write counts by year, LA, sex and single year of age."""
    shape = population.counts.shape  # [la, year, sex, age]
    la, year, sex, age = (index.ravel() for index in np.indices(shape))
    order = np.lexsort((age, sex, la, year))
    write(
        {
            "year": np.asarray(YEARS)[year[order]],
            "la_code": categories(la[order], geography.la_code),
            "sex": categories(sex[order], SEXES),
            "age": age[order],
            "population": population.counts.ravel()[order],
        }
    )
