"""Means with Student's t confidence intervals, one row per group."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ldsa.stats._validate import (
    ConfLevel,
    as_float_array,
    by_columns,
    conf_levels,
    group_codes,
    limit_names,
    reasons,
    require_columns,
)

METHOD = "Student's t"
#: Reason given when no interval can be calculated (one value has no spread).
FEWER_THAN_2 = "fewer than 2 values"


def sample_mean(
    frame: pd.DataFrame,
    value: str = "value",
    by: str | Sequence[str] | None = None,
    conf_level: ConfLevel = 0.95,
) -> pd.DataFrame:
    """Means of individual values with Student's t confidence limits.

    Parameters
    ----------
    frame
        One row per individual value (for example a measurement per child).
    value
        Column of the values; every value must be present and finite.
    by
        Grouping column(s), for example ``"la_code"``; None for one group.
    conf_level
        One level or several (``lower_95``, ``upper_95``, ... when several).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``count``, ``total``, ``sd`` (sample
        standard deviation, n − 1 denominator), ``value`` (the mean), the limits,
        ``method`` (``"Student's t"``) and ``reason``.

    Raises
    ------
    StatsInputError
        A missing column, or missing, infinite or non-numeric values.

    Notes
    -----
    x̄ ± t(α/2; n − 1) s/√n. With one value the mean is given but no interval (no spread
    to estimate: reason ``"fewer than 2 values"``); values all equal give a zero-width
    interval. The interval assumes values independent and roughly normal, or enough of
    them for the central limit theorem.

    References
    ----------
    Student. The probable error of a mean. Biometrika 1908;6:1-25.
    Public Health England. Technical guide: confidence intervals (2018); PHEindicatormethods
    phe_mean.
    """
    keys = by_columns(by)
    require_columns(frame, "frame", [value, *keys])
    x = as_float_array(value, frame[value])
    codes, out = group_codes(frame, keys)
    grouped = pd.Series(x).groupby(codes)
    count = grouped.count().to_numpy(dtype=np.float64)
    total = grouped.sum().to_numpy(dtype=np.float64)
    sd = grouped.std(ddof=1).to_numpy(dtype=np.float64)
    mean = total / count
    out["count"] = count.astype(np.int64)
    out["total"] = total
    out["sd"] = sd
    out["value"] = mean
    levels, multi = conf_levels(conf_level)
    enough = count >= 2
    degrees = np.where(enough, count - 1, 1.0)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        half = stats.t.ppf(1 - (1 - level) / 2, degrees) * np.where(enough, sd, 0) / np.sqrt(count)
        out[lower_name] = np.where(enough, mean - half, np.nan)
        out[upper_name] = np.where(enough, mean + half, np.nan)
    out["method"] = METHOD
    out["reason"] = reasons(~enough, FEWER_THAN_2)
    return out
