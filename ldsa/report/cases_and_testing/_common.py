"""What every section of the cases-and-testing report shares: measures, limits, dates."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd

from ldsa import sdc
from ldsa.report.base import Report
from ldsa.report.groupings import WEEKDAYS
from ldsa.report.measures import Measure

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


class CasesBase(Report):
    """The dates every section of the cases report shares."""

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


def dates_of(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """Each row's day, from its week's Monday and its day of the week."""
    offsets = pd.to_timedelta([WEEKDAYS.index(d) for d in frame["weekday"]], unit="D")
    return pd.DatetimeIndex(pd.to_datetime(frame["period_start"]) + offsets)


def p_value_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
