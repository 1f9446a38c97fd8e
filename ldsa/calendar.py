"""Calendar facts shared by the dummy generator and the statistics: bank holidays, weeks.

England and Wales bank holidays are computed from the statutory rules (Banking and
Financial Dealings Act 1971, Schedule 1, with the substitute-day rule) plus the dates
moved or added by royal proclamation, for every year from :data:`CALENDAR_START` to
:data:`CALENDAR_END`. They match the GOV.UK list (https://www.gov.uk/bank-holidays) for
every year it publishes (tests/stats/test_calendar.py checks 2015-2026).
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd

#: First and last day the bank-holiday calendar covers.
CALENDAR_START = dt.date(2000, 1, 1)
CALENDAR_END = dt.date(2030, 12, 31)

# Proclamations: holidays moved (the usual date, then the new one) or added (None, date).
_PROCLAIMED: tuple[tuple[dt.date | None, dt.date], ...] = (
    (dt.date(2002, 5, 27), dt.date(2002, 6, 4)),  # spring holiday moved: Golden Jubilee
    (None, dt.date(2002, 6, 3)),  # Golden Jubilee
    (None, dt.date(2011, 4, 29)),  # wedding of Prince William and Catherine Middleton
    (dt.date(2012, 5, 28), dt.date(2012, 6, 4)),  # spring holiday moved: Diamond Jubilee
    (None, dt.date(2012, 6, 5)),  # Diamond Jubilee
    (dt.date(2020, 5, 4), dt.date(2020, 5, 8)),  # early May holiday moved: VE Day 75
    (dt.date(2022, 5, 30), dt.date(2022, 6, 2)),  # spring holiday moved: Platinum Jubilee
    (None, dt.date(2022, 6, 3)),  # Platinum Jubilee
    (None, dt.date(2022, 9, 19)),  # state funeral of Queen Elizabeth II
    (None, dt.date(2023, 5, 8)),  # coronation of King Charles III
)


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday (Gregorian), by the anonymous algorithm in Meeus, Astronomical
    Algorithms (1991), chapter 8."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return dt.date(year, month, day)


def _monday(year: int, month: int, last: bool) -> dt.date:
    """The first (or last) Monday of a month."""
    if last:
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        return end - dt.timedelta(days=end.weekday())
    start = dt.date(year, month, 1)
    return start + dt.timedelta(days=(7 - start.weekday()) % 7)


def _substitute(day: dt.date, taken: set[dt.date]) -> dt.date:
    """The day, or the next weekday that is not already a holiday if it falls at a weekend."""
    while day.weekday() >= 5 or day in taken:
        day += dt.timedelta(days=1)
    return day


def _year(year: int) -> set[dt.date]:
    easter = easter_sunday(year)
    days = {
        _substitute(dt.date(year, 1, 1), set()),
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        _monday(year, 5, last=False),
        _monday(year, 5, last=True),
        _monday(year, 8, last=True),
    }
    # Christmas, then Boxing Day on the next free weekday: a Sunday Christmas gives the
    # Monday and Tuesday, a Saturday one the Monday and Tuesday, a Friday one Friday and
    # Monday (the same days as GOV.UK, whichever of the two is called the substitute).
    days.add(_substitute(dt.date(year, 12, 25), days))
    days.add(_substitute(dt.date(year, 12, 26), days))
    for usual, new in _PROCLAIMED:
        if new.year != year:
            continue
        if usual is not None:
            days.discard(usual)
        days.add(new)
    return days


@functools.cache
def bank_holidays(first_year: int, last_year: int) -> tuple[dt.date, ...]:
    """England and Wales bank holidays from ``first_year`` to ``last_year``, in order.

    Raises ValueError for years outside the calendar (2000-2030), where proclamations
    are not recorded here.
    """
    if first_year < CALENDAR_START.year or last_year > CALENDAR_END.year:
        raise ValueError(
            f"bank_holidays: years {first_year}-{last_year} outside the calendar "
            f"({CALENDAR_START.year}-{CALENDAR_END.year}); extend ldsa.calendar."
        )
    return tuple(sorted(day for year in range(first_year, last_year + 1) for day in _year(year)))


#: Bank holidays in England and Wales, 2015-2030 (the years the extract can hold and after).
BANK_HOLIDAYS: tuple[dt.date, ...] = bank_holidays(2015, 2030)


@functools.cache
def _holiday_index() -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        pd.to_datetime(list(bank_holidays(CALENDAR_START.year, CALENDAR_END.year)))
    )


def is_bank_holiday(days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Return a boolean array: True where the day is an England and Wales bank holiday.

    Days outside :data:`CALENDAR_START` .. :data:`CALENDAR_END` are never holidays here;
    check :func:`calendar_covers` first where that matters.
    """
    values = pd.DatetimeIndex(days).normalize()
    return np.asarray(values.isin(_holiday_index()))


def calendar_covers(days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Return a boolean array: True where the bank-holiday calendar covers the day."""
    values = pd.DatetimeIndex(days).normalize()
    start, end = pd.Timestamp(CALENDAR_START), pd.Timestamp(CALENDAR_END)
    return np.asarray((values >= start) & (values <= end))


def week_start(days: pd.DatetimeIndex | pd.Series) -> pd.DatetimeIndex:
    """Return the Monday that starts the ISO week of each day (weeks run Monday to Sunday)."""
    values = pd.DatetimeIndex(days).normalize()
    return values - pd.to_timedelta(values.day_of_week, unit="D")
