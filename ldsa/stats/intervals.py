"""Confidence intervals for a count (exact Poisson, Byar's) and a proportion (Wilson)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from ldsa.stats._validate import (
    FloatArray,
    StatsInputError,
    at_most,
    nonnegative,
    positive,
    same_shape,
    z_value,
)

#: Below this many events rates use exact Poisson limits; from it, Byar's approximation.
BYAR_THRESHOLD = 10


def _single_level(conf_level: float) -> float:
    if np.ndim(conf_level) != 0 or not 0 < conf_level < 1:
        raise StatsInputError(
            "conf_level: expected one probability strictly between 0 and 1 (for example 0.95)."
        )
    return float(conf_level)


def exact_poisson_interval(
    count: npt.ArrayLike, conf_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Exact (chi-squared) confidence limits for a Poisson count.

    Parameters
    ----------
    count
        Observed events, each >= 0 (need not be integers).
    conf_level
        Two-sided confidence level, for example 0.95 or 0.998.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)`` limits for the expected count, the same shape as ``count``.

    Notes
    -----
    lower = ½ χ²(α/2; 2O) and upper = ½ χ²(1 − α/2; 2O + 2). For O = 0 the lower limit
    is 0 and the upper limit is still positive (about 3.69 at 95%).

    References
    ----------
    Armitage P, Berry G. Statistical Methods in Medical Research, 4th ed. Blackwell, 2002.
    """
    level = _single_level(conf_level)
    observed = nonnegative("count", count)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(observed > 0, stats.chi2.ppf(alpha / 2, 2 * observed) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def byar_interval(count: npt.ArrayLike, conf_level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Byar's approximation to the Poisson confidence limits of a count.

    Parameters
    ----------
    count
        Observed events, each >= 0.
    conf_level
        Two-sided confidence level, for example 0.95 or 0.998.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)`` limits for the expected count.

    Notes
    -----
    lower = O (1 − 1/(9O) − z/(3√O))³ and upper = (O + 1)(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³.
    The approximation is used from 10 events. At very small counts and high levels the
    bracket in the lower limit turns negative (one event at 99.8%), where the formula gives
    no valid limit: the lower limit is then NaN. For O = 0 the lower limit is 0.

    References
    ----------
    Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II. IARC, 1987.
    """
    z = z_value(_single_level(conf_level))
    observed = nonnegative("count", count)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = 1 - 1 / (9 * observed) - z / (3 * np.sqrt(observed))
        lower = np.where(observed > 0, observed * base**3, 0.0)
        lower = np.where((observed > 0) & (base < 0), np.nan, lower)
    above = observed + 1
    upper = above * (1 - 1 / (9 * above) + z / (3 * np.sqrt(above))) ** 3
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def wilson_interval(
    successes: npt.ArrayLike, trials: npt.ArrayLike, conf_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score confidence limits for a proportion.

    Parameters
    ----------
    successes
        Events, each between 0 and the matching ``trials`` (need not be integers: a
        weighted or effective count is allowed).
    trials
        Denominators, each > 0.
    conf_level
        Two-sided confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)`` limits of the proportion, within [0, 1].

    Notes
    -----
    [2x + z² ∓ z √(z² + 4x(1 − x/n))] / [2(n + z²)]. Unlike the Wald interval it stays
    within [0, 1] and is informative at x = 0 and x = n.

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    JASA 1927;22:209-212. Newcombe RG, Altman DG. Proportions and their differences.
    In: Statistics with Confidence, 2nd ed. BMJ Books, 2000.
    """
    z = z_value(_single_level(conf_level))
    x = nonnegative("successes", successes)
    n = positive("trials", trials)
    x, n = np.broadcast_arrays(x, n)
    same_shape(successes=x, trials=n)
    at_most("successes", x, n, "trials")
    root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
    denominator = 2 * (n + z**2)
    # At x = 0 and x = n the limits are exactly 0 and 1; rounding must not move them.
    lower = np.where(x == 0, 0.0, np.clip((2 * x + z**2 - root) / denominator, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip((2 * x + z**2 + root) / denominator, 0.0, 1.0))
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def poisson_limits(
    count: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Exact limits below :data:`BYAR_THRESHOLD` events and Byar's from it, plus which."""
    exact = count < BYAR_THRESHOLD
    exact_lower, exact_upper = exact_poisson_interval(count, conf_level)
    byar_lower, byar_upper = byar_interval(count, conf_level)
    lower = np.where(exact, exact_lower, byar_lower)
    upper = np.where(exact, exact_upper, byar_upper)
    return lower, upper, exact
