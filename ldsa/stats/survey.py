"""Infection-survey positivity: post-stratified binomial GLM, design-based check, 1 in N."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit, logit

from ldsa.stats._pspline import fit_penalised_binomial, spline_basis
from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    at_most,
    by_columns,
    conf_levels,
    group_codes,
    limit_names,
    nonnegative,
    positive,
    require_columns,
    z_value,
)
from ldsa.stats.intervals import wilson_interval

MRP_METHOD = "post-stratified binomial GLM (penalised time spline, age band, sex); delta method"
DESIGN_METHOD = "weighted proportion; Wilson on the Kish effective sample size"


def one_in_n(proportion: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return N in "around 1 in N" for each proportion, rounded as ONS bulletins do.

    Parameters
    ----------
    proportion
        Proportions in (0, 1]; 0 gives NaN (no N).

    Returns
    -------
    numpy.ndarray
        1/p rounded to the nearest whole number below 20, to 5 below 100, to 10 below
        1,000 and to 100 from 1,000 (ONS bulletins: "1 in 17", "1 in 65", "1 in 160",
        "1 in 1,400", "1 in 10,900").

    References
    ----------
    Office for National Statistics. Coronavirus (COVID-19) Infection Survey bulletins,
    2020-2022.
    """
    p = np.atleast_1d(nonnegative("proportion", proportion))
    at_most("proportion", p, np.ones_like(p), "1")
    with np.errstate(divide="ignore"):
        raw = np.where(p > 0, 1 / np.where(p > 0, p, 1.0), np.nan)
    step = np.select([raw < 20, raw < 100, raw < 1000], [1.0, 5.0, 10.0], 100.0)
    rounded = np.round(raw / step) * step
    return np.asarray(np.maximum(rounded, 1.0), dtype=np.float64)


def one_in_n_text(proportion: npt.ArrayLike) -> list[str]:
    """Return the wording "around 1 in N" for each proportion.

    Parameters
    ----------
    proportion
        Proportions in [0, 1].

    Returns
    -------
    list of str
        "around 1 in N" with N from :func:`one_in_n` and thousands separators
        ("around 1 in 1,400"); for a proportion of 0, "fewer than 1 in any number tested".

    Notes
    -----
    Use it for modelled or weighted positivity, not for raw small counts: a disclosure
    check applies to the numbers behind it.

    References
    ----------
    Office for National Statistics. Coronavirus (COVID-19) Infection Survey bulletins.
    """
    return [
        "fewer than 1 in any number tested" if np.isnan(n) else f"around 1 in {int(n):,}"
        for n in np.atleast_1d(one_in_n(proportion))
    ]


def _cells(
    data: pd.DataFrame, date: str, positive_col: str, tests: str, age_band: str, sex: str
) -> pd.DataFrame:
    cells = data.groupby([date, age_band, sex], observed=True, sort=True)[[positive_col, tests]]
    out = cells.sum().reset_index()
    out = out.rename(columns={positive_col: "positive", tests: "tests"})
    return out[out["tests"] > 0]


def _indicators(frame: pd.DataFrame, levels: dict[str, list[object]]) -> FloatArray:
    """Treatment-coded indicators of each column's levels after the first."""
    columns = [
        (frame[column].to_numpy() == level).astype(np.float64)
        for column, values in levels.items()
        for level in values[1:]
    ]
    return np.column_stack(columns) if columns else np.zeros((len(frame), 0))


def _fit_area(
    cells: pd.DataFrame,
    strata: pd.DataFrame,
    grid: pd.DatetimeIndex,
    date: str,
    age_band: str,
    sex: str,
    spline_df: int,
) -> tuple[FloatArray, FloatArray, float, str | None]:
    """Post-stratified positivity, its logit-scale standard error on each grid day, and the
    model's residual degrees of freedom."""
    empty = np.full(len(grid), np.nan)
    for column in (age_band, sex):
        if not strata[column].isin(cells[column]).all():
            return empty, empty, np.nan, f"population strata have a {column} absent from the survey"
    if cells["positive"].sum() == 0:
        return empty, empty, np.nan, "no positive swab in the area"
    origin, last = grid[0], float((grid[-1] - grid[0]).days)
    n_spline = spline_df + 1
    levels = {c: sorted(strata[c].unique().tolist()) for c in (age_band, sex)}
    t = np.asarray((cells[date] - origin).dt.days, dtype=np.float64)
    X = np.hstack([spline_basis(t, last, n_spline), _indicators(cells, levels)])
    y, n = cells["positive"].to_numpy(np.float64), cells["tests"].to_numpy(np.float64)
    fit = fit_penalised_binomial(X, y, n, n_spline)
    if fit is None:
        return empty, empty, np.nan, "model could not be fitted"
    days = np.asarray((grid - origin).days, dtype=np.float64)
    time_part = spline_basis(days, last, n_spline)  # [day, spline]
    group_part = _indicators(strata, levels)  # [stratum, effect]
    X_new = np.concatenate(
        [
            np.broadcast_to(time_part, (len(strata), *time_part.shape)),
            np.broadcast_to(group_part[:, None, :], (len(strata), len(grid), group_part.shape[1])),
        ],
        axis=2,
    )  # [stratum, day, parameter]
    p = expit(X_new @ fit.params)
    share = (strata["population"] / strata["population"].sum()).to_numpy()[:, None]
    pbar = np.sum(share * p, axis=0)
    gradient = np.einsum("sd,sdk->dk", share * p * (1 - p), X_new)
    variance = np.maximum(np.einsum("dk,kl,dl->d", gradient, fit.cov, gradient), 0.0)
    return pbar, np.sqrt(variance) / (pbar * (1 - pbar)), fit.df_resid, None


def survey_positivity(
    frame: pd.DataFrame,
    strata: pd.DataFrame,
    date: str = "date",
    positive: str = "positive",
    tests: str = "tests",
    age_band: str = "age_band",
    sex: str = "sex",
    population: str = "population",
    by: str | Sequence[str] | None = "cis_area",
    spline_df: int | None = None,
    conf_level: ConfLevel = 0.95,
    multiplier: float = 100,
) -> pd.DataFrame:
    """Modelled swab positivity per area and day, post-stratified by age band and sex.

    Parameters
    ----------
    frame
        Swab results: one row per visit (``tests`` = 1) or per cell of day, age band and
        sex, with ``positive`` (>= 0) of ``tests`` (> 0) positive, per area.
    strata
        The population to post-stratify to: ``by`` columns, ``age_band``, ``sex`` and
        ``population`` (> 0), one row per cell.
    date, positive, tests, age_band, sex, population, by
        Column names; ``by`` names the area (CIS area by default).
    spline_df
        Degrees of freedom of the B-spline in time (its basis has one more function,
        which holds the intercept); by default one per 14 days of survey (at least 4),
        flexible enough to follow a wave, with a penalty that keeps it smooth.
    conf_level
        Level(s) of the confidence intervals (frequentist: not credible intervals).
    multiplier
        100 for percentages, 1 for proportions.

    Returns
    -------
    pandas.DataFrame
        One row per area and day from the first to the last survey day: ``value``, the
        limits, ``one_in_n`` and ``wording`` ("around 1 in N"), the model's residual
        degrees of freedom ``df_resid`` (cells less effective parameters, for the
        disclosure rules), ``method`` and ``reason``.

    Notes
    -----
    A frequentist stand-in for the survey's Bayesian MRP: per area, a binomial GLM of
    positivity on a cubic B-spline of time plus age band and sex, predicted for every cell
    and day and weighted by the cell's population share. The spline's coefficients carry a
    second-difference penalty (a P-spline) whose weight AIC chooses, so that weeks without
    a positive swab give a low estimate rather than a model that fails to converge; age
    and sex effects carry a weak ridge (prior standard deviation 10 on the logit scale)
    that keeps them finite where a group has no positive. The covariance is the penalised
    fit's Bayesian one, scaled by the Pearson dispersion when it exceeds 1. The interval
    uses the delta method on the logit of the post-stratified proportion, so it stays
    within (0, 1). Areas with no positive swab, or whose population has an age band or
    sex the survey did not sample, get no value, with the reason. One fit per area.

    References
    ----------
    Pouwels KB, et al. Community prevalence of SARS-CoV-2 in England from April to November
    2020: results from the ONS Coronavirus Infection Survey. Lancet Public Health
    2021;6:e30-e38. Gelman A, Little TC. Poststratification into many categories using
    hierarchical logistic regression. Survey Methodology 1997;23:127-135. Eilers PHC, Marx
    BD. Flexible smoothing with B-splines and penalties. Statistical Science 1996;11:89-121.
    """
    keys = by_columns(by)
    if spline_df is not None and spline_df < 3:
        raise StatsInputError("spline_df: a cubic B-spline needs at least 3 degrees of freedom.")
    require_columns(frame, "frame", [date, positive, tests, age_band, sex, *keys])
    require_columns(strata, "strata", [age_band, sex, population, *keys])
    x = nonnegative(positive, frame[positive])
    n = nonnegative(tests, frame[tests])
    at_most(positive, x, n, tests)
    _positive_weights(strata[population], population)
    data = frame.assign(**{date: pd.to_datetime(frame[date])})
    codes, key_frame = group_codes(data, keys)
    levels, multi = conf_levels(conf_level)
    parts = []
    for group, key in enumerate(key_frame.itertuples(index=False)):
        area = data[codes == group]
        cells = _cells(area, date, positive, tests, age_band, sex)
        cell_strata = strata
        for column, value in zip(keys, key, strict=True):
            cell_strata = cell_strata[cell_strata[column] == value]
        cell_strata = cell_strata[[age_band, sex, population]].reset_index(drop=True)
        grid = pd.date_range(cells[date].min(), cells[date].max(), freq="D")
        df = max(4, round(len(grid) / 14)) if spline_df is None else spline_df
        reason: str | None
        if cell_strata.empty:
            nothing = np.full(len(grid), np.nan)
            pbar, se, df_resid, reason = (
                nothing,
                nothing,
                np.nan,
                "no population strata for the area",
            )
        else:
            pbar, se, df_resid, reason = _fit_area(
                cells, cell_strata, grid, date, age_band, sex, df
            )
        part = pd.DataFrame({"date": grid, "value": pbar * multiplier})
        for column, value in zip(keys, key, strict=True):
            part.insert(0, column, value)
        for level, (low, high) in zip(levels, limit_names(levels, multi), strict=True):
            z = z_value(level)
            part[low] = expit(logit(pbar) - z * se) * multiplier
            part[high] = expit(logit(pbar) + z * se) * multiplier
        part["one_in_n"] = one_in_n(np.nan_to_num(pbar, nan=0.0))
        part["wording"] = np.where(np.isnan(pbar), "", one_in_n_text(np.nan_to_num(pbar)))
        part["df_resid"] = df_resid
        part["reason"] = reason
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["method"] = MRP_METHOD
    out["reason"] = out.pop("reason").astype("string")
    return out


def _positive_weights(values: npt.ArrayLike, name: str) -> FloatArray:
    """Refuse zero or negative populations or weights (``positive`` is a column name here)."""
    return positive(name, values)


def design_based_positivity(
    frame: pd.DataFrame,
    positive: str = "positive",
    weight: str = "weight",
    by: str | Sequence[str] | None = None,
    conf_level: ConfLevel = 0.95,
    multiplier: float = 100,
) -> pd.DataFrame:
    """Weighted positivity with a Wilson interval on the Kish effective sample size.

    Parameters
    ----------
    frame
        One row per swab: ``positive`` (0 or 1) and its survey ``weight`` (> 0).
    positive, weight, by
        Column names and grouping column(s) (for example area and week).
    conf_level, multiplier
        Interval level(s); 100 for percentages.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n``, ``n_effective``, ``value``, the limits, ``method``.

    Notes
    -----
    p = Σwy/Σw; n_eff = (Σw)²/Σw² (Kish); limits are Wilson's for p n_eff of n_eff. A
    design-based check on the model: no smoothing, wider intervals.

    References
    ----------
    Kish L. Survey Sampling. Wiley, 1965. Wilson EB. JASA 1927;22:209-212.
    """
    keys = by_columns(by)
    require_columns(frame, "frame", [positive, weight, *keys])
    y = nonnegative(positive, frame[positive])
    at_most(positive, y, np.ones_like(y), "1")
    w = _positive_weights(frame[weight], weight)
    codes, out = group_codes(frame, keys)
    size = len(out)
    total = np.bincount(codes, weights=w, minlength=size)
    p = np.bincount(codes, weights=w * y, minlength=size) / total
    n_eff = total**2 / np.bincount(codes, weights=w**2, minlength=size)
    out["n"] = np.bincount(codes, minlength=size)
    out["n_effective"] = n_eff
    out["value"] = p * multiplier
    levels, multi = conf_levels(conf_level)
    for level, (low, high) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper = wilson_interval(np.minimum(p * n_eff, n_eff), n_eff, level)
        out[low], out[high] = lower * multiplier, upper * multiplier
    out["method"] = DESIGN_METHOD
    return out.reset_index(drop=True)


def ascertainment_ratio(
    cases: npt.ArrayLike, population: npt.ArrayLike, positivity: npt.ArrayLike
) -> FloatArray:
    """Reported cases per infected person: cases / (positivity × population).

    Parameters
    ----------
    cases
        Cases reported over a period (for example the survey's week).
    population
        The area's population.
    positivity
        Survey positivity over the same period, as a proportion in (0, 1].

    Returns
    -------
    numpy.ndarray
        The ratio (NaN where positivity is 0).

    Notes
    -----
    Positivity measures prevalence (people testing positive on a day, for about 10 days
    per infection) while cases measure incidence, so the ratio compares orders of
    magnitude over time and between areas, not the exact fraction of infections found.

    References
    ----------
    Office for National Statistics. Coronavirus (COVID-19) Infection Survey: methods and
    further information.
    """
    c = nonnegative("cases", cases)
    n = positive("population", population)
    p = nonnegative("positivity", positivity)
    infected = p * n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(infected > 0, c / infected, np.nan), dtype=np.float64)
