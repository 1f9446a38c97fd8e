"""Life expectancy from an abridged life table (Chiang II, Silcocks' final interval)."""

from __future__ import annotations

from collections.abc import Sequence

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
    require_columns,
    z_value,
)

#: PHE's age bands (start ages): under 1, 1-4, 5-9, ..., 85-89 and 90+.
PHE_AGE_STARTS: tuple[int, ...] = (0, 1, *range(5, 95, 5))
METHOD = "Chiang, using Silcocks et al for confidence limits"
#: PHE's reliability rules (not disclosure rules): the reason given for no estimate.
UNDER_5000 = "total person-years under 5,000"
ZERO_POPULATION = "a band has zero person-years"
NO_FINAL_DEATHS = "no deaths in the final (open) band"
TOO_MANY_DEATHS = "a band has more deaths than person-years"
WIDE_INTERVAL = "95% interval wider than 20 years"
MINIMUM_PERSON_YEARS = 5_000
MAXIMUM_WIDTH = 20.0
RADIX = 100_000.0


def _table(deaths: FloatArray, years: FloatArray, starts: FloatArray) -> tuple[FloatArray, ...]:
    """One group's life table: life expectancy and its variance at each start age."""
    width = np.diff(starts)
    rate = deaths / years
    # Infants who die do so early in the year; everyone else half-way through the band.
    fraction = np.where(starts[:-1] == 0, 0.1, 0.5) if width[0] == 1 else np.full(width.size, 0.5)
    chiang = width * rate[:-1] / (1 + width * (1 - fraction) * rate[:-1])
    # Where D > P/(n a) the formula exceeds 1: everyone dies in the band (PHE's rule).
    q = np.append(np.where(deaths[:-1] <= years[:-1] / width / fraction, chiang, 1.0), 1.0)
    alive = RADIX * np.concatenate(([1.0], np.cumprod(1 - q[:-1])))
    dying = alive - np.append(alive[1:], 0.0)
    lived = np.append(width * (alive[1:] + fraction * dying[:-1]), alive[-1] / rate[-1])
    remaining = np.cumsum(lived[::-1])[::-1]
    expectancy = np.where(alive > 0, remaining / np.where(alive > 0, alive, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_q = np.where(deaths[:-1] > 0, q[:-1] ** 2 * (1 - q[:-1]) / deaths[:-1], 0.0)
    weighted = alive[:-1] ** 2 * ((1 - fraction) * width + expectancy[1:]) ** 2 * var_q
    # Silcocks: the open band's life expectancy is 1/M, whose variance is 1/(D M²).
    final = alive[-1] ** 2 / (deaths[-1] * rate[-1] ** 2)
    total = np.cumsum(np.append(weighted, final)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(alive > 0, total / alive**2, np.nan)
    return expectancy, variance


def _reason(deaths: FloatArray, years: FloatArray) -> str | None:
    if np.any(years <= 0):
        return ZERO_POPULATION
    if np.any(deaths > years):
        return TOO_MANY_DEATHS
    if years.sum() < MINIMUM_PERSON_YEARS:
        return UNDER_5000
    if deaths[-1] <= 0:
        return NO_FINAL_DEATHS
    return None


def _starts(age_starts: Sequence[float]) -> FloatArray:
    starts = np.asarray(as_float_array("age_starts", age_starts), dtype=np.float64)
    if starts.size < 2 or starts[0] != 0 or np.any(np.diff(starts) <= 0):
        raise StatsInputError(
            "age_starts: expected increasing start ages from 0 (for example PHE's 0, 1, 5, "
            "10, ..., 90), at least two bands."
        )
    return starts


def _ordered(frame: pd.DataFrame, age: str, keys: list[str], starts: FloatArray) -> pd.DataFrame:
    position = frame[age].map({float(s): i for i, s in enumerate(starts)})
    unknown = int(position.isna().sum())
    if unknown:
        raise StatsInputError(
            f"{age}: {unknown} row(s) with a start age outside age_starts; give each band's "
            "start age (0, 1, 5, ..., 90 by default)."
        )
    ordered = frame.assign(__band=position.to_numpy()).sort_values([*keys, "__band"], kind="stable")
    counts = ordered.groupby(keys, sort=False).size() if keys else pd.Series([len(ordered)])
    duplicated = ordered.duplicated([*keys, "__band"]).any()
    if duplicated or np.any(counts.to_numpy() != starts.size):
        raise StatsInputError(
            f"frame: every group needs exactly one row per band ({starts.size} bands); "
            "add the missing bands (0 deaths where none) or remove duplicates."
        )
    return ordered.drop(columns="__band")


def life_expectancy(
    frame: pd.DataFrame,
    deaths: str = "deaths",
    population: str = "population",
    age: str = "age",
    by: str | Sequence[str] | None = None,
    conf_level: ConfLevel = 0.95,
    age_starts: Sequence[float] = PHE_AGE_STARTS,
) -> pd.DataFrame:
    """Life expectancy at each band's start age, with Chiang II / Silcocks limits.

    Parameters
    ----------
    frame
        One row per age band per group: deaths (>= 0) and person-years (>= 0) in the
        band, labelled by its start age.
    deaths, population, age
        Column names.
    by
        Grouping column(s), for example ``["la_code", "sex"]``; None for one group.
    conf_level
        One level or several (``lower_95``, ``upper_95``, ... when several).
    age_starts
        The bands' start ages; PHE's 20 bands (0, 1, 5, 10, ..., 90+) by default. The
        last band is open.

    Returns
    -------
    pandas.DataFrame
        One row per group and band: the ``by`` columns, ``age``, ``value`` (years of life
        expected at that age), the limits, ``method`` and ``reason`` (why a value is
        withheld; PHE's reliability rules, see Notes).

    Raises
    ------
    StatsInputError
        Missing columns, negative or missing values, start ages outside ``age_starts``,
        or a group without exactly one row per band.

    Notes
    -----
    Abridged life table (Chiang 1968): Mᵢ = Dᵢ/Pᵢ; qᵢ = nᵢMᵢ / (1 + nᵢ(1 − aᵢ)Mᵢ) with
    aᵢ = 0.1 in the first year of life and 0.5 otherwise; q = 1 in the open band, where
    L = l/M, and in any band with Dᵢ > Pᵢ/(nᵢaᵢ), where the formula would exceed 1 (as
    PHE does: nobody survives the band; later ages get 0 years, without limits).
    Variance (Chiang II): Σ lᵢ² ((1 − aᵢ)nᵢ + eᵢ₊₁)² qᵢ²(1 − qᵢ)/Dᵢ over the bands from
    the age, plus Silcocks' term for the open band, l_ω²/(D_ω M_ω²), all over l_x²;
    limits e ± z·se. Bands with no deaths add no variance. PHE's rules: no estimate when
    the group's total person-years are under 5,000, a band has zero person-years (or more
    deaths than person-years), or the open band has no deaths (its L would be infinite);
    the value (not its limits) is withheld where the 95% interval is wider than 20 years.
    (PHEindicatormethods' code also withholds at exactly 5,000 person-years; ldsa follows
    the published rule, "under 5,000".)
    These are reliability rules, not disclosure rules.

    References
    ----------
    Chiang CL. Introduction to Stochastic Processes in Biostatistics. Wiley, 1968.
    Silcocks PBS, Jenner DA, Reza R. Life expectancy as a summary of mortality in a
    population: statistical considerations and suitability for use by health authorities.
    J Epidemiol Community Health 2001;55:38-43.
    Eayres DP, Williams ES. Evaluation of methodologies for small area life expectancy
    estimation. J Epidemiol Community Health 2004;58:243-249.
    Public Health England. Life expectancy calculator; PHEindicatormethods
    phe_life_expectancy.
    """
    keys = by_columns(by)
    require_columns(frame, "frame", [deaths, population, age, *keys])
    starts = _starts(age_starts)
    nonnegative(deaths, frame[deaths])
    nonnegative(population, frame[population])
    ordered = _ordered(frame, age, keys, starts)
    codes, key_frame = group_codes(ordered, keys)
    levels, multi = conf_levels(conf_level)
    d_all = ordered[deaths].to_numpy(dtype=np.float64)
    p_all = ordered[population].to_numpy(dtype=np.float64)
    rows = []
    for group in range(len(key_frame)):
        mask = codes == group
        rows.append(_group_rows(d_all[mask], p_all[mask], starts, levels, multi))
    out = pd.concat(rows, ignore_index=True)
    keys_repeated = key_frame.loc[key_frame.index.repeat(starts.size)].reset_index(drop=True)
    return pd.concat([keys_repeated, out], axis=1) if keys else out


def _group_rows(
    d: FloatArray,
    p: FloatArray,
    starts: FloatArray,
    levels: tuple[float, ...],
    multi: bool,
) -> pd.DataFrame:
    reason = _reason(d, p)
    out = pd.DataFrame({"age": starts})
    names = limit_names(levels, multi)
    if reason is not None:
        out["value"] = np.nan
        for lower_name, upper_name in names:
            out[lower_name] = np.nan
            out[upper_name] = np.nan
        out["method"] = METHOD
        out["reason"] = pd.Series([reason] * len(out), dtype="string")
        return out
    value, variance = _table(d, p, starts)
    se = np.sqrt(variance)
    for level, (lower_name, upper_name) in zip(levels, names, strict=True):
        out[lower_name] = value - z_value(level) * se
        out[upper_name] = value + z_value(level) * se
    wide = 2 * z_value(0.95) * se > MAXIMUM_WIDTH
    out.insert(1, "value", np.where(wide, np.nan, value))
    out["method"] = METHOD
    out["reason"] = pd.Series([WIDE_INTERVAL if w else None for w in wide], dtype="string")
    return out
