"""Daily series: rolling 7-day counts and rates, growth rates and doubling times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

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
from ldsa.stats.intervals import poisson_limits
from ldsa.stats.models import fit_log_linear
from ldsa.stats.rates import BYAR, EXACT

INCOMPLETE = "window includes incomplete recent days"
SHORT_WINDOW = "fewer days than the window"
LOG2 = float(np.log(2))


def _daily(
    frame: pd.DataFrame, date: str, count: str, keys: list[str], extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, npt.NDArray[np.intp], pd.DataFrame]:
    """Sort by group and date; refuse duplicate or missing days within a group."""
    require_columns(frame, "frame", [date, count, *keys, *extra])
    data = frame[[*keys, date, count, *extra]].copy()
    data[date] = as_dates(date, data[date])
    data = data.sort_values([*keys, date], kind="stable").reset_index(drop=True)
    codes, key_frame = group_codes(data, keys)
    step = data[date].diff().dt.days.to_numpy()
    same = np.r_[False, codes[1:] == codes[:-1]]
    duplicates = int(np.count_nonzero(same & (step == 0)))
    gaps = int(np.count_nonzero(same & (step > 1)))
    if duplicates or gaps:
        raise StatsInputError(
            f"{date}: {duplicates} duplicate day(s) and {gaps} gap(s) within groups; give "
            "one row per day per group, with zero counts on days without events."
        )
    return data, codes, key_frame


def _incomplete(dates: pd.Series, as_of: str | pd.Timestamp | None, days: int) -> FloatArray:
    if days < 0:
        raise StatsInputError("incomplete_days: must be >= 0.")
    end = dates.max() if as_of is None else pd.Timestamp(as_of)
    cutoff = end - pd.Timedelta(days=days)
    return np.asarray(dates > cutoff, dtype=np.float64)


def rolling_rate(
    frame: pd.DataFrame,
    date: str = "date",
    count: str = "count",
    population: str = "population",
    by: str | Sequence[str] | None = None,
    window: int = 7,
    align: Literal["trailing", "centred"] = "trailing",
    incomplete_days: int = 5,
    as_of: str | pd.Timestamp | None = None,
    multiplier: float = 100_000,
    conf_level: ConfLevel = 0.95,
) -> pd.DataFrame:
    """Rolling counts and rates per 100,000, with the incomplete recent days left out.

    Parameters
    ----------
    frame
        One row per day per group (no gaps: days without events have a zero count).
    date, count, population
        Column names; counts >= 0, populations > 0.
    by
        Grouping column(s), for example ``"la_code"``.
    window
        Days in the window (7 by default; odd when centred).
    align
        ``"trailing"`` (the window ends on the day) or ``"centred"``.
    incomplete_days
        The most recent days (relative to ``as_of``) still filling in: flagged, and no
        rolling value is given for a window that includes one.
    as_of
        The date of the data extract; by default the latest date in the frame.
    multiplier, conf_level
        Rate multiplier and interval level(s).

    Returns
    -------
    pandas.DataFrame
        Sorted by group and date: the ``by`` columns, ``date``, ``count``, ``population``,
        ``incomplete``, ``rolling_count``, ``value`` (rate), the limits, ``method`` (the
        window, its alignment and the interval) and ``reason`` where no value is given
        (rolling count and rate are both left out for windows with incomplete days).

    Notes
    -----
    Specimen-dated cases for the last few days are incomplete (about 5 days), so a rate
    over them would understate the latest trend. Rates use the population on the day;
    limits are exact Poisson below 10 events in the window and Byar's from 10.
    Vectorised: one cumulative sum over all groups.

    References
    ----------
    UK Health Security Agency. Coronavirus dashboard: metrics documentation (cases by
    specimen date, rolling rates).
    """
    keys = by_columns(by)
    if window < 1 or (align == "centred" and window % 2 == 0):
        raise StatsInputError("window: must be >= 1, and odd when centred.")
    if align not in ("trailing", "centred"):
        raise StatsInputError("align: expected 'trailing' or 'centred'.")
    data, codes, _ = _daily(frame, date, count, keys, [population])
    x = nonnegative(count, data[count])
    n = positive(population, data[population])
    incomplete = _incomplete(data[date], as_of, incomplete_days)
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    rows = np.arange(len(x))
    first = rows - position
    last = first + np.bincount(codes)[codes] - 1
    end = rows + (window // 2 if align == "centred" else 0)
    start = end - window + 1
    valid = (start >= first) & (end <= last)
    end_c, start_c = np.minimum(end, len(x) - 1), np.maximum(start, 0)
    sums = np.cumsum(np.r_[0.0, x])
    bad = np.cumsum(np.r_[0.0, incomplete])
    touched = valid & ((bad[end_c + 1] - bad[start_c]) > 0)
    usable = valid & ~touched
    rolled = np.where(usable, sums[end_c + 1] - sums[start_c], np.nan)
    out = data.rename(columns={date: "date", count: "count", population: "population"})
    out["incomplete"] = incomplete.astype(bool)
    out["rolling_count"] = rolled
    safe = np.where(usable, rolled, 0.0)
    out["value"] = np.where(usable, safe / n * multiplier, np.nan)
    levels, multi = conf_levels(conf_level)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper, _ = poisson_limits(safe, level)
        out[lower_name] = np.where(usable, lower / n * multiplier, np.nan)
        out[upper_name] = np.where(usable, upper / n * multiplier, np.nan)
    label = f"{window}-day {align} sum"
    interval = np.where(safe < 10, f"{label}; {EXACT}", f"{label}; {BYAR}")
    out["method"] = np.where(usable, interval, label)
    reason = reasons(touched, INCOMPLETE)
    out["reason"] = reason.where(valid, SHORT_WINDOW)
    return out


def _doubling(
    low: FloatArray, high: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Doubling (growth > 0) or halving time limits in days from growth-rate limits."""
    with np.errstate(divide="ignore"):
        growing = LOG2 / np.where(low > 0, low, 0.0), LOG2 / np.where(high > 0, high, 0.0)
        shrinking = LOG2 / np.where(high < 0, -high, 0.0), LOG2 / np.where(low < 0, -low, 0.0)
    return growing[1], growing[0], shrinking[1], shrinking[0]


def growth_rate(
    frame: pd.DataFrame,
    date: str = "date",
    count: str = "count",
    by: str | Sequence[str] | None = None,
    window: int = 28,
    incomplete_days: int = 5,
    as_of: str | pd.Timestamp | None = None,
    weekday_effects: bool = True,
    conf_level: ConfLevel = 0.95,
) -> pd.DataFrame:
    """Daily growth rate and doubling or halving time from a log-linear quasi-Poisson GLM.

    Parameters
    ----------
    frame
        One row per day per group, no gaps.
    date, count, by
        Column names and grouping column(s).
    window
        Days fitted: the last ``window`` complete days of each group.
    incomplete_days, as_of
        As for :func:`rolling_rate`; incomplete days are left out of the fit.
    weekday_effects
        Day of the week as a factor, so reporting patterns do not bias the trend.
    conf_level
        Level(s) of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``period_start``, ``period_end``, ``events``, ``value`` (growth
        rate per day, r), its limits, ``doubling_time`` (days, when r > 0) or
        ``halving_time`` (r < 0) with limits ``doubling_<lower/upper...>`` (inf where the
        interval includes no growth), ``dispersion``, ``method`` and ``reason``.

    Notes
    -----
    log E[count] = a + r t + weekday; r from quasi-Poisson (Pearson χ² dispersion), Wald
    interval r ± z se(r). Doubling time ln 2 / r; its interval inverts r's. No value is
    given without events in the window or if the fit fails (reason says which).
    One GLM per group: fits cannot share a design when groups differ.

    References
    ----------
    Pellis L, et al. Challenges in control of COVID-19: short doubling time and long delay
    to effect of interventions. Phil Trans R Soc B 2021;376:20200264.
    McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed. Chapman & Hall, 1989.
    """
    keys = by_columns(by)
    if window < 7:
        raise StatsInputError("window: at least 7 days are needed to fit a trend.")
    data, codes, key_frame = _daily(frame, date, count, keys)
    x = nonnegative(count, data[count])
    complete = _incomplete(data[date], as_of, incomplete_days) == 0
    levels, multi = conf_levels(conf_level)
    rows = []
    for group in range(len(key_frame)):
        chosen = np.flatnonzero((codes == group) & complete)[-window:]
        rows.append(_fit_growth(data[date].iloc[chosen], x[chosen], weekday_effects))
    out = pd.concat([key_frame.reset_index(drop=True), pd.DataFrame(rows)], axis=1)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        z = z_value(level)
        out[lower_name] = out["value"] - z * out["std_error"]
        out[upper_name] = out["value"] + z * out["std_error"]
        low, high = out[lower_name].to_numpy(), out[upper_name].to_numpy()
        d_low, d_high, h_low, h_high = _doubling(low, high)
        out[f"doubling_{lower_name}"] = np.where(out["value"] > 0, d_low, np.nan)
        out[f"doubling_{upper_name}"] = np.where(out["value"] > 0, d_high, np.nan)
        out[f"halving_{lower_name}"] = np.where(out["value"] < 0, h_low, np.nan)
        out[f"halving_{upper_name}"] = np.where(out["value"] < 0, h_high, np.nan)
    with np.errstate(divide="ignore"):
        value = out["value"].to_numpy()
        out["doubling_time"] = np.where(value > 0, LOG2 / np.abs(value), np.nan)
        out["halving_time"] = np.where(value < 0, LOG2 / np.abs(value), np.nan)
    weekday = ", weekday factors" if weekday_effects else ""
    out["method"] = f"quasi-Poisson log-linear GLM{weekday}"
    out["reason"] = out["reason"].astype("string")
    return out


def _fit_growth(dates: pd.Series, y: FloatArray, weekday_effects: bool) -> dict[str, object]:
    row: dict[str, object] = {
        "period_start": dates.min() if len(dates) else pd.NaT,
        "period_end": dates.max() if len(dates) else pd.NaT,
        "events": float(y.sum()),
        "value": np.nan,
        "std_error": np.nan,
        "dispersion": np.nan,
        "reason": None,
    }
    if len(y) < 7:
        row["reason"] = "fewer than 7 complete days"
        return row
    if y.sum() == 0:
        row["reason"] = "no events in the window"
        return row
    t = (dates - dates.min()).dt.days.to_numpy(dtype=np.float64)
    columns = [np.ones_like(t), t]
    if weekday_effects:
        weekday = dates.dt.day_of_week.to_numpy()
        columns += [(weekday == d).astype(np.float64) for d in range(1, 7)]
    fit = fit_log_linear(y, np.column_stack(columns))
    if not fit.converged:
        row["reason"] = "model did not converge"
        return row
    row.update(value=fit.params[1], std_error=float(np.sqrt(fit.cov[1, 1])), dispersion=fit.scale)
    return row
