"""Days as integers (days since 1970-01-01), date ranges, and date-keyed curves."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from ldsa.calendar import BANK_HOLIDAYS
from ldsa.data.schemas import PERIOD_END, PERIOD_START

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
_EPOCH = dt.date(1970, 1, 1)


def epoch_day(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH).days


def period_days(start: dt.date = PERIOD_START, end: dt.date = PERIOD_END) -> Ints:
    """Days since 1970-01-01 from ``start`` to ``end`` inclusive."""
    return np.arange(epoch_day(start), epoch_day(end) + 1, dtype=np.int64)


def interpolate(nodes: tuple[tuple[str, float], ...], days: Ints) -> Floats:
    """Linear interpolation between ``(ISO date, value)`` nodes, flat outside them."""
    x = np.array([epoch_day(dt.date.fromisoformat(d)) for d, _ in nodes])
    return np.interp(days, x, [v for _, v in nodes])


def day_of_week(days: Ints) -> Ints:
    """0 for Monday ... 6 for Sunday."""
    return np.asarray((days + 3) % 7)  # 1970-01-01 was a Thursday


def bank_holidays() -> Ints:
    """England and Wales bank holidays as days since 1970-01-01."""
    return np.array([epoch_day(d) for d in BANK_HOLIDAYS], dtype=np.int64)


def weekday_factor(days: Ints, weekday: Floats, bank_holiday: float) -> Floats:
    """Day-of-week factor (``weekday``, Monday first), times ``bank_holiday`` on holidays."""
    factor = weekday[day_of_week(days)]
    return np.where(np.isin(days, bank_holidays()), factor * bank_holiday, factor)
