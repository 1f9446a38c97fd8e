"""Penalised binomial regression: a P-spline in time plus category effects.

The engine of :func:`ldsa.stats.survey_positivity`. An unpenalised spline with one knot a
fortnight diverges wherever a stretch of weeks has no positive swab (the summer of 2020 in
most areas), so the spline's coefficients carry a second-difference penalty (Eilers and
Marx's P-spline) whose weight is chosen by AIC, and the category effects a weak ridge that
keeps them finite where a group has no positive.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.interpolate import BSpline
from scipy.special import expit, xlogy

from ldsa.stats._validate import FloatArray

#: Penalty weights tried for the spline, smoothest last; AIC chooses.
PENALTIES = (0.1, 1.0, 10.0, 100.0, 1_000.0, 10_000.0)
#: Ridge on category effects: a prior standard deviation of 10 on the logit scale.
RIDGE = 0.01
#: Weight of a first-difference penalty on the spline: the second-difference penalty lets
#: a straight line run unchecked, so through weeks without a positive the curve would fall
#: towards zero per cent without limit (and its interval widen towards 100%); this bounds
#: its slope there, and barely touches it where the swabs say otherwise.
SLOPE = 1.0
_DEGREE = 3
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-8


@dataclasses.dataclass(frozen=True)
class PenalisedFit:
    """A fitted penalised binomial model.

    Attributes
    ----------
    params
        Coefficients: the spline's first, then the category effects.
    cov
        Their Bayesian covariance, ``dispersion * (X'WX + S)^-1`` (Wood 2006, 4.8).
    edf, df_resid
        Effective degrees of freedom and the cells less them.
    penalty, dispersion
        The spline's penalty weight (chosen by AIC) and the Pearson dispersion (at least 1).
    """

    params: FloatArray
    cov: FloatArray
    edf: float
    df_resid: float
    penalty: float
    dispersion: float


def spline_basis(t: FloatArray, last: float, n_basis: int) -> FloatArray:
    """Cubic B-splines on equally spaced knots over ``[0, last]``, one column each.

    The columns sum to 1 at every ``t``, so the basis holds the intercept.
    """
    spacing = max(last, 1.0) / (n_basis - _DEGREE)
    knots = spacing * np.arange(-_DEGREE, n_basis + 1, dtype=np.float64)
    clipped = np.clip(np.asarray(t, dtype=np.float64), 0.0, knots[n_basis])
    matrix = BSpline.design_matrix(clipped, knots, _DEGREE)
    return np.asarray(matrix.toarray(), dtype=np.float64)


def fit_penalised_binomial(
    X: FloatArray, positive: FloatArray, tests: FloatArray, n_spline: int
) -> PenalisedFit | None:
    """Fit ``positive`` of ``tests`` on ``X`` (spline columns first); None if it diverges.

    Parameters
    ----------
    X
        Design matrix: ``n_spline`` B-spline columns, then category indicators.
    positive, tests
        Successes and trials per row (cell).
    n_spline
        How many of the first columns are the spline.

    Notes
    -----
    Penalised iteratively reweighted least squares, for each penalty weight of
    :data:`PENALTIES` on the spline's second differences (with a fixed weak penalty,
    :data:`SLOPE`, on its first differences and :data:`RIDGE` on the category effects); the
    fit with the smallest AIC (deviance + 2 edf) is kept.

    References
    ----------
    Eilers PHC, Marx BD. Flexible smoothing with B-splines and penalties. Statistical
    Science 1996;11:89-121. Wood SN. Generalized Additive Models. Chapman & Hall, 2006.
    """
    curvature = np.diff(np.eye(n_spline), 2, axis=0)
    slope = np.diff(np.eye(n_spline), 1, axis=0)
    shape = np.zeros((X.shape[1], X.shape[1]))
    shape[:n_spline, :n_spline] = curvature.T @ curvature
    ridge = np.diag(np.r_[np.zeros(n_spline), np.full(X.shape[1] - n_spline, RIDGE)])
    ridge[:n_spline, :n_spline] += SLOPE * slope.T @ slope
    best: tuple[float, PenalisedFit] | None = None
    start = None
    for weight in PENALTIES:  # each fit starts from the last: a few iterations each
        fitted = _fit(X, positive, tests, weight * shape + ridge, n_spline, start)
        if fitted is not None:
            aic, fit = fitted
            fit = dataclasses.replace(fit, penalty=weight)
            start = fit.params
            if best is None or aic < best[0]:
                best = (aic, fit)
    return None if best is None else best[1]


def _fit(
    X: FloatArray,
    y: FloatArray,
    n: FloatArray,
    penalty: FloatArray,
    n_spline: int,
    start: FloatArray | None,
) -> tuple[float, PenalisedFit] | None:
    share = np.clip(y.sum() / n.sum(), 1e-4, 1 - 1e-4)
    beta = (
        np.r_[np.full(n_spline, np.log(share / (1 - share))), np.zeros(X.shape[1] - n_spline)]
        if start is None
        else start.copy()
    )
    for _ in range(_MAX_ITERATIONS):
        mu = expit(X @ beta)
        weight = np.maximum(n * mu * (1 - mu), 1e-10)
        z = X @ beta + (y - n * mu) / weight
        information = _weighted_gram(X, weight)
        try:
            new = np.linalg.solve(information + penalty, X.T @ (weight * z))
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(new)):
            return None
        step = np.max(np.abs(new - beta))
        beta = new
        if step < _TOLERANCE * (1 + np.max(np.abs(beta))):
            break
    else:
        return None
    mu = expit(X @ beta)
    weight = np.maximum(n * mu * (1 - mu), 1e-10)
    information = _weighted_gram(X, weight)
    try:
        inverse = np.linalg.inv(information + penalty)
    except np.linalg.LinAlgError:
        return None
    edf = float(np.trace(inverse @ information))
    expected = n * mu
    deviance = 2 * float(
        np.sum(xlogy(y, y / np.maximum(expected, 1e-300)))
        + np.sum(xlogy(n - y, (n - y) / np.maximum(n - expected, 1e-300)))
    )
    df_resid = float(len(y) - edf)
    pearson = float(np.sum((y - expected) ** 2 / weight))
    dispersion = max(1.0, pearson / df_resid) if df_resid > 0 else 1.0
    cov = np.asarray(dispersion * inverse, dtype=np.float64)
    fit = PenalisedFit(beta, cov, edf, df_resid, 0.0, dispersion)
    return deviance + 2 * edf, fit


def _weighted_gram(X: FloatArray, weight: FloatArray) -> FloatArray:
    """X'WX by numpy's own loops: a threaded BLAS product of these small matrices costs
    more in thread start-up than it saves, and oversubscribes the cores of a batch."""
    return np.asarray(np.einsum("ij,i,ik->jk", X, weight, X), dtype=np.float64)
