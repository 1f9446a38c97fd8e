"""Directly standardised rates when people can have several events (non-independent)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ldsa.ageband import AGE_BANDS
from ldsa.stats._validate import (
    ConfLevel,
    StatsInputError,
    as_float_array,
    by_columns,
    conf_levels,
    limit_names,
    nonnegative,
    positive,
    reasons,
    require_columns,
)
from ldsa.stats.intervals import BYAR_THRESHOLD, poisson_limits
from ldsa.stats.standardise import FEWER_THAN_10, esp2013

METHOD = "Dobson, with confidence adjusted for non-independent events"


def _weights(frame: pd.DataFrame, age_band: str, standard: str | None) -> pd.Series:
    if standard is not None:
        return pd.Series(nonnegative(standard, frame[standard]), index=frame.index)
    weights = frame[age_band].map(esp2013())
    unknown = int(weights.isna().sum())
    if unknown:
        raise StatsInputError(
            f"{age_band}: {unknown} row(s) with a label outside the 19 ESP2013 bands "
            f"({AGE_BANDS[0]!r} ... {AGE_BANDS[-1]!r}); relabel them or pass standard=."
        )
    return weights.astype(np.float64)


def _bands(
    frame: pd.DataFrame,
    count: str,
    population: str,
    event_frequency: str,
    age_band: str,
    keys: list[str],
    standard: str | None,
) -> pd.DataFrame:
    """One row per group and band: population, weight, events and Σ f² × people."""
    people = nonnegative(count, frame[count])
    frequency = as_float_array(event_frequency, frame[event_frequency])
    if np.any((frequency < 1) | (frequency != np.round(frequency))):
        raise StatsInputError(
            f"{event_frequency}: event frequencies must be whole numbers >= 1 (events per person)."
        )
    data = pd.DataFrame(
        {
            "__population": positive(population, frame[population]),
            "__weight": _weights(frame, age_band, standard).to_numpy(),
            "__people": people,
            "__events": people * frequency,
            "__squares": people * frequency**2,
        },
        index=frame.index,
    )
    data = pd.concat([frame[[*keys, age_band]], data], axis=1)
    grouped = data.groupby([*keys, age_band], sort=True)
    bands = grouped.agg(
        population=("__population", "first"),
        populations=("__population", "nunique"),
        weight=("__weight", "first"),
        weights=("__weight", "nunique"),
        people=("__people", "sum"),
        events=("__events", "sum"),
        squares=("__squares", "sum"),
    ).reset_index()
    if np.any(bands["populations"] > 1) or np.any(bands["weights"] > 1):
        raise StatsInputError(
            f"{population}: a band's population (or standard weight) differs between its "
            "event-frequency rows; give the band's population on every row."
        )
    return bands


def dsr_nonindependent(
    frame: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    event_frequency: str = "event_frequency",
    age_band: str = "age_band",
    by: str | Sequence[str] | None = None,
    standard: str | None = None,
    multiplier: float = 100_000,
    conf_level: ConfLevel = 0.95,
) -> pd.DataFrame:
    """Directly standardised rates of events that can recur, with adjusted Dobson limits.

    Parameters
    ----------
    frame
        One row per group, age band and event frequency: ``count`` is the number of
        people who had that many events (for example admissions) in the band, with the
        band's population on every row.
    count, population, event_frequency, age_band
        Column names (frequencies are whole numbers >= 1).
    by
        Grouping column(s); None for one group.
    standard
        None for ESP2013 weights by the ``age_band`` labels (``"0-4"`` ... ``"90+"``), or a
        column of each band's standard weight.
    multiplier
        Rates per this many (100,000 by default).
    conf_level
        One level or several.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``total_count`` (events), ``total_people``,
        ``total_population``, ``value``, the limits, ``method`` and ``reason``
        (``"fewer than 10 events"`` where not calculated).

    Raises
    ------
    StatsInputError
        Missing columns or values, negative counts, non-positive populations, frequencies
        that are not whole numbers >= 1, unknown band labels, or a band whose population
        differs between its rows.

    Notes
    -----
    The rate counts events: eᵢ = Σ_f f × people(i, f) in band i, DSR = Σ wᵢ eᵢ/nᵢ / Σ wᵢ.
    A person with f events contributes f² to the variance instead of f (Fingertips
    technical guidance, DSR chapter): Var = Σ_f f² Σᵢ wᵢ² people(i, f)/nᵢ² / (Σ wᵢ)². The
    limits are Dobson's with this variance, DSR + √(Var/O) (O_L − O) with O the events and
    O_L, O_U Byar's limits. With every frequency 1 the result is :func:`ldsa.stats.dsr`.
    Each band's weight counts once in Σ wᵢ, also when a frequency has no row in a band
    (PHEindicatormethods sums the weights within each frequency). Not calculated below
    10 events (a reliability rule).

    References
    ----------
    Public Health England. Fingertips public health technical guidance: directly
    standardised rates, non-independent events. PHEindicatormethods calculate_dsr.
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-462.
    """
    keys = by_columns(by)
    extra = [standard] if standard is not None else []
    require_columns(frame, "frame", [count, population, event_frequency, age_band, *keys, *extra])
    bands = _bands(frame, count, population, event_frequency, age_band, keys, standard)
    bands["rate"] = bands["weight"] * bands["events"] / bands["population"]
    bands["variance"] = bands["weight"] ** 2 * bands["squares"] / bands["population"] ** 2
    sums = bands.groupby(keys, sort=True) if keys else bands.groupby(np.zeros(len(bands)))
    totals = sums[["weight", "events", "people", "population", "rate", "variance"]].sum()
    out = totals.reset_index()[keys] if keys else pd.DataFrame(index=pd.RangeIndex(1))
    weight = totals["weight"].to_numpy(dtype=np.float64)
    if np.any(weight <= 0):
        raise StatsInputError("standard: weights sum to zero in a group; weights must be > 0.")
    observed = totals["events"].to_numpy(dtype=np.float64)
    value = totals["rate"].to_numpy(dtype=np.float64) / weight
    variance = totals["variance"].to_numpy(dtype=np.float64) / weight**2
    calculated = observed >= BYAR_THRESHOLD
    out["total_count"] = observed
    out["total_people"] = totals["people"].to_numpy(dtype=np.float64)
    out["total_population"] = totals["population"].to_numpy(dtype=np.float64)
    out["value"] = np.where(calculated, value * multiplier, np.nan)
    levels, multi = conf_levels(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / observed)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper, _ = poisson_limits(observed, level)
        out[lower_name] = np.where(calculated, value + spread * (lower - observed), np.nan)
        out[upper_name] = np.where(calculated, value + spread * (upper - observed), np.nan)
        out[lower_name] *= multiplier
        out[upper_name] *= multiplier
    out["method"] = METHOD
    out["reason"] = reasons(~calculated, FEWER_THAN_10)
    return out
