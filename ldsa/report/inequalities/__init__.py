"""The inequalities report: the authority among all authorities, by deprivation.

The template ``notebooks/inequalities.ipynb`` opens :class:`Inequalities` and shows what
its methods return: deprivation (IMD 2019) against each outcome with a fitted line,
England's gradient across deciles of deprivation with the slope and relative index of
inequality, the authority against its statistical neighbours, and funnel plots.

Disclosure: every authority's point is its released period total from the batch-wide plan
and statistics of it (withheld with it); the fitted lines, decile values and indices of
inequality are computed from those released values only (an authority whose total is
withheld is left out and counted in the caption), so none of them can give a withheld
count away; the lines also pass the regression rules (:func:`ldsa.sdc.release_model`).
"""

from __future__ import annotations

from ldsa.report.inequalities._common import (
    ALL_CAUSE,
    CASE_RATE,
    COVID,
    EXCESS,
    OUTCOMES,
    Outcome,
)
from ldsa.report.inequalities._gradient import GradientSections
from ldsa.report.inequalities._neighbours import NeighbourSections
from ldsa.report.inequalities._relationship import RelationshipSections
from ldsa.report.measures import CASES, COVID_DEATHS, DEATHS
from ldsa.report.spec import TemplateSpec

SPEC = TemplateSpec(
    name="inequalities",
    title="Inequalities",
    description=(
        "The authority among all authorities by deprivation: case rates, age-standardised "
        "mortality and excess deaths against the IMD 2019 score with fitted lines, "
        "England's gradient across deprivation deciles (slope and relative index of "
        "inequality), statistical neighbours, and funnel plots."
    ),
    needs=("cases", "deaths", "population_bands", "deprivation"),
    measures=(CASES, DEATHS, COVID_DEATHS),
)


class Inequalities(RelationshipSections, GradientSections, NeighbourSections):
    """The inequalities report of one authority over one period."""

    SPEC = SPEC


__all__ = ["ALL_CAUSE", "CASE_RATE", "COVID", "EXCESS", "OUTCOMES", "SPEC", "Inequalities",
           "Outcome"]  # fmt: skip
