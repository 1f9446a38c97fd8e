"""Excess deaths: OHID's pooled quasi-Poisson baseline and the ONS 5-year-average check.

Where ldsa differs from OHID's published method (Excess mortality in England and English
regions, 2020-2022), and why:

- Weeks run Monday to Sunday (the store's weeks, ``ldsa.calendar.week_start``), while
  ONS registration weeks end on a Friday; totals over the pandemic period can differ by
  a few days at each end.
- Strata (area, sex, age, deprivation where the store has it) enter as main effects, the
  trend is interacted with age only and the seasonal Fourier terms are shared: with one
  authority's counts, fuller interactions would leave too few deaths per parameter.
- Holidays: the number of bank holidays in the week and in the week before (registrations
  catch up), indicators of the Easter weeks (Good Friday, Easter Monday) and of the weeks
  holding 25 December and 1 January; the offset is log(population × working days / 5),
  working days being Monday to Friday less bank holidays. OHID's exact holiday terms and
  their coding are not reproduced.
- Dispersion is floored at 1 (under-dispersion is not credible for deaths), and
  prediction intervals are on the 2/3-power scale (Farrington et al.), suited to small
  weekly counts; OHID's intervals may be computed differently.
- Ethnic group (by which OHID also reports) is not available: the store has none.
The ONS 5-year average (:func:`five_year_average`) is kept as a cross-check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._excess_model import (
    Baseline,
    aggregate,
    check_calendar,
    fit_baseline,
    running_sums,
)
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

OHID_METHOD = "OHID quasi-Poisson GLM"
FIVE_YEAR_METHOD = "5-year average"
#: The first day of the pandemic period OHID reports (weeks starting on or after it).
PANDEMIC_START = "2020-03-21"
NO_ANALYSIS_WEEKS = "no analysis weeks"


@dataclasses.dataclass(frozen=True)
class ExcessDeaths:
    """Excess deaths: one row per group and analysis week, and one per group in total.

    ``method_note`` says in plain English how the expected deaths were estimated;
    ``n_parameters`` and ``n_baseline_rows`` describe the pooled model.
    """

    weekly: pd.DataFrame
    total: pd.DataFrame
    baseline_years: tuple[int, int]
    analysis_start: pd.Timestamp | None = None
    dispersion: float = float("nan")
    n_parameters: int = 0
    n_baseline_rows: int = 0
    method_note: str = ""
    _fit: _Fit | None = dataclasses.field(default=None, repr=False, compare=False)

    def totals_by(self, columns: str | Sequence[str], *, running: bool = False) -> pd.DataFrame:
        """The totals again, broken down by more columns of the input frame.

        Parameters
        ----------
        columns
            Columns constant within each input row, such as a period label (months of
            the analysis) or strata (sex and age): one row per group and combination.
        running
            Sum each group's cells from its first up to each cell, in the order of
            ``columns`` (running totals by period), each with its own interval.

        Returns
        -------
        pandas.DataFrame
            The group's keys, ``columns``, ``weeks`` (analysis weeks in the cell) and the
            columns of ``total``, each sum's prediction interval from the same model.

        Raises
        ------
        StatsInputError
            When a column is not in the input frame.
        """
        fit = self._fit
        if fit is None:
            raise StatsInputError("totals_by: this result holds no fitted model.")
        extra = by_columns(columns)
        require_columns(fit.data, "frame", extra)
        chosen = fit.chosen
        key = fit.key_frame.iloc[fit.group[chosen]].reset_index(drop=True)
        key[extra] = fit.data.loc[chosen, extra].reset_index(drop=True)
        key["__week"] = fit.data.loc[chosen, fit.week].to_numpy()
        names = [*fit.key_frame.columns, *extra]
        cells = key[names].drop_duplicates().sort_values(names).reset_index(drop=True)
        ids = np.full(len(fit.data), len(cells), dtype=np.intp)
        lookup = pd.MultiIndex.from_frame(cells)
        ids[chosen] = lookup.get_indexer(pd.MultiIndex.from_frame(key[names]))
        keys = list(fit.key_frame.columns)
        groups = np.zeros(len(cells), dtype=np.intp)
        if keys:
            groups = np.asarray(cells.groupby(keys, sort=False).ngroup(), dtype=np.intp)
        counts, expected, variance = _assemble(
            fit.baseline, fit.observed, ids, chosen, len(cells), groups if running else None
        )
        weeks = key.drop_duplicates([*names, "__week"]).groupby(names, sort=False).size()
        cells["weeks"] = weeks.reindex(pd.MultiIndex.from_frame(cells)).to_numpy()
        if running:
            weeks_so_far = running_sums(cells["weeks"].to_numpy(dtype=np.float64), groups)
            cells["weeks"] = weeks_so_far.astype(np.int64)
            counts = running_sums(counts, groups)
        cells["observed"] = counts
        return _excess_columns(cells, expected, variance, fit.conf_level)


@dataclasses.dataclass(frozen=True)
class _Fit:
    """What :meth:`ExcessDeaths.totals_by` needs of a fitted model."""

    data: pd.DataFrame
    week: str
    group: npt.NDArray[np.intp]
    key_frame: pd.DataFrame
    chosen: npt.NDArray[np.bool_]
    observed: FloatArray
    baseline: Baseline
    conf_level: ConfLevel


def _weekly(
    frame: pd.DataFrame, week: str, deaths: str, keys: list[str], extra: Sequence[str]
) -> pd.DataFrame:
    require_columns(frame, "frame", [week, deaths, *keys, *extra])
    data = frame[[*keys, week, deaths, *extra]].copy()
    data[week] = as_dates(week, data[week])
    if data.duplicated([*keys, week]).any():
        raise StatsInputError(
            f"{week}: duplicate weeks within a group or stratum; give one row per week."
        )
    nonnegative(deaths, data[deaths])
    return data.sort_values([*keys, week], kind="stable").reset_index(drop=True)


def _power_limits(mean: FloatArray, variance: FloatArray, z: float) -> tuple[FloatArray, ...]:
    """Prediction limits on the 2/3-power scale (Farrington et al. 1996)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (2 / 3) * z * np.sqrt(variance) / mean
    lower = mean * np.clip(1 - spread, 0.0, None) ** 1.5
    upper = mean * (1 + spread) ** 1.5
    return np.where(mean > 0, lower, 0.0), np.where(mean > 0, upper, 0.0)


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


def _note(strata: list[str], age: str | None, harmonics: int, baseline: Baseline) -> str:
    structure = ", ".join(strata) if strata else "no strata"
    trend = f"a trend by {age}" if age else "a trend"
    return (
        f"Expected deaths from one quasi-Poisson model of the baseline weeks ({structure}; "
        f"{trend}; {harmonics} seasonal harmonics; bank-holiday, Easter and Christmas terms; "
        f"offset log population \u00d7 working days; dispersion {baseline.phi:.2f}), "
        "predicted over the pandemic period with 2/3-power prediction intervals."
    )


def _analysis_start(value: str | pd.Timestamp | None, last_year: int) -> pd.Timestamp:
    start = (
        pd.Timestamp(year=last_year + 1, month=1, day=1) if value is None else pd.Timestamp(value)
    )
    if start.year <= last_year:
        raise StatsInputError(
            "analysis_start: must fall after the baseline years (the pandemic period "
            f"starts {PANDEMIC_START} by default)."
        )
    return start


def _cells(
    data: pd.DataFrame, week: str, group: npt.NDArray[np.intp], chosen: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.intp], pd.DataFrame]:
    """One cell per group and analysis week; rows outside the analysis go to a spare cell."""
    key = pd.DataFrame({"group": group[chosen], "week": data[week].to_numpy()[chosen]})
    cells = key.drop_duplicates().sort_values(["group", "week"]).reset_index(drop=True)
    lookup = pd.MultiIndex.from_frame(cells)
    ids = np.full(len(data), len(cells), dtype=np.intp)
    ids[chosen] = lookup.get_indexer(pd.MultiIndex.from_frame(key))
    return ids, cells


def _assemble(
    baseline: Baseline,
    observed: FloatArray,
    cells: npt.NDArray[np.intp],
    chosen: npt.NDArray[np.bool_],
    n_cells: int,
    running: npt.NDArray[np.intp] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    # The spare cell (rows outside the analysis) is a group of its own.
    spare = None if running is None else np.r_[running, -1]
    expected, variance = aggregate(baseline, cells, chosen, n_cells + 1, spare)
    counts = np.bincount(cells, weights=np.where(chosen, observed, 0.0), minlength=n_cells + 1)
    return counts[:n_cells].astype(np.float64), expected[:n_cells], variance[:n_cells]


def excess_deaths(
    frame: pd.DataFrame,
    week: str = "week_start",
    deaths: str = "deaths",
    population: str = "population",
    by: str | Sequence[str] | None = None,
    baseline_years: tuple[int, int] = (2015, 2019),
    harmonics: int = 2,
    conf_level: ConfLevel = 0.95,
    *,
    strata: str | Sequence[str] | None = None,
    age: str | None = None,
    analysis_start: str | pd.Timestamp | None = PANDEMIC_START,
) -> ExcessDeaths:
    """Expected and excess deaths by OHID's pooled model, with prediction intervals.

    Parameters
    ----------
    frame
        One row per group, stratum and week: the week's first day (a Monday), deaths
        registered (>= 0) and the population (> 0), from the baseline years through the
        pandemic period.
    week, deaths, population
        Column names.
    by
        Grouping column(s) of the results, for example ``"la_code"``; every group is in
        the one model (as a main effect).
    baseline_years
        First and last baseline year (weeks starting in them); 2015-2019 by default.
    harmonics
        Pairs of Fourier terms for the seasonal cycle.
    conf_level
        Level(s) of the prediction intervals.
    strata
        Column(s) of the model's structure within a group, for example
        ``["sex", "age_band"]`` and, where the store has it, ``"imd_quintile"``.
    age
        The age column (one of ``strata``, added if not): the trend is fitted by age.
    analysis_start
        First day of the analysis (the pandemic period): weeks starting on or after it,
        21 March 2020 by default. Weeks between the baseline and this day are neither fitted
        nor reported. None: from 1 January after the baseline.

    Returns
    -------
    ExcessDeaths
        ``weekly``: per group and analysis week, ``observed``, ``expected`` with
        ``expected_lower``/``expected_upper``, ``value`` (excess = observed − expected)
        with ``lower``/``upper``, ``ratio`` (observed/expected) with limits, ``method`` and
        ``reason`` (why no expected value, if none). ``total``: the same summed over each
        group's analysis weeks, with ``weeks`` and ``dispersion``. Also the dispersion,
        the model's size and ``method_note``.

    Raises
    ------
    StatsInputError
        Missing columns or values, negative deaths, non-positive populations, duplicate
        weeks, weeks the bank-holiday calendar does not cover, an analysis start inside
        the baseline.

    Notes
    -----
    One quasi-Poisson GLM of the baseline rows of every group: log E[deaths] = log(pop ×
    working days / 5) + group + strata + trend (by age) + Fourier season + bank holidays
    in the week and the week before + Easter weeks + the weeks of 25 December and 1
    January. Dispersion φ = X²/df, floored at 1. A row's prediction variance is φμ +
    μ² xᵀΣx; a sum over rows (strata, weeks) has φΣμ + gᵀΣg with g = Σ μx. Limits are on
    the 2/3-power scale, the lower one floored at 0; excess limits are the observed count
    minus the expected limits, ratio limits divide by them. A group with fewer than 52
    baseline weeks or no baseline deaths is left out of the model (with the reason); a
    stratum level with no baseline deaths anywhere (say no deaths at ages 0-4 in five
    years) is expected to have none. See the module docstring for where ldsa differs from
    OHID's published method.

    References
    ----------
    Office for Health Improvement and Disparities. Excess mortality in England and English
    regions: methodology (2022).
    Farrington CP, Andrews NJ, Beale AD, Catchpole MA. A statistical algorithm for the
    early detection of outbreaks of infectious disease. JRSS A 1996;159:547-563.
    """
    keys = by_columns(by)
    layers = by_columns(strata)
    if age is not None and age not in layers:
        layers.append(age)
    carried = [c for c in frame.columns if c not in {*keys, *layers, week, deaths, population}]
    data = _weekly(frame, week, deaths, [*keys, *layers], [population, *carried])
    positive(population, data[population])
    check_calendar(data[week])
    first, last = baseline_years
    if first > last:
        raise StatsInputError("baseline_years: the first year is after the last.")
    start = _analysis_start(analysis_start, last)
    years = data[week].dt.year.to_numpy()
    in_base = (years >= first) & (years <= last)
    chosen = (data[week] >= start).to_numpy()
    group, key_frame = group_codes(data, keys)
    baseline = fit_baseline(
        data, week, deaths, population, group, layers, age, in_base,
        pd.Timestamp(year=first, month=1, day=1), harmonics,
    )  # fmt: skip
    observed = data[deaths].to_numpy(dtype=np.float64)
    group_reason = np.array([baseline.reasons.get(g) for g in range(len(key_frame))], dtype=object)
    weekly = _weekly_output(data, week, group, chosen, observed, baseline, key_frame, conf_level)
    weekly["reason"] = pd.Series(group_reason[weekly.pop("__group")], dtype="string")
    starts = data[week].to_numpy(dtype="datetime64[ns]")
    total = _total_output(starts, group, chosen, observed, baseline, key_frame, conf_level)
    none = total["weeks"].to_numpy() == 0
    total["reason"] = pd.Series(
        np.where(none & pd.isna(group_reason), NO_ANALYSIS_WEEKS, group_reason), dtype="string"
    )
    return ExcessDeaths(
        weekly=weekly,
        total=total,
        baseline_years=(first, last),
        analysis_start=start,
        dispersion=baseline.phi,
        n_parameters=baseline.n_parameters,
        n_baseline_rows=baseline.n_baseline_rows,
        method_note=_note(layers, age, harmonics, baseline),
        _fit=_Fit(data, week, group, key_frame, chosen, observed, baseline, conf_level),
    )


def _weekly_output(
    data: pd.DataFrame,
    week: str,
    group: npt.NDArray[np.intp],
    chosen: npt.NDArray[np.bool_],
    observed: FloatArray,
    baseline: Baseline,
    key_frame: pd.DataFrame,
    conf_level: ConfLevel,
) -> pd.DataFrame:
    cells, cell_keys = _cells(data, week, group, chosen)
    counts, expected, variance = _assemble(baseline, observed, cells, chosen, len(cell_keys))
    out = key_frame.iloc[cell_keys["group"].to_numpy()].reset_index(drop=True)
    out["week"] = cell_keys["week"].to_numpy()
    out["observed"] = counts
    out = _excess_columns(out, expected, variance, conf_level)
    out["__group"] = cell_keys["group"].to_numpy()
    return out


def _total_output(
    week_starts: npt.NDArray[np.datetime64],
    group: npt.NDArray[np.intp],
    chosen: npt.NDArray[np.bool_],
    observed: FloatArray,
    baseline: Baseline,
    key_frame: pd.DataFrame,
    conf_level: ConfLevel,
) -> pd.DataFrame:
    n_groups = len(key_frame)
    cells = np.where(chosen, group, n_groups)
    counts, expected, variance = _assemble(baseline, observed, cells, chosen, n_groups)
    out = key_frame.reset_index(drop=True)
    out["weeks"] = 0
    if chosen.any():
        distinct = pd.DataFrame({"group": group[chosen], "week": week_starts[chosen]})
        weeks = distinct.drop_duplicates().groupby("group").size()
        out.loc[weeks.index, "weeks"] = weeks.to_numpy()
    out["observed"] = counts
    out["dispersion"] = baseline.phi
    return _excess_columns(out, expected, variance, conf_level)


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
