"""Slope and relative index of inequality (SII, RII) with PHE's simulated intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    as_float_array,
    by_columns,
    conf_levels,
    group_codes,
    limit_names,
    nonnegative,
    positive,
    require_columns,
    z_value,
)

ValueType = Literal["normal", "rate", "proportion"]
METHOD = "SII by weighted regression on relative rank; limits by simulation (PHE)"
#: Default seed of the simulation: the same inputs give the same limits.
SEED = 20040426
MINIMUM_REPETITIONS = 1_000


def _forward(values: FloatArray, value_type: str) -> FloatArray:
    if value_type == "rate":
        return np.asarray(np.log(values), dtype=np.float64)
    if value_type == "proportion":
        return np.asarray(np.log(values / (1 - values)), dtype=np.float64)
    return values


def _back(values: FloatArray, value_type: str) -> FloatArray:
    if value_type == "rate":
        return np.asarray(np.exp(values), dtype=np.float64)
    if value_type == "proportion":
        return np.asarray(1 / (1 + np.exp(-values)), dtype=np.float64)
    return values


def relative_ranks(population: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Population shares a and mid-point ranks b of quantiles in order (most deprived first)."""
    share = population / population.sum()
    return share, np.cumsum(share) - share / 2


def _fit(y: FloatArray, share: FloatArray, rank: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted least squares of y (rows: repetitions) on rank: (intercept, slope)."""
    centre = share @ rank
    weights = share * (rank - centre) / (share @ (rank - centre) ** 2)
    slope = y @ weights
    return y @ share - slope * centre, slope


def _summary(
    intercept: FloatArray, slope: FloatArray, value_type: str, transform: bool, multiplier: float
) -> tuple[FloatArray, FloatArray]:
    """SII and RII from the fitted line (back-transformed when fitted on log or logit)."""
    if transform:
        at_zero, at_one = _back(intercept, value_type), _back(intercept + slope, value_type)
    else:
        at_zero, at_one = intercept, intercept + slope
    # With a fitted value of 0 at the most deprived end the RII is undefined (NaN).
    with np.errstate(divide="ignore", invalid="ignore"):
        rii = np.where(at_zero != 0, at_one / np.where(at_zero != 0, at_zero, 1.0), np.nan)
        rii = 1 / rii if multiplier < 0 else rii
    return (at_one - at_zero) * multiplier, np.asarray(rii, dtype=np.float64)


def _standard_errors(
    frame: pd.DataFrame, se: str | None, lower: str | None, upper: str | None, value_type: str
) -> FloatArray:
    if se is not None:
        return nonnegative(se, frame[se])
    if lower is None or upper is None:
        raise StatsInputError("se: give se=, or both lower= and upper= (95% limits).")
    low = _forward(as_float_array(lower, frame[lower]), value_type)
    high = _forward(as_float_array(upper, frame[upper]), value_type)
    return np.asarray((high - low) / (2 * z_value(0.95)), dtype=np.float64)


def _check_values(values: FloatArray, value_type: str, transform: bool, se: str | None) -> None:
    if value_type not in ("normal", "rate", "proportion"):
        raise StatsInputError("value_type: expected 'normal', 'rate' or 'proportion'.")
    if value_type == "rate" and np.any(values <= 0):
        raise StatsInputError("value: rates must be > 0 (they are log-transformed).")
    if value_type == "proportion" and np.any((values <= 0) | (values >= 1)):
        raise StatsInputError("value: proportions must lie strictly between 0 and 1.")
    if transform and (value_type == "normal" or se is not None):
        raise StatsInputError(
            "transform: needs value_type 'rate' or 'proportion' with lower= and upper= limits "
            "(not se=), as PHE's method does."
        )


def slope_index(
    frame: pd.DataFrame,
    quantile: str = "quantile",
    population: str = "population",
    value: str = "value",
    se: str | None = None,
    lower: str | None = None,
    upper: str | None = None,
    by: str | Sequence[str] | None = None,
    value_type: ValueType = "normal",
    transform: bool = False,
    multiplier: float = 1.0,
    repetitions: int = 100_000,
    conf_level: ConfLevel = 0.95,
    seed: int = SEED,
) -> pd.DataFrame:
    """Slope index of inequality (SII) and relative index (RII), with simulated limits.

    Parameters
    ----------
    frame
        One row per quantile per group: the quantile number (1 = most deprived, in order
        to the least deprived), its population (> 0), the indicator value and either its
        standard error or its 95% limits.
    quantile, population, value, se, lower, upper
        Column names (``se``, or ``lower`` and ``upper``).
    by
        Grouping column(s); None for one group.
    value_type
        ``"normal"``, ``"rate"`` (simulated on the log scale) or ``"proportion"`` (logit
        scale; values strictly between 0 and 1).
    transform
        Fit the line on the log or logit scale and report SII and RII back-transformed
        (rates and proportions with limits; PHE's ``transform = TRUE``).
    multiplier
        Multiplies the SII (for example 100 for percentages; −1 to reverse polarity, which
        also inverts the RII).
    repetitions
        Simulated data sets for the limits (at least 1,000; 100,000 by default).
    conf_level
        One level or several.
    seed
        Seed of the simulation (``numpy.random.default_rng``): same inputs, same limits.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``quantiles``, ``sii`` with
        ``sii_lower``/``sii_upper`` (``sii_lower_95``, ... for several levels), ``rii``
        with its limits, ``intercept`` (the fitted value at the most deprived end),
        ``method`` and ``reason``.

    Raises
    ------
    StatsInputError
        Missing columns or values, non-positive populations, negative standard errors,
        fewer than 5 or more than 100 quantiles, groups lacking a quantile or repeating
        one, too few repetitions, invalid values for the value type.

    Notes
    -----
    Each quantile gets its population share aᵢ and mid-point relative rank
    bᵢ = Σⱼ<ᵢ aⱼ + aᵢ/2; the indicator is regressed on b by weighted least squares
    (weights a; Low & Low's √a transformation). The SII is the fitted difference between
    ranks 1 and 0 (least minus most deprived), the RII their ratio (Y₀ + SII)/Y₀ (NaN when
    Y₀ = 0, with its percentiles taken over the defined repetitions). Limits
    (PHE's method): each repetition draws every quantile's value from a normal
    distribution with its standard error (on the log or logit scale for rates and
    proportions, back-transformed unless ``transform``), refits, and the limits are the
    α/2 and 1 − α/2 percentiles of the simulated SIIs and RIIs (by linear interpolation;
    PHE takes the sorted value at position round(R·α/2), which differs by far less than
    the Monte Carlo error). Standard errors from limits: (upper − lower)/(2 ×
    1.959964) on the transformed scale. With transform, PHE's limits come from the
    simulated slopes re-centred on the fitted mid-point. Simulated limits carry Monte
    Carlo error of about 0.01 standard errors of the SII at 100,000 repetitions.

    References
    ----------
    Low A, Low A. Measuring the gap: quantifying and comparing local health inequalities.
    J Public Health 2004;26:388-395. doi:10.1093/pubmed/fdh175.
    Public Health England. PHEindicatormethods phe_sii; Technical guide: confidence
    intervals (2018), simulated intervals.
    """
    keys = by_columns(by)
    needed = [c for c in (quantile, population, value, se, lower, upper) if c is not None]
    require_columns(frame, "frame", [*needed, *keys])
    if isinstance(repetitions, bool) or int(repetitions) < MINIMUM_REPETITIONS:
        raise StatsInputError(
            f"repetitions: expected at least 1,000, got {repetitions!r}; keep the default "
            "100,000 for published limits."
        )
    values = as_float_array(value, frame[value])
    _check_values(values, value_type, transform, se)
    data = frame.assign(
        __value=values,
        __se=_standard_errors(frame, se, lower, upper, value_type),
        __population=positive(population, frame[population]),
        __quantile=as_float_array(quantile, frame[quantile]),
    ).sort_values([*keys, "__quantile"], kind="stable")
    n_quantiles = _check_quantiles(data, keys)
    codes, out = group_codes(data, keys)
    levels, multi = conf_levels(conf_level)
    rng = np.random.default_rng(seed)
    names = list(zip(levels, limit_names(levels, multi), strict=True))
    rows = [
        _group(data[codes == g], value_type, transform, multiplier, int(repetitions), names, rng)
        for g in range(len(out))
    ]
    out["quantiles"] = n_quantiles
    for column in rows[0]:
        out[column] = [row[column] for row in rows]
    out["method"] = METHOD
    out["reason"] = pd.Series([None] * len(out), dtype="string")
    return out


def _check_quantiles(data: pd.DataFrame, keys: list[str]) -> int:
    labels = np.unique(data["__quantile"].to_numpy())
    if not 5 <= labels.size <= 100:
        raise StatsInputError(
            f"quantile: expected between 5 and 100 quantiles, got {labels.size}; use deciles "
            "or quintiles of deprivation."
        )
    codes, _ = group_codes(data, keys)
    pairs = pd.DataFrame({"group": codes, "quantile": data["__quantile"].to_numpy()})
    complete = pairs.groupby("group")["quantile"].agg(["nunique", "size"]).to_numpy()
    if np.any(complete != labels.size):
        raise StatsInputError(
            f"quantile: every group needs each of the {labels.size} quantiles exactly once."
        )
    return int(labels.size)


def _group(
    rows: pd.DataFrame,
    value_type: str,
    transform: bool,
    multiplier: float,
    repetitions: int,
    names: list[tuple[float, tuple[str, str]]],
    rng: np.random.Generator,
) -> dict[str, float]:
    share, rank = relative_ranks(rows["__population"].to_numpy(dtype=np.float64))
    values = rows["__value"].to_numpy(dtype=np.float64)
    se = rows["__se"].to_numpy(dtype=np.float64)
    scaled = _forward(values, value_type)
    fitted_on = scaled if transform else values
    intercept, slope = _fit(fitted_on, share, rank)
    sii, rii = _summary(intercept, slope, value_type, transform, multiplier)
    draws = rng.normal(scaled, se, size=(repetitions, values.size))
    sim_intercept, sim_slope = _fit(draws if transform else _back(draws, value_type), share, rank)
    if transform:
        # PHE re-centres the simulated slopes on the fitted line's mid-point.
        middle = intercept + slope / 2
        sim_intercept = middle - sim_slope / 2
    sim_sii, sim_rii = _summary(sim_intercept, sim_slope, value_type, transform, multiplier)
    record = {"sii": float(sii), "rii": float(rii)}
    record["intercept"] = _intercept(intercept, value_type, transform, multiplier)
    for level, (lower_name, upper_name) in names:
        tails = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
        for statistic, simulated in (("sii", sim_sii), ("rii", sim_rii)):
            low, high = (
                np.nanpercentile(simulated, tails)
                if np.isfinite(simulated).any()
                else (np.nan, np.nan)
            )
            record[f"{statistic}_{lower_name}"] = float(low)
            record[f"{statistic}_{upper_name}"] = float(high)
    return record


def _intercept(intercept: FloatArray, value_type: str, transform: bool, multiplier: float) -> float:
    if transform:
        return float(_back(intercept, value_type) * abs(multiplier))
    return float(intercept)
