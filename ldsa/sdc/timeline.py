"""Time steps for released series: weeks, months, quarters and the whole period.

Every step is built from whole Monday-to-Sunday weeks, so that each coarser period is
exactly a union of finer ones (a quarter is its three months, a month its four or five
weeks) and every published relation between steps is an exact sum. A week belongs to the
month that holds most of its days (the month of its Thursday, as ISO 8601 assigns weeks
to years).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Interval = tuple[int, int]  # half-open [first week, last week + 1)


class TimeStep(enum.Enum):
    """The time step of a released series, finest first."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    PERIOD = "period"

    @property
    def rank(self) -> int:
        """0 for weeks up to 3 for the whole period."""
        return _ORDER.index(self)

    @property
    def coarser(self) -> TimeStep:
        """The next coarser step (the whole period stays the whole period)."""
        return _ORDER[min(self.rank + 1, len(_ORDER) - 1)]

    @property
    def noun(self) -> str:
        """Plural noun for text: "weeks", "months", "quarters", "whole period"."""
        return {"week": "weeks", "month": "months", "quarter": "quarters"}.get(
            self.value, "whole period"
        )

    @property
    def adjective(self) -> str:
        """Adjective for text: "weekly", "monthly", "quarterly", "whole-period"."""
        return {"week": "weekly", "month": "monthly", "quarter": "quarterly"}.get(
            self.value, "whole-period"
        )


_ORDER = (TimeStep.WEEK, TimeStep.MONTH, TimeStep.QUARTER, TimeStep.PERIOD)
#: Steps that give a series of several points (the whole period is one total).
SERIES_STEPS = _ORDER[:-1]


@dataclasses.dataclass(frozen=True)
class Timeline:
    """The whole weeks of a reporting period and their grouping into coarser steps.

    Parameters
    ----------
    weeks
        Mondays of consecutive weeks, in order.
    """

    weeks: tuple[dt.date, ...]

    def __post_init__(self) -> None:
        if not self.weeks:
            raise ValueError("Timeline: at least one week is needed.")
        gaps = {(b - a).days for a, b in zip(self.weeks, self.weeks[1:], strict=False)}
        if gaps - {7} or any(w.weekday() != 0 for w in self.weeks):
            raise ValueError("Timeline: weeks must be consecutive Mondays.")

    @classmethod
    def of(cls, weeks: Sequence[str | dt.date]) -> Timeline:
        """Build a timeline from ISO dates or dates of Mondays."""
        return cls(tuple(dt.date.fromisoformat(w) if isinstance(w, str) else w for w in weeks))

    @property
    def n_weeks(self) -> int:
        """Number of weeks."""
        return len(self.weeks)

    @functools.cached_property
    def _month_keys(self) -> tuple[int, ...]:
        thursdays = [w + dt.timedelta(days=3) for w in self.weeks]
        return tuple(day.year * 12 + day.month - 1 for day in thursdays)

    def intervals(self, step: TimeStep) -> tuple[Interval, ...]:
        """The periods of one step as half-open ranges of week positions, in order."""
        return self._intervals[step]

    @functools.cached_property
    def _intervals(self) -> dict[TimeStep, tuple[Interval, ...]]:
        months = self._month_keys
        keys = {
            TimeStep.WEEK: tuple(range(self.n_weeks)),
            TimeStep.MONTH: months,
            TimeStep.QUARTER: tuple(key // 3 for key in months),
            TimeStep.PERIOD: (0,) * self.n_weeks,
        }
        return {step: _runs(values) for step, values in keys.items()}

    def ends(self, step: TimeStep) -> tuple[int, ...]:
        """Week positions (exclusive) at which the periods of one step end."""
        return tuple(b for _, b in self.intervals(step))

    def starts(self, step: TimeStep) -> npt.NDArray[np.intp]:
        """First week position of every period of one step (for ``np.add.reduceat``)."""
        return np.array([a for a, _ in self.intervals(step)], dtype=np.intp)

    def first_day(self, start: int) -> dt.date:
        """The first day (a Monday) of week position ``start``."""
        return self.weeks[start]

    def last_day(self, end: int) -> dt.date:
        """The last day (a Sunday) of the week before position ``end``."""
        return self.weeks[end - 1] + dt.timedelta(days=6)

    def label(self, interval: Interval, step: TimeStep) -> str:
        """A period in words: "week starting 2 March 2020", "March 2020", "April to June
        2020", "2 March 2020 to 27 March 2022"; a month or quarter cut by the period's edge
        says how many weeks it holds."""
        start, end = interval
        first, last = self.first_day(start), self.last_day(end)
        weeks = end - start
        if step is TimeStep.WEEK:
            return f"week starting {_day(first)}"
        middle = self.weeks[start] + dt.timedelta(days=3)
        if step is TimeStep.MONTH:
            text = f"{middle:%B %Y}"
            full = _weeks_in_month(middle)
        elif step is TimeStep.QUARTER:
            quarter = (middle.month - 1) // 3
            names = [dt.date(2000, 3 * quarter + k, 1).strftime("%B") for k in (1, 3)]
            text = f"{names[0]} to {names[1]} {middle.year}"
            full = sum(_weeks_in_month(dt.date(middle.year, 3 * quarter + k, 1)) for k in (1, 2, 3))
        else:
            return f"{_day(first)} to {_day(last)}"
        return text if weeks == full else f"{text} ({weeks} {'week' if weeks == 1 else 'weeks'})"


def _runs(keys: Sequence[int]) -> tuple[Interval, ...]:
    """Half-open ranges of equal consecutive keys."""
    out: list[Interval] = []
    start = 0
    for position in range(1, len(keys) + 1):
        if position == len(keys) or keys[position] != keys[start]:
            out.append((start, position))
            start = position
    return tuple(out)


def _weeks_in_month(day: dt.date) -> int:
    """How many weeks have their Thursday in the month of ``day``."""
    first = day.replace(day=1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    count = 0
    while thursday.month == first.month:
        count += 1
        thursday += dt.timedelta(days=7)
    return count


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def aggregate(
    counts: npt.NDArray[np.int64], timeline: Timeline, step: TimeStep
) -> npt.NDArray[np.int64]:
    """Sum weekly counts (last axis: weeks) into the periods of ``step``."""
    return np.add.reduceat(counts, timeline.starts(step), axis=-1)
