"""What a template declares about itself: the spec the batch plans and lists it by."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from ldsa.report.measures import Measure


@dataclasses.dataclass(frozen=True)
class TemplateSpec:
    """A template's declaration, held by its report module as ``SPEC``.

    Parameters
    ----------
    name
        The template's name: its notebook's file name without ``.ipynb``.
    title
        The report's title (the notebook's level-one heading says the same).
    description
        One or two sentences: what the report shows (the index and ``ldsa templates``).
    needs
        Store tables it reads; a section whose table a store lacks says so and the rest
        still runs.
    measures
        Counted measures it takes from the batch-wide disclosure plans; the batch plans
        these, for the templates it runs, and nothing else.
    check_parameters
        Checks the template's own parameters (beyond the five every template has), given
        the values of the notebook's ``parameters`` cell; raises
        :class:`~ldsa.errors.InvalidParameterError`. The batch calls it before any kernel
        starts.
    """

    name: str
    title: str
    description: str
    needs: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    check_parameters: Callable[[Mapping[str, object]], None] | None = None
