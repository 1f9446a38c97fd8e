"""Funnel plots (Spiegelhalter 2005) with over-dispersion tests and adjustments."""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    as_float_array,
    conf_levels,
    level_suffix,
    limit_names,
    nonnegative,
    positive,
    same_shape,
    z_value,
)

Kind = Literal["proportion", "rate", "ratio", "normal"]
KINDS: tuple[str, ...] = ("proportion", "rate", "ratio", "normal")


class Adjustment(enum.Enum):
    """Which over-dispersion adjustment widened the control limits."""

    NONE = "none"
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"


class Position(enum.Enum):
    """Where an area lies relative to a pair of control limits."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


@dataclasses.dataclass(frozen=True)
class Overdispersion:
    """The over-dispersion test of a set of z-scores, and the random-effects variance."""

    n_units: int
    phi: float  #: mean squared winsorised z-score
    statistic: float  #: I φ, compared with χ²(I − 1)
    critical_value: float
    p_value: float
    overdispersed: bool
    tau2: float  #: additive random-effects variance τ² on the per-unit scale
    winsor: float
    significance: float


@dataclasses.dataclass(frozen=True)
class FunnelResult:
    """Funnel-plot data: one row per area, the test, the adjustment used and the target."""

    points: pd.DataFrame
    overdispersion: Overdispersion
    adjustment: Adjustment
    target: float
    kind: str


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise StatsInputError(f"kind: expected one of {list(KINDS)}.")


def _null_se(kind: str, theta: float, precision: FloatArray) -> FloatArray:
    """Standard error of the indicator (per-unit scale) at the target, for each precision."""
    if kind == "proportion":
        return np.asarray(np.sqrt(theta * (1 - theta) / precision), dtype=np.float64)
    if kind in ("rate", "ratio"):
        return np.asarray(np.sqrt(theta / precision), dtype=np.float64)
    return np.asarray(1 / np.sqrt(precision), dtype=np.float64)


def _interpolated_quantile(
    cdf_at: FloatArray, cdf_below: FloatArray, quantile: FloatArray, p: float
) -> FloatArray:
    """Spiegelhalter's interpolation between the integer quantiles of a discrete law."""
    step = cdf_at - cdf_below
    fraction = np.where(step > 0, (cdf_at - p) / np.where(step > 0, step, 1.0), 0.0)
    return np.asarray(quantile - fraction, dtype=np.float64)


def _exact_limit(kind: str, theta: float, precision: FloatArray, p: float) -> FloatArray:
    if kind == "proportion":
        trials = np.round(precision)
        q = stats.binom.ppf(p, trials, theta)
        at, below = stats.binom.cdf(q, trials, theta), stats.binom.cdf(q - 1, trials, theta)
    else:
        mean = theta * precision
        q = stats.poisson.ppf(p, mean)
        at, below = stats.poisson.cdf(q, mean), stats.poisson.cdf(q - 1, mean)
    return np.maximum(_interpolated_quantile(at, below, q, p), 0.0) / precision


def funnel_limits(
    precision: npt.ArrayLike,
    target: float,
    kind: Kind = "rate",
    conf_level: ConfLevel = (0.95, 0.998),
    multiplier: float = 1.0,
    adjustment: Adjustment | str = Adjustment.NONE,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Funnel-plot control limits around a target, for each precision.

    Parameters
    ----------
    precision
        Trials (``"proportion"``), population (``"rate"``), expected count (``"ratio"``),
        or 1/se² on the indicator's scale (``"normal"``, for example DSRs with their
        Dobson standard errors). Each > 0.
    target
        The target θ₀ on the indicator's scale (already times ``multiplier``).
    kind
        ``"proportion"``, ``"rate"``, ``"ratio"`` or ``"normal"``.
    conf_level
        Levels of the limits; 95% (about 2σ) and 99.8% (about 3σ) by default.
    multiplier
        The indicator's multiplier (100,000 for rates per 100,000; 100 for SMRs x 100).
    adjustment, phi, tau2
        Over-dispersion adjustment, an :class:`Adjustment` or its value (``"none"``,
        ``"multiplicative"``, ``"additive"``), with φ and τ² from
        :func:`overdispersion_test`: limits θ₀ ± z √φ s
        (multiplicative) or θ₀ ± z √(s² + τ²) (additive, τ² on the per-unit scale).

    Returns
    -------
    pandas.DataFrame
        ``precision``, ``target``, the limits (``lower``/``upper`` for one level,
        ``lower_95``, ... for several), and ``method``.

    Notes
    -----
    Unadjusted limits for proportions, rates and ratios are the exact binomial or Poisson
    quantiles of the expected count at the target, interpolated between integers as in
    Spiegelhalter's appendix so that the funnel is smooth even at small counts, divided by
    the precision. ``"normal"`` limits are θ₀ ± z s. Limits are floored at 0 (and capped at
    1 for proportions).

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202. doi:10.1002/sim.1970.
    Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
    Care 2005;14:347-351.
    """
    _check_kind(kind)
    try:
        adjustment = Adjustment(adjustment)
    except ValueError:
        raise StatsInputError(
            f"adjustment: expected one of {[a.value for a in Adjustment]}."
        ) from None
    rho = np.atleast_1d(positive("precision", precision))
    theta = float(as_float_array("target", target)) / multiplier
    if kind == "proportion" and not 0 <= theta <= 1:
        raise StatsInputError("target: a proportion's target must lie within [0, 1].")
    if theta < 0:
        raise StatsInputError("target: must be >= 0.")
    if kind == "normal":
        rho = rho * multiplier**2  # 1/se² on the per-unit scale
    levels, multi = conf_levels(conf_level)
    se = _null_se(kind, theta, rho)
    out = pd.DataFrame({"precision": np.atleast_1d(np.asarray(precision, dtype=np.float64))})
    out["target"] = theta * multiplier
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        z = z_value(level)
        if adjustment is Adjustment.MULTIPLICATIVE:
            half = z * np.sqrt(phi) * se
            lower, upper = theta - half, theta + half
        elif adjustment is Adjustment.ADDITIVE:
            half = z * np.sqrt(se**2 + tau2)
            lower, upper = theta - half, theta + half
        elif kind == "normal":
            lower, upper = theta - z * se, theta + z * se
        else:
            alpha = 1 - level
            lower = _exact_limit(kind, theta, rho, alpha / 2)
            upper = _exact_limit(kind, theta, rho, 1 - alpha / 2)
        cap = 1.0 if kind == "proportion" else np.inf
        out[lower_name] = np.clip(lower, 0.0, cap) * multiplier
        out[upper_name] = np.clip(upper, 0.0, cap) * multiplier
    exact = kind != "normal" and adjustment is Adjustment.NONE
    out["method"] = f"{'exact' if exact else 'normal'}; adjustment {adjustment.value}"
    return out


def overdispersion_test(
    z: npt.ArrayLike,
    se: npt.ArrayLike,
    winsor: float = 0.1,
    significance: float = 0.05,
) -> Overdispersion:
    """Test z-scores for over-dispersion and estimate the random-effects variance.

    Parameters
    ----------
    z
        Each area's z-score against the target, (yᵢ − θ₀)/sᵢ.
    se
        Each area's standard error sᵢ under the target (per-unit scale), > 0.
    winsor
        Fraction winsorised in each tail (10% by default).
    significance
        Test level: over-dispersed when I φ exceeds the χ²(I − 1) quantile at 1 − level.

    Returns
    -------
    Overdispersion
        φ, the test statistic, critical value, p-value, the decision and τ².

    Notes
    -----
    z-scores beyond the ``winsor`` and 1 − ``winsor`` quantiles are set to those quantiles,
    so a few outlying areas do not inflate φ = Σ z²/I. τ² = max(0, (Iφ − (I − 1)) /
    (Σwᵢ − Σwᵢ²/Σwᵢ)) with wᵢ = 1/sᵢ² (DerSimonian-Laird). Winsorising shrinks φ, so under
    no over-dispersion the test rejects less often than ``significance``.

    References
    ----------
    Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
    Care 2005;14:347-351.
    """
    scores = np.atleast_1d(as_float_array("z", z))
    s = np.atleast_1d(positive("se", se))
    same_shape(z=scores, se=s)
    units = scores.size
    if units < 2:
        raise StatsInputError("z: at least 2 areas are needed to test over-dispersion.")
    if not 0 <= winsor < 0.5:
        raise StatsInputError("winsor: expected a fraction in [0, 0.5).")
    low, high = np.quantile(scores, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(scores, low, high) ** 2))
    statistic = units * phi
    critical = float(stats.chi2.ppf(1 - significance, units - 1))
    w = 1 / s**2
    tau2 = max(0.0, (statistic - (units - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
    return Overdispersion(
        n_units=units,
        phi=phi,
        statistic=statistic,
        critical_value=critical,
        p_value=float(stats.chi2.sf(statistic, units - 1)),
        overdispersed=statistic > critical,
        tau2=tau2,
        winsor=winsor,
        significance=significance,
    )


def classify_funnel(
    value: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """Class each area as ``"below"``, ``"within"`` or ``"above"`` a pair of limits.

    Parameters
    ----------
    value, lower, upper
        The areas' indicator values and the control limits at their precision.

    Returns
    -------
    numpy.ndarray
        The :class:`Position` value of each area; a value on a limit is within.

    References
    ----------
    Spiegelhalter DJ. Stat Med 2005;24:1185-1202.
    """
    y = np.atleast_1d(as_float_array("value", value))
    lo = np.atleast_1d(as_float_array("lower", lower))
    hi = np.atleast_1d(as_float_array("upper", upper))
    same_shape(value=y, lower=lo, upper=hi)
    result = np.full(y.shape, Position.WITHIN.value, dtype=object)
    result[y < lo] = Position.BELOW.value
    result[y > hi] = Position.ABOVE.value
    return result.astype(np.str_)


def _pooled(kind: str, y: FloatArray, rho: FloatArray, x: FloatArray) -> float:
    if kind == "normal":
        return float(np.sum(y * rho) / np.sum(rho))
    return float(x.sum() / rho.sum())


def funnel(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    kind: Kind = "rate",
    conf_level: ConfLevel = (0.95, 0.998),
    multiplier: float = 1.0,
    target: float | None = None,
    adjustment: Literal["auto", "none", "multiplicative", "additive"] = "auto",
    winsor: float = 0.1,
    significance: float = 0.05,
) -> FunnelResult:
    """Place every area on a funnel plot, testing and adjusting for over-dispersion.

    Parameters
    ----------
    numerator, denominator
        Events and trials (``"proportion"``), events and population (``"rate"``),
        observed and expected counts (``"ratio"``, ISR/SMR), or indicator values and their
        standard errors on the indicator's scale (``"normal"``, for DSRs).
    kind
        ``"proportion"``, ``"rate"``, ``"ratio"`` or ``"normal"``.
    conf_level
        Levels of the limits; 95% and 99.8% by default.
    multiplier
        The indicator's multiplier (for example 100,000).
    target
        θ₀ on the indicator's scale; by default the pooled Σx/Σn (inverse-variance mean
        for ``"normal"``).
    adjustment
        ``"auto"`` (additive random effects if the φ test finds over-dispersion, none
        otherwise), or force ``"none"``, ``"multiplicative"`` or ``"additive"``.
    winsor, significance
        As for :func:`overdispersion_test`.

    Returns
    -------
    FunnelResult
        ``points`` (in input order: ``value``, ``precision``, ``target``, ``z``, the limits
        at each area's precision, ``position_<level>`` and ``method``), the test, the
        adjustment used and the target.

    Notes
    -----
    z-scores use the standard error at the target, sᵢ = √(θ₀(1 − θ₀)/nᵢ) for proportions,
    √(θ₀/nᵢ) for rates and ratios. With over-dispersion the exact limits would flag far too
    many of 309 authorities; the additive adjustment widens small and large areas' limits
    alike by τ², the multiplicative one by √φ.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202. Spiegelhalter DJ. Handling over-dispersion of performance
    indicators. Qual Saf Health Care 2005;14:347-351.
    """
    _check_kind(kind)
    if adjustment not in ("auto", *(a.value for a in Adjustment)):
        raise StatsInputError(
            "adjustment: expected one of ['auto', 'none', 'multiplicative', 'additive']."
        )
    if kind == "normal":
        y = np.atleast_1d(as_float_array("numerator", numerator)) / multiplier
        se_given = np.atleast_1d(positive("denominator", denominator)) / multiplier
        same_shape(numerator=y, denominator=se_given)
        rho, x = 1 / se_given**2, y
    else:
        x = np.atleast_1d(nonnegative("numerator", numerator))
        rho = np.atleast_1d(positive("denominator", denominator))
        same_shape(numerator=x, denominator=rho)
        if kind == "proportion" and np.any(x > rho):
            raise StatsInputError("numerator: greater than denominator for a proportion.")
        y = x / rho
    theta = _pooled(kind, y, rho, x) if target is None else float(target) / multiplier
    se = _null_se(kind, theta, rho)
    if np.any(se <= 0):
        raise StatsInputError("target: gives zero standard errors (a target of 0 or 1).")
    z = (y - theta) / se
    test = overdispersion_test(z, se, winsor=winsor, significance=significance)
    if adjustment == "auto":
        used = Adjustment.ADDITIVE if test.overdispersed else Adjustment.NONE
    else:
        used = Adjustment(adjustment)
    precision = rho / multiplier**2 if kind == "normal" else rho
    limits = funnel_limits(
        precision, theta * multiplier, kind, conf_level, multiplier, used, test.phi, test.tau2
    )
    points = pd.DataFrame(
        {"value": y * multiplier, "precision": precision, "target": theta * multiplier, "z": z}
    )
    levels, multi = conf_levels(conf_level)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        points[lower_name] = limits[lower_name].to_numpy()
        points[upper_name] = limits[upper_name].to_numpy()
        column = f"position_{level_suffix(level)}" if multi else "position"
        points[column] = classify_funnel(points["value"], limits[lower_name], limits[upper_name])
    points["method"] = limits["method"].to_numpy()
    return FunnelResult(
        points=points, overdispersion=test, adjustment=used, target=theta * multiplier, kind=kind
    )
