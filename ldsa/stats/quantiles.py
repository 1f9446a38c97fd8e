"""Assigning areas to quantiles (deprivation deciles, quintiles) as OHID does."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._validate import (
    FloatArray,
    StatsInputError,
    as_float_array,
    by_columns,
    group_codes,
    positive,
    require_columns,
)

#: Reason given when a group has fewer areas than quantiles.
TOO_FEW_AREAS = "fewer areas than quantiles"
INVERTED = "lowest quantile represents highest values"
DIRECT = "lowest quantile represents lowest values"


def _before(values: FloatArray, weights: FloatArray) -> FloatArray:
    """The weight of the areas ranked strictly before each area (tied areas share it)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.concatenate(([0.0], np.cumsum(weights[order])))
    # The first position of each value in sorted order: tied areas share it.
    first = np.searchsorted(values[order], values[order], side="left")
    before = np.empty_like(values)
    before[order] = cumulative[first]
    return before


def _assign(values: FloatArray, weights: FloatArray | None, n_quantiles: int) -> FloatArray:
    if weights is None:
        # Whole numbers: 1 + floor(q (rank - 1) / N) exactly, with no rounding error.
        before = _before(values, np.ones_like(values)).astype(np.int64)
        quantile = 1 + (n_quantiles * before) // values.size
    else:
        share = _before(values, weights) / weights.sum()
        # Rounding must not push a share of exactly k/q below k/q.
        quantile = np.floor(share * n_quantiles * (1 + 1e-12)) + 1
    return np.asarray(np.clip(quantile, 1, n_quantiles), dtype=np.float64)


def assign_quantiles(
    frame: pd.DataFrame,
    value: str,
    n_quantiles: int = 10,
    by: str | Sequence[str] | None = None,
    invert: bool = True,
    population: str | None = None,
) -> pd.DataFrame:
    """Assign each area to a quantile of a ranked value, within groups, ties together.

    Parameters
    ----------
    frame
        One row per area (for example an LSOA with its IMD score).
    value
        Column to rank by (for example ``"imd_score"``).
    n_quantiles
        Number of quantiles (10 for deciles, 5 for quintiles), at least 2.
    by
        Grouping column(s) within which quantiles are assigned separately (for example
        ``"la_code"`` for within-authority deciles); None for national quantiles.
    invert
        True (the default, as PHE): the highest values are in quantile 1 (with IMD
        scores, quantile 1 is the most deprived); False: the lowest values are.
    population
        Optional column of each area's population (> 0): quantiles then hold roughly
        equal shares of population rather than equal numbers of areas.

    Returns
    -------
    pandas.DataFrame
        The input with ``quantile`` (nullable integer; missing where a group has fewer
        areas than quantiles), ``n_quantiles``, ``qinverted`` (which end is quantile 1)
        and ``reason``.

    Raises
    ------
    StatsInputError
        Missing columns or values, fewer than 2 quantiles, non-positive populations.

    Notes
    -----
    OHID's count-based rule (Fingertips technical guidance "Assigning deprivation
    categories"; PHEindicatormethods ``phe_quantile``): with N areas ranked (ties given
    the lowest rank), quantile = floor(q + 1 − ceiling((N + 1 − rank)/(N/q))), 0 counted
    as 1; equivalently 1 + floor(q (rank − 1)/N), the share of areas ranked before, which
    ldsa evaluates in whole numbers (PHEindicatormethods evaluates the first form in
    floating point, which can put an area one quantile lower at an exact boundary, for
    example N = 28, q = 20, rank 8: 21/1.4 evaluates to 15.000000000000002). Tied
    areas therefore always share a quantile; where many ties straddle a boundary the
    quantiles are uneven, and OHID advises a manual review. The population-weighted form
    (ldsa's extension of the same rule) uses the share of population ranked before:
    1 + floor(q × P_before / P), which gives the count rule when populations are equal.

    References
    ----------
    Office for Health Improvement and Disparities. Fingertips public health technical
    guidance: assigning deprivation categories.
    """
    if isinstance(n_quantiles, bool) or not isinstance(n_quantiles, int | np.integer):
        raise StatsInputError("n_quantiles: expected a whole number such as 10 or 5.")
    if n_quantiles < 2:
        raise StatsInputError("n_quantiles: at least 2 quantiles are needed.")
    keys = by_columns(by)
    weights_column = [population] if population is not None else []
    require_columns(frame, "frame", [value, *keys, *weights_column])
    values = as_float_array(value, frame[value])
    weights = positive(population, frame[population]) if population else None
    ranked = -values if invert else values
    codes, _ = group_codes(frame, keys)
    quantile = np.full(values.shape, np.nan)
    counts = np.bincount(codes)
    for group in np.flatnonzero(counts >= n_quantiles):
        rows = codes == group
        group_weights = None if weights is None else weights[rows]
        quantile[rows] = _assign(ranked[rows], group_weights, n_quantiles)
    out = frame.copy()
    # Whole numbers, with <NA> (not NaN) where a group is too small.
    out["quantile"] = pd.Series(quantile, index=out.index).astype("Int64")
    out["n_quantiles"] = n_quantiles
    out["qinverted"] = INVERTED if invert else DIRECT
    missing: npt.NDArray[np.bool_] = np.isnan(quantile)
    out["reason"] = pd.Series(
        [TOO_FEW_AREAS if m else None for m in missing], index=out.index, dtype="string"
    )
    return out
