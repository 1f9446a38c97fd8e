"""Calendar facts shared by the dummy generator and the statistics: bank holidays, weeks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

_BANK_HOLIDAYS_BY_YEAR = (
    "2015-01-01 2015-04-03 2015-04-06 2015-05-04 2015-05-25 2015-08-31 2015-12-25 2015-12-28",
    "2016-01-01 2016-03-25 2016-03-28 2016-05-02 2016-05-30 2016-08-29 2016-12-26 2016-12-27",
    "2017-01-02 2017-04-14 2017-04-17 2017-05-01 2017-05-29 2017-08-28 2017-12-25 2017-12-26",
    "2018-01-01 2018-03-30 2018-04-02 2018-05-07 2018-05-28 2018-08-27 2018-12-25 2018-12-26",
    "2019-01-01 2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26 2019-12-25 2019-12-26",
    "2020-01-01 2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31 2020-12-25 2020-12-28",
    "2021-01-01 2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30 2021-12-27 2021-12-28",
    "2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19",
    "2022-12-26 2022-12-27",
)
#: Bank holidays in England and Wales, 2015-2022 (GOV.UK bank-holidays list).
BANK_HOLIDAYS: tuple[dt.date, ...] = tuple(
    dt.date.fromisoformat(day) for year in _BANK_HOLIDAYS_BY_YEAR for day in year.split()
)


def is_bank_holiday(days: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """Return a boolean array: True where the day is an England and Wales bank holiday."""
    holidays = pd.to_datetime(list(BANK_HOLIDAYS))
    values = pd.DatetimeIndex(days).normalize()
    return np.asarray(values.isin(holidays))


def week_start(days: pd.DatetimeIndex | pd.Series) -> pd.DatetimeIndex:
    """Return the Monday that starts the ISO week of each day (weeks run Monday to Sunday)."""
    values = pd.DatetimeIndex(days).normalize()
    return values - pd.to_timedelta(values.day_of_week, unit="D")
