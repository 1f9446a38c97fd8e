"""Crude rates (Poisson limits) and proportions (Wilson limits), one row per input."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._validate import (
    ConfLevel,
    at_most,
    conf_levels,
    limit_names,
    nonnegative,
    positive,
    same_shape,
)
from ldsa.stats.intervals import BYAR_THRESHOLD, poisson_limits, wilson_interval

EXACT = "exact Poisson"
BYAR = "Byar"
WILSON = "Wilson"


def crude_rate(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    multiplier: float = 100_000,
    conf_level: ConfLevel = 0.95,
) -> pd.DataFrame:
    """Crude rates with Poisson confidence limits.

    Parameters
    ----------
    count
        Events, each >= 0.
    population
        Population or person-years at risk, each > 0, the same length as ``count``.
    multiplier
        Rates are per this many (100,000 by default).
    conf_level
        One level (columns ``lower``, ``upper``) or several, for example ``(0.95, 0.998)``
        (columns ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``).

    Returns
    -------
    pandas.DataFrame
        One row per input: ``count``, ``population``, ``value``, the limits, ``method``
        (``"exact Poisson"`` or ``"Byar"``) and ``reason`` (missing: every rate is
        calculated).

    Raises
    ------
    StatsInputError
        A ValueError naming the argument: negative or missing counts, zero, negative or
        missing populations, or mismatched lengths.

    Notes
    -----
    value = x / n × multiplier; limits are the Poisson limits of x divided by n, times the
    multiplier: exact (chi-squared) below 10 events, Byar's approximation from 10. A count
    of zero has rate 0, lower limit 0 and a positive upper limit.

    References
    ----------
    Public Health England. Technical guide: confidence intervals (2018).
    Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II. IARC, 1987.
    """
    x = np.atleast_1d(nonnegative("count", count))
    n = np.atleast_1d(positive("population", population))
    same_shape(count=x, population=n)
    levels, multi = conf_levels(conf_level)
    out = pd.DataFrame({"count": x, "population": n, "value": x / n * multiplier})
    exact = x < BYAR_THRESHOLD
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper, _ = poisson_limits(x, level)
        out[lower_name] = lower / n * multiplier
        out[upper_name] = upper / n * multiplier
    out["method"] = np.where(exact, EXACT, BYAR)
    out["reason"] = pd.Series([None] * len(out), dtype="string")
    return out


def proportion(
    successes: npt.ArrayLike,
    trials: npt.ArrayLike,
    conf_level: ConfLevel = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportions with Wilson score confidence limits.

    Parameters
    ----------
    successes
        Events, each between 0 and its ``trials``.
    trials
        Denominators, each > 0, the same length as ``successes``.
    conf_level
        One level or several (see :func:`crude_rate` for the column names).
    multiplier
        1 for a proportion, 100 for a percentage.

    Returns
    -------
    pandas.DataFrame
        One row per input: ``successes``, ``trials``, ``value``, the limits, ``method``
        (``"Wilson"``) and ``reason``.

    Raises
    ------
    StatsInputError
        Negative or missing values, zero trials, successes above trials, mismatched lengths.

    Notes
    -----
    value = x / n × multiplier; limits from the Wilson score interval, which stays within
    [0, 1] (times the multiplier), including at x = 0 and x = n.

    References
    ----------
    Wilson EB. JASA 1927;22:209-212. Newcombe RG, Altman DG. Statistics with Confidence,
    2nd ed. BMJ Books, 2000.
    """
    x = np.atleast_1d(nonnegative("successes", successes))
    n = np.atleast_1d(positive("trials", trials))
    same_shape(successes=x, trials=n)
    at_most("successes", x, n, "trials")
    levels, multi = conf_levels(conf_level)
    out = pd.DataFrame({"successes": x, "trials": n, "value": x / n * multiplier})
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper = wilson_interval(x, n, level)
        out[lower_name] = lower * multiplier
        out[upper_name] = upper * multiplier
    out["method"] = WILSON
    out["reason"] = pd.Series([None] * len(out), dtype="string")
    return out
