"""The mortality report: deaths over time, excess deaths, standardised rates, life expectancy.

The template ``notebooks/mortality.ipynb`` opens :class:`Mortality` and shows what its
methods return. Counts come from the batch-wide plans (all-cause deaths by week registered
and by week of death, Covid-19 as underlying cause and as mentioned); statistics computed
from record-level counts (excess deaths, age-standardised rates, SMRs, life expectancy) are
released against the released counts they derive from, and withheld with them.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.report import charts, text
from ldsa.report.base import LEVELS, Report, filled
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.groupings import PLACES
from ldsa.report.measures import COVID_DEATHS, DEATHS, Measure
from ldsa.report.spec import TemplateSpec
from ldsa.report.tables import ReleasedTable
from ldsa.stats import (
    ExcessDeaths,
    compare_with_benchmark,
    dsr,
    excess_deaths,
    isr,
    life_expectancy,
)

COVID_MENTIONED = Measure(
    "covid_mentioned",
    "deaths",
    "week_registered",
    "covid_mentioned",
    "Deaths with Covid-19 mentioned on the death certificate",
    True,
)
DEATHS_OCCURRED = Measure(
    "deaths_occurred",
    "deaths",
    "week_of_death",
    None,
    "Deaths from all causes (by week of death)",
    False,
)
#: Measures standardised against England: all causes, and Covid-19 as underlying cause.
STANDARDISED = (DEATHS, COVID_DEATHS)
UNRELIABLE_BELOW = 10
#: Broad age groups of the excess-deaths model (few deaths per week in small authorities).
EXCESS_AGE_GROUPS = {"0-64": 65, "65-74": 75, "75-84": 85, "85+": 200}
#: Years of the life tables: before the pandemic (ONS's three-year tables) and during it.
LIFE_TABLE_YEARS = {"2017 to 2019": (2017, 2019), "2020 to 2021": (2020, 2021)}
SEXES = {"F": "Females", "M": "Males"}

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


def excess_age_group(band: str) -> str:
    """The excess-deaths age group of a five-year band (``"70-74"`` is ``"65-74"``)."""
    start = int(band.split("-")[0].rstrip("+"))
    return next(group for group, below in EXCESS_AGE_GROUPS.items() if start < below)


class Mortality(Report):
    """The mortality report of one authority over one period."""

    SPEC = SPEC

    # ---- raw rows, read once (never shown) --------------------------------------------

    @functools.cached_property
    def _deaths(self) -> dict[str, pd.DataFrame]:
        """Deaths of the authority (every column), its region and England (the columns the
        standardised rates need: their tables are large)."""
        store, authority = self.context.store, self.context.authority
        columns = ["week_registered", "age_band", "cause_group", "deaths"]
        return {
            "la": store.la_table(self.la_code, "deaths"),
            "region": store.region_table(authority.region_code, "deaths", columns),
            "england": store.england_table("deaths", columns),
        }

    def _period_rows(self, level: str, measure: Measure) -> pd.DataFrame:
        """The level's rows of a measure within the plan's whole weeks."""
        rows = self._deaths[level]
        if measure.query:
            rows = rows.query(measure.query)
        weeks = pd.DatetimeIndex(rows[measure.date_column])
        first, last = self.weeks[0], self.weeks[-1]
        return rows[(weeks >= first) & (weeks <= last)]

    def _band_frame(self, level: str, measure: Measure) -> pd.DataFrame:
        """Deaths and person-years by five-year age band over the period."""
        key = (level, measure.name)
        if key not in self._bands:
            self._bands[key] = self._count_bands(level, measure)
        return self._bands[key]

    @functools.cached_property
    def _bands(self) -> dict[tuple[str, str], pd.DataFrame]:
        return {}

    def _count_bands(self, level: str, measure: Measure) -> pd.DataFrame:
        deaths = self._period_rows(level, measure).groupby("age_band")["deaths"].sum()
        population = self.population_bands(level).groupby("age_band")["population"].sum()
        years = len(self.weeks) * 7 / 365.25
        return pd.DataFrame(
            {
                "age_band": list(AGE_BANDS),
                "deaths": deaths.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                "person_years": population.reindex(AGE_BANDS, fill_value=0).to_numpy() * years,
            }
        )

    # ---- age-standardised rates and SMRs ----------------------------------------------

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

    def standardised_table(self) -> ReleasedTable:
        """Age-standardised rates and SMRs as an accessible table."""
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

    def funnel_figure(self, which: Measure | str) -> FigureOutput:
        """Every authority's standardised mortality ratio on a funnel plot, this one
        highlighted."""
        measure = self.measure(which)
        points = self.funnel_points(measure)
        self.release.csv(f"{measure.name}_funnel", points)
        return charts.funnel_plot(
            points,
            observed_column=measure.count_column,
            expected_column="expected",
            name_column="la_code",
            highlight=self.la_code,
            label=self.names()["la"],
            title=f"{measure.label}: standardised ratio, every authority",
        )

    # ---- excess deaths -----------------------------------------------------------------

    @functools.cached_property
    def _excess_frame(self) -> pd.DataFrame:
        """Weekly deaths registered by sex and age group from 2015, with populations and
        the period of the authority's step each pandemic week belongs to."""
        rows = self._deaths["la"]
        rows = rows[pd.DatetimeIndex(rows["week_registered"]) <= self.weeks[-1]]
        rows = rows.assign(age_group=rows["age_band"].map(excess_age_group))
        counts = rows.groupby(["week_registered", "sex", "age_group"])["deaths"].sum()
        weeks = pd.date_range("2015-01-05", self.weeks[-1], freq="7D").astype("datetime64[ms]")
        grid = pd.MultiIndex.from_product(
            [weeks, list(SEXES), list(EXCESS_AGE_GROUPS)],
            names=["week_registered", "sex", "age_group"],
        )
        frame = counts.reindex(grid, fill_value=0).reset_index()
        bands = self.context.store.la_table(self.la_code, "population_bands")
        grouped = bands.assign(age_group=bands["age_band"].map(excess_age_group))
        people = grouped.groupby(["year", "sex", "age_group"])["population"].sum()
        years = frame["week_registered"].dt.year.clip(
            int(bands["year"].min()), int(bands["year"].max())
        )
        keys = pd.MultiIndex.from_arrays([years, frame["sex"], frame["age_group"]])
        frame["population"] = people.reindex(keys).to_numpy()
        frame["period"] = self._period_labels(frame["week_registered"])
        return frame

    def _period_labels(self, weeks: pd.Series) -> np.ndarray:
        """The start (ISO) of the period of the authority's deaths step holding each week."""
        plan = self.plan(DEATHS)
        labels = np.full(len(weeks), "baseline", dtype=object)
        position = pd.Index(self.weeks).get_indexer(pd.DatetimeIndex(weeks))
        for start, end in plan.timeline.intervals(plan.step(self.la_code)):
            inside = (position >= start) & (position < end)
            labels[inside] = plan.timeline.first_day(start).isoformat()
        return labels

    @functools.cached_property
    def _excess_model(self) -> ExcessDeaths:
        """One model fitted to the authority's 2015-2019 registrations (OHID's method)."""
        return excess_deaths(
            self._excess_frame,
            week="week_registered",
            deaths="deaths",
            population="population",
            strata=["sex", "age_group"],
            age="age_group",
            analysis_start=self.weeks[0],
        )

    @functools.cached_property
    def _expected(self) -> pd.DataFrame:
        """Expected deaths per period of the authority's step (never released on its own)."""
        return self._excess_model.totals_by("period").set_index("period")

    @functools.cached_property
    def excess(self) -> sdc.SafeTable:
        """Deaths registered per period against the deaths expected, with 95% prediction
        intervals, and excess deaths, withheld wherever the count of deaths is."""
        counts = self.plan(DEATHS).table(
            self.la_code,
            output_id=self.uid("excess_counts"),
            description="Deaths from all causes by week registered: counts per period",
        )
        starts = counts.released_frame()["period_start"]
        model = self._expected.reindex(starts.to_numpy())
        observed = filled(counts.released_frame()[f"la_{DEATHS.count_column}"])
        rates = pd.DataFrame(
            {
                "expected": model["expected"].to_numpy(),
                "expected_lower": model["expected_lower"].to_numpy(),
                "expected_upper": model["expected_upper"].to_numpy(),
                "excess": observed - model["expected"].to_numpy(),
                "excess_lower": observed - model["expected_upper"].to_numpy(),
                "excess_upper": observed - model["expected_lower"].to_numpy(),
            }
        )
        column = f"la_{DEATHS.count_column}"
        return sdc.release_rates(
            counts,
            rates,
            dict.fromkeys(rates.columns, column),
            policy=self.policy,
            output_id=self.uid("excess"),
            decimals=1,
            description="Deaths registered per period, deaths expected from 2015-2019 with "
            "95% prediction intervals, and excess deaths",
        )

    def excess_figure(self) -> FigureOutput | Notice:
        """Deaths registered against the deaths expected, per period of the step."""
        table = self.excess
        self.release.csv("excess_deaths", table)
        plan = self.plan(DEATHS)
        if plan.step(self.la_code) is sdc.TimeStep.PERIOD:
            return Notice(
                f"Excess deaths: {plan.step_note(self.la_code)} The total is in the table above."
            )
        return charts.observed_expected(
            table,
            observed_column=f"la_{DEATHS.count_column}",
            title=f"Deaths registered and expected, {self.names()['la']}",
            note=plan.step_note(self.la_code),
        )

    @functools.cached_property
    def excess_total(self) -> sdc.SafeTable:
        """Deaths registered over the whole period against those expected: excess deaths
        and the ratio, with 95% prediction intervals."""
        counts = self.plan(DEATHS).period_table(
            self.la_code, output_id=self.uid("excess_total_counts")
        )
        counts = counts.select(
            output_id=self.uid("excess_total_la"),
            columns=["period_start", "period_end", f"la_{DEATHS.count_column}"],
        )
        whole = self._excess_model.total.iloc[0]
        observed = filled(counts.released_frame()[f"la_{DEATHS.count_column}"])[0]
        frame = pd.DataFrame(
            {
                "expected": [whole["expected"]],
                "expected_lower": [whole["expected_lower"]],
                "expected_upper": [whole["expected_upper"]],
                "excess": [observed - whole["expected"]],
                "excess_lower": [observed - whole["expected_upper"]],
                "excess_upper": [observed - whole["expected_lower"]],
                "ratio": [observed / whole["expected"]],
            }
        )
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, f"la_{DEATHS.count_column}"),
            policy=self.policy,
            output_id=self.uid("excess_total"),
            decimals={**dict.fromkeys(frame.columns, 1), "ratio": 2},
            description="Deaths registered over the period, deaths expected and excess deaths",
        )

    def excess_table(self) -> ReleasedTable:
        """Excess deaths over the whole period as an accessible table."""
        headers = {
            "period_start": "From",
            "period_end": "To",
            f"la_{DEATHS.count_column}": "Deaths registered",
            "expected": "Expected",
            "expected_lower": "Expected: 95% lower",
            "expected_upper": "Expected: 95% upper",
            "excess": "Excess deaths",
            "excess_lower": "Excess: 95% lower",
            "excess_upper": "Excess: 95% upper",
            "ratio": "Registered / expected",
        }
        self.release.csv("excess_total", self.excess_total)
        caption = f"Excess deaths over the period, {self.names()['la']}, all causes"
        shown = self.excess_total.select(output_id=self.uid("excess_shown"), columns=list(headers))
        return ReleasedTable(shown, caption, headers)

    @functools.cached_property
    def cumulative_excess(self) -> sdc.SafeTable:
        """Excess deaths since the period began, at the end of each period of the step, with
        95% prediction intervals; from the first withheld period on, withheld."""
        column = f"la_{DEATHS.count_column}"
        counts = sdc.release_sums(
            self.excess,
            column,
            window=None,
            name=f"cumulative_{DEATHS.count_column}",
            policy=self.policy,
            output_id=self.uid("cumulative_excess_counts"),
            description="Deaths registered since the period began",
        )
        released = counts.released_frame()
        running = self._excess_model.totals_by("period", running=True).set_index("period")
        model = running.reindex(released["period_start"].to_numpy())
        observed = filled(released[f"cumulative_{DEATHS.count_column}"])
        frame = pd.DataFrame(
            {
                "cumulative_expected": model["expected"].to_numpy(),
                "cumulative_excess": observed - model["expected"].to_numpy(),
                "cumulative_excess_lower": observed - model["expected_upper"].to_numpy(),
                "cumulative_excess_upper": observed - model["expected_lower"].to_numpy(),
            }
        )
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, f"cumulative_{DEATHS.count_column}"),
            policy=self.policy,
            output_id=self.uid("cumulative_excess"),
            decimals=1,
            description="Deaths registered since the period began, deaths expected and "
            "excess deaths with 95% prediction intervals",
        )

    def cumulative_excess_figure(self) -> FigureOutput | Notice:
        """Excess deaths since the period began, with the 95% prediction interval."""
        table = self.cumulative_excess
        self.release.csv("cumulative_excess_deaths", table)
        if self.plan(DEATHS).step(self.la_code) is sdc.TimeStep.PERIOD:
            return Notice(
                "Cumulative excess deaths: the whole period is one total (the table above)."
            )
        return charts.rate_with_interval(
            table,
            x_column="period_end",
            value_column="cumulative_excess",
            lower_column="cumulative_excess_lower",
            upper_column="cumulative_excess_upper",
            title=f"Excess deaths since {self.weeks[0].day} {self.weeks[0]:%B %Y}",
            ylabel="Excess deaths (cumulative)",
            label=self.names()["la"],
            floor=None,
            note="Registered deaths less those expected, added up from the start of the "
            "period; where a period's count is withheld, the line stops.",
        )

    def excess_note(self) -> text.Messages:
        """How the expected deaths were estimated, in plain words."""
        return text.Messages([self._excess_model.method_note])

    # ---- place of death --------------------------------------------------------------

    @functools.cached_property
    def _place_choice(self) -> sdc.BreakdownChoice:
        rows = self._period_rows("la", DEATHS)
        options = []
        for step in (
            sdc.TimeStep.WEEK,
            sdc.TimeStep.MONTH,
            sdc.TimeStep.QUARTER,
            sdc.TimeStep.PERIOD,
        ):
            for grouping in PLACES:
                parts = pd.DataFrame(
                    {
                        "week_registered": rows["week_registered"],
                        "place": grouping.apply(rows["place_of_death"]),
                        "deaths_count": rows["deaths"],
                    }
                )
                options.append(sdc.BreakdownOption(grouping.name, parts, step, grouping.order))
        return sdc.choose_breakdown(
            self.plan(DEATHS),
            self.la_code,
            options,
            date_column="week_registered",
            category_column="place",
            count_column="deaths_count",
            policy=self.policy,
        )

    @functools.cached_property
    def places(self) -> sdc.SafeTable:
        """Deaths (all causes, by week registered) per period and place of death, at the
        finest grouping of places and step that can be released."""
        choice = self._place_choice
        return sdc.release_breakdown(
            self.plan(DEATHS),
            self.la_code,
            choice.option.parts,
            step=choice.option.step,
            date_column="week_registered",
            category_column="place",
            count_column="deaths_count",
            policy=self.policy,
            output_id=self.uid("place_of_death"),
            categories=choice.option.categories,
            description=f"Deaths by {choice.option.name}, per {choice.option.step.value}",
        )

    def place_figure(self) -> FigureOutput | ReleasedTable:
        """The share of deaths in each place over time (a table for a single period)."""
        self.release.csv("place_of_death", self.places)
        choice = self._place_choice
        if choice.option.step is sdc.TimeStep.PERIOD:
            caption = f"Deaths by place over the whole period, {self.names()['la']}."
            if choice.note:
                caption += f" {choice.note}"
            headers = {"place": "Place of death", "deaths_count": "Deaths"}
            shown = self.places.select(output_id=self.uid("places_shown"), columns=list(headers))
            return ReleasedTable(shown, caption, headers)
        figure = charts.shares_over_time(
            self.places,
            category_column="place",
            count_column="deaths_count",
            title=f"Where people died, {self.names()['la']}",
        )
        if not choice.note:
            return figure
        return dataclasses.replace(figure, caption=f"{figure.caption} {choice.note}")

    # ---- excess deaths by age and sex -------------------------------------------------

    @functools.cached_property
    def _group_choice(self) -> sdc.BreakdownChoice:
        rows = self._period_rows("la", DEATHS)
        age = rows["age_band"].map(excess_age_group)
        sex = rows["sex"].map(SEXES)
        labels = {
            "sex and age group": sex + ", " + age,
            "age group": age,
            "sex": sex,
        }
        options = [
            sdc.BreakdownOption(
                name,
                pd.DataFrame(
                    {
                        "week_registered": rows["week_registered"],
                        "group": groups,
                        "deaths_count": rows["deaths"],
                    }
                ),
                sdc.TimeStep.PERIOD,
                _group_order(name),
            )
            for name, groups in labels.items()
        ]
        return sdc.choose_breakdown(
            self.plan(DEATHS),
            self.la_code,
            options,
            date_column="week_registered",
            category_column="group",
            count_column="deaths_count",
            policy=self.policy,
        )

    @functools.cached_property
    def excess_by_group(self) -> sdc.SafeTable:
        """Deaths over the period by sex and age group (or as finely as can be released),
        the deaths expected and excess deaths with 95% prediction intervals."""
        choice = self._group_choice
        counts = sdc.release_breakdown(
            self.plan(DEATHS),
            self.la_code,
            choice.option.parts,
            step=sdc.TimeStep.PERIOD,
            date_column="week_registered",
            category_column="group",
            count_column="deaths_count",
            policy=self.policy,
            output_id=self.uid("deaths_by_group"),
            categories=choice.option.categories,
            description=f"Deaths over the period by {choice.option.name}",
        )
        columns = {"sex and age group": ["sex", "age_group"], "age group": ["age_group"],
                   "sex": ["sex"]}[choice.option.name]  # fmt: skip
        model = self._excess_model.totals_by(columns)
        label = model["age_group"] if columns == ["age_group"] else model["sex"].map(SEXES)
        if columns == ["sex", "age_group"]:
            label = label + ", " + model["age_group"]
        expected = model.assign(group=label).set_index("group")
        released = counts.released_frame()
        found = expected.reindex(released["group"])
        observed = filled(released["deaths_count"])
        frame = pd.DataFrame(
            {
                "expected": found["expected"].to_numpy(),
                "excess": observed - found["expected"].to_numpy(),
                "excess_lower": observed - found["expected_upper"].to_numpy(),
                "excess_upper": observed - found["expected_lower"].to_numpy(),
            }
        )
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, "deaths_count"),
            policy=self.policy,
            output_id=self.uid("excess_by_group"),
            decimals=1,
            description=f"Excess deaths over the period by {choice.option.name}",
        )

    def excess_by_group_table(self) -> ReleasedTable:
        """Excess deaths by sex and age group as an accessible table."""
        self.release.csv("excess_by_group", self.excess_by_group)
        headers = {
            "group": "Group",
            "deaths_count": "Deaths registered",
            "expected": "Expected",
            "excess": "Excess deaths",
            "excess_lower": "95% lower limit",
            "excess_upper": "95% upper limit",
        }
        caption = f"Excess deaths over the period by {self._group_choice.option.name}"
        if self._group_choice.note:
            caption += f". {self._group_choice.note}"
        shown = self.excess_by_group.select(
            output_id=self.uid("excess_by_group_shown"), columns=list(headers)
        )
        return ReleasedTable(shown, caption, headers)

    # ---- life expectancy ---------------------------------------------------------------

    @functools.cached_property
    def life_expectancy(self) -> sdc.SafeTable:
        """Life expectancy at birth by sex, before and during the pandemic, with 95%
        limits; withheld with its count of deaths, unreliable under PHE's rules."""
        rows = self._deaths["la"]
        year = pd.DatetimeIndex(rows["week_registered"]).year
        bands = self.context.store.la_table(self.la_code, "population_bands")
        frames, labels = [], []
        for label, (first, last) in LIFE_TABLE_YEARS.items():
            chosen = rows[(year >= first) & (year <= last)]
            people = bands[bands["year"].between(first, last)]
            for sex in SEXES:
                deaths = chosen[chosen["sex"] == sex].groupby("age_band")["deaths"].sum()
                years = people[people["sex"] == sex].groupby("age_band")["population"].sum()
                frames.append(
                    pd.DataFrame(
                        {
                            "group": f"{label}|{sex}",
                            "age": [float(b.split("-")[0].rstrip("+")) for b in AGE_BANDS],
                            "deaths": deaths.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                            "population": years.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                        }
                    )
                )
                labels.append((label, SEXES[sex]))
        frame = pd.concat(frames, ignore_index=True)
        table = life_expectancy(frame, by="group", age_starts=tuple(range(0, 95, 5)))
        at_birth = table[table["age"] == 0].set_index("group")
        counts = sdc.release_counts(
            pd.DataFrame(
                {
                    "years": [label for label, _ in labels],
                    "sex": [sex for _, sex in labels],
                    "deaths_count": frame.groupby("group", sort=False)["deaths"].sum().to_numpy(),
                }
            ),
            ["deaths_count"],
            policy=self.policy,
            output_id=self.uid("life_table_deaths"),
            description="Deaths registered in the years of each life table, by sex",
        )
        order = [f"{label}|{sex}" for label in LIFE_TABLE_YEARS for sex in SEXES]
        values = at_birth.reindex(order)
        expectancy = pd.DataFrame(
            {
                "life_expectancy": values["value"].to_numpy(),
                "lower": values["lower"].to_numpy(),
                "upper": values["upper"].to_numpy(),
            }
        )
        return sdc.release_rates(
            counts,
            expectancy,
            dict.fromkeys(expectancy.columns, "deaths_count"),
            policy=self.policy,
            output_id=self.uid("life_expectancy"),
            decimals=1,
            description="Life expectancy at birth in years, with 95% confidence limits",
        )

    def life_expectancy_table(self) -> ReleasedTable:
        """Life expectancy at birth as an accessible table."""
        headers = {
            "years": "Years",
            "sex": "Sex",
            "deaths_count": "Deaths",
            "life_expectancy": "Life expectancy at birth (years)",
            "lower": "95% lower limit",
            "upper": "95% upper limit",
        }
        self.release.csv("life_expectancy", self.life_expectancy)
        caption = (
            f"Life expectancy at birth, {self.names()['la']}: abridged life tables on "
            "five-year age bands (Chiang II, Silcocks)"
        )
        return ReleasedTable(self.life_expectancy, caption, headers)

    # ---- key messages -------------------------------------------------------------------

    def messages(self) -> text.Messages:
        """Key messages from the released standardised rates and excess deaths."""
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


def _group_order(name: str) -> tuple[str, ...]:
    """The groups of a breakdown by sex and age, in order."""
    ages = tuple(EXCESS_AGE_GROUPS)
    if name == "age group":
        return ages
    if name == "sex":
        return tuple(SEXES.values())
    return tuple(f"{sex}, {age}" for sex in SEXES.values() for age in ages)


def _merged_label(first: str, last: str) -> str:
    """``"0-4"`` and ``"40-44"`` merged: ``"0-44"``; up to the open band: ``"85+"``."""
    low = first.split("-")[0].rstrip("+")
    return f"{low}+" if last == AGE_BANDS[-1] else f"{low}-{last.split('-')[1]}"
