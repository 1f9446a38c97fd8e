"""Age-standardised rates, SMRs against England and funnel plots of every authority."""

from __future__ import annotations

import functools

import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.report import funnel_plot
from ldsa.report.base import LEVELS, filled
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import DEATHS, Measure
from ldsa.report.mortality._common import (
    STANDARDISED,
    UNRELIABLE_BELOW,
)
from ldsa.report.mortality._published import PublishedRates, PublishedSections
from ldsa.report.tables import ReleasedTable
from ldsa.stats import (
    dsr,
    isr,
)


class StandardisedSections(PublishedSections):
    """Age-standardised rates, SMRs against England and funnel plots of every authority."""

    @functools.cached_property
    def standardised(self) -> sdc.SafeTable:
        """Age-standardised rates per 100,000 a year (ESP2013, Dobson limits) of the
        authority, its region and England, and the authority's SMR against England."""
        counts = self._period_counts("standardised", STANDARDISED)
        rows = []
        for measure in STANDARDISED:
            row: dict[str, float] = {}
            for level in LEVELS:
                rate = dsr(self._band_frame(level, measure), count="deaths",
                           population="person_years", age_band="age_band").iloc[0]  # fmt: skip
                row |= {f"{level}_asmr": rate["value"], f"{level}_asmr_lower": rate["lower"],
                        f"{level}_asmr_upper": rate["upper"]}  # fmt: skip
            ratio = self._smr(measure)
            row |= {"la_smr": ratio["value"], "la_smr_lower": ratio["lower"],
                    "la_smr_upper": ratio["upper"]}  # fmt: skip
            rows.append(row)
        rates = pd.DataFrame(rows)
        sources = {c: f"{c.split('_')[0]}_count" for c in rates.columns}
        return sdc.release_rates(
            counts,
            rates,
            sources,
            policy=self.policy,
            output_id=self.uid("standardised"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Deaths over the period, age-standardised rates per 100,000 a year "
            "and standardised mortality ratios (England = 100)",
        )

    def _period_counts(self, name: str, measures: tuple[Measure, ...]) -> sdc.SafeTable:
        """The period totals of several measures (authority, region, England), stacked."""
        parts = [
            self.plan(m).period_table(self.la_code, output_id=self.uid(f"{m.name}_period"))
            for m in measures
        ]
        columns = ["period_start", "period_end"]
        views = [
            part.select(
                output_id=self.uid(f"{name}_{m.name}"),
                columns=[*columns, *(f"{level}_{m.count_column}" for level in LEVELS)],
            )
            for part, m in zip(parts, measures, strict=True)
        ]
        return sdc.stack(
            views,
            policy=self.policy,
            output_id=self.uid(f"{name}_counts"),
            columns=[*columns, *(f"{level}_count" for level in LEVELS)],
            label_column="measure_id",
            labels=[m.name for m in measures],
            extra_labels={"measure": [m.label for m in measures]},
        )

    def reference_bands(self, measure: Measure) -> dict[str, str]:
        """England's age bands for an SMR: adjacent five-year bands merged, youngest first,
        until each holds at least the policy's threshold of England's deaths (so that the
        SMRs of all authorities together cannot give away a small count of England's)."""
        deaths = self._band_frame("england", measure)["deaths"].to_numpy()
        groups: dict[str, str] = {}
        start, total = 0, 0
        for position, band in enumerate(AGE_BANDS):
            total += int(deaths[position])
            if total >= self.policy.threshold or position == len(AGE_BANDS) - 1:
                label = _merged_label(AGE_BANDS[start], band)
                groups |= dict.fromkeys(AGE_BANDS[start : position + 1], label)
                start, total = position + 1, 0
        if total:  # the oldest bands hold too few: join them to the group before
            last = groups[AGE_BANDS[start - 1]]
            groups |= dict.fromkeys(AGE_BANDS[start:], last)
        return groups

    def _smr(self, measure: Measure) -> pd.Series:
        bands = self.reference_bands(measure)
        la, england = self._band_frame("la", measure), self._band_frame("england", measure)
        frame = (
            pd.DataFrame(
                {
                    "group": la["age_band"].map(bands),
                    "deaths": la["deaths"],
                    "person_years": la["person_years"],
                    "ref_deaths": england["deaths"],
                    "ref_person_years": england["person_years"],
                }
            )
            .groupby("group", sort=False)
            .sum()
        )
        result: pd.Series = isr(frame, count="deaths", population="person_years",
                                ref_count="ref_deaths", ref_population="ref_person_years",
                                reference=100).iloc[0]  # fmt: skip
        return result

    def standardised_table(self) -> ReleasedTable | PublishedRates | Notice:
        """Age-standardised rates and SMRs as an accessible table; on a store without
        deaths by age, ONS's published rates where the store holds them."""
        if notice := self.ages_lacking:
            return self.published_table() if self.has_published_rates else notice
        names = self.names()
        headers = {
            "measure": "Deaths",
            "la_count": f"{names['la']}: deaths",
            "la_asmr": f"{names['la']}: rate",
            "la_asmr_lower": "95% lower limit",
            "la_asmr_upper": "95% upper limit",
            "region_asmr": f"{names['region']}: rate",
            "england_asmr": "England: rate",
            "la_smr": "SMR (England = 100)",
            "la_smr_lower": "SMR lower limit",
            "la_smr_upper": "SMR upper limit",
        }
        shown = self.standardised.select(
            output_id=self.uid("standardised_shown"), columns=list(headers)
        )
        self.release.csv("standardised", self.standardised)
        caption = (
            "Deaths over the period, age-standardised mortality rates per 100,000 people a "
            "year (European Standard Population 2013) and standardised mortality ratios"
        )
        return ReleasedTable(shown, caption, headers)

    def funnel_points(self, which: Measure | str) -> sdc.SafeTable:
        """Every authority's deaths over the period, the deaths expected at England's
        age-specific rates, and the standardised ratio (England = 100)."""
        measure = self.measure(which)
        key = ("funnel", measure.name)
        if key not in self._tables:
            self._tables[key] = self._funnel_points(measure)
        return self._tables[key]

    def _funnel_points(self, measure: Measure) -> sdc.SafeTable:
        counts = self.authorities(measure)
        bands = self.reference_bands(measure)
        england = self._band_frame("england", measure)
        grouped = england.groupby(england["age_band"].map(bands))
        rates = grouped["deaths"].sum() / grouped["person_years"].sum()
        people = self.context.store.all_la_table("population_bands")
        people = people[people["year"] == self.denominator_year]
        years = len(self.weeks) * 7 / 365.25
        per_person = people["age_band"].map(bands).map(rates).to_numpy(dtype=float)
        expected = (people["population"] * per_person).groupby(people["la_code"]).sum() * years
        released = counts.released_frame()
        expected_values = expected.reindex(released["la_code"]).to_numpy()
        observed = filled(released[measure.count_column])
        frame = pd.DataFrame({"expected": expected_values,
                              "smr": observed / expected_values * 100})  # fmt: skip
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, measure.count_column),
            policy=self.policy,
            output_id=self.uid(f"{measure.name}_funnel"),
            decimals=1,
            description=f"{measure.label}: every authority's deaths, expected deaths at "
            "England's age-specific rates and standardised ratio",
        )

    def funnel_figure(self, which: Measure | str) -> FigureOutput | Notice | None:
        """Every authority's standardised mortality ratio on a funnel plot, this one
        highlighted."""
        if notice := self.ages_lacking:
            return notice if self.measure(which) is DEATHS else None  # said once
        measure = self.measure(which)
        points = self.funnel_points(measure)
        self.release.csv(f"{measure.name}_funnel", points)
        return funnel_plot.funnel_plot(
            points,
            observed_column=measure.count_column,
            expected_column="expected",
            name_column="la_code",
            highlight=self.la_code,
            label=self.names()["la"],
            title=f"{measure.label}: standardised ratio, every authority",
        )


def _merged_label(first: str, last: str) -> str:
    """``"0-4"`` and ``"40-44"`` merged: ``"0-44"``; up to the open band: ``"85+"``."""
    low = first.split("-")[0].rstrip("+")
    return f"{low}+" if last == AGE_BANDS[-1] else f"{low}-{last.split('-')[1]}"
