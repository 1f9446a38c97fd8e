"""Excess deaths: the OHID quasi-Poisson baseline and the ONS 5-year-average cross-check."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.calendar import BANK_HOLIDAYS, is_bank_holiday
from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    as_dates,
    by_columns,
    conf_levels,
    group_codes,
    limit_names,
    nonnegative,
    positive,
    reasons,
    require_columns,
    z_value,
)
from ldsa.stats.models import fit_log_linear

OHID_METHOD = "OHID quasi-Poisson GLM"
FIVE_YEAR_METHOD = "5-year average"


@dataclasses.dataclass(frozen=True)
class ExcessDeaths:
    """Excess deaths: one row per group and analysis week, and one per group in total."""

    weekly: pd.DataFrame
    total: pd.DataFrame
    baseline_years: tuple[int, int]


def _weekly(
    frame: pd.DataFrame, week: str, deaths: str, keys: list[str], extra: Sequence[str]
) -> pd.DataFrame:
    require_columns(frame, "frame", [week, deaths, *keys, *extra])
    data = frame[[*keys, week, deaths, *extra]].copy()
    data[week] = as_dates(week, data[week])
    if data.duplicated([*keys, week]).any():
        raise StatsInputError(f"{week}: duplicate weeks within a group; give one row per week.")
    nonnegative(deaths, data[deaths])
    return data.sort_values([*keys, week], kind="stable").reset_index(drop=True)


def _holidays_in_week(starts: pd.Series) -> FloatArray:
    """Number of bank holidays in the 7 days from each week's first day."""
    last = max(BANK_HOLIDAYS)
    beyond = int(np.count_nonzero(starts > pd.Timestamp(last)))
    if beyond:
        raise StatsInputError(
            f"week: {beyond} week(s) start after {last}, beyond the bank-holiday calendar in "
            "ldsa.calendar; extend BANK_HOLIDAYS or shorten the period."
        )
    days = [is_bank_holiday(starts + pd.Timedelta(days=offset)) for offset in range(7)]
    return np.asarray(np.sum(days, axis=0), dtype=np.float64)


def _design(weeks: pd.Series, origin: pd.Timestamp, harmonics: int) -> FloatArray:
    years = (weeks - origin).dt.days.to_numpy(dtype=np.float64) / 365.25
    day = weeks.dt.day_of_year.to_numpy(dtype=np.float64)
    holidays = _holidays_in_week(weeks)
    after = _holidays_in_week(weeks - pd.Timedelta(days=7))
    columns = [np.ones_like(years), years, holidays, after]
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * day / 365.25
        columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


def _power_limits(mean: FloatArray, variance: FloatArray, z: float) -> tuple[FloatArray, ...]:
    """Prediction limits on the 2/3-power scale (Farrington et al. 1996)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (2 / 3) * z * np.sqrt(variance) / mean
    lower = mean * np.clip(1 - spread, 0.0, None) ** 1.5
    upper = mean * (1 + spread) ** 1.5
    return np.where(mean > 0, lower, 0.0), np.where(mean > 0, upper, 0.0)


@dataclasses.dataclass(frozen=True)
class _Fit:
    mean: FloatArray  # expected deaths in every week of the group
    variance: FloatArray  # prediction variance of each week's deaths
    X: FloatArray
    cov: FloatArray  # parameter covariance at the floored dispersion
    phi: float
    reason: str | None


def _failed(n_rows: int, X: FloatArray, reason: str) -> _Fit:
    k = X.shape[1]
    empty = np.full(n_rows, np.nan)
    return _Fit(empty, empty, X, np.full((k, k), np.nan), np.nan, reason)


def _group_fit(
    data: pd.DataFrame,
    week: str,
    deaths: str,
    population: str,
    in_base: npt.NDArray[np.bool_],
    origin: pd.Timestamp,
    harmonics: int,
) -> _Fit:
    """Fit one group's baseline and predict every week."""
    X = _design(data[week], origin, harmonics)
    offset = np.log(data[population].to_numpy(dtype=np.float64))
    y = data[deaths].to_numpy(dtype=np.float64)
    if in_base.sum() < 2 * X.shape[1]:
        return _failed(len(y), X, "too few baseline weeks")
    if y[in_base].sum() == 0:
        return _failed(len(y), X, "no deaths in the baseline")
    fit = fit_log_linear(y[in_base], X[in_base], offset[in_base])
    if not fit.converged:
        return _failed(len(y), X, "model did not converge")
    mean = np.exp(X @ fit.params + offset)
    # Under-dispersion is not credible for deaths: the Poisson variance is the floor.
    phi = max(fit.scale, 1.0)
    cov = fit.cov / fit.scale * phi
    param = np.einsum("ij,jk,ik->i", X, cov, X) * mean**2
    return _Fit(mean, phi * mean + param, X, cov, phi, None)


def _total(fit: _Fit, observed: FloatArray, chosen: npt.NDArray[np.bool_]) -> dict[str, object]:
    """Sum over the analysis weeks: var(Σ) = φΣμ + gᵀΣg with g = Σ μₜ xₜ."""
    row: dict[str, object] = {
        "weeks": int(chosen.sum()),
        "observed": float(observed[chosen].sum()),
        "expected": np.nan,
        "variance": np.nan,
        "dispersion": fit.phi,
        "reason": fit.reason,
    }
    if fit.reason is None and not chosen.any():
        row["reason"] = "no analysis weeks"
    if row["reason"] is not None:
        return row
    mu = fit.mean[chosen]
    g = mu @ fit.X[chosen]
    row["expected"] = float(mu.sum())
    row["variance"] = float(fit.phi * mu.sum() + g @ fit.cov @ g)
    return row


def _excess_columns(
    out: pd.DataFrame, expected: FloatArray, variance: FloatArray, conf_level: ConfLevel
) -> pd.DataFrame:
    observed = out["observed"].to_numpy(dtype=np.float64)
    out["expected"] = expected
    out["value"] = observed - expected
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(expected > 0, observed / expected, np.nan)
    levels, multi = conf_levels(conf_level)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        low, high = _power_limits(expected, variance, z_value(level))
        out[f"expected_{lower_name}"] = low
        out[f"expected_{upper_name}"] = high
        out[lower_name] = observed - high
        out[upper_name] = observed - low
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"ratio_{lower_name}"] = np.where(high > 0, observed / high, np.nan)
            out[f"ratio_{upper_name}"] = np.where(low > 0, observed / low, np.inf)
        out.loc[np.isnan(expected), f"ratio_{upper_name}"] = np.nan
    out["method"] = OHID_METHOD
    return out


def excess_deaths(
    frame: pd.DataFrame,
    week: str = "week_start",
    deaths: str = "deaths",
    population: str = "population",
    by: str | Sequence[str] | None = None,
    baseline_years: tuple[int, int] = (2015, 2019),
    harmonics: int = 2,
    conf_level: ConfLevel = 0.95,
) -> ExcessDeaths:
    """Expected and excess deaths by the OHID method, with prediction intervals.

    Parameters
    ----------
    frame
        One row per group per week: the week's first day, deaths registered (>= 0) and the
        population (> 0), from the baseline years through the analysis period.
    week, deaths, population
        Column names.
    by
        Grouping column(s), for example ``"la_code"``.
    baseline_years
        First and last baseline year (weeks starting in them); 2015-2019 by default.
        Weeks after the last baseline year are the analysis period.
    harmonics
        Pairs of Fourier terms for the seasonal cycle.
    conf_level
        Level(s) of the prediction intervals.

    Returns
    -------
    ExcessDeaths
        ``weekly``: for each analysis week, ``observed``, ``expected`` with
        ``expected_lower``/``expected_upper``, ``value`` (excess = observed − expected) with
        ``lower``/``upper``, ``ratio`` (observed/expected) with limits, ``method`` and
        ``reason`` (why no expected value, if none). ``total``: the same summed over each
        group's analysis weeks, with ``weeks`` and ``dispersion``.

    Raises
    ------
    StatsInputError
        Missing columns or values, negative deaths, non-positive populations, duplicate
        weeks, or weeks beyond the bank-holiday calendar.

    Notes
    -----
    Per group, a quasi-Poisson GLM of baseline deaths on a linear trend, Fourier seasonal
    terms, the number of bank holidays in the week and in the week before (registrations
    catch up after a holiday), with log population as offset. Dispersion φ is floored at
    1. Prediction variance is φμ + μ² xᵀΣx; limits are taken on the 2/3-power scale, which
    suits small counts better than a normal interval (the lower limit is floored at 0).
    The total's parameter variance uses the gradient g = Σ μₜ xₜ. Excess limits are the
    observed count minus the expected limits; ratio limits divide by them. One GLM per
    group (each authority has its own baseline).

    References
    ----------
    Office for Health Improvement and Disparities. Excess mortality in England and English
    regions: methodology (2022).
    Farrington CP, Andrews NJ, Beale AD, Catchpole MA. A statistical algorithm for the
    early detection of outbreaks of infectious disease. JRSS A 1996;159:547-563.
    """
    keys = by_columns(by)
    data = _weekly(frame, week, deaths, keys, [population])
    positive(population, data[population])
    first, last = baseline_years
    if first > last:
        raise StatsInputError("baseline_years: the first year is after the last.")
    origin = pd.Timestamp(year=first, month=1, day=1)
    years = data[week].dt.year.to_numpy()
    baseline = (years >= first) & (years <= last)
    analysis = years > last
    observed = data[deaths].to_numpy(dtype=np.float64)
    codes, key_frame = group_codes(data, keys)
    mean = np.full(len(data), np.nan)
    variance = np.full(len(data), np.nan)
    reasons = np.full(len(data), None, dtype=object)
    totals = []
    for group in range(len(key_frame)):
        rows = np.flatnonzero(codes == group)
        fit = _group_fit(
            data.iloc[rows], week, deaths, population, baseline[rows], origin, harmonics
        )
        mean[rows], variance[rows], reasons[rows] = fit.mean, fit.variance, fit.reason
        totals.append(_total(fit, observed[rows], analysis[rows]))
    weekly = data.loc[analysis].rename(columns={week: "week", deaths: "observed"})
    weekly = _excess_columns(
        weekly.drop(columns=[population]), mean[analysis], variance[analysis], conf_level
    )
    weekly["reason"] = pd.Series(reasons[analysis], index=weekly.index, dtype="string")
    total = pd.concat([key_frame.reset_index(drop=True), pd.DataFrame(totals)], axis=1)
    total_variance = total.pop("variance").to_numpy(dtype=np.float64)
    reason = total.pop("reason")
    total = _excess_columns(
        total, total["expected"].to_numpy(dtype=np.float64), total_variance, conf_level
    )
    total["reason"] = reason.astype("string")
    return ExcessDeaths(
        weekly=weekly.reset_index(drop=True), total=total, baseline_years=(first, last)
    )


def five_year_average(
    frame: pd.DataFrame,
    week: str = "week_start",
    deaths: str = "deaths",
    by: str | Sequence[str] | None = None,
    baseline_years: tuple[int, int] = (2015, 2019),
) -> pd.DataFrame:
    """Excess deaths against the average of the same ISO week in the baseline years.

    Parameters
    ----------
    frame
        One row per group per week.
    week, deaths, by
        Column names and grouping column(s).
    baseline_years
        First and last year of the average (2015-2019: five years).

    Returns
    -------
    pandas.DataFrame
        For each week after the baseline: ``week``, ``iso_week``, ``observed``,
        ``expected`` (the baseline average), ``value`` (excess), ``ratio``, ``method`` and
        ``reason`` (when the baseline has no such week).

    Notes
    -----
    The ONS method before 2022, kept as a cross-check of the modelled baseline: it ignores
    trend and population change, and ISO week 53 (in 2020) is compared with the average
    of week 52, as ONS did. No interval is given.

    References
    ----------
    Office for National Statistics. Deaths registered weekly in England and Wales,
    provisional: methodology (2020).
    """
    keys = by_columns(by)
    data = _weekly(frame, week, deaths, keys, [])
    iso = data[week].dt.isocalendar()
    data["iso_week"] = iso["week"].astype(np.int64).to_numpy()
    iso_year = iso["year"].astype(np.int64).to_numpy()
    first, last = baseline_years
    base = data[(iso_year >= first) & (iso_year <= last)]
    average = base.groupby([*keys, "iso_week"])[deaths].mean().rename("expected").reset_index()
    later = data[iso_year > last].copy()
    later["match_week"] = later["iso_week"].where(later["iso_week"] < 53, 52)
    average = average.rename(columns={"iso_week": "match_week"})
    merged = later.merge(average, on=[*keys, "match_week"], how="left")
    out: pd.DataFrame = merged.drop(columns="match_week")
    out = out.rename(columns={week: "week", deaths: "observed"})
    out["value"] = out["observed"] - out["expected"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["observed"] / out["expected"].where(out["expected"] > 0)
    out["method"] = FIVE_YEAR_METHOD
    out["reason"] = reasons(out["expected"].isna().to_numpy(), "no baseline weeks")
    return out
