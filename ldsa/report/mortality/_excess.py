"""Excess deaths against a model of 2015-2019: over time, in total and by sex and age."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import charts, text
from ldsa.report.base import filled
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import DEATHS
from ldsa.report.mortality._common import (
    EXCESS_AGE_GROUPS,
    SEXES,
    MortalityBase,
    excess_age_group,
)
from ldsa.report.tables import ReleasedTable
from ldsa.stats import (
    ExcessDeaths,
    excess_deaths,
)


class ExcessSections(MortalityBase):
    """Excess deaths against a model of 2015-2019: over time, in total and by sex and age."""

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

    def excess_figure(self) -> FigureOutput | Notice | None:
        """Deaths registered against the deaths expected, per period of the step."""
        if self.baseline_lacking:
            return None  # the section's table says why
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

    def excess_table(self) -> ReleasedTable | Notice:
        """Excess deaths over the whole period as an accessible table."""
        if notice := self.baseline_lacking:
            return notice
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
        95% prediction intervals, for the periods whose running total of deaths can be
        released (before the first withheld period, and from the last one on), and the first
        period. Other rows are left out rather than marked: their totals are not given
        here, but other releases of the batch may determine them, and a marker would claim
        protection."""
        column = f"la_{DEATHS.count_column}"
        whole = self.plan(DEATHS).period_table(self.la_code, output_id=self.uid("excess_whole"))
        counts = sdc.release_sums(
            self.excess,
            column,
            window=None,
            name=f"cumulative_{DEATHS.count_column}",
            policy=self.policy,
            output_id=self.uid("cumulative_excess_counts"),
            description="Deaths registered since the period began",
            totals=sdc.GroupTotals(whole, column),
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
        every = sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, f"cumulative_{DEATHS.count_column}"),
            policy=self.policy,
            output_id=self.uid("cumulative_excess_all"),
            decimals=1,
            description="Deaths registered since the period began, deaths expected and "
            "excess deaths with 95% prediction intervals (periods whose running total can "
            "be released)",
        )
        column = f"cumulative_{DEATHS.count_column}"
        # The first row stays even when withheld (it is the first period's own count): it
        # says where the running totals start.
        shown = [r for r in range(every.n_rows) if r == 0 or not every.status(r, column).suppressed]
        return every.select(output_id=self.uid("cumulative_excess"), rows=shown)

    def cumulative_excess_figure(self) -> FigureOutput | Notice | None:
        """Excess deaths since the period began, with the 95% prediction interval."""
        if self.baseline_lacking:
            return None  # the section's table says why
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
            title=f"Excess deaths since {text.day_text(self.weeks[0])}",
            ylabel="Excess deaths (cumulative)",
            label=self.names()["la"],
            floor=None,
            note="Registered deaths less those expected, added up from the start of the "
            "period; the line breaks where a running total cannot be released.",
        )

    def excess_note(self) -> text.Messages | None:
        """How the expected deaths were estimated, in plain words."""
        if self.baseline_lacking:
            return None  # the section's table says why
        return text.Messages([self._excess_model.method_note])

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

    def excess_by_group_table(self) -> ReleasedTable | Notice:
        """Excess deaths by sex and age group as an accessible table."""
        if notice := self.baseline_lacking:
            return notice
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


def _group_order(name: str) -> tuple[str, ...]:
    """The groups of a breakdown by sex and age, in order."""
    ages = tuple(EXCESS_AGE_GROUPS)
    if name == "age group":
        return ages
    if name == "sex":
        return tuple(SEXES.values())
    return tuple(f"{sex}, {age}" for sex in SEXES.values() for age in ages)
