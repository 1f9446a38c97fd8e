"""PHE's funnel plots as Fingertips draws them (PHEindicatormethods' funnel functions).

:func:`calculate_funnel_limits` gives PHE's 100-point limit table for proportions, ratios
(count and ISR forms) and rates (crude and DSR, with years of data and a multiplier);
:func:`assign_funnel_significance` gives PHE's labels for every area;
:func:`calculate_funnel_points` gives the points to plot for rates. Use these to reproduce
a Fingertips chart; :func:`ldsa.stats.funnel` with ``method="phe"`` places areas the same
way at their own precision.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._phe_axis import axis, axis_ends, expected_count
from ldsa.stats._validate import (
    FloatArray,
    StatsInputError,
    at_most,
    nonnegative,
    positive,
    same_shape,
    z_value,
)
from ldsa.stats.funnel import (
    Significance,
    classify_funnel,
    interval_positions,
    significance_labels,
)

Statistic = Literal["proportion", "ratio", "rate"]
RatioType = Literal["count", "isr"]
RateType = Literal["dsr", "crude"]
#: PHE's two limits: the level and its one-sided tail probability.
_LEVELS = ((0.95, 0.025, "95"), (0.998, 0.001, "99_8"))
METHOD_NOTE = (
    "PHE (Fingertips) funnel method: 95% and 99.8% control limits ({basis}) around "
    "{target}; no over-dispersion adjustment."
)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise StatsInputError(f"{name}: expected one of {list(choices)}, got {value!r}.")


def _positive_scalar(name: str, value: float | None, needed_for: str) -> float:
    if value is None or not np.isfinite(value) or value <= 0:
        raise StatsInputError(f"{name}: a number > 0 is needed for {needed_for}.")
    return float(value)


def _rates(numerator: FloatArray, rate: npt.ArrayLike | None) -> FloatArray:
    """The rates, which may be missing only where there are no events."""
    if rate is None:
        raise StatsInputError("rate: the areas' rates are needed for statistic='rate'.")
    values = np.atleast_1d(np.asarray(rate, dtype=np.float64))
    same_shape(numerator=numerator, rate=values)
    bad = int(np.count_nonzero((numerator > 0) & ~(values > 0)))
    if bad:
        raise StatsInputError(
            f"rate: missing, zero or negative at {bad} position(s) with events; each area "
            "with events needs its rate (> 0)."
        )
    return values


def _derived_denominator(
    numerator: FloatArray,
    denominator: npt.ArrayLike | None,
    rate: npt.ArrayLike | None,
    rate_type: str | None,
    multiplier: float,
) -> FloatArray:
    """PHE's person-years for rates: multiplier × events / rate, or the given denominator
    where there are no events (crude); none where there are no events (DSR)."""
    _check_choice("rate_type", rate_type, ("dsr", "crude"))
    rates = _rates(numerator, rate)
    zero = numerator == 0
    derived = multiplier * numerator / np.where(zero, 1.0, rates)
    if rate_type == "dsr":
        return np.where(zero, np.nan, derived)
    if not zero.any():
        return derived
    if denominator is None:
        raise StatsInputError(
            "denominator: for crude rates an area with 0 events needs its denominator; pass "
            "denominator= (PHE derives the others from events and rate)."
        )
    given = np.atleast_1d(positive("denominator", denominator))
    same_shape(numerator=numerator, denominator=given)
    return np.where(zero, given, derived)


def _inputs(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike | None,
    statistic: str,
    rate: npt.ArrayLike | None,
    rate_type: str | None,
    multiplier: float | None,
) -> tuple[FloatArray, FloatArray]:
    """Counts and (derived) denominators, validated as PHE's functions require."""
    _check_choice("statistic", statistic, ("proportion", "ratio", "rate"))
    x = np.atleast_1d(nonnegative("numerator", numerator))
    if statistic == "rate":
        scale = _positive_scalar("multiplier", multiplier, "rates")
        return x, _derived_denominator(x, denominator, rate, rate_type, scale)
    if denominator is None:
        raise StatsInputError(f"denominator: needed for statistic={statistic!r}.")
    n = np.atleast_1d(positive("denominator", denominator))
    same_shape(numerator=x, denominator=n)
    if statistic == "proportion":
        at_most("numerator", x, n, "denominator")
    return x, n


def _proportion_table(x: FloatArray, n: FloatArray, multiplier: float) -> pd.DataFrame:
    average = float(x.sum() / n.sum())
    population = axis(*axis_ends(float(n.min()), float(n.max())))
    out = pd.DataFrame({"population": population})
    for level, _, suffix in _LEVELS:
        half = z_value(level) * np.sqrt(average * (1 - average) / population)
        out[f"lower_{suffix}"] = np.clip(average - half, 0.0, 1.0) * multiplier
        out[f"upper_{suffix}"] = np.clip(average + half, 0.0, 1.0) * multiplier
    out["target"] = average * multiplier
    out["statistic"] = "proportion"
    basis = "p \u00b1 z\u221a(p(1\u2212p)/n)"
    out["method_note"] = METHOD_NOTE.format(basis=basis, target="the pooled proportion")
    return out


def _ratio_table(expected: FloatArray, ratio_type: str) -> pd.DataFrame:
    events = axis(*axis_ends(float(expected.min()), float(expected.max())), ratio=True)
    out = pd.DataFrame({"events": events})
    for _, tail, suffix in _LEVELS:
        for side, bound in (("lower", "upper"), ("upper", "lower")):
            mean = expected_count(events, tail, bound)
            ratio = events / mean
            out[f"{side}_{suffix}_expected"] = mean
            out[f"{side}_{suffix}"] = ratio - 1 if ratio_type == "count" else ratio * 100
    out["target"] = 0.0 if ratio_type == "count" else 100.0
    out["statistic"] = f"ratio ({ratio_type})"
    target = "a ratio of 1 (shown as 0)" if ratio_type == "count" else "an ISR of 100"
    out["method_note"] = METHOD_NOTE.format(basis="exact Poisson", target=target)
    return out


def _rate_table(
    x: FloatArray, derived: FloatArray, years: float, multiplier: float, rate_type: str
) -> pd.DataFrame:
    average = float(np.nansum(x) / np.nansum(derived))
    low, high = axis_ends(float(np.nanmin(derived)), float(np.nanmax(derived)), per=years)
    events = axis(float(np.floor(low * average)), float(np.ceil(high * average)))
    out = pd.DataFrame({"events": events})
    for _, tail, suffix in _LEVELS:
        for side, bound in (("lower", "upper"), ("upper", "lower")):
            person_years = expected_count(events, tail, bound) / average
            out[f"{side}_{suffix}_population"] = person_years / years
            out[f"{side}_{suffix}"] = events / person_years * multiplier
    out["target"] = average * multiplier
    out["statistic"] = f"rate ({rate_type} per {multiplier:,.0f})"
    out["method_note"] = METHOD_NOTE.format(basis="exact Poisson", target="the pooled rate")
    return out


def calculate_funnel_limits(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike | None = None,
    *,
    statistic: Statistic,
    multiplier: float | None = None,
    rate: npt.ArrayLike | None = None,
    ratio_type: RatioType | None = None,
    rate_type: RateType | None = None,
    years_of_data: float | None = None,
) -> pd.DataFrame:
    """PHE's funnel-plot control limits: 100 points to draw the 95% and 99.8% funnels.

    Parameters
    ----------
    numerator
        Each area's events (>= 0).
    denominator
        Proportions: each area's population (> 0); ratios: its expected count; crude
        rates: its person-years, needed only where an area has no events.
    statistic
        ``"proportion"``, ``"ratio"`` or ``"rate"``.
    multiplier
        Proportions and rates: the multiplier of the values (100 for percentages,
        100,000 for rates per 100,000). Not used for ratios, whose scale follows
        ``ratio_type``.
    rate
        Rates: each area's rate (times ``multiplier``); may be missing where there are no
        events.
    ratio_type
        Ratios: ``"count"`` (limits of O/E − 1, PHE's form for counts against an expected
        count) or ``"isr"`` (limits of O/E × 100).
    rate_type
        Rates: ``"dsr"`` or ``"crude"``.
    years_of_data
        Rates: the number of years the data cover (the axis is per year).

    Returns
    -------
    pandas.DataFrame
        100 rows. Proportions: ``population``, ``lower_95``, ``upper_95``,
        ``lower_99_8``, ``upper_99_8``, ``target``. Ratios: ``events`` and, per limit,
        the expected count at which those events lie on it (``lower_95_expected``, ...)
        and the limit (``lower_95``, ...). Rates: ``events`` and, per limit, the
        population per year (``lower_95_population``, ...) and the limit. All with
        ``statistic`` (PHE's label), ``method`` (``"PHE"``) and ``method_note``.

    Raises
    ------
    StatsInputError
        An unknown statistic, ratio or rate type; missing arguments the statistic needs;
        negative counts, non-positive denominators, rates or multiplier; a proportion's
        numerator above its denominator; a crude rate with no events and no denominator.

    Notes
    -----
    PHE's definitions (Fingertips technical guidance; PHEindicatormethods 2.x). Target:
    the pooled Σx/Σn (rates: over person-years derived as multiplier × events / rate, or
    the given denominator for a crude rate with no events; a DSR with no events is left
    out). Axis: from 0 when the largest denominator is more than twice the smallest, else
    from 95% of the smallest rounded down; to 105% of the largest rounded up (rates: per
    year, then in events at the target); 100 rounded points between. Proportion limits:
    p ± z√(p(1 − p)/n), floored at 0 and capped at 100% (PHE caps at 100 in the
    multiplied units whatever the multiplier; ldsa caps at 1 × multiplier, the same for
    percentages). Ratio and rate limits: for each count O on the axis, the expected count
    at which O is on the exact Poisson limit, found by PHE's bisection (to about 5e-5
    relative at O = 1, exactly as PHE publishes; :func:`ldsa.stats.funnel_limits` gives the
    exact roots at any precision).

    References
    ----------
    Public Health England. Fingertips public health technical guidance: funnel plots.
    PHEindicatormethods (UKHSA), calculate_funnel_limits (R package, version 2).
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202.
    """
    x, n = _inputs(numerator, denominator, statistic, rate, rate_type, multiplier)
    if statistic == "proportion":
        table = _proportion_table(x, n, _positive_scalar("multiplier", multiplier, "proportions"))
    elif statistic == "ratio":
        _check_choice("ratio_type", ratio_type, ("count", "isr"))
        table = _ratio_table(n, str(ratio_type))
    else:
        years = _positive_scalar("years_of_data", years_of_data, "rates")
        scale = _positive_scalar("multiplier", multiplier, "rates")
        table = _rate_table(x, n, years, scale, str(rate_type))
    table.insert(len(table.columns) - 1, "method", "PHE")
    return table


def assign_funnel_significance(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike | None = None,
    *,
    statistic: Statistic,
    rate: npt.ArrayLike | None = None,
    rate_type: RateType | None = None,
    multiplier: float | None = None,
) -> pd.DataFrame:
    """PHE's funnel-plot significance of every area: "High (0.001)", ... "Not significant".

    Parameters
    ----------
    numerator, denominator, statistic, rate, rate_type, multiplier
        As for :func:`calculate_funnel_limits` (``multiplier`` only for rates).

    Returns
    -------
    pandas.DataFrame
        One row per area in input order: ``numerator``, ``denominator`` (for rates, the
        derived person-years) and ``significance`` (a :class:`~ldsa.stats.Significance`
        value).

    Notes
    -----
    Proportions: the area's proportion against the limits at its population (strictly
    beyond a limit is significant). Ratios: whether 1 lies outside the area's own 95% or
    99.8% interval for O/E (exact Poisson below 10 events, Byar's from 10). Rates: whether
    the pooled rate lies outside the area's own interval for its events over its derived
    person-years; a DSR with fewer than 10 events is "Not applicable for events less than
    10 for dsrs".

    References
    ----------
    PHEindicatormethods (UKHSA), assign_funnel_significance (R package, version 2).
    Public Health England. Fingertips public health technical guidance: funnel plots.
    """
    x, n = _inputs(numerator, denominator, statistic, rate, rate_type, multiplier)
    if statistic == "proportion":
        average = float(x.sum() / n.sum())
        halves = [z_value(level) * np.sqrt(average * (1 - average) / n) for level, _, _ in _LEVELS]
        positions = [classify_funnel(x / n, average - h, average + h) for h in halves]
    else:
        target = 1.0 if statistic == "ratio" else float(np.nansum(x) / np.nansum(n))
        positions = [interval_positions(x, n, target, level) for level, _, _ in _LEVELS]
    labels = significance_labels(positions[0], positions[1]).astype(object)
    if statistic == "rate" and rate_type == "dsr":
        labels[x < 10] = Significance.NOT_APPLICABLE.value
    return pd.DataFrame({"numerator": x, "denominator": n, "significance": labels.astype(str)})


def calculate_funnel_points(
    numerator: npt.ArrayLike,
    rate: npt.ArrayLike,
    *,
    rate_type: RateType,
    years_of_data: float,
    multiplier: float,
    denominator: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """PHE's points to plot on a rate funnel: each area's rate and population per year.

    Parameters
    ----------
    numerator, rate, rate_type, years_of_data, multiplier, denominator
        As for :func:`calculate_funnel_limits` with ``statistic="rate"``.

    Returns
    -------
    pandas.DataFrame
        ``numerator``, ``rate``, ``rate_chart`` (the rate to plot; missing for a DSR with
        fewer than 10 events) and ``denominator_derived`` (person-years per year:
        multiplier × events / rate / years, or the given denominator / years where a
        crude rate has no events; missing for a DSR with fewer than 10 events).

    References
    ----------
    PHEindicatormethods (UKHSA), calculate_funnel_points (R package, version 2).
    """
    x = np.atleast_1d(nonnegative("numerator", numerator))
    scale = _positive_scalar("multiplier", multiplier, "rates")
    years = _positive_scalar("years_of_data", years_of_data, "rates")
    derived = _derived_denominator(x, denominator, rate, rate_type, scale)
    rates = np.atleast_1d(np.asarray(rate, dtype=np.float64))
    out = pd.DataFrame({"numerator": x, "rate": rates})
    if rate_type == "dsr":
        out["rate_chart"] = np.where(x < 10, np.nan, rates)
        out["denominator_derived"] = np.where(x < 10, np.nan, derived / years)
    else:
        out["rate_chart"] = rates
        out["denominator_derived"] = derived / years
    return out
