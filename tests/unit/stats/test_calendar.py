"""Tests for the bank-holiday calendar (ldsa.calendar) that excess deaths rely on."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ldsa.calendar import (
    BANK_HOLIDAYS,
    CALENDAR_END,
    bank_holidays,
    calendar_covers,
    easter_sunday,
    is_bank_holiday,
    week_start,
)

# GOV.UK bank holidays, England and Wales (https://www.gov.uk/bank-holidays and its
# archived editions), as published: 2015-2022 is the list ldsa carried before the
# calendar was computed; 2023-2026 as GOV.UK lists them.
GOV_UK = """
2015-01-01 2015-04-03 2015-04-06 2015-05-04 2015-05-25 2015-08-31 2015-12-25 2015-12-28
2016-01-01 2016-03-25 2016-03-28 2016-05-02 2016-05-30 2016-08-29 2016-12-26 2016-12-27
2017-01-02 2017-04-14 2017-04-17 2017-05-01 2017-05-29 2017-08-28 2017-12-25 2017-12-26
2018-01-01 2018-03-30 2018-04-02 2018-05-07 2018-05-28 2018-08-27 2018-12-25 2018-12-26
2019-01-01 2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26 2019-12-25 2019-12-26
2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 2020-12-25 2020-12-28
2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 2021-12-27 2021-12-28
2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19
2022-12-26 2022-12-27
2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28 2023-12-25
2023-12-26
2024-01-01 2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26 2024-12-25 2024-12-26
2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26
2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28
"""


def test_matches_gov_uk_2015_to_2026() -> None:
    """The computed calendar equals GOV.UK's list, day for day, for 2015-2026."""
    published = [dt.date.fromisoformat(day) for day in GOV_UK.split()]
    assert list(bank_holidays(2015, 2026)) == published
    assert BANK_HOLIDAYS[: len(published)] == tuple(published)


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2000, "2000-04-23"), (2008, "2008-03-23"), (2011, "2011-04-24"), (2019, "2019-04-21"),
     (2024, "2024-03-31"), (2030, "2030-04-21")],
)  # fmt: skip
def test_easter(year: int, easter: str) -> None:
    """Easter Sunday by the computus, including the earliest (2008) and late ones."""
    assert easter_sunday(year) == dt.date.fromisoformat(easter)


def test_proclaimed_days_and_substitutes() -> None:
    """Jubilees, the 2011 wedding and Christmas substitutes are in place; 2030 is covered."""
    holidays = set(bank_holidays(2000, 2030))
    assert {dt.date(2002, 6, 3), dt.date(2002, 6, 4), dt.date(2011, 4, 29)} <= holidays
    assert {dt.date(2012, 6, 4), dt.date(2012, 6, 5)} <= holidays
    assert dt.date(2012, 5, 28) not in holidays
    assert {dt.date(2027, 12, 27), dt.date(2027, 12, 28)} <= holidays  # Christmas on Saturday
    assert {dt.date(2030, 12, 25), dt.date(2030, 12, 26)} <= holidays
    assert len([d for d in holidays if d.year == 2030]) == 8


def test_lookups_and_coverage() -> None:
    """Holiday and coverage look-ups over dates; a week starting 2022-12-31 is covered."""
    days = pd.Series(pd.to_datetime(["2022-12-31", "2023-01-02", "2030-12-31", "2031-01-01"]))
    assert list(is_bank_holiday(days)) == [False, True, False, False]
    assert list(calendar_covers(days)) == [True, True, True, False]
    assert list(week_start(days[:1])) == [pd.Timestamp("2022-12-26")]
    assert dt.date(2030, 12, 31) == CALENDAR_END
    with pytest.raises(ValueError, match="outside the calendar"):
        bank_holidays(1999, 2001)
