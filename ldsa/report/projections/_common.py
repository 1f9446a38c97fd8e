"""What every section of the projections report shares: dates, daily cases, R, the level."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.base import Report
from ldsa.report.cases_and_testing._common import REPORTING_LAG_DAYS
from ldsa.report.measures import CASES
from ldsa.stats.projection import Scenario
from ldsa.stats.reproduction import SerialInterval, estimate_r, serial_interval_for

#: Days over which R is taken as constant: one week, the plan's weeks.
WINDOW = 7
#: Recent whole weeks whose cases the authority's projection rests on (the serial
#: interval reaches about three weeks back).
RECENT_WEEKS = 3
#: Weeks ahead the backtest scores (the projection's later weeks are recalibrated as the
#: last of them).
SCORED_WEEKS = 2
#: Simulations per projection.
N_SIMS = 1000
SEED = 20200301


@dataclasses.dataclass(frozen=True)
class ProjectionsBase(Report):
    """Dates, daily cases and R of the authority, its region and England."""

    scenarios: tuple[Scenario, ...] = ()
    horizon_weeks: int = 4

    @functools.cached_property
    def data_end(self) -> dt.date:
        """The last day of case data in the store."""
        return pd.Timestamp(self.context.store.england_table("cases")["date"].max()).date()

    @functools.cached_property
    def incomplete_from(self) -> dt.date:
        """The first day whose count is incomplete (the cases report's rule)."""
        return self.data_end - dt.timedelta(days=REPORTING_LAG_DAYS - 1)

    @functools.cached_property
    def complete_weeks(self) -> pd.DatetimeIndex:
        """Mondays of the period's whole weeks that end before the incomplete days."""
        ends = self.weeks + pd.Timedelta(days=6)
        return self.weeks[ends < pd.Timestamp(self.incomplete_from)]

    @property
    def origin(self) -> dt.date:
        """The last day projections start from: the end of the last complete week."""
        return (self.complete_weeks[-1] + pd.Timedelta(days=6)).date()

    @functools.cached_property
    def days(self) -> pd.DatetimeIndex:
        """The days of the series: the first whole week's Monday to :attr:`origin`."""
        return pd.date_range(self.weeks[0], self.origin, freq="D")

    def daily(self, level: str) -> np.ndarray:
        """Cases per day of a level (``la``, ``region``, ``england``) over :attr:`days`."""
        key = f"daily_{level}"
        if key not in self._arrays:
            rows = self.context.table(level, "cases")
            self._arrays[key] = self.daily_from(rows.groupby("date")["cases"].sum())
        return self._arrays[key]

    def daily_from(self, counts: pd.Series | None) -> np.ndarray:
        """Cases per day (a series indexed by date; None: none) over :attr:`days`."""
        if counts is None:
            return np.zeros(len(self.days))
        counts = counts.copy()
        counts.index = pd.DatetimeIndex(counts.index)
        return counts.reindex(self.days, fill_value=0).to_numpy(dtype=float)

    @functools.cached_property
    def _arrays(self) -> dict[str, np.ndarray]:
        return {}

    def serial_interval(self, day: dt.date | pd.Timestamp) -> SerialInterval:
        """The default serial interval in force on a day (by the dominant variant)."""
        return serial_interval_for(pd.Timestamp(day).date())

    def r_estimates(self, level: str) -> pd.DataFrame:
        """R over the week ending on each day of :attr:`days`, each with the serial
        interval in force on its last day (Cori et al., 7-day windows)."""
        key = f"r_{level}"
        if key not in self._frames:
            cases = self.daily(level)
            intervals = [self.serial_interval(day) for day in self.days]
            parts = []
            for interval in dict.fromkeys(intervals):
                fitted = estimate_r(cases, interval.weights(), window=WINDOW)
                mine = np.array([i == interval for i in intervals])
                parts.append(fitted[mine])
            self._frames[key] = pd.concat(parts).sort_values("end").reset_index(drop=True)
        return self._frames[key]

    @functools.cached_property
    def _frames(self) -> dict[str, pd.DataFrame]:
        return {}

    def week_rows(self, weeks: pd.DatetimeIndex) -> np.ndarray:
        """Positions in :attr:`days` of the last day of each week."""
        ends = weeks + pd.Timedelta(days=6)
        return np.asarray((ends - self.days[0]).days, dtype=int)

    @functools.cached_property
    def weekly_plan(self) -> sdc.SafeTable | None:
        """The authority's released weekly cases (the batch-wide plan's), complete weeks
        only; None when its cases are released by month or coarser."""
        if self.step(CASES) is not sdc.TimeStep.WEEK:
            return None
        table = self.plan(CASES).table(self.la_code, output_id=self.uid("weekly_cases"))
        wanted = {str(w.date()) for w in self.complete_weeks}
        rows = [r for r in range(table.n_rows) if table.text(r, "period_start") in wanted]
        return table.select(output_id=self.uid("weekly_cases_complete"), rows=rows)

    @functools.cached_property
    def level(self) -> str:
        """The level projected: the authority when its last :data:`RECENT_WEEKS` complete
        weeks of cases are all released (so the projection adds nothing to them), else
        its region."""
        table = self.weekly_plan
        return "la" if table is not None and self.recent_weeks_released(table) else "region"

    def recent_weeks_released(self, table: sdc.SafeTable) -> bool:
        """Whether a weekly table of the cases plan releases the authority's cases of the
        last :data:`RECENT_WEEKS` complete weeks."""
        wanted = {str((w).date()) for w in self.complete_weeks[-RECENT_WEEKS:]}
        column = f"la_{CASES.count_column}"
        found = [r for r in range(table.n_rows) if table.text(r, "period_start") in wanted]
        return len(found) == RECENT_WEEKS and not any(
            table.status(r, column).suppressed for r in found
        )

    def released_weeks(self, weeks: pd.DatetimeIndex) -> np.ndarray:
        """For each week, whether the plan releases the authority's cases of it and of the
        :data:`RECENT_WEEKS` - 1 weeks before (an estimate resting on a week the plan
        withholds, as a complement, could give that week's cases away)."""
        table = self.weekly_plan
        if table is None:
            return np.zeros(len(weeks), dtype=bool)
        column = f"la_{CASES.count_column}"
        shown = {
            pd.Timestamp(table.text(r, "period_start"))
            for r in range(table.n_rows)
            if not table.status(r, column).suppressed
        }
        return np.array(
            [all(w - pd.Timedelta(days=7 * k) in shown for k in range(RECENT_WEEKS))
             for w in weeks],
            dtype=bool,
        )  # fmt: skip

    def level_note(self) -> str:
        """Why the region stands in for the authority, or ""."""
        if self.level == "la":
            return ""
        names = self.names()
        return (
            f"{names['la']} has too few cases in recent weeks for its own reproduction "
            f"number or projection to be released (they would be unreliable and could give "
            f"its small counts away), so this section shows {names['region']}, its region."
        )
