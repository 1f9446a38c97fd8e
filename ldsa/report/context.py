"""The per-authority report context: one LA, its region and England, over one period."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.data.store import Store
from ldsa.errors import InvalidParameterError
from ldsa.geography import Authority

#: The ``store`` parameter value that means "the built-in dummy store".
DUMMY_STORE = "dummy"


def parse_period(period_start: str, period_end: str) -> tuple[dt.date, dt.date]:
    """Validate a reporting period given as ISO dates; return it as dates.

    The period must lie within the extract period (2020-03-01 to 2022-03-31) and span at
    least one full week.
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
    if (end - start).days < 6:
        raise InvalidParameterError(
            f"period {start}..{end}: shorter than a week; give at least 7 days."
        )
    return start, end


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

    @property
    def period_label(self) -> str:
        """The period in words, e.g. '1 March 2020 to 31 March 2022'."""
        return describe_period(self.period_start, self.period_end)

    def in_period(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """Rows whose date column lies within the period."""
        dates = frame[column]
        start, end = pd.Timestamp(self.period_start), pd.Timestamp(self.period_end)
        return frame[(dates >= start) & (dates <= end)]

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
