"""Funnel plots (Spiegelhalter 2005): every area against its control limits.

Two definitions of the limits are offered by name (:class:`FunnelMethod`), and every
result says which it shows: ``"exact"`` and ``"phe"`` (PHE's Fingertips definition,
alias ``"fingertips"``). Limits are in :mod:`ldsa.stats.control_limits`, PHE's limit
tables in :mod:`ldsa.stats.phe_funnel`, the over-dispersion test in
:mod:`ldsa.stats.overdispersion`.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

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
)
from ldsa.stats.control_limits import (
    KINDS,
    PHE_LEVELS,
    Adjustment,
    FunnelMethod,
    Kind,
    as_method,
    check_kind,
    funnel_limits,
    null_se,
)
from ldsa.stats.intervals import poisson_limits
from ldsa.stats.overdispersion import Overdispersion, overdispersion_test

__all__ = [
    "KINDS",
    "Adjustment",
    "FunnelMethod",
    "FunnelResult",
    "Overdispersion",
    "Position",
    "Significance",
    "classify_funnel",
    "funnel",
    "funnel_limits",
    "interval_positions",
    "overdispersion_test",
    "significance_labels",
]


class Significance(enum.Enum):
    """PHE's funnel-plot significance labels (``assign_funnel_significance``)."""

    HIGH_001 = "High (0.001)"
    HIGH_025 = "High (0.025)"
    LOW_001 = "Low (0.001)"
    LOW_025 = "Low (0.025)"
    NOT_SIGNIFICANT = "Not significant"
    NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"


class Position(enum.Enum):
    """Where an area lies relative to a pair of control limits."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


@dataclasses.dataclass(frozen=True)
class FunnelResult:
    """Funnel-plot data: one row per area, the test, the adjustment used and the target.

    ``method`` and ``method_note`` (plain English, for a chart's caption or a table's
    footnote) say which limits the points are compared with.
    """

    points: pd.DataFrame
    overdispersion: Overdispersion
    adjustment: Adjustment
    target: float
    kind: str
    method: FunnelMethod = FunnelMethod.EXACT
    method_note: str = ""


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


def interval_positions(
    x: FloatArray, rho: FloatArray, theta: float, level: float
) -> npt.NDArray[np.str_]:
    """Place areas by their own Poisson interval: above when the target lies below it.

    PHE's rule for rates and ratios; the interval is exact below 10 events and Byar's
    from 10 (:func:`ldsa.stats.intervals.poisson_limits`), divided by ``rho``.
    """
    lower, upper, _ = poisson_limits(x, level)
    result = np.full(x.shape, Position.WITHIN.value, dtype=object)
    result[theta < lower / rho] = Position.ABOVE.value
    result[theta > upper / rho] = Position.BELOW.value
    return result.astype(np.str_)


def significance_labels(
    position_95: npt.ArrayLike, position_99_8: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """PHE's labels from the positions at 95% and 99.8%: "High (0.001)", ..."""
    p95 = np.asarray(position_95, dtype=object)
    p998 = np.asarray(position_99_8, dtype=object)
    labels = np.full(p95.shape, Significance.NOT_SIGNIFICANT.value, dtype=object)
    labels[p95 == Position.ABOVE.value] = Significance.HIGH_025.value
    labels[p95 == Position.BELOW.value] = Significance.LOW_025.value
    labels[p998 == Position.ABOVE.value] = Significance.HIGH_001.value
    labels[p998 == Position.BELOW.value] = Significance.LOW_001.value
    return labels.astype(np.str_)


def _inputs(
    kind: str, numerator: npt.ArrayLike, denominator: npt.ArrayLike, multiplier: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Indicator values y (per unit), precisions rho and counts x of each area."""
    if kind == "normal":
        y = np.atleast_1d(as_float_array("numerator", numerator)) / multiplier
        se_given = np.atleast_1d(positive("denominator", denominator)) / multiplier
        same_shape(numerator=y, denominator=se_given)
        return y, 1 / se_given**2, y
    x = np.atleast_1d(nonnegative("numerator", numerator))
    rho = np.atleast_1d(positive("denominator", denominator))
    same_shape(numerator=x, denominator=rho)
    if kind == "proportion" and np.any(x > rho):
        raise StatsInputError("numerator: greater than denominator for a proportion.")
    return x / rho, rho, x


def _resolve(
    method: FunnelMethod, adjustment: str, overdispersed: bool, conf_level: ConfLevel
) -> Adjustment:
    if adjustment not in ("auto", *(a.value for a in Adjustment)):
        raise StatsInputError(
            "adjustment: expected one of ['auto', 'none', 'multiplicative', 'additive']."
        )
    if method is FunnelMethod.PHE:
        if adjustment not in ("auto", "none"):
            raise StatsInputError(
                "adjustment: PHE's funnel method has no over-dispersion adjustment; pass "
                "adjustment='none' (or 'auto'), or use method='exact'."
            )
        if sorted(conf_levels(conf_level)[0]) != list(PHE_LEVELS):
            raise StatsInputError("conf_level: PHE's funnel method uses (0.95, 0.998).")
        return Adjustment.NONE
    if adjustment == "auto":
        return Adjustment.ADDITIVE if overdispersed else Adjustment.NONE
    return Adjustment(adjustment)


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
    *,
    method: FunnelMethod | str = FunnelMethod.EXACT,
) -> FunnelResult:
    """Place every area on a funnel plot, testing and adjusting for over-dispersion.

    Parameters
    ----------
    numerator, denominator
        Events and trials (``"proportion"``), events and person-years (``"rate"``),
        observed and expected counts (``"ratio"``, ISR/SMR), or indicator values and their
        standard errors on the indicator's scale (``"normal"``, for DSRs).
    kind
        ``"proportion"``, ``"rate"``, ``"ratio"`` or ``"normal"``.
    conf_level
        Levels of the limits; 95% and 99.8% by default (and always, for ``"phe"``).
    multiplier
        The indicator's multiplier (for example 100,000).
    target
        θ₀ on the indicator's scale; by default the pooled Σx/Σn (inverse-variance mean
        for ``"normal"``), and 1 × multiplier for ratios under ``method="phe"``.
    adjustment
        ``"auto"`` (additive random effects if the φ test finds over-dispersion, none
        otherwise), or force ``"none"``, ``"multiplicative"`` or ``"additive"``. Under
        ``method="phe"`` there is never an adjustment (``"auto"`` means ``"none"``).
    winsor, significance
        As for :func:`overdispersion_test` (the test is reported under every method).
    method
        ``"exact"`` (default) or ``"phe"`` (alias ``"fingertips"``): compare as Fingertips
        does, as PHEindicatormethods' ``assign_funnel_significance``.

    Returns
    -------
    FunnelResult
        ``points`` (in input order: ``value``, ``precision``, ``target``, ``z``, the limits
        at each area's precision, ``position_<level>``, ``method``, ``method_note`` and,
        under ``"phe"``, ``significance``: "High (0.001)", ... "Not significant"), the
        test, the adjustment used, the target, the method and its plain-English note.

    Notes
    -----
    z-scores use the standard error at the target, sᵢ = √(θ₀(1 − θ₀)/nᵢ) for proportions,
    √(θ₀/nᵢ) for rates and ratios. With over-dispersion the exact limits would flag far too
    many of 309 authorities; the additive adjustment widens small and large areas' limits
    alike by τ², the multiplicative one by √φ. Under ``"phe"``, a proportion is placed by
    its value against the limits, and a rate or ratio by whether the target lies outside
    the area's own interval (exact Poisson below 10 events, Byar's from 10), as PHE does.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202. Spiegelhalter DJ. Handling over-dispersion of performance
    indicators. Qual Saf Health Care 2005;14:347-351.
    Public Health England. PHEindicatormethods: assign_funnel_significance (R package).
    """
    check_kind(kind)
    chosen = as_method(method)
    if chosen is FunnelMethod.PHE and kind == "normal":
        raise StatsInputError(
            "kind: PHE's funnel method has no 'normal' kind; for DSRs use "
            "phe_funnel.calculate_funnel_limits(statistic='rate', rate_type='dsr')."
        )
    y, rho, x = _inputs(kind, numerator, denominator, multiplier)
    if target is not None:
        theta = float(target) / multiplier
    elif chosen is FunnelMethod.PHE and kind == "ratio":
        theta = 1.0
    else:
        theta = (
            float(np.sum(y * rho) / np.sum(rho)) if kind == "normal" else float(x.sum() / rho.sum())
        )
    se = null_se(kind, theta, rho)
    if np.any(se <= 0):
        raise StatsInputError("target: gives zero standard errors (a target of 0 or 1).")
    z = (y - theta) / se
    test = overdispersion_test(z, se, winsor=winsor, significance=significance)
    used = _resolve(chosen, adjustment, test.overdispersed, conf_level)
    precision = rho / multiplier**2 if kind == "normal" else rho
    limits = funnel_limits(
        precision, theta * multiplier, kind, conf_level, multiplier, used, test.phi, test.tau2,
        method=chosen,
    )  # fmt: skip
    points = pd.DataFrame(
        {"value": y * multiplier, "precision": precision, "target": theta * multiplier, "z": z}
    )
    levels, multi = conf_levels(conf_level)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        points[lower_name] = limits[lower_name].to_numpy()
        points[upper_name] = limits[upper_name].to_numpy()
        column = f"position_{level_suffix(level)}" if multi else "position"
        if chosen is FunnelMethod.PHE and kind != "proportion":
            points[column] = interval_positions(x, rho, theta, level)
        else:
            points[column] = classify_funnel(
                points["value"], points[lower_name], points[upper_name]
            )
    points["method"] = limits["method"].to_numpy()
    points["method_note"] = limits["method_note"].to_numpy()
    if chosen is FunnelMethod.PHE:
        points["significance"] = significance_labels(points["position_95"], points["position_99_8"])
    return FunnelResult(
        points=points,
        overdispersion=test,
        adjustment=used,
        target=theta * multiplier,
        kind=kind,
        method=chosen,
        method_note=str(limits["method_note"].iloc[0]),
    )
