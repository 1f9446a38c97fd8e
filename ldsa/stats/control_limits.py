"""Funnel-plot control limits: exact binomial/Poisson, PHE's definition, adjustments.

Two definitions of the limits are offered by name, and every result says which it shows:
``"exact"`` (exact binomial or Poisson limits, optionally widened for over-dispersion) and
``"phe"`` (PHE's Fingertips definition, as in PHEindicatormethods; ``"fingertips"`` is an
alias). The PHE limit tables themselves are in :mod:`ldsa.stats.phe_funnel`.
"""

from __future__ import annotations

import enum
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._exact import binomial_limits_at, poisson_limits_at
from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    as_float_array,
    conf_levels,
    limit_names,
    positive,
    z_value,
)

Kind = Literal["proportion", "rate", "ratio", "normal"]
KINDS: tuple[str, ...] = ("proportion", "rate", "ratio", "normal")
PHE_LEVELS = (0.95, 0.998)


class Adjustment(enum.Enum):
    """Which over-dispersion adjustment widened the control limits."""

    NONE = "none"
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"


class FunnelMethod(enum.Enum):
    """Which definition of the control limits a funnel shows."""

    EXACT = "exact"  #: exact binomial or Poisson limits (Spiegelhalter 2005)
    PHE = "phe"  #: PHE's Fingertips definition (PHEindicatormethods)

    @classmethod
    def _missing_(cls, value: object) -> FunnelMethod | None:
        return cls.PHE if value == "fingertips" else None


def check_kind(kind: str) -> None:
    """Refuse a kind other than proportion, rate, ratio or normal."""
    if kind not in KINDS:
        raise StatsInputError(f"kind: expected one of {list(KINDS)}.")


def as_method(method: FunnelMethod | str) -> FunnelMethod:
    """The :class:`FunnelMethod` named by ``method``, or a clear error."""
    try:
        return FunnelMethod(method)
    except ValueError:
        raise StatsInputError("method: expected 'exact' or 'phe' (alias 'fingertips').") from None


def null_se(kind: str, theta: float, precision: FloatArray) -> FloatArray:
    """Standard error of the indicator (per-unit scale) at the target, for each precision."""
    if kind == "proportion":
        return np.asarray(np.sqrt(theta * (1 - theta) / precision), dtype=np.float64)
    if kind in ("rate", "ratio"):
        return np.asarray(np.sqrt(theta / precision), dtype=np.float64)
    return np.asarray(1 / np.sqrt(precision), dtype=np.float64)


def _exact_limits(
    kind: str, theta: float, rho: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    if kind == "proportion":
        lower, upper = binomial_limits_at(rho, theta, alpha)
    else:
        lower, upper = poisson_limits_at(theta * rho, alpha)
    return lower / rho, upper / rho


def _limits_at_level(
    kind: str,
    method: FunnelMethod,
    adjustment: Adjustment,
    theta: float,
    rho: FloatArray,
    level: float,
    phi: float,
    tau2: float,
) -> tuple[FloatArray, FloatArray]:
    se = null_se(kind, theta, rho)
    z = z_value(level)
    if adjustment is Adjustment.MULTIPLICATIVE:
        half = z * np.sqrt(phi) * se
    elif adjustment is Adjustment.ADDITIVE:
        half = z * np.sqrt(se**2 + tau2)
    elif kind == "normal" or (kind == "proportion" and method is FunnelMethod.PHE):
        half = z * se
    else:
        return _exact_limits(kind, theta, rho, 1 - level)
    return theta - half, theta + half


def _levels_text(levels: tuple[float, ...]) -> str:
    texts = [f"{level * 100:g}%" for level in levels]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def method_note(
    kind: str,
    method: FunnelMethod,
    adjustment: Adjustment,
    levels: tuple[float, ...],
    phi: float = 1.0,
) -> str:
    """A plain-English sentence naming the limits a funnel shows, for captions and tables."""
    span = _levels_text(levels)
    if method is FunnelMethod.PHE:
        if kind == "proportion":
            basis = f"{span} limits p \u00b1 z\u221a(p(1\u2212p)/n) around the pooled value"
        else:
            basis = (
                f"{span} exact Poisson limits around the target; an area is flagged when the "
                "target lies outside its own interval (exact below 10 events, Byar's from 10)"
            )
        return f"PHE (Fingertips) funnel method: {basis}; no over-dispersion adjustment."
    law = {"proportion": "exact binomial", "normal": "normal (target \u00b1 z\u00b7se)"}.get(
        kind, "exact Poisson"
    )
    if adjustment is Adjustment.MULTIPLICATIVE:
        law = "normal"
        tail = f"widened by \u221a\u03c6 for over-dispersion (\u03c6 = {phi:.2f})"
    elif adjustment is Adjustment.ADDITIVE:
        law = "normal"
        tail = "widened by a random-effects variance \u03c4\u00b2 for over-dispersion"
    else:
        tail = "no over-dispersion adjustment"
    law = law[0].upper() + law[1:]
    return f"{law} {span} control limits around the target (Spiegelhalter 2005); {tail}."


def funnel_limits(
    precision: npt.ArrayLike,
    target: float,
    kind: Kind = "rate",
    conf_level: ConfLevel = (0.95, 0.998),
    multiplier: float = 1.0,
    adjustment: Adjustment | str = Adjustment.NONE,
    phi: float = 1.0,
    tau2: float = 0.0,
    *,
    method: FunnelMethod | str = FunnelMethod.EXACT,
) -> pd.DataFrame:
    """Funnel-plot control limits around a target, for each precision.

    Parameters
    ----------
    precision
        Trials (``"proportion"``), person-years (``"rate"``), expected count (``"ratio"``),
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
        Over-dispersion adjustment (``"none"``, ``"multiplicative"``, ``"additive"``) with
        φ and τ² from :func:`overdispersion_test`: θ₀ ± z √φ s or θ₀ ± z √(s² + τ²).
    method
        ``"exact"`` (default) or ``"phe"`` (alias ``"fingertips"``): PHE's definition,
        θ₀ ± z √(θ₀(1 − θ₀)/n) for proportions and exact Poisson limits for rates and
        ratios, never adjusted.

    Returns
    -------
    pandas.DataFrame
        ``precision``, ``target``, the limits (``lower``/``upper`` for one level,
        ``lower_95``, ... for several), ``method`` (a short code) and ``method_note``
        (a plain-English sentence for a caption).

    Notes
    -----
    Exact limits are the counts at which the exact one-sided test is on its boundary,
    P(X ≤ y_L) = α/2 and P(X ≥ y_U) = α/2 for X binomial(n, θ₀) or Poisson(θ₀ρ), continuous
    in the count through the incomplete beta and gamma functions, divided by the precision.
    So an area with an integer count lies above the upper limit exactly when its exact
    p-value P(X ≥ x) is below α/2. (Earlier versions of ldsa interpolated between integer quantiles
    as in Spiegelhalter's appendix, which put upper limits one event too low.) These are
    also PHE's limits for rates and ratios. Limits are floored at 0 and capped at 1 for
    proportions; with a target of 0 every limit is 0.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202. doi:10.1002/sim.1970.
    Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
    Care 2005;14:347-351.
    Public Health England. Fingertips public health technical guidance: funnel plots.
    """
    check_kind(kind)
    chosen = as_method(method)
    try:
        adjustment = Adjustment(adjustment)
    except ValueError:
        raise StatsInputError(
            f"adjustment: expected one of {[a.value for a in Adjustment]}."
        ) from None
    if chosen is FunnelMethod.PHE and (kind == "normal" or adjustment is not Adjustment.NONE):
        raise StatsInputError(
            "method: PHE's funnel method covers proportions, rates and ratios without an "
            "over-dispersion adjustment; use method='exact' for kind='normal' or an adjustment."
        )
    rho = np.atleast_1d(positive("precision", precision))
    theta = float(as_float_array("target", target)) / multiplier
    if kind == "proportion" and not 0 <= theta <= 1:
        raise StatsInputError("target: a proportion's target must lie within [0, 1].")
    if theta < 0:
        raise StatsInputError("target: must be >= 0.")
    if kind == "normal":
        rho = rho * multiplier**2  # 1/se² on the per-unit scale
    levels, multi = conf_levels(conf_level)
    out = pd.DataFrame({"precision": np.atleast_1d(np.asarray(precision, dtype=np.float64))})
    out["target"] = theta * multiplier
    cap = 1.0 if kind == "proportion" else np.inf
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper = _limits_at_level(kind, chosen, adjustment, theta, rho, level, phi, tau2)
        out[lower_name] = np.clip(lower, 0.0, cap) * multiplier
        out[upper_name] = np.clip(upper, 0.0, cap) * multiplier
    if chosen is FunnelMethod.PHE:
        out["method"] = "PHE"
    else:
        exact = kind != "normal" and adjustment is Adjustment.NONE
        out["method"] = f"{'exact' if exact else 'normal'}; adjustment {adjustment.value}"
    out["method_note"] = method_note(kind, chosen, adjustment, levels, phi)
    return out
