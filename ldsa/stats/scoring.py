"""Scores of probabilistic projections: interval coverage and the weighted interval score."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._validate import StatsInputError

Floats = npt.NDArray[np.float64]

#: Quantiles a projection is summarised by: the median and the 50% and 90% intervals.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def interval_score(
    observed: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike, alpha: float
) -> Floats:
    """The interval score of a central ``(1 - alpha)`` interval: its width, plus
    ``2/alpha`` times how far the observation falls outside it.

    References
    ----------
    .. [1] Gneiting T, Raftery AE. Strictly proper scoring rules, prediction, and
       estimation. J Am Stat Assoc 2007;102:359-78, section 6.2.
    """
    if not 0 < alpha < 1:
        raise StatsInputError(f"interval_score: alpha {alpha}. How to fix: 0 < alpha < 1.")
    y, lo, hi = (np.asarray(v, dtype=float) for v in (observed, lower, upper))
    below = np.clip(lo - y, 0, None)
    above = np.clip(y - hi, 0, None)
    return np.asarray((hi - lo) + 2 / alpha * (below + above), dtype=float)


def weighted_interval_score(
    observed: npt.ArrayLike,
    median: npt.ArrayLike,
    intervals: Sequence[tuple[float, npt.ArrayLike, npt.ArrayLike]],
) -> Floats:
    """The weighted interval score (WIS) of a median and central intervals.

    Parameters
    ----------
    observed, median
        What happened and the projection's median.
    intervals
        ``(alpha, lower, upper)`` of each central ``(1 - alpha)`` interval.

    Returns
    -------
    numpy.ndarray
        ``(|y - m| / 2 + Σ_k alpha_k / 2 × IS_alpha_k) / (K + 1/2)``: lower is better; in
        the units of the observation (cases).

    References
    ----------
    .. [1] Bracher J, Ray EL, Gneiting T, Reich NG. Evaluating epidemic forecasts in an
       interval format. PLoS Comput Biol 2021;17:e1008618, equation (3).
       doi:10.1371/journal.pcbi.1008618
    """
    y = np.asarray(observed, dtype=float)
    total = 0.5 * np.abs(y - np.asarray(median, dtype=float))
    for alpha, lower, upper in intervals:
        total = total + alpha / 2 * interval_score(y, lower, upper, alpha)
    return np.asarray(total / (len(intervals) + 0.5), dtype=float)


def score_quantiles(frame: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 50% and 90% intervals and the WIS of projections given as the
    quantile columns ``q5``, ``q25``, ``q50``, ``q75``, ``q95`` with ``observed``.

    An observation on an interval's limit counts as covered.
    """
    y = frame["observed"].to_numpy(dtype=float)
    q = {name: frame[name].to_numpy(dtype=float) for name in ("q5", "q25", "q50", "q75", "q95")}
    return pd.DataFrame(
        {
            "covered_50": ((q["q25"] <= y) & (y <= q["q75"])).astype(float),
            "covered_90": ((q["q5"] <= y) & (y <= q["q95"])).astype(float),
            "wis": weighted_interval_score(
                y, q["q50"], [(0.5, q["q25"], q["q75"]), (0.1, q["q5"], q["q95"])]
            ),
        },
        index=frame.index,
    )
