"""Comparison of each area's interval with a benchmark (England, its region)."""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt

from ldsa.stats._validate import StatsInputError


class Comparison(enum.Enum):
    """How an area compares with a benchmark (Fingertips practice)."""

    HIGHER = "higher"
    SIMILAR = "similar"
    LOWER = "lower"
    NOT_COMPARED = "not compared"


def compare_with_benchmark(
    lower: npt.ArrayLike, upper: npt.ArrayLike, benchmark: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """Say whether each area is significantly higher, similar to or lower than a benchmark.

    Parameters
    ----------
    lower, upper
        Each area's confidence limits (NaN where the value was not calculated).
    benchmark
        The comparator value (England or region): one number, or one per area.

    Returns
    -------
    numpy.ndarray
        The :class:`Comparison` value of each area: ``"higher"`` when the benchmark lies
        below the lower limit, ``"lower"`` when above the upper limit, ``"similar"``
        otherwise, and ``"not compared"`` where a limit or the benchmark is missing.

    Raises
    ------
    StatsInputError
        Arrays that cannot be broadcast together, or a lower limit above its upper limit.

    Notes
    -----
    A benchmark exactly on a limit counts as similar. The level of the comparison is the
    level of the interval passed (95% or 99.8% in Fingertips).

    References
    ----------
    Public Health England. Fingertips: technical guide to significance testing against a
    benchmark (2018).
    """
    try:
        lo, hi, bench = np.broadcast_arrays(
            np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
            np.asarray(benchmark, dtype=np.float64),
        )
    except ValueError:
        raise StatsInputError(
            "lower, upper, benchmark: mismatched lengths; pass one benchmark or one per area."
        ) from None
    known = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(bench))
    inverted = int(np.count_nonzero(known & (lo > hi)))
    if inverted:
        raise StatsInputError(
            f"lower: above upper at {inverted} position(s); pass (lower, upper) in order."
        )
    result = np.full(lo.shape, Comparison.SIMILAR.value, dtype=object)
    result[known & (bench < lo)] = Comparison.HIGHER.value
    result[known & (bench > hi)] = Comparison.LOWER.value
    result[~known] = Comparison.NOT_COMPARED.value
    return result.astype(np.str_)
