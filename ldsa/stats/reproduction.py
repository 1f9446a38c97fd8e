"""The time-varying reproduction number by the renewal equation (Cori et al. 2013).

Incidence ``I_t`` on day ``t`` arises from the infectiousness of earlier cases,
``Λ_t = Σ_{s≥1} I_{t-s} w_s``, with ``w`` the serial-interval distribution, as
``I_t ~ Poisson(R_t Λ_t)``. Over a window of ``τ`` days ending on day ``t``, with R
constant there and a gamma prior (shape ``a``, scale ``b``), the posterior of R is gamma
with shape ``a + Σ I`` and scale ``1 / (1/b + Σ Λ)`` over the window: closed form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize
from scipy import stats as st

from ldsa.stats._validate import StatsInputError

Floats = npt.NDArray[np.float64]

#: The prior of Cori et al. (and EpiEstim's default): mean 5, standard deviation 5.
PRIOR_MEAN = 5.0
PRIOR_SD = 5.0
#: Days of serial interval kept (the tail beyond holds well under 0.1% of the mass).
MAX_SERIAL_DAYS = 30
#: Growth rates are sought within +-2 a day (doubling or halving in under 9 hours).
_MAX_RATE = 2.0


@dataclasses.dataclass(frozen=True)
class SerialInterval:
    """A gamma serial-interval distribution in days, with where its figures come from."""

    mean: float
    sd: float
    source: str

    def weights(self, max_days: int = MAX_SERIAL_DAYS) -> Floats:
        """Discretised weights ``w_0 .. w_max`` (``w_0 = 0``): see :func:`discretise_gamma`."""
        return discretise_gamma(self.mean, self.sd, max_days)


#: Coefficient of variation of Nishiura et al.'s serial interval (2.9 / 4.7), assumed for
#: the variants whose sources give a mean only.
_CV = 2.9 / 4.7

#: Default serial intervals by the variant dominant in England, each from the day given
#: (the first applies before the others). Parameters of :func:`serial_interval_for`.
SERIAL_INTERVALS: tuple[tuple[dt.date, SerialInterval], ...] = (
    (
        dt.date(2020, 1, 1),
        SerialInterval(
            4.7, 2.9, "Nishiura, Linton & Akhmetzhanov, Int J Infect Dis 2020;93:284-6 "
            "(doi:10.1016/j.ijid.2020.02.060): mean 4.7 days, SD 2.9"
        ),
    ),
    (
        dt.date(2020, 12, 14),
        SerialInterval(
            5.5, 5.5 * _CV, "Alpha: Hart et al., Lancet Infect Dis 2022;22:603-10 "
            "(doi:10.1016/S1473-3099(22)00001-9): mean generation time 5.5 days; SD at "
            "Nishiura et al.'s coefficient of variation"
        ),
    ),
    (
        dt.date(2021, 5, 24),
        SerialInterval(
            4.7, 4.7 * _CV, "Delta: Hart et al., Lancet Infect Dis 2022;22:603-10: mean "
            "generation time 4.7 days; SD at Nishiura et al.'s coefficient of variation"
        ),
    ),
    (
        dt.date(2021, 12, 13),
        SerialInterval(
            3.3, 3.3 * _CV, "Omicron: Backer et al., Euro Surveill 2022;27(6):2200042 "
            "(doi:10.2807/1560-7917.ES.2022.27.6.2200042): household serial intervals of "
            "2.2 (Omicron) to 3.3 days (Delta), the longer taken; SD at Nishiura et al.'s "
            "coefficient of variation"
        ),
    ),
)  # fmt: skip


def serial_interval_for(day: dt.date) -> SerialInterval:
    """The default serial interval of the variant period holding ``day``."""
    chosen = SERIAL_INTERVALS[0][1]
    for start, interval in SERIAL_INTERVALS:
        if day >= start:
            chosen = interval
    return chosen


def discretise_gamma(mean: float, sd: float, max_days: int = MAX_SERIAL_DAYS) -> Floats:
    """Discretise a serial interval of ``mean`` and ``sd`` days, offset by one day.

    Parameters
    ----------
    mean, sd
        Mean (above 1) and standard deviation (above 0) of the serial interval in days.
    max_days
        The last day kept; the weights are renormalised to sum to 1.

    Returns
    -------
    numpy.ndarray
        ``w_0 .. w_max`` with ``w_0 = 0``.

    Notes
    -----
    Cori et al.'s Web Appendix 11 (EpiEstim's ``discr_si``): ``1 + Gamma`` with mean
    ``mean - 1`` and the same SD, integrated against a triangular kernel, so that the
    discrete distribution keeps the continuous one's mean (before truncation).

    References
    ----------
    .. [1] Cori A, Ferguson NM, Fraser C, Cauchemez S. A new framework and software to
       estimate time-varying reproduction numbers during epidemics. Am J Epidemiol
       2013;178:1505-12, Web Appendix 11. doi:10.1093/aje/kwt133
    """
    if not (mean > 1 and sd > 0 and max_days >= 2):
        raise StatsInputError(
            f"serial interval: mean must exceed 1 day and sd be positive (got mean {mean}, "
            f"sd {sd}, max_days {max_days}). How to fix: give the serial interval in days."
        )
    shape = ((mean - 1) / sd) ** 2
    scale = sd**2 / (mean - 1)
    k = np.arange(max_days + 1, dtype=float)

    def cdf(x: Floats, a: float) -> Floats:
        return np.asarray(st.gamma.cdf(np.maximum(x, 0), a, scale=scale), dtype=float)

    weights = (
        k * cdf(k, shape)
        + (k - 2) * cdf(k - 2, shape)
        - 2 * (k - 1) * cdf(k - 1, shape)
        + shape * scale * (2 * cdf(k - 1, shape + 1) - cdf(k - 2, shape + 1) - cdf(k, shape + 1))
    )
    weights = np.clip(weights, 0, None)
    weights[0] = 0.0
    return np.asarray(weights / weights.sum(), dtype=float)


def infectiousness(incidence: npt.ArrayLike, weights: npt.ArrayLike) -> Floats:
    """Total infectiousness ``Λ_t = Σ_{s≥1} I_{t-s} w_s`` of every day (0 on the first)."""
    cases = np.asarray(incidence, dtype=float)
    w = np.asarray(weights, dtype=float)
    full = np.convolve(cases, w)[: len(cases)]
    return np.asarray(full, dtype=float)


def estimate_r(
    incidence: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    window: int = 7,
    prior_mean: float = PRIOR_MEAN,
    prior_sd: float = PRIOR_SD,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Posterior of the reproduction number over the window ending on each day.

    Parameters
    ----------
    incidence
        Cases per day (complete days only: leave out the incomplete recent days).
    weights
        Serial-interval weights ``w_0 .. w_S`` (:func:`discretise_gamma`).
    window
        Days ``τ`` over which R is taken as constant.
    prior_mean, prior_sd
        The gamma prior of R.
    conf_level
        Level of the equal-tailed credible interval.

    Returns
    -------
    pandas.DataFrame
        One row per day: ``end`` (day index), ``events`` (cases in the window),
        ``shape``, ``scale``, ``mean``, ``median``, ``lower``, ``upper``, ``cv``. Rows before
        a full window (or with no infectiousness in it) hold NaN statistics.

    Notes
    -----
    EpiEstim starts estimates at day 2 and uses windows of ``τ`` days that may start on
    day 2; here the first ``window`` days have no estimate. The posterior coefficient of
    variation is ``1/√(a + Σ I)``: Cori et al. advise at least 11 cases in a window for a
    CV below 0.3.

    References
    ----------
    .. [1] Cori A et al. Am J Epidemiol 2013;178:1505-12, equations (1) to (3).
       doi:10.1093/aje/kwt133
    """
    cases = np.asarray(incidence, dtype=float)
    if window < 1 or prior_mean <= 0 or prior_sd <= 0 or not 0 < conf_level < 1:
        raise StatsInputError(
            f"estimate_r: window {window}, prior mean {prior_mean}, prior sd {prior_sd}, "
            f"conf_level {conf_level}. How to fix: a window of at least 1 day, a positive "
            "prior, a level between 0 and 1."
        )
    if np.any(cases < 0) or not np.all(np.isfinite(cases)):
        raise StatsInputError("estimate_r: incidence must be finite and not negative.")
    events, shape, scale = posterior(cases, weights, window, prior_mean, prior_sd)
    valid = np.isfinite(scale)
    tail = (1 - conf_level) / 2
    return pd.DataFrame(
        {
            "end": np.arange(len(cases)),
            "events": events,
            "shape": shape,
            "scale": scale,
            "mean": shape * scale,
            "median": st.gamma.ppf(0.5, shape, scale=scale),
            "lower": st.gamma.ppf(tail, shape, scale=scale),
            "upper": st.gamma.ppf(1 - tail, shape, scale=scale),
            "cv": np.where(valid, 1 / np.sqrt(shape), np.nan),
        }
    )


def posterior(
    cases: Floats, weights: npt.ArrayLike, window: int, prior_mean: float, prior_sd: float
) -> tuple[Floats, Floats, Floats]:
    """Cases in each window, and the gamma posterior's shape and scale (NaN scale before a
    full window or without infectiousness): :func:`estimate_r` without its quantiles."""
    a, b = (prior_mean / prior_sd) ** 2, prior_sd**2 / prior_mean
    events = _window_sums(cases, window)
    pressure = _window_sums(infectiousness(cases, weights), window)
    valid = (np.arange(len(cases)) >= window) & (pressure > 0)
    scale = np.where(valid, 1 / (1 / b + np.where(valid, pressure, 1)), np.nan)
    return events, a + events, scale


def _window_sums(values: Floats, window: int) -> Floats:
    """Sum of the ``window`` values ending at each position (fewer at the start)."""
    running = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    return np.asarray(running[ends] - running[np.maximum(ends - window, 0)], dtype=float)


def growth_rate_from_r(r: npt.ArrayLike, weights: npt.ArrayLike) -> Floats:
    """The daily exponential growth rate matching each R, given the serial interval.

    Solves ``R = 1 / Σ_s w_s e^{-r s}`` (Wallinga & Lipsitch), for R > 0; NaN elsewhere
    and where the rate would lie beyond ±2 a day.

    References
    ----------
    .. [1] Wallinga J, Lipsitch M. How generation intervals shape the relationship between
       growth rates and reproductive numbers. Proc R Soc B 2007;274:599-604.
       doi:10.1098/rspb.2006.3754
    """
    w = np.asarray(weights, dtype=float)
    days = np.arange(len(w), dtype=float)
    values = np.atleast_1d(np.asarray(r, dtype=float))
    out = np.full(values.shape, np.nan)
    for i, target in enumerate(values):
        if not (np.isfinite(target) and target > 0):
            continue

        def gap(rate: float, target: float = float(target)) -> float:
            return float(np.log(target) + np.log(np.sum(w * np.exp(-rate * days))))

        if gap(-_MAX_RATE) * gap(_MAX_RATE) < 0:
            out[i] = optimize.brentq(gap, -_MAX_RATE, _MAX_RATE)
    return out
