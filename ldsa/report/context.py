"""The per-authority report context: one LA, its region and England, over one period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from ldsa.calendar import week_start
from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.data.store import Store
from ldsa.errors import InvalidParameterError
from ldsa.geography import Authority

#: The ``store`` parameter value that means "the built-in dummy store".
DUMMY_STORE = "dummy"


def parse_period(period_start: str, period_end: str) -> tuple[dt.date, dt.date]:
    """Validate a reporting period given as ISO dates; return it as dates.

    The period must lie within the extract period (2020-03-01 to 2022-03-31) and hold at
    least one whole week, Monday to Sunday (weekly figures use whole weeks only).
    """
    days = []
    for name, value in (("period_start", period_start), ("period_end", period_end)):
        try:
            days.append(dt.date.fromisoformat(str(value)))
        except ValueError:
            raise InvalidParameterError(
                f"{name} {value!r}: not an ISO date. How to fix: write it as YYYY-MM-DD, "
                "e.g. '2020-03-01'."
            ) from None
    start, end = days
    if not PERIOD_START <= start <= end <= PERIOD_END:
        raise InvalidParameterError(
            f"period {start}..{end}: must lie within {PERIOD_START}..{PERIOD_END} with "
            "period_start on or before period_end."
        )
    if full_weeks(start, end).empty:
        raise InvalidParameterError(
            f"period {start}..{end}: holds no whole week (Monday to Sunday). How to fix: "
            "widen it to include at least one Monday-to-Sunday week."
        )
    return start, end


def full_weeks(period_start: dt.date, period_end: dt.date) -> pd.DatetimeIndex:
    """Mondays of the weeks lying wholly within a period."""
    first = week_start(pd.DatetimeIndex([period_start]))[0]
    if first < pd.Timestamp(period_start):
        first += pd.Timedelta(days=7)
    last = pd.Timestamp(period_end) - pd.Timedelta(days=6)
    return pd.DatetimeIndex(pd.date_range(first, last, freq="7D").astype("datetime64[ms]"))


def resolve_store(store: str | Path) -> Store:
    """Open a store by path, or the built-in dummy store for ``"dummy"``."""
    if str(store) == DUMMY_STORE:
        from ldsa.run.dummy_store import default_store_path  # the run layer owns the cache

        return Store(default_store_path())
    return Store(Path(store))


@dataclasses.dataclass(frozen=True)
class ReportContext:
    """Everything a template needs to know about where and when it reports."""

    store: Store
    authority: Authority
    period_start: dt.date
    period_end: dt.date

    @classmethod
    def open(
        cls, store: str | Path, la_code: str, period_start: str, period_end: str
    ) -> ReportContext:
        """Validate the template parameters and open the store."""
        start, end = parse_period(period_start, period_end)
        opened = resolve_store(store)
        return cls(opened, opened.authority(la_code), start, end)

    @property
    def population_year(self) -> int:
        """The mid-year population used as denominator: the year at the period's midpoint."""
        midpoint = self.period_start + (self.period_end - self.period_start) / 2
        return midpoint.year

    def areas(self) -> dict[str, str]:
        """Display name of each comparison level."""
        return {
            "la": self.authority.la_name,
            "region": self.authority.region_name,
            "england": "England",
        }

    def table(self, level: str, table: str) -> pd.DataFrame:
        """An aggregate table for this authority ("la"), its region or England."""
        if level == "la":
            return self.store.la_table(self.authority.la_code, table)
        if level == "region":
            return self.store.region_table(self.authority.region_code, table)
        return self.store.england_table(table)


def describe_period(start: dt.date, end: dt.date) -> str:
    """A period in words, e.g. '1 March 2020 to 31 March 2022'."""
    return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
