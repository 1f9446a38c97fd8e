"""Deaths to expect from the projected cases, by a lagged case-fatality ratio of released
counts.

The ratio is Covid-19 deaths registered over a recent window of at least
:data:`MIN_WINDOW_WEEKS` weeks divided by the cases of the same weeks :data:`LAG_WEEKS`
earlier. Both are sums of values the batch-wide disclosure plans release (the deaths
plan's cells at the authority's own time step, the cases plan's weekly cells), never of
raw weekly counts: a ratio of raw counts, published beside released cases, would give away
the deaths of a week the plan withholds. An authority whose recent deaths are too few, or
not released over a short enough window, uses its region's ratio (the region's released
values, from the same plans), with a note.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import Notice
from ldsa.report.measures import CASES, COVID_DEATHS, Measure
from ldsa.report.plans import linked_plan
from ldsa.report.projections._backtest import BacktestSections
from ldsa.report.projections._common import N_SIMS, SEED
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats.fatality import projected_deaths, ratio_draws

#: Weeks from cases (by specimen date) to the deaths among them (by week registered).
LAG_WEEKS = 3
#: The shortest and longest window the ratio is taken over.
MIN_WINDOW_WEEKS = 8
MAX_WINDOW_WEEKS = 13
#: How many weeks before the latest possible end the window may end (else too old).
STALE_WEEKS = 4
#: A released interval: first day, last day (ISO), value (None: withheld).
Released = tuple[str, str, int | None]
#: Columns of projected deaths and the quantile each is.
_BANDS = {"median": "q50", "lower_50": "q25", "upper_50": "q75", "lower_90": "q5",
          "upper_90": "q95"}  # fmt: skip
_METHOD = (
    "projected cases (the baseline's recalibrated draws) times a case-fatality ratio drawn "
    "from Gamma(D + 1/2, rate C): D released Covid-19 deaths (underlying cause, by week "
    f"registered) over at least {MIN_WINDOW_WEEKS} weeks, C released cases of the same weeks "
    f"{LAG_WEEKS} weeks earlier; deaths placed {LAG_WEEKS} weeks after their cases"
)


@dataclasses.dataclass(frozen=True)
class Ratio:
    """A case-fatality ratio's released inputs: deaths over a window, and the cases of
    the same weeks :data:`LAG_WEEKS` earlier."""

    deaths: int
    cases: int
    first: dt.date  #: first day of the deaths window
    last: dt.date  #: last day of the deaths window

    @property
    def cases_first(self) -> dt.date:
        """First day of the cases window."""
        return self.first - dt.timedelta(weeks=LAG_WEEKS)

    @property
    def cases_last(self) -> dt.date:
        """Last day of the cases window."""
        return self.last - dt.timedelta(weeks=LAG_WEEKS)


def ratio_window(
    deaths: Sequence[Released], cases: Sequence[Released], origin: dt.date, threshold: int
) -> Ratio | str:
    """The ratio's inputs from released values only, or why there are none.

    Parameters
    ----------
    deaths
        Released deaths of one area, ``(first day, last day, value or None)`` at its time
        step, in order (None: withheld).
    cases
        Released weekly cases of the same area, likewise.
    origin
        The last day of complete cases: the cases window ends on or before it.
    threshold
        The fewest deaths a ratio may rest on (the policy's threshold).

    Returns
    -------
    Ratio or str
        The deaths window is the latest run of whole released periods, ending no later
        than :data:`LAG_WEEKS` weeks after ``origin``, spanning at least
        :data:`MIN_WINDOW_WEEKS` and at most :data:`MAX_WINDOW_WEEKS` weeks; the cases
        window is the same weeks :data:`LAG_WEEKS` earlier, every week released. Else the
        reason, in words that give no count away.
    """
    latest = origin + dt.timedelta(weeks=LAG_WEEKS)
    rows = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b), v) for a, b, v in deaths]
    rows = [r for r in rows if r[1] <= latest]
    if not rows:
        return "the data hold no deaths registered in recent weeks"
    if rows[-1][1] < latest - dt.timedelta(weeks=STALE_WEEKS):
        return (
            f"the deaths data end on {day_text(rows[-1][1])}, too long before the "
            "projection for a ratio of theirs to apply"
        )
    window = [rows[-1]]
    for row in reversed(rows[:-1]):
        if (window[-1][1] - window[0][0]).days + 1 >= 7 * MIN_WINDOW_WEEKS:
            break
        if row[1] + dt.timedelta(days=1) != window[0][0]:
            break
        window.insert(0, row)
    span = (window[-1][1] - window[0][0]).days + 1
    if span > 7 * MAX_WINDOW_WEEKS:
        return "its deaths are released only over periods too long to show a recent ratio"
    if span < 7 * MIN_WINDOW_WEEKS:
        return "the data hold too few weeks of recent deaths"
    if any(v is None for _, _, v in window):
        return "some of its recent deaths are withheld to protect confidentiality"
    total = sum(int(v or 0) for _, _, v in window)
    if total < threshold:
        return f"it had fewer than {threshold} deaths in recent weeks"
    first, last = window[0][0], window[-1][1]
    wanted = {first - dt.timedelta(weeks=LAG_WEEKS) + dt.timedelta(weeks=k)
              for k in range(span // 7)}  # fmt: skip
    found = {dt.date.fromisoformat(a): v for a, b, v in cases
             if (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days == 6}  # fmt: skip
    if any(found.get(week) is None for week in wanted):
        return "some of its cases in the weeks the ratio needs are withheld"
    counted = sum(int(found[week] or 0) for week in wanted)
    if counted == 0:
        return "it had no cases in the weeks the ratio needs"
    return Ratio(total, counted, first, last)


def released_rows(table: sdc.SafeTable, column: str) -> list[Released]:
    """A released table's rows as ``(first day, last day, value or None)``."""
    return [
        (table.text(r, "period_start"), table.text(r, "period_end"),
         None if table.status(r, column).suppressed else int(table.value(r, column) or 0))
        for r in range(table.n_rows)
    ]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class DeathsSections(BacktestSections):
    """Deaths to expect from the projected cases."""

    @functools.cached_property
    def _region_weekly(self) -> sdc.SafeTable | None:
        return self._find_region_weekly()

    @functools.cached_property
    def _ratio(self) -> tuple[Ratio | None, str, str]:
        """The ratio used, whose it is ("la" or "region"), and a note (why the region's
        is used, or why there is none)."""
        names, origin, threshold = self.names(), self.origin, self.policy.threshold
        own = ""
        if self.level == "la" and self.weekly_plan is not None:
            deaths = self.plan(COVID_DEATHS).table(self.la_code, output_id=self.uid("deaths_plan"))
            found = ratio_window(
                released_rows(deaths, f"la_{COVID_DEATHS.count_column}"),
                released_rows(self.weekly_plan, f"la_{CASES.count_column}"),
                origin, threshold,
            )  # fmt: skip
            if isinstance(found, Ratio):
                return found, "la", ""
            own = f"{names['la']} has no case-fatality ratio of its own: {found}"
        found = ratio_window(*self._region_rows(), origin, threshold)
        if isinstance(found, Ratio):
            return found, "region", f"{own}; {names['region']}'s ratio is used." if own else ""
        region = f"{names['region']}, {found}"
        if own:
            return None, "", f"No deaths are projected. {own}; nor has {region}."
        return None, "", f"No deaths are projected: for {region}."

    def _region_rows(self) -> tuple[list[Released], list[Released]]:
        """The region's released deaths and weekly cases. The plans release a region's
        values in each of its authorities' tables, at that authority's step: the deaths
        are taken from the table of the authority with the finest step (found once per
        batch), the weekly cases from this authority's own table, or that one's."""
        member = self.batch.largest.get(self.context.authority.region_code, self.la_code)
        deaths = self.plan_of(COVID_DEATHS, member).table(
            member, output_id=self.uid("region_deaths_plan")
        )
        weekly = self._region_weekly
        rows = [] if weekly is None else released_rows(weekly, f"region_{CASES.count_column}")
        return released_rows(deaths, f"region_{COVID_DEATHS.count_column}"), rows

    def region_weekly(self) -> sdc.SafeTable | None:
        """The region's released weekly cases of the complete weeks (see
        :meth:`_find_region_weekly`), offered as a CSV: the fan chart draws them."""
        table = self._region_weekly
        if table is not None:
            self.release.csv("region_weekly_cases", table)
        return table

    def _find_region_weekly(self) -> sdc.SafeTable | None:
        """The region's released weekly cases of the complete weeks: from this authority's
        table of the cases plan if it is weekly, else from its region's authority with the
        finest deaths step (the plan releases a region's values in each of its
        authorities' tables); None if neither is weekly."""
        source = self.la_code
        if self.step(CASES) is not sdc.TimeStep.WEEK:
            source = self.batch.largest.get(self.context.authority.region_code, self.la_code)
        plan = self.plan_of(CASES, source)
        if plan.step(source) is not sdc.TimeStep.WEEK:
            return None
        table = plan.table(source, output_id=self.uid("region_weekly_cases_plan"))
        wanted = {str(w.date()) for w in self.complete_weeks}
        rows = [r for r in range(table.n_rows) if table.text(r, "period_start") in wanted]
        labels = ["period_start", "period_end", "weeks", "time_step"]
        return table.select(output_id=self.uid("region_weekly_cases"), rows=rows,
                            columns=[*labels, f"region_{CASES.count_column}"])  # fmt: skip

    def plan_of(self, measure: Measure, la_code: str) -> sdc.LinkedPlan:
        """An authority's part of the batch-wide plan of a measure (this report's own, or
        another authority's of the same plan)."""
        if la_code == self.la_code:
            return self.plan(measure)
        ledger = getattr(self.release, "ledger", None)
        extra = {"ledger": ledger} if ledger is not None else {}
        weeks = self.measure_weeks(measure)
        return linked_plan(self.context.store, self.policy, measure, weeks, la_code, **extra)

    def deaths_notice(self) -> Notice | None:
        """Why no deaths are projected, or None."""
        if notice := self.lacks_measure(COVID_DEATHS) or self.projection_notice():
            return notice
        ratio, _, note = self._ratio
        return Notice(note) if ratio is None else None

    @functools.cached_property
    def death_ratio(self) -> sdc.SafeTable:
        """The case-fatality ratio used: deaths per 1,000 cases with its 95% interval, and
        the windows it is taken over (withheld on fewer deaths than the threshold)."""
        ratio, whose, _ = self._ratio
        assert ratio is not None
        draws = ratio_draws(ratio.deaths, ratio.cases, N_SIMS, seed=SEED) * 1000
        frame = pd.DataFrame(
            {
                "area": [self.names()[whose]],
                "deaths_from": [str(ratio.first)], "deaths_to": [str(ratio.last)],
                "cases_from": [str(ratio.cases_first)], "cases_to": [str(ratio.cases_last)],
                "deaths_per_1000_cases": [1000 * ratio.deaths / ratio.cases],
                "lower_95": [float(np.quantile(draws, 0.025))],
                "upper_95": [float(np.quantile(draws, 0.975))],
            }
        )  # fmt: skip
        return sdc.release_estimates(
            frame, ["deaths_per_1000_cases", "lower_95", "upper_95"], events=[ratio.deaths],
            policy=self.policy, output_id=self.uid("death_ratio"), decimals=1, method=_METHOD,
            description="Case-fatality ratio of released counts: Covid-19 deaths per 1,000 "
            f"cases of {LAG_WEEKS} weeks earlier",
        )  # fmt: skip

    @functools.cached_property
    def projected_deaths(self) -> sdc.SafeTable:
        """Deaths to expect from each projected week's cases (median, 50% and 90%
        intervals), in the week they would be registered."""
        ratio, _, _ = self._ratio
        assert ratio is not None
        shares = ratio_draws(ratio.deaths, ratio.cases, N_SIMS, seed=SEED + 1)
        quantiles = projected_deaths(self.weekly_draws["baseline"], shares)
        weeks = self._weeks_ahead()
        lag = pd.Timedelta(weeks=LAG_WEEKS)

        def later(days: pd.Series) -> list[str]:
            return [str((pd.Timestamp(d) + lag).date()) for d in days]

        frame = pd.DataFrame(
            {
                "period_start": later(weeks["period_start"]),
                "period_end": later(weeks["period_end"]),
                "cases_from": weeks["period_start"], "cases_to": weeks["period_end"],
            }
        )  # fmt: skip
        for column, q in _BANDS.items():
            frame[column] = quantiles[q].to_numpy()
        events = min(self.window_cases, ratio.deaths)
        few = float(quantiles["q50"].iloc[0]) < 10 and self.policy.round_base == 0
        places = 1 if few else 0  # "80", but "1.6" (never "0.0" for a value rounded to 5)
        return sdc.release_estimates(
            frame, list(_BANDS), events=[events] * len(frame), policy=self.policy,
            output_id=self.uid("projected_deaths"), decimals=places, case_columns=list(_BANDS),
            method=_METHOD,
            description=f"Covid-19 deaths to expect from the projected cases of "
            f"{self.names()[self.level]} (baseline), by week registered",
        )  # fmt: skip

    def deaths_table(self) -> ReleasedTable | Notice:
        """Projected deaths per week, with the ratio behind them in the caption."""
        if notice := self.deaths_notice():
            return notice
        self.release.csv("projected_deaths", self.projected_deaths)
        self.release.csv("death_ratio", self.death_ratio)
        ratio_table, (_, whose, note) = self.death_ratio, self._ratio
        headers = {
            "period_start": "Deaths registered in the week from",
            "cases_from": "Deaths among the cases of the week from",
            "median": "Deaths (median)",
            "lower_50": "50% interval: from",
            "upper_50": "50% interval: to",
            "lower_90": "90% interval: from",
            "upper_90": "90% interval: to",
        }
        shown = self.projected_deaths.select(
            output_id=self.uid("projected_deaths_shown"), columns=list(headers)
        )
        caption = (
            f"Covid-19 deaths to expect from the projected cases of {self.names()[self.level]}"
        )
        if ratio_table.status(0, "deaths_per_1000_cases").suppressed:
            return ReleasedTable(shown, caption, headers)
        caption += (
            f": {ratio_table.text(0, 'deaths_per_1000_cases')} deaths per 1,000 cases (95% "
            f"interval {ratio_table.text(0, 'lower_95')} to {ratio_table.text(0, 'upper_95')}), "
            f"the ratio of {self.names()[whose]}'s deaths registered from "
            f"{day_text(dt.date.fromisoformat(ratio_table.text(0, 'deaths_from')))} to "
            f"{day_text(dt.date.fromisoformat(ratio_table.text(0, 'deaths_to')))} to its cases "
            f"{LAG_WEEKS} weeks earlier."
        )
        if note:
            caption += f" {note}"
        return ReleasedTable(shown, caption, headers)

    def deaths_messages(self) -> list[str]:
        """Projected deaths in plain words (released values only)."""
        if self.deaths_notice():
            return []
        table = self.projected_deaths
        last = min(2, table.n_rows) - 1
        if last < 0 or table.status(last, "median").suppressed:
            return []
        end = day_text(dt.date.fromisoformat(table.text(last, "cases_to")))
        return [
            f"If the projection holds, the cases of the week to {end} would lead to about "
            f"{table.text(last, 'median')} Covid-19 deaths (90% interval "
            f"{table.text(last, 'lower_90')} to {table.text(last, 'upper_90')}), registered "
            f"about {LAG_WEEKS} weeks later: a rough guide only (see the caveats)."
        ]
