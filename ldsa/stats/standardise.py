"""Direct (DSR, Dobson limits) and indirect (ISR/SMR, rate) age standardisation."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from importlib import resources

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.ageband import AGE_BANDS
from ldsa.stats._validate import (
    ConfLevel,
    FloatArray,
    StatsInputError,
    by_columns,
    conf_levels,
    group_codes,
    limit_names,
    nonnegative,
    positive,
    reasons,
    require_columns,
)
from ldsa.stats.intervals import BYAR_THRESHOLD, poisson_limits
from ldsa.stats.rates import BYAR, EXACT

DOBSON = "Dobson"
#: Reason given when a DSR is not calculated (a reliability rule, not a disclosure rule).
FEWER_THAN_10 = "fewer than 10 events"
NO_EXPECTED = "no expected events"

Weights = str | npt.ArrayLike | None


@functools.cache
def _esp2013_weights() -> tuple[float, ...]:
    text = resources.files("ldsa.stats").joinpath("data/esp2013.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    if tuple(row["age_band"] for row in rows) != AGE_BANDS:  # pragma: no cover  # corrupt install
        raise RuntimeError("ldsa/stats/data/esp2013.csv: bands differ from ldsa.ageband")
    return tuple(float(row["esp2013_weight"]) for row in rows)


def esp2013() -> pd.Series:
    """Return the European Standard Population 2013 (19 bands, 90+ open) as a Series.

    Returns
    -------
    pandas.Series
        Weights summing to 100,000, indexed by the labels of :data:`ldsa.ageband.AGE_BANDS`
        in age order.

    References
    ----------
    Eurostat. Revision of the European Standard Population: report of Eurostat's task
    force. Luxembourg, 2013.
    """
    return pd.Series(
        _esp2013_weights(), index=pd.Index(AGE_BANDS, name="age_band"), name="esp2013_weight"
    )


def _per_band(
    codes: npt.NDArray[np.intp],
    n_groups: int,
    name: str,
    values: npt.ArrayLike,
) -> FloatArray:
    """Spread one value per band over the rows of every group, bands in row order."""
    per_band = np.atleast_1d(nonnegative(name, values))
    sizes = np.bincount(codes, minlength=n_groups)
    wrong = int(np.count_nonzero(sizes != per_band.size))
    if wrong:
        raise StatsInputError(
            f"frame: {wrong} group(s) have a number of age bands other than the "
            f"{per_band.size} in {name}; give one row per band per group, in age order."
        )
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    return per_band[position]


def _row_values(
    frame: pd.DataFrame,
    codes: npt.NDArray[np.intp],
    n_groups: int,
    name: str,
    values: str | npt.ArrayLike,
) -> FloatArray:
    if isinstance(values, str):
        return nonnegative(values, frame[values])
    return _per_band(codes, n_groups, name, values)


def _in_age_order(frame: pd.DataFrame, keys: list[str], age_band: str | None) -> pd.DataFrame:
    """Sort each group's rows into ESP2013 band order by their labels, checking each once."""
    if age_band is None:
        return frame
    require_columns(frame, "frame", [age_band])
    position = frame[age_band].map({band: i for i, band in enumerate(AGE_BANDS)})
    unknown = int(position.isna().sum())
    if unknown:
        raise StatsInputError(
            f"{age_band}: {unknown} row(s) with a label outside the 19 ESP2013 bands "
            "('0-4', '5-9', ..., '90+'); relabel them or pass age_band=None with rows in order."
        )
    ordered = frame.assign(__band=position.to_numpy()).sort_values([*keys, "__band"], kind="stable")
    if ordered.duplicated([*keys, "__band"]).any():
        raise StatsInputError(f"{age_band}: a band appears twice within a group.")
    return ordered.drop(columns="__band")


def _sums(codes: npt.NDArray[np.intp], n_groups: int, values: FloatArray) -> FloatArray:
    return np.bincount(codes, weights=values, minlength=n_groups).astype(np.float64)


def dsr(
    frame: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    by: str | Sequence[str] | None = None,
    standard: Weights = None,
    multiplier: float = 100_000,
    conf_level: ConfLevel = 0.95,
    *,
    age_band: str | None = None,
) -> pd.DataFrame:
    """Directly standardised rates with Dobson confidence limits, one row per group.

    Parameters
    ----------
    frame
        One row per age band per group, bands in age order within each group.
    count, population
        Column names of the events (>= 0) and the population (> 0) of each band.
    by
        Grouping column(s), for example ``["la_code", "week"]``; None for one group.
    standard
        None for the 19-band European Standard Population 2013 (:func:`esp2013`); a
        column name of ``frame`` holding each row's weight; or one weight per band (any
        standard population, in the same band order as the rows).
    multiplier
        Rates per this many (100,000 by default).
    conf_level
        One level or several (columns ``lower_95``, ``upper_95``, ... when several).
    age_band
        Optional column of ESP2013 band labels (``"0-4"`` ... ``"90+"``): rows are then put
        in band order by label and each band must appear once per group. Without it, rows
        are matched to the standard by position.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``total_count``, ``total_population``, ``value``, the limits,
        ``method`` (``"Dobson"``) and ``reason`` (``"fewer than 10 events"`` where the DSR
        is not calculated; value and limits are then NaN).

    Raises
    ------
    StatsInputError
        Missing columns, negative or missing counts, zero or negative populations,
        negative weights, or a group with the wrong number of bands.

    Notes
    -----
    DSR = Σ wᵢ xᵢ/nᵢ / Σ wᵢ; Var = Σ wᵢ² xᵢ/nᵢ² / (Σ wᵢ)². With O = Σ xᵢ and its Poisson
    limits O_L, O_U (Byar's, as O >= 10), the limits are DSR + √(Var/O)(O_L − O) and
    DSR + √(Var/O)(O_U − O). Below 10 events the DSR is unreliable and not calculated.
    Rescaling the weights leaves the DSR unchanged. Vectorised over groups with
    ``numpy.bincount``: one call handles every authority and week.

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-462. doi:10.1002/sim.4780100317.
    Eurostat. Revision of the European Standard Population. 2013.
    """
    keys = by_columns(by)
    weight_column = [standard] if isinstance(standard, str) else []
    require_columns(frame, "frame", [count, population, *keys, *weight_column])
    frame = _in_age_order(frame, keys, age_band)
    x = nonnegative(count, frame[count])
    n = positive(population, frame[population])
    codes, out = group_codes(frame, keys)
    n_groups = len(out)
    weights = _row_values(
        frame,
        codes,
        n_groups,
        "standard",
        _esp2013_weights() if standard is None else standard,
    )
    total_weight = _sums(codes, n_groups, weights)
    if np.any(total_weight <= 0):
        raise StatsInputError("standard: weights sum to zero in a group; weights must be > 0.")
    observed = _sums(codes, n_groups, x)
    value = _sums(codes, n_groups, weights * x / n) / total_weight
    variance = _sums(codes, n_groups, weights**2 * x / n**2) / total_weight**2
    calculated = observed >= BYAR_THRESHOLD
    out["total_count"] = observed
    out["total_population"] = _sums(codes, n_groups, n)
    out["value"] = np.where(calculated, value * multiplier, np.nan)
    levels, multi = conf_levels(conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(variance / observed)
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper, _ = poisson_limits(observed, level)
        out[lower_name] = np.where(calculated, (value + spread * (lower - observed)), np.nan)
        out[upper_name] = np.where(calculated, (value + spread * (upper - observed)), np.nan)
        out[lower_name] *= multiplier
        out[upper_name] *= multiplier
    out["method"] = DOBSON
    out["reason"] = reasons(~calculated, FEWER_THAN_10)
    return out


def _isr_parts(
    frame: pd.DataFrame,
    count: str,
    population: str,
    ref_count: str | npt.ArrayLike,
    ref_population: str | npt.ArrayLike,
    by: str | Sequence[str] | None,
    age_band: str | None,
) -> tuple[pd.DataFrame, FloatArray, FloatArray, FloatArray]:
    keys = by_columns(by)
    ref_columns = [c for c in (ref_count, ref_population) if isinstance(c, str)]
    require_columns(frame, "frame", [count, population, *keys, *ref_columns])
    frame = _in_age_order(frame, keys, age_band)
    x = nonnegative(count, frame[count])
    # A band with no population contributes no expected events; it is not an error here.
    n = nonnegative(population, frame[population])
    codes, out = group_codes(frame, keys)
    n_groups = len(out)
    ref_x = _row_values(frame, codes, n_groups, "ref_count", ref_count)
    ref_n = _row_values(frame, codes, n_groups, "ref_population", ref_population)
    positive("ref_population", ref_n)
    observed = _sums(codes, n_groups, x)
    expected = _sums(codes, n_groups, n * ref_x / ref_n)
    ref_rate = _sums(codes, n_groups, ref_x) / _sums(codes, n_groups, ref_n)
    return out, observed, expected, ref_rate


def _ratio_frame(
    out: pd.DataFrame,
    observed: FloatArray,
    expected: FloatArray,
    scale: FloatArray,
    conf_level: ConfLevel,
) -> pd.DataFrame:
    defined = expected > 0
    safe = np.where(defined, expected, 1.0)
    out["observed"] = observed
    out["expected"] = expected
    out["value"] = np.where(defined, observed / safe * scale, np.nan)
    levels, multi = conf_levels(conf_level)
    exact = observed < BYAR_THRESHOLD
    for level, (lower_name, upper_name) in zip(levels, limit_names(levels, multi), strict=True):
        lower, upper, _ = poisson_limits(observed, level)
        out[lower_name] = np.where(defined, lower / safe * scale, np.nan)
        out[upper_name] = np.where(defined, upper / safe * scale, np.nan)
    out["method"] = np.where(exact, EXACT, BYAR)
    out["reason"] = reasons(~defined, NO_EXPECTED)
    return out


def isr(
    frame: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    ref_count: str | npt.ArrayLike = "ref_count",
    ref_population: str | npt.ArrayLike = "ref_population",
    by: str | Sequence[str] | None = None,
    reference: float = 1,
    conf_level: ConfLevel = 0.95,
    *,
    age_band: str | None = None,
) -> pd.DataFrame:
    """Indirectly standardised ratios (ISR, SMR) with Poisson limits, one row per group.

    Parameters
    ----------
    frame
        One row per age band per group.
    count, population
        Column names of the observed events (>= 0) and population (>= 0; a band with no
        population contributes no expected events).
    ref_count, ref_population
        The reference (for example England) events and population of each band: column
        names of ``frame``, or one value per band in the same band order as the rows.
    by
        Grouping column(s); None for one group.
    reference
        1 for a ratio, 100 for the SMR convention.
    conf_level
        One level or several.
    age_band
        Optional column of ESP2013 band labels to order rows by (see :func:`dsr`); needed
        only when the reference is given per band as arrays.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``observed``, ``expected``, ``value``, the limits, ``method``
        (``"exact Poisson"`` below 10 observed events, ``"Byar"`` from 10) and ``reason``
        (``"no expected events"`` when the expected count is 0).

    Raises
    ------
    StatsInputError
        Missing columns, negative or missing values, non-positive reference populations,
        a group with the wrong number of bands.

    Notes
    -----
    E = Σ nᵢ × reference rateᵢ; ratio = O/E × reference; limits = (O_L/E, O_U/E) ×
    reference, from the Poisson limits of O. Zero observed events give a ratio of 0 with a
    positive upper limit.

    References
    ----------
    Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II: The Design and
    Analysis of Cohort Studies. IARC, 1987.
    """
    out, observed, expected, _ = _isr_parts(
        frame, count, population, ref_count, ref_population, by, age_band
    )
    scale = np.full(observed.shape, float(reference))
    return _ratio_frame(out, observed, expected, scale, conf_level)


def indirectly_standardised_rate(
    frame: pd.DataFrame,
    count: str = "count",
    population: str = "population",
    ref_count: str | npt.ArrayLike = "ref_count",
    ref_population: str | npt.ArrayLike = "ref_population",
    by: str | Sequence[str] | None = None,
    multiplier: float = 100_000,
    conf_level: ConfLevel = 0.95,
    *,
    age_band: str | None = None,
) -> pd.DataFrame:
    """Indirectly standardised rates: the ISR times the reference crude rate.

    Parameters
    ----------
    frame, count, population, ref_count, ref_population, by, conf_level, age_band
        As for :func:`isr`.
    multiplier
        Rates per this many.

    Returns
    -------
    pandas.DataFrame
        As :func:`isr`, plus ``ref_rate`` (the reference crude rate times the multiplier).

    Notes
    -----
    rate = O/E × Σ ref_countᵢ / Σ ref_populationᵢ × multiplier; limits scale the ISR
    limits the same way.

    References
    ----------
    Breslow NE, Day NE. Statistical Methods in Cancer Research, vol. II. IARC, 1987.
    Public Health England. Fingertips technical guidance: indirectly standardised rates.
    """
    out, observed, expected, ref_rate = _isr_parts(
        frame, count, population, ref_count, ref_population, by, age_band
    )
    out["ref_rate"] = ref_rate * multiplier
    return _ratio_frame(out, observed, expected, ref_rate * multiplier, conf_level)
