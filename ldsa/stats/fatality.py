"""Projected deaths by a lagged case-fatality ratio, and draws recalibrated as the backtest.

A simple, stated ratio method: deaths registered over a recent window divided by the cases
of the same weeks some weeks earlier (deaths follow cases by about two to three weeks,
and registration adds a few days) gives the share of cases that die; projected cases times
that share give the deaths to expect from them, registered the same weeks later.

The ratio is uncertain (a handful of deaths) and is drawn, once per simulation, from its
posterior under a Poisson model with Jeffreys' prior: ``Gamma(D + 1/2, rate = C)`` for
``D`` deaths among ``C`` cases.

Caveats (the report says them in plain words): the ratio drifts with the age of those
infected, vaccination, variants and how much testing finds; it says nothing about the
deaths of cases already seen.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._validate import StatsInputError
from ldsa.stats.scoring import QUANTILES

Floats = npt.NDArray[np.float64]


def ratio_draws(deaths: int, cases: int, n_sims: int, *, seed: int = 20200301) -> Floats:
    """Draws of the case-fatality ratio from ``Gamma(deaths + 1/2, rate = cases)``.

    Raises
    ------
    StatsInputError
        With negative deaths or no cases.
    """
    if deaths < 0 or cases <= 0:
        raise StatsInputError(
            f"ratio_draws: {deaths} deaths among {cases} cases. How to fix: give a window "
            "with cases, and deaths of at least 0."
        )
    rng = np.random.default_rng(seed)
    return np.asarray(rng.gamma(deaths + 0.5, 1.0 / cases, size=n_sims), dtype=float)


def map_draws(totals: npt.ArrayLike, raw: npt.ArrayLike, calibrated: npt.ArrayLike) -> Floats:
    """Move simulated weekly totals so that their quantiles become the calibrated ones.

    Parameters
    ----------
    totals
        Simulated totals, ``n_sims x weeks``.
    raw, calibrated
        Each week's quantiles (:data:`~ldsa.stats.scoring.QUANTILES`) before and after
        recalibration, ``weeks x 5``.

    Returns
    -------
    numpy.ndarray
        Each week's draws through the increasing piecewise-linear map (on the
        ``log(1 + x)`` scale) that takes each raw quantile to its calibrated one, extended
        beyond the 5% and 95% quantiles along its outer pieces; never below 0. The map
        keeps the order of the draws, so their quantiles are the calibrated ones.
    """
    draws = np.atleast_2d(np.asarray(totals, dtype=float))
    source = np.log1p(np.atleast_2d(np.asarray(raw, dtype=float)))
    target = np.log1p(np.atleast_2d(np.asarray(calibrated, dtype=float)))
    out = np.empty_like(draws)
    for week in range(draws.shape[1]):
        xs = source[week] + np.arange(len(QUANTILES)) * 1e-9  # strictly increasing
        ys = np.maximum.accumulate(target[week])
        x = np.log1p(draws[:, week])
        y = np.interp(x, xs, ys)
        low, high = x < xs[0], x > xs[-1]
        y[low] = ys[0] + (x[low] - xs[0]) * _slope(xs[0], xs[1], ys[0], ys[1])
        y[high] = ys[-1] + (x[high] - xs[-1]) * _slope(xs[-2], xs[-1], ys[-2], ys[-1])
        out[:, week] = np.maximum(np.expm1(y), 0.0)
    return out


def _slope(x0: float, x1: float, y0: float, y1: float) -> float:
    return (y1 - y0) / (x1 - x0) if x1 - x0 > 1e-6 else 1.0


def projected_deaths(case_totals: npt.ArrayLike, ratios: npt.ArrayLike) -> pd.DataFrame:
    """Quantiles of deaths per week from simulated weekly cases and ratio draws.

    Parameters
    ----------
    case_totals
        Simulated cases per week, ``n_sims x weeks``.
    ratios
        One case-fatality ratio per simulation (:func:`ratio_draws`).

    Returns
    -------
    pandas.DataFrame
        One row per week (``week`` 1, 2, ...), ``q5`` to ``q95`` and ``mean`` of
        ``cases x ratio``.
    """
    totals = np.atleast_2d(np.asarray(case_totals, dtype=float))
    shares = np.asarray(ratios, dtype=float)
    if shares.shape != (totals.shape[0],):
        raise StatsInputError(
            f"projected_deaths: {shares.size} ratios for {totals.shape[0]} simulations. How "
            "to fix: draw one ratio per simulation."
        )
    deaths = totals * shares[:, None]
    frame = pd.DataFrame({"week": np.arange(1, totals.shape[1] + 1)})
    for q, row in zip(QUANTILES, np.quantile(deaths, QUANTILES, axis=0), strict=True):
        frame[f"q{round(q * 100):d}"] = row
    frame["mean"] = deaths.mean(axis=0)
    return frame
