"""The mortality report: deaths over time, excess deaths, standardised rates, life expectancy.

The template ``notebooks/mortality.ipynb`` opens :class:`Mortality` and shows what its
methods return. Counts come from the batch-wide plans (all-cause deaths by week registered
and by week of death, Covid-19 as underlying cause and as mentioned); statistics computed
from record-level counts (excess deaths, age-standardised rates, SMRs, life expectancy) are
released against the released counts they derive from, and withheld with them.
"""

from __future__ import annotations

import numpy as np

from ldsa.report import text
from ldsa.report.measures import COVID_DEATHS, DEATHS
from ldsa.report.mortality._common import (
    COVID_MENTIONED,
    DEATHS_OCCURRED,
    STANDARDISED,
    excess_age_group,
)
from ldsa.report.mortality._excess import ExcessSections
from ldsa.report.mortality._life import LifeSections
from ldsa.report.mortality._places import PlaceSections
from ldsa.report.mortality._standardised import StandardisedSections
from ldsa.report.spec import TemplateSpec
from ldsa.stats import compare_with_benchmark

SPEC = TemplateSpec(
    name="mortality",
    title="Mortality",
    description=(
        "Deaths from all causes and with Covid-19, by week registered and by week of death; "
        "excess deaths against the deaths expected from 2015-2019; age-standardised "
        "mortality rates and standardised mortality ratios against England, with every "
        "authority on a funnel plot; and life expectancy before and during the pandemic."
    ),
    needs=("deaths", "population_bands"),
    measures=(DEATHS, DEATHS_OCCURRED, COVID_DEATHS, COVID_MENTIONED),
)


class Mortality(StandardisedSections, ExcessSections, PlaceSections, LifeSections):
    """The mortality report of one authority over one period."""

    SPEC = SPEC

    def messages(self) -> text.Messages:
        """Key messages from the released standardised rates and excess deaths."""
        if self.ages_lacking and self.has_published_rates:
            return text.Messages(self.published_messages())
        if self.ages_lacking:
            return text.Messages(
                ["No key messages: they compare age-standardised rates, and this store holds "
                 "no deaths by age group."]
            )  # fmt: skip
        safe = self.standardised
        names = self.names()
        lines = []
        for row, measure in enumerate(STANDARDISED):
            label = measure.label
            if safe.status(row, "la_asmr").suppressed:
                lines.append(f"{label}: the age-standardised rate of {names['la']} is not shown.")
                continue
            versus = compare_with_benchmark(
                float(safe.value(row, "la_asmr_lower") or 0),
                float(safe.value(row, "la_asmr_upper") or 0),
                np.array([float(safe.value(row, "england_asmr") or 0)]),
            )[0]
            lines.append(
                f"{label}: {safe.text(row, 'la_asmr')} per 100,000 a year, age-standardised, "
                f"{text.COMPARISON[str(versus)]} England ({safe.text(row, 'england_asmr')})."
            )
        return text.Messages(lines)


__all__ = ["COVID_MENTIONED", "DEATHS_OCCURRED", "SPEC", "Mortality", "excess_age_group"]
