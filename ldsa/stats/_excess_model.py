"""The pooled quasi-Poisson baseline of excess deaths: design, fit and aggregation."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.calendar import (
    CALENDAR_END,
    CALENDAR_START,
    bank_holidays,
    calendar_covers,
    easter_sunday,
)
from ldsa.stats._validate import FloatArray, StatsInputError
from ldsa.stats.models import fit_log_linear

#: A group needs a full seasonal cycle of baseline weeks to be modelled.
MINIMUM_BASELINE_WEEKS = 52
TOO_FEW_WEEKS = "too few baseline weeks"
NO_DEATHS = "no deaths in the baseline"
NOT_CONVERGED = "model did not converge"
_NO_COV = np.empty((0, 0))


def _days(starts: pd.Series, offset: int) -> pd.Series:
    return starts + pd.Timedelta(days=offset)


def check_calendar(starts: pd.Series) -> None:
    """Refuse weeks (and the week before each) that the bank-holiday calendar does not cover."""
    outside = ~calendar_covers(_days(starts, -7)) | ~calendar_covers(_days(starts, 6))
    count = int(np.count_nonzero(outside))
    if count:
        raise StatsInputError(
            f"week: {count} week(s) outside the bank-holiday calendar in ldsa.calendar "
            "(2000-01-08 to 2030-12-25 for week starts); extend the calendar or shorten the period."
        )


@functools.cache
def _holidays() -> npt.NDArray[np.datetime64]:
    days = bank_holidays(CALENDAR_START.year, CALENDAR_END.year)
    return np.asarray(days, dtype="datetime64[D]")


def _easter_days(first: int, last: int) -> tuple[npt.NDArray[np.datetime64], ...]:
    sundays = np.asarray([easter_sunday(y) for y in range(first, last + 1)], dtype="datetime64[D]")
    christmas = np.asarray([f"{y}-12-25" for y in range(first, last + 1)], dtype="datetime64[D]")
    new_year = np.asarray([f"{y}-01-01" for y in range(first, last + 1)], dtype="datetime64[D]")
    return sundays - 2, sundays + 1, christmas, new_year


def calendar_terms(starts: pd.Series) -> pd.DataFrame:
    """Per week: bank holidays in it and in the week before, Easter and Christmas weeks,
    and working days (Monday to Friday, not bank holidays)."""
    weeks, inverse = np.unique(starts.to_numpy(dtype="datetime64[D]"), return_inverse=True)
    days = weeks[:, None] + np.arange(-7, 7)  # the week before, then the week itself
    holiday = np.isin(days, _holidays())
    weekday = (days.astype(np.int64) + 3) % 7 < 5  # 1970-01-01 was a Thursday
    this, before = slice(7, 14), slice(0, 7)
    years = weeks.astype("datetime64[Y]").astype(np.int64) + 1970
    good_friday, easter_monday, christmas, new_year = _easter_days(
        int(years.min()) - 1, int(years.max()) + 1
    )

    def holds(targets: npt.NDArray[np.datetime64]) -> FloatArray:
        return np.asarray(np.isin(days[:, this], targets).any(axis=1), dtype=np.float64)

    working = (weekday[:, this] & ~holiday[:, this]).sum(axis=1)
    terms = pd.DataFrame(
        {
            "holidays": holiday[:, this].sum(axis=1).astype(np.float64),
            "holidays_before": holiday[:, before].sum(axis=1).astype(np.float64),
            "easter": np.maximum(holds(good_friday), holds(easter_monday)),
            "christmas": holds(christmas),
            "new_year": holds(new_year),
            "working_days": np.maximum(working, 1).astype(np.float64),
        }
    )
    return terms.iloc[inverse].set_index(starts.index)


def _dummies(values: pd.Series, name: str) -> pd.DataFrame:
    """Treatment-coded indicators of a factor (the first level, sorted, is the reference)."""
    levels = sorted(values.unique(), key=str)
    return pd.DataFrame(
        {f"{name}={level}": (values == level).to_numpy(dtype=np.float64) for level in levels[1:]},
        index=values.index,
    )


def design(
    data: pd.DataFrame,
    week: str,
    factors: list[str],
    age: str | None,
    origin: pd.Timestamp,
    harmonics: int,
    terms: pd.DataFrame,
) -> tuple[FloatArray, list[str]]:
    """The model matrix: cells, trend (by age), season, holidays; and its column names."""
    years = (data[week] - origin).dt.days.to_numpy(dtype=np.float64) / 365.25
    middle = _days(data[week], 3).dt.day_of_year.to_numpy(dtype=np.float64)
    parts = [pd.DataFrame({"intercept": 1.0, "trend": years}, index=data.index)]
    parts += [_dummies(data[column], column) for column in factors]
    if age is not None:
        ages = _dummies(data[age], f"trend:{age}")
        parts.append(ages.mul(years, axis=0))
    season = {}
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * middle / 365.25
        season[f"sin{k}"], season[f"cos{k}"] = np.sin(angle), np.cos(angle)
    parts.append(pd.DataFrame(season, index=data.index))
    parts.append(terms.drop(columns="working_days"))
    matrix = pd.concat(parts, axis=1)
    return matrix.to_numpy(dtype=np.float64), list(matrix.columns)


@dataclasses.dataclass(frozen=True)
class Baseline:
    """Expected deaths per row, with what the prediction variance needs."""

    mean: FloatArray  # expected deaths (NaN where the group is not modelled)
    X: FloatArray  # model matrix (rows with no expected deaths are zero)
    cov: FloatArray  # parameter covariance at the floored dispersion
    phi: float
    n_parameters: int
    n_baseline_rows: int
    reasons: dict[int, str]  # group code -> why it has no expected deaths


def _excluded(
    codes: npt.NDArray[np.intp],
    in_base: npt.NDArray[np.bool_],
    deaths: FloatArray,
    weeks: pd.Series,
) -> dict[int, str]:
    reasons: dict[int, str] = {}
    for group in np.unique(codes).tolist():
        rows = (codes == group) & in_base
        if weeks[rows].nunique() < MINIMUM_BASELINE_WEEKS:
            reasons[group] = TOO_FEW_WEEKS
        elif deaths[rows].sum() == 0:
            reasons[group] = NO_DEATHS
    return reasons


def _empty_levels(
    data: pd.DataFrame, strata: list[str], deaths: FloatArray, fit: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Rows in a stratum level with no baseline deaths at all: expected to have none."""
    empty = np.zeros(len(data), dtype=bool)
    for column in strata:
        totals = pd.Series(deaths[fit]).groupby(data[column].to_numpy()[fit]).sum()
        zero_levels = totals.index[totals.to_numpy() == 0]
        empty |= data[column].isin(zero_levels).to_numpy()
    return empty


def fit_baseline(
    data: pd.DataFrame,
    week: str,
    deaths: str,
    population: str,
    group: npt.NDArray[np.intp],
    strata: list[str],
    age: str | None,
    in_base: npt.NDArray[np.bool_],
    origin: pd.Timestamp,
    harmonics: int,
) -> Baseline:
    """Fit one quasi-Poisson GLM to every modelled group's baseline rows, predict all rows."""
    y = data[deaths].to_numpy(dtype=np.float64)
    reasons = _excluded(group, in_base, y, data[week])
    modelled = ~np.isin(group, np.asarray(list(reasons), dtype=np.intp))
    empty = _empty_levels(data, strata, y, modelled & in_base)
    used = modelled & ~empty
    mean = np.where(modelled, 0.0, np.nan)
    k_all = 0
    X = np.zeros((len(data), 0))
    if used.any():
        factors = ["__group", *strata] if len(np.unique(group[used])) > 1 else list(strata)
        frame = data.loc[used].assign(__group=group[used])
        terms = calendar_terms(frame[week])
        X_used, _ = design(frame, week, factors, age, origin, harmonics, terms)
        offset = np.log(frame[population].to_numpy(dtype=np.float64) * terms["working_days"] / 5)
        base = in_base[used]
        k_all = X_used.shape[1]
        fit = fit_log_linear(y[used][base], X_used[base], offset[base].to_numpy())
        if not fit.converged:
            failed = dict.fromkeys(np.unique(group).tolist(), NOT_CONVERGED)
            return Baseline(np.full(len(data), np.nan), X, _NO_COV, np.nan, k_all, 0, failed)
        X = np.zeros((len(data), k_all))
        X[used] = X_used
        mean[used] = np.exp(X_used @ fit.params + offset.to_numpy())
        # Under-dispersion is not credible for deaths: the Poisson variance is the floor.
        phi = max(fit.scale, 1.0)
        cov = fit.cov / fit.scale * phi
        return Baseline(mean, X, cov, phi, k_all, int(base.sum()), reasons)
    return Baseline(mean, X, _NO_COV, np.nan, k_all, 0, reasons)


def aggregate(
    baseline: Baseline,
    cells: npt.NDArray[np.intp],
    chosen: npt.NDArray[np.bool_],
    n_cells: int,
    running: npt.NDArray[np.intp] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Expected deaths and prediction variance summed over rows into cells.

    var(Σ) = φ Σμ + gᵀ Σ g with g = Σ μ x: Poisson-type noise plus parameter uncertainty.
    With ``running`` (each cell's group, cells of a group consecutive and in order), each
    cell holds the running sum of its group's cells up to it, with its own variance.
    """
    mu = np.where(chosen, baseline.mean, 0.0)
    expected = np.asarray(
        np.bincount(cells, weights=np.nan_to_num(mu), minlength=n_cells), dtype=np.float64
    )
    missing = np.bincount(cells, weights=np.isnan(mu).astype(float), minlength=n_cells) > 0
    if baseline.cov.size == 0:  # nothing could be modelled
        return np.full(n_cells, np.nan), np.full(n_cells, np.nan)
    gradient = np.zeros((n_cells, baseline.X.shape[1]))
    np.add.at(gradient, cells, np.nan_to_num(mu)[:, None] * baseline.X)
    if running is not None:
        expected, gradient = running_sums(expected, running), running_sums(gradient, running)
        missing = running_sums(missing.astype(float), running) > 0
    variance = baseline.phi * expected + np.einsum("ij,jk,ik->i", gradient, baseline.cov, gradient)
    return np.where(missing, np.nan, expected), np.where(missing, np.nan, variance)


def running_sums(values: FloatArray, groups: npt.NDArray[np.intp]) -> FloatArray:
    """Cumulative sums along the first axis, restarting at each new group."""
    total = np.cumsum(values, axis=0)
    starts = np.r_[True, groups[1:] != groups[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(groups)), 0))
    before = np.concatenate([np.zeros((1, *total.shape[1:])), total])[first]
    result: FloatArray = total - before
    return result
