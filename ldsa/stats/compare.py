"""Comparisons: each area's interval against a benchmark (England, its region), and one
period's count against the period before."""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ldsa.stats._validate import StatsInputError, nonnegative


class Comparison(enum.Enum):
    """How an area compares with a benchmark (Fingertips practice)."""

    HIGHER = "higher"
    SIMILAR = "similar"
    LOWER = "lower"
    NOT_COMPARED = "not compared"


def compare_with_benchmark(
    lower: npt.ArrayLike, upper: npt.ArrayLike, benchmark: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """Say whether each area is significantly higher, similar to or lower than a benchmark.

    Parameters
    ----------
    lower, upper
        Each area's confidence limits (NaN where the value was not calculated).
    benchmark
        The comparator value (England or region): one number, or one per area.

    Returns
    -------
    numpy.ndarray
        The :class:`Comparison` value of each area: ``"higher"`` when the benchmark lies
        below the lower limit, ``"lower"`` when above the upper limit, ``"similar"``
        otherwise, and ``"not compared"`` where a limit or the benchmark is missing.

    Raises
    ------
    StatsInputError
        Arrays that cannot be broadcast together, or a lower limit above its upper limit.

    Notes
    -----
    A benchmark exactly on a limit counts as similar. The level of the comparison is the
    level of the interval passed (95% or 99.8% in Fingertips).

    References
    ----------
    Public Health England. Fingertips: technical guide to significance testing against a
    benchmark (2018).
    """
    try:
        lo, hi, bench = np.broadcast_arrays(
            np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
            np.asarray(benchmark, dtype=np.float64),
        )
    except ValueError:
        raise StatsInputError(
            "lower, upper, benchmark: mismatched lengths; pass one benchmark or one per area."
        ) from None
    known = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(bench))
    inverted = int(np.count_nonzero(known & (lo > hi)))
    if inverted:
        raise StatsInputError(
            f"lower: above upper at {inverted} position(s); pass (lower, upper) in order."
        )
    result = np.full(lo.shape, Comparison.SIMILAR.value, dtype=object)
    result[known & (bench < lo)] = Comparison.HIGHER.value
    result[known & (bench > hi)] = Comparison.LOWER.value
    result[~known] = Comparison.NOT_COMPARED.value
    return result.astype(np.str_)


def compare_counts(
    current: npt.ArrayLike, previous: npt.ArrayLike, conf_level: float = 0.95
) -> pd.DataFrame:
    """Change between two counts over equal exposure (this week against the last).

    Parameters
    ----------
    current, previous
        Event counts of the later and the earlier period (same population, same length).
    conf_level
        Level of the ratio's interval; a change is significant at ``1 - conf_level``.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``change`` (current - previous), ``percent`` (change as a
        percentage of previous; NaN when previous is 0), ``ratio`` (current / previous),
        ``ratio_lower``, ``ratio_upper``, ``p_value`` (two-sided) and ``significant``
        (bool), and ``direction``: ``"increased"``, ``"decreased"`` or ``"no significant
        change"``.

    Raises
    ------
    StatsInputError
        Negative, non-whole or mismatched counts.

    Notes
    -----
    Conditional on the total n = current + previous, current is binomial with probability
    pi = rate ratio / (1 + rate ratio) under Poisson counts; the p-value is the exact
    two-sided binomial test of pi = 1/2 (twice the smaller tail, at most 1) and the ratio's
    interval is the Clopper-Pearson interval of pi mapped to pi / (1 - pi). With no events
    in either period nothing is tested (p-value 1, ratio NaN).

    References
    ----------
    Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II. IARC 1987, 2.4.
    Armitage P, Berry G. Statistical Methods in Medical Research, 4th ed. 2002, 5.3.
    """
    later = nonnegative("current", current)
    earlier = nonnegative("previous", previous)
    if later.shape != earlier.shape:
        raise StatsInputError("current, previous: mismatched lengths; pass one pair per row.")
    if np.any(later != np.floor(later)) or np.any(earlier != np.floor(earlier)):
        raise StatsInputError("current, previous: expected whole counts of events.")
    total = later + earlier
    alpha = 1 - conf_level
    low_tail = stats.binom.cdf(later, total, 0.5)
    high_tail = stats.binom.sf(later - 1, total, 0.5)
    p_value = np.minimum(1.0, 2 * np.minimum(low_tail, high_tail))
    with np.errstate(divide="ignore", invalid="ignore"):
        pi_low = np.where(later > 0, stats.beta.ppf(alpha / 2, later, earlier + 1), 0.0)
        pi_high = np.where(earlier > 0, stats.beta.ppf(1 - alpha / 2, later + 1, earlier), 1.0)
        ratio = np.where(earlier > 0, later / earlier, np.nan)
        percent = np.where(earlier > 0, (later - earlier) / earlier * 100, np.nan)
        lower = np.where(total > 0, pi_low / (1 - pi_low), np.nan)
        upper = np.where((total > 0) & (pi_high < 1), pi_high / (1 - pi_high), np.inf)
    upper = np.where(total > 0, upper, np.nan)
    significant = p_value < alpha
    direction = np.where(
        significant, np.where(later > earlier, "increased", "decreased"), "no significant change"
    )
    return pd.DataFrame(
        {
            "change": later - earlier,
            "percent": percent,
            "ratio": ratio,
            "ratio_lower": lower,
            "ratio_upper": upper,
            "p_value": p_value,
            "significant": significant,
            "direction": direction,
        }
    )


def compare_estimates(
    value: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    other_value: npt.ArrayLike,
    other_lower: npt.ArrayLike,
    other_upper: npt.ArrayLike,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Compare two independent positive estimates (rates, DSRs, ratios) with 95% limits.

    Parameters
    ----------
    value, lower, upper
        The first estimates and their 95% limits (one per pair; NaN where not calculated).
    other_value, other_lower, other_upper
        The estimates compared with, and their 95% limits.
    conf_level
        A difference is significant at ``1 - conf_level``.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``ratio`` (value / other value), ``z``, ``p_value`` (two-sided)
        and ``comparison``: the :class:`Comparison` of the first with the second
        (``"higher"``, ``"similar"``, ``"lower"``, or ``"not compared"`` where a value or
        limit is missing or not positive).

    Raises
    ------
    StatsInputError
        Arrays that cannot be broadcast together.

    Notes
    -----
    On the log scale each estimate's standard error is taken from its 95% limits,
    s = (ln upper − ln lower) / (2 × 1.959964), and z = (ln a − ln b) / √(s_a² + s_b²),
    a normal test of the ratio of two independent estimates. Unlike asking whether one
    value lies outside the other's interval (:func:`compare_with_benchmark`, for a
    benchmark known almost exactly), it allows for the uncertainty of both, so a small
    authority is not called different from a neighbour on its neighbour's interval alone.

    References
    ----------
    Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ
    2011;343:d2304. Altman DG, Bland JM. Interaction revisited: the difference between two
    estimates. BMJ 2003;326:219.
    """
    try:
        arrays = np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(a, dtype=np.float64))
              for a in (value, lower, upper, other_value, other_lower, other_upper))
        )  # fmt: skip
    except ValueError:
        raise StatsInputError(
            "value, other_value: mismatched lengths; pass one per pair."
        ) from None
    a, a_low, a_high, b, b_low, b_high = arrays
    known = np.all([np.isfinite(x) & (x > 0) for x in arrays], axis=0)
    known &= (a_high > a_low) & (b_high > b_low)
    z_95 = stats.norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(((np.log(a_high) - np.log(a_low)) / (2 * z_95)) ** 2
                     + ((np.log(b_high) - np.log(b_low)) / (2 * z_95)) ** 2)  # fmt: skip
        z = np.where(known, (np.log(a) - np.log(b)) / se, np.nan)
        ratio = np.where(known, a / b, np.nan)
    p_value = np.where(known, 2 * stats.norm.sf(np.abs(z)), np.nan)
    comparison = np.full(a.shape, Comparison.SIMILAR.value, dtype=object)
    significant = known & (p_value < 1 - conf_level)
    comparison[significant & (z > 0)] = Comparison.HIGHER.value
    comparison[significant & (z < 0)] = Comparison.LOWER.value
    comparison[~known] = Comparison.NOT_COMPARED.value
    return pd.DataFrame(
        {"ratio": ratio, "z": z, "p_value": p_value, "comparison": comparison.astype(str)}
    )
