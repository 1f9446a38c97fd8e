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

import dataclasses
import datetime as dt
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import charts, text
from ldsa.report.base import LEVELS, PER, Report, filled
from ldsa.report.comparators import Comparators, neighbours
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.groupings import AGES, WEEKDAYS
from ldsa.report.measures import CASES, Measure
from ldsa.report.spec import TemplateSpec
from ldsa.report.tables import ReleasedTable
from ldsa.stats import (
    compare_counts,
    compare_with_benchmark,
    crude_rate,
    growth_rate,
    proportion,
)

TESTS = Measure("tests", "tests", "date", None, "Tests (PCR and lateral flow)", False, "tests")
POSITIVE_TESTS = Measure(
    "positive_tests", "tests", "date", None, "Positive tests", False, "positive_tests"
)
#: Days at the end of the data whose counts are still incomplete (results still arriving).
REPORTING_LAG_DAYS = 5
#: Weeks of daily cases shown.
RECENT_WEEKS = 8
#: Days of daily counts a growth rate is fitted to.
GROWTH_WINDOW = 28
UNRELIABLE_BELOW = 10

SPEC = TemplateSpec(
    name="cases_and_testing",
    title="Cases and testing",
    description=(
        "Cases by specimen date: the latest weekly rate per 100,000 and its change, daily "
        "cases with the 7-day rate, rates by age, tests and positivity, the growth rate "
        "and doubling or halving time, against the region, England and the authority's "
        "statistical neighbours."
    ),
    needs=("cases", "tests", "population_bands", "deprivation"),
    measures=(CASES, TESTS, POSITIVE_TESTS),
)


class CasesAndTesting(Report):
    """The cases-and-testing report of one authority over one period."""

    SPEC = SPEC

    # ---- dates ---------------------------------------------------------------------------

    @functools.cached_property
    def data_end(self) -> dt.date:
        """The last day of case data in the store."""
        return pd.Timestamp(self.context.store.england_table("cases")["date"].max()).date()

    @functools.cached_property
    def incomplete_from(self) -> dt.date:
        """The first day whose count is incomplete: the last :data:`REPORTING_LAG_DAYS`
        days of the store's data (after the period's end, if it ends earlier)."""
        return self.data_end - dt.timedelta(days=REPORTING_LAG_DAYS - 1)

    def _complete_rows(self, table: sdc.SafeTable) -> list[int]:
        """Rows of a plan table whose period ends before the incomplete days."""
        return [
            r
            for r in range(table.n_rows)
            if dt.date.fromisoformat(table.text(r, "period_end")) < self.incomplete_from
        ]

    # ---- the latest rates and their change -------------------------------------------------

    @functools.cached_property
    def latest(self) -> sdc.SafeTable:
        """The last two complete periods of the authority's step: cases, the average weekly
        rate per 100,000 with 95% limits (the authority), the region's and England's."""
        series = self.plan(CASES).table(
            self.la_code, output_id=self.uid("latest_counts"), description="Cases per period"
        )
        rows = self._complete_rows(series)[-2:]
        counts = series.select(output_id=self.uid("latest_periods"), rows=rows)
        released = counts.released_frame()
        weeks = released["weeks"].astype(int).to_numpy()
        column = CASES.count_column
        la = crude_rate(
            filled(released[f"la_{column}"]), self.populations["la"] * weeks, multiplier=PER
        )
        rates = pd.DataFrame(
            {
                "la_rate": la["value"],
                "la_lower": la["lower"],
                "la_upper": la["upper"],
                **{
                    f"{level}_rate": filled(released[f"{level}_{column}"])
                    / weeks
                    / self.populations[level]
                    * PER
                    for level in ("region", "england")
                },
            }
        )
        sources = {c: f"{c.split('_')[0]}_{column}" for c in rates.columns}
        return sdc.release_rates(
            counts,
            rates,
            sources,
            policy=self.policy,
            output_id=self.uid("latest"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Cases in the last two complete periods and average weekly rates "
            "per 100,000 people",
        )

    def latest_table(self) -> ReleasedTable:
        """The latest two periods as an accessible table."""
        names = self.names()
        headers = {
            "period_start": "From",
            "period_end": "To",
            f"la_{CASES.count_column}": f"{names['la']}: cases",
            "la_rate": f"{names['la']}: weekly rate per 100,000",
            "la_lower": "95% lower limit",
            "la_upper": "95% upper limit",
            "region_rate": f"{names['region']}: weekly rate",
            "england_rate": "England: weekly rate",
        }
        self.release.csv("latest", self.latest)
        step = self.step(CASES)
        caption = (
            f"Cases in the last two complete {step.noun} before {_day(self.incomplete_from)} "
            "(later days are still incomplete), average weekly rates per 100,000 people"
        )
        shown = self.latest.select(output_id=self.uid("latest_shown"), columns=list(headers))
        return ReleasedTable(shown, caption, headers)

    def change(self) -> str:
        """The change on the previous period, in words, from the released counts only."""
        safe, column = self.latest, f"la_{CASES.count_column}"
        noun = self.step(CASES).value
        if safe.n_rows < 2 or any(safe.status(r, column).suppressed for r in (0, 1)):
            return f"The change on the previous {noun} is not shown, to protect confidentiality."
        previous, current = (int(safe.value(r, column) or 0) for r in (0, 1))
        if safe.text(0, "weeks") != safe.text(1, "weeks"):
            return (
                f"Cases: {current:,} in the latest {noun} against {previous:,} in the one "
                "before (periods of different lengths: not compared)."
            )
        row = compare_counts([current], [previous]).iloc[0]
        size = f" ({row['percent']:+.0f}%)" if np.isfinite(row["percent"]) else ""
        verdict = {
            "increased": "a statistically significant increase",
            "decreased": "a statistically significant decrease",
        }.get(str(row["direction"]), "not a statistically significant change")
        end = dt.date.fromisoformat(safe.text(1, "period_end"))
        return (
            f"Cases: {current:,} in the {noun} to {_day(end)}, "
            f"{int(row['change']):+,} on the {noun} before{size}: {verdict} "
            f"(exact test, {_p_value(float(row['p_value']))})."
        )

    # ---- daily cases --------------------------------------------------------------------

    @functools.cached_property
    def _daily_parts(self) -> pd.DataFrame:
        """The authority's cases per day of the plan's weeks, with the day of the week."""
        rows = self.context.store.la_table(self.la_code, "cases")
        counts = rows.groupby("date")["cases"].sum()
        days = pd.date_range(self.weeks[0], self.weeks[-1] + pd.Timedelta(days=6), freq="D")
        return pd.DataFrame(
            {
                "date": days,
                "weekday": [WEEKDAYS[d] for d in days.day_of_week],
                "cases_count": counts.reindex(days, fill_value=0).to_numpy(),
            }
        )

    @functools.cached_property
    def daily(self) -> sdc.SafeTable:
        """Cases per day (each week's days, its parts) and the 7-day count ending on each
        day, with the 7-day rate per 100,000 and 95% limits; days from the incomplete ones
        on have no rate. Only for an authority whose cases are released weekly."""
        days = sdc.release_breakdown(
            self.plan(CASES),
            self.la_code,
            self._daily_parts,
            step=sdc.TimeStep.WEEK,
            date_column="date",
            category_column="weekday",
            count_column="cases_count",
            policy=self.policy,
            output_id=self.uid("daily_counts"),
            categories=WEEKDAYS,
            description="Cases by specimen date, per day",
        )
        rolling = sdc.release_sums(
            days,
            "cases_count",
            window=7,
            name="seven_day_count",
            policy=self.policy,
            output_id=self.uid("daily_sums"),
            description="Cases in the 7 days to each day",
        )
        released = rolling.released_frame()
        complete = np.asarray(_dates(released) < pd.Timestamp(self.incomplete_from))
        rate = crude_rate(
            filled(released["seven_day_count"]),
            np.full(len(released), self.populations["la"]),
                          multiplier=PER)  # fmt: skip
        frame = pd.DataFrame(
            {
                column: np.where(complete, rate[source].to_numpy(), np.nan)
                for column, source in (("rate", "value"), ("lower", "lower"), ("upper", "upper"))
            }
        )
        rates = sdc.release_rates(
            rolling, frame, dict.fromkeys(frame.columns, "seven_day_count"), policy=self.policy,
            output_id=self.uid("daily_rates"), decimals=1, unreliable_below=UNRELIABLE_BELOW,
        )  # fmt: skip
        return sdc.beside(
            rolling, rates, policy=self.policy, output_id=self.uid("daily"),
            columns=list(frame.columns),
            description="Cases per day, the 7-day count and the 7-day rate per 100,000 people "
            "(not given for incomplete days)",
        )  # fmt: skip

    def daily_withheld_share(self) -> float:
        """The share of the last :data:`RECENT_WEEKS` weeks' days that are withheld."""
        table = self.daily
        recent = range(max(0, table.n_rows - 7 * RECENT_WEEKS), table.n_rows)
        withheld = sum(table.status(r, "cases_count").suppressed for r in recent)
        return withheld / max(len(recent), 1)

    def _daily_notice(self) -> Notice | None:
        """Why daily cases are not shown for this authority, or None."""
        step = self.step(CASES)
        if step is not sdc.TimeStep.WEEK:
            return Notice(
                "Daily cases are not shown: the authority's cases are released "
                f"{step.adjective}, and its days would be too small to release."
            )
        share = self.daily_withheld_share()
        if share > self.policy.max_withheld_share:
            return Notice(
                f"Daily cases are not shown: {share:.0%} of the last {RECENT_WEEKS} weeks' days "
                "would be withheld to protect confidentiality; the weekly chart above shows "
                "the same cases by week."
            )
        return None

    @functools.cached_property
    def _recent_days(self) -> sdc.SafeTable:
        self.release.csv("daily", self.daily)
        table = self.daily
        recent = list(range(max(0, table.n_rows - 7 * RECENT_WEEKS), table.n_rows))
        return table.select(output_id=self.uid("daily_recent"), rows=recent)

    def daily_figure(self) -> FigureOutput | Notice:
        """Daily cases of the last weeks with the 7-day average, or why not."""
        if notice := self._daily_notice():
            return notice
        return charts.daily_counts(
            self._recent_days, count_column="cases_count", average_column="seven_day_count",
            title=f"Cases by specimen date, {self.names()['la']}",
            incomplete=self.incomplete_from,
        )  # fmt: skip

    def rolling_rate_figure(self) -> FigureOutput | Notice:
        """The 7-day rate per 100,000 of the last weeks with its 95% interval, or why not."""
        if notice := self._daily_notice():
            return notice
        return charts.rate_with_interval(
            self._recent_days, x_column="day", value_column="rate", lower_column="lower",
            upper_column="upper", title="7-day case rate per 100,000 people",
            ylabel="Cases in 7 days per 100,000", label=self.names()["la"],
            note="Each day's rate counts the cases of that day and the 6 before it; "
            "incomplete days have none.",
        )  # fmt: skip

    # ---- rates by age ----------------------------------------------------------------------

    @functools.cached_property
    def _age_choice(self) -> sdc.BreakdownChoice:
        rows = self.context.store.la_table(self.la_code, "cases")
        inside = rows[(rows["date"] >= self.weeks[0])
                      & (rows["date"] <= self.weeks[-1] + pd.Timedelta(days=6))]  # fmt: skip
        options = []
        for step in (sdc.TimeStep.WEEK, sdc.TimeStep.MONTH, sdc.TimeStep.QUARTER):
            for grouping in AGES:
                parts = pd.DataFrame(
                    {
                        "date": inside["date"],
                        "age_group": grouping.apply(inside["age_band"]),
                        "cases_count": inside["cases"],
                    }
                )
                options.append(sdc.BreakdownOption(grouping.name, parts, step, grouping.order))
        return sdc.choose_breakdown(
            self.plan(CASES),
            self.la_code,
            options,
            date_column="date",
            category_column="age_group",
            count_column="cases_count",
            policy=self.policy,
        )

    @functools.cached_property
    def by_age(self) -> sdc.SafeTable:
        """Cases per period and age group, and average weekly rates per 100,000 people of
        the group, at the finest grouping and step that can be released."""
        choice = self._age_choice
        counts = sdc.release_breakdown(
            self.plan(CASES),
            self.la_code,
            choice.option.parts,
            step=choice.option.step,
            date_column="date",
            category_column="age_group",
            count_column="cases_count",
            policy=self.policy,
            output_id=self.uid("age_counts"),
            categories=choice.option.categories,
            description=f"Cases by {choice.option.name}, per {choice.option.step.value}",
        )
        released = counts.released_frame()
        grouping = next(g for g in AGES if g.name == choice.option.name)
        bands = self.population_bands("la")
        people = bands.groupby(grouping.apply(bands["age_band"]))["population"].sum()
        weeks = released["period_end"].map(pd.Timestamp) - released["period_start"].map(
            pd.Timestamp
        )
        per_week = (weeks.dt.days.to_numpy() + 1) / 7
        population = people.reindex(released["age_group"]).to_numpy(dtype=float)
        frame = pd.DataFrame(
            {"weekly_rate": filled(released["cases_count"]) / per_week / population * PER}
        )
        return sdc.release_rates(
            counts,
            frame,
            {"weekly_rate": "cases_count"},
            policy=self.policy,
            output_id=self.uid("by_age"),
            decimals=1,
            description=f"Cases by {choice.option.name} and average weekly rates per 100,000",
        )

    def age_heatmap(self) -> FigureOutput:
        """Weekly rates per 100,000 by age group as a heatmap."""
        self.release.csv("by_age", self.by_age)
        choice = self._age_choice
        figure = charts.heatmap(
            self.by_age,
            band_column="age_group",
            value_column="weekly_rate",
            title=f"Cases by age, {self.names()['la']}",
            unit="Cases per 100,000 people a week",
        )
        if not choice.note:
            return figure
        return dataclasses.replace(figure, caption=f"{figure.caption} {choice.note}")

    # ---- tests and positivity --------------------------------------------------------------

    @functools.cached_property
    def testing(self) -> sdc.SafeTable:
        """Tests and positive tests per period and positivity (per cent, Wilson 95% limits)
        of the authority, its region and England, at the coarser of the two measures'
        steps for this authority."""
        step = max(self.step(TESTS), self.step(POSITIVE_TESTS), key=lambda s: s.rank)
        tables = {
            measure.name: sdc.coarser_table(
                self.plan(measure), self.la_code, step, output_id=self.uid(f"{measure.name}_steps")
            )
            for measure in (POSITIVE_TESTS, TESTS)
        }
        counts = sdc.beside(
            tables[POSITIVE_TESTS.name],
            tables[TESTS.name],
            policy=self.policy,
            output_id=self.uid("testing_counts"),
            columns=[f"{level}_{TESTS.count_column}" for level in LEVELS],
        )
        released = counts.released_frame()
        frame: dict[str, np.ndarray] = {}
        sources: dict[str, tuple[str, ...]] = {}
        for level in LEVELS:
            positive = f"{level}_{POSITIVE_TESTS.count_column}"
            tests = f"{level}_{TESTS.count_column}"
            trials = np.maximum(filled(released[tests]), 1)  # withheld: the share is too
            successes = np.minimum(filled(released[positive]), trials)  # (and rounding)
            shares = proportion(successes, trials, multiplier=100)
            for name, column in (("positivity", "value"), ("lower", "lower"), ("upper", "upper")):
                key = f"{level}_{name}" if name == "positivity" else f"{level}_positivity_{name}"
                frame[key] = shares[column].to_numpy()
                sources[key] = (positive, tests)
        return sdc.release_rates(
            counts,
            pd.DataFrame(frame),
            sources,
            policy=self.policy,
            output_id=self.uid("testing"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Tests, positive tests and positivity (per cent, Wilson 95% limits)",
        )

    def testing_figure(self) -> FigureOutput | Notice:
        """Positivity over time with its 95% interval, the region's and England's beside."""
        if notice := self.lacks("tests"):
            return notice
        table = self.testing
        self.release.csv("testing", table)
        step = sdc.TimeStep(table.text(0, "time_step"))
        if step is sdc.TimeStep.PERIOD:
            return Notice(
                "Tests and positivity: the numbers are too small to release at any step "
                "finer than the whole period; the totals are in the downloadable table."
            )
        return charts.levels_with_interval(
            table,
            names=self.names(),
            value="positivity",
            unit="Positivity (%)",
            title="Positivity: the share of tests that were positive",
            note=f"Shown {step.adjective}." if step is not sdc.TimeStep.WEEK else "",
        )

    # ---- growth ---------------------------------------------------------------------------

    def _daily(self, level: str) -> pd.DataFrame:
        """Daily cases of a level through the data's end, every day present."""
        rows = self.context.table(level, "cases")
        counts = rows.groupby("date")["cases"].sum()
        days = pd.date_range(self.context.period_start, self.context.period_end, freq="D")
        return pd.DataFrame(
            {"date": days, "count": counts.reindex(days, fill_value=0).to_numpy(), "area": level}
        )

    @functools.cached_property
    def growth(self) -> sdc.SafeTable:
        """Growth rate per day over the last :data:`GROWTH_WINDOW` complete days, with the
        doubling or halving time, for the authority, its region and England."""
        frame = pd.concat([self._daily(level) for level in LEVELS], ignore_index=True)
        fitted = growth_rate(
            frame, by="area", window=GROWTH_WINDOW, incomplete_days=REPORTING_LAG_DAYS,
            as_of=pd.Timestamp(min(self.data_end, self.context.period_end)),
        ).set_index("area").reindex(list(LEVELS))  # fmt: skip
        names = self.names()
        table = pd.DataFrame(
            {
                "area": [names[level] for level in LEVELS],
                "growth_percent": fitted["value"].to_numpy() * 100,
                "growth_lower": fitted["lower"].to_numpy() * 100,
                "growth_upper": fitted["upper"].to_numpy() * 100,
                "doubling_days": fitted["doubling_time"].to_numpy(),
                "halving_days": fitted["halving_time"].to_numpy(),
            }
        )
        return sdc.release_model(
            table,
            df_resid=GROWTH_WINDOW - 8,
            policy=self.policy,
            output_id=self.uid("growth"),
            term_column="area",
            group_sizes=dict(zip(table["area"], fitted["events"].astype(int), strict=True)),
            decimals=1,
            description=f"Growth rate per day of cases over the last {GROWTH_WINDOW} complete "
            "days (quasi-Poisson regression with weekday effects)",
        )

    def growth_table(self) -> ReleasedTable:
        """Growth rates as an accessible table."""
        headers = {
            "area": "Area",
            "growth_percent": "Growth rate (% a day)",
            "growth_lower": "95% lower limit",
            "growth_upper": "95% upper limit",
            "doubling_days": "Doubling time (days)",
            "halving_days": "Halving time (days)",
        }
        self.release.csv("growth", self.growth)
        end = min(self.incomplete_from - dt.timedelta(days=1), self.context.period_end)
        caption = f"Growth of cases over the {GROWTH_WINDOW} days to {_day(end)}"
        return ReleasedTable(self.growth, caption, headers)

    # ---- statistical neighbours -----------------------------------------------------------

    @functools.cached_property
    def comparators(self) -> Comparators:
        """The authority's statistical neighbours."""
        return neighbours(self.context.store, self.la_code, self.denominator_year)

    @functools.cached_property
    def neighbours(self) -> sdc.SafeTable:
        """Cases over the period and rates per 100,000 with 95% limits: the authority and
        its statistical neighbours, each compared with England."""
        everyone = self.authorities(CASES)
        codes = [self.la_code, *self.comparators.codes]
        position = {everyone.text(r, "la_code"): r for r in range(everyone.n_rows)}
        counts = everyone.select(
            output_id=self.uid("neighbour_counts"),
            columns=["la_code", "la_name", "period_start", "period_end", CASES.count_column],
            rows=[position[code] for code in codes],
        )
        people = self.context.store.all_la_table("population_bands")
        people = people[people["year"] == self.denominator_year]
        population = people.groupby("la_code")["population"].sum().reindex(codes).to_numpy()
        rate = crude_rate(
            filled(counts.released_frame()[CASES.count_column]), population, multiplier=PER
        )
        frame = pd.DataFrame(
            {
                "rate": rate["value"],
                "lower": rate["lower"],
                "upper": rate["upper"],
            }
        )
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, CASES.count_column),
            policy=self.policy,
            output_id=self.uid("neighbours"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Cases over the period and rates per 100,000: the authority and its "
            "statistical neighbours",
        )

    def neighbours_table(self) -> ReleasedTable:
        """The authority and its neighbours as an accessible table."""
        headers = {
            "la_name": "Authority",
            "la_code": "Code",
            CASES.count_column: "Cases",
            "rate": "Rate per 100,000",
            "lower": "95% lower limit",
            "upper": "95% upper limit",
        }
        self.release.csv("neighbours", self.neighbours)
        caption = (
            f"Cases over the period: {self.names()['la']} (first row) and its statistical "
            f"neighbours, nearest first. {self.comparators.method}"
        )
        shown = self.neighbours.select(
            output_id=self.uid("neighbours_shown"), columns=list(headers)
        )
        return ReleasedTable(shown, caption, headers)

    # ---- key messages ---------------------------------------------------------------------

    def messages(self) -> text.Messages:
        """Key messages in the style of the UKHSA dashboard and Fingertips."""
        safe, names = self.latest, self.names()
        lines = []
        last = safe.n_rows - 1
        if last < 0 or safe.status(last, "la_rate").suppressed:
            lines.append(f"The latest rate of {names['la']} is not shown.")
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
                f"{_day(dt.date.fromisoformat(safe.text(last, 'period_end')))}: "
                f"{text.COMPARISON[str(comparisons[0])]} England "
                f"({safe.text(last, 'england_rate')}) and "
                f"{text.COMPARISON[str(comparisons[1])]} {names['region']} "
                f"({safe.text(last, 'region_rate')})."
            )
        lines.append(self.change())
        return text.Messages(lines)


def _dates(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """Each row's day, from its week's Monday and its day of the week."""
    offsets = pd.to_timedelta([WEEKDAYS.index(d) for d in frame["weekday"]], unit="D")
    return pd.DatetimeIndex(pd.to_datetime(frame["period_start"]) + offsets)


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
