"""Exact (Poisson, binomial) control limits for a count, continuous in the count.

The limit at a given mean is the count at which the exact one-sided test is on the
boundary: the lower limit y_L solves P(X <= y_L) = alpha/2 and the upper limit y_U solves
P(X >= y_U) = alpha/2, with the tail probabilities extended to non-integer counts through
the incomplete gamma and beta functions (their standard continuous extensions). At an
integer count an area is outside the limits exactly when its exact p-value is below alpha/2.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ldsa.stats._validate import FloatArray

#: Halvings of the unit interval when the upper limit falls below one event (2^-60).
_BISECTIONS = 60


def _bisect_below_one(
    parameter: FloatArray, p: float, trials: FloatArray | None = None
) -> FloatArray:
    """Solve P(X >= a) = p for a in (0, 1): Poisson (mean) or binomial (trials, proportion)."""
    low = np.zeros_like(parameter)
    high = np.ones_like(parameter)
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        if trials is None:
            tail = special.gammainc(middle, parameter)
        else:
            tail = special.betainc(middle, trials - middle + 1, parameter)
        # The tail falls as the count rises: while it is above p the root lies higher.
        low = np.where(tail > p, middle, low)
        high = np.where(tail > p, high, middle)
    return np.asarray((low + high) / 2, dtype=np.float64)


def poisson_limits_at(mean: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """Exact lower and upper count limits for a Poisson count with the given means."""
    m = np.asarray(mean, dtype=np.float64)
    safe = np.where(m > 0, m, 1.0)
    lower = np.maximum(special.pdtrik(alpha / 2, safe), 0.0)
    upper = special.pdtrik(1 - alpha / 2, safe) + 1
    # P(X >= 1) = 1 - exp(-m) is already below alpha/2: the boundary count is below 1.
    below_one = (1 - np.exp(-safe)) < alpha / 2
    if np.any(below_one):
        upper = np.where(below_one, _bisect_below_one(safe, alpha / 2), upper)
    lower = np.where(m > 0, lower, 0.0)
    upper = np.where(m > 0, upper, 0.0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def binomial_limits_at(
    trials: FloatArray, proportion: float, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Exact lower and upper count limits for a binomial count (trials, proportion)."""
    n = np.asarray(trials, dtype=np.float64)
    if proportion <= 0:
        return np.zeros_like(n), np.zeros_like(n)
    if proportion >= 1:
        return n.copy(), n.copy()
    lower = np.maximum(special.bdtrik(alpha / 2, n, proportion), 0.0)
    upper = special.bdtrik(1 - alpha / 2, n, proportion) + 1
    below_one = 1 - (1 - proportion) ** n < alpha / 2
    if np.any(below_one):
        theta = np.full_like(n, proportion)
        upper = np.where(below_one, _bisect_below_one(theta, alpha / 2, n), upper)
    upper = np.minimum(upper, n)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
