"""The cases-and-testing report: the latest rates and their trend, against the region,
England and the authority's statistical neighbours.

The template ``notebooks/cases_and_testing.ipynb`` opens :class:`CasesAndTesting` and shows
what its methods return. Counts come from the batch-wide plans (cases, tests, positive
tests); rates, changes, growth rates and comparisons are computed from them, or from
record-level counts and released as model outputs, and withheld with the counts they rest
on. The most recent days of cases by specimen date are incomplete (results still arrive)
and are left out of rates and trends.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ldsa.report import text
from ldsa.report.cases_and_testing._age import AgeSections
from ldsa.report.cases_and_testing._common import (
    POSITIVE_TESTS,
    REPORTING_LAG_DAYS,
    TESTS,
)
from ldsa.report.cases_and_testing._daily import DailySections
from ldsa.report.cases_and_testing._growth import GrowthSections
from ldsa.report.cases_and_testing._latest import LatestSections
from ldsa.report.cases_and_testing._neighbourhoods import NeighbourhoodSections
from ldsa.report.cases_and_testing._testing import TestingSections
from ldsa.report.measures import CASES
from ldsa.report.spec import TemplateSpec
from ldsa.stats import compare_with_benchmark

SPEC = TemplateSpec(
    name="cases_and_testing",
    title="Cases and testing",
    description=(
        "Cases by specimen date: the latest weekly rate per 100,000 and its change, daily "
        "cases with the 7-day rate, rates by age, neighbourhood hotspots and rates by "
        "deprivation within the authority, tests and positivity, the growth rate "
        "and doubling or halving time, against the region, England and the authority's "
        "statistical neighbours."
    ),
    needs=("cases", "tests", "population_bands", "deprivation"),
    measures=(CASES, TESTS, POSITIVE_TESTS),
)


class CasesAndTesting(
    LatestSections,
    DailySections,
    AgeSections,
    NeighbourhoodSections,
    TestingSections,
    GrowthSections,
):
    """The cases-and-testing report of one authority over one period."""

    SPEC = SPEC

    def messages(self) -> text.Messages:
        """Key messages in the style of the UKHSA dashboard and Fingertips."""
        safe, names = self.latest, self.names()
        lines = []
        last = safe.n_rows - 1
        if self._latest_notice():
            lines.append(
                f"The latest weekly rate of {names['la']} is not shown: its cases are released "
                "only as a total for the whole period."
            )
        elif last < 0 or safe.status(last, "la_rate").suppressed:
            lines.append(
                f"The latest rate of {names['la']} is not shown, to protect confidentiality."
            )
        else:
            comparisons = compare_with_benchmark(
                float(safe.value(last, "la_lower") or 0),
                float(safe.value(last, "la_upper") or 0),
                np.array(
                    [
                        float(safe.value(last, f"{level}_rate") or 0)
                        for level in ("england", "region")
                    ]
                ),
            )
            lines.append(
                f"{safe.text(last, 'la_rate')} cases per 100,000 people a week in {names['la']} "
                f"in the {self.step(CASES).value} to "
                f"{text.day_text(dt.date.fromisoformat(safe.text(last, 'period_end')))}: "
                f"{text.COMPARISON[str(comparisons[0])]} England "
                f"({safe.text(last, 'england_rate')}) and "
                f"{text.COMPARISON[str(comparisons[1])]} {names['region']} "
                f"({safe.text(last, 'region_rate')})."
            )
        lines.append(self.change())
        lines.append(self.trend())
        return text.Messages(lines)


__all__ = ["POSITIVE_TESTS", "REPORTING_LAG_DAYS", "SPEC", "TESTS", "CasesAndTesting"]
