"""The reproduction number by the renewal equation (Cori et al. 2013)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats as st

from ldsa.stats import StatsInputError
from ldsa.stats.reproduction import (
    SERIAL_INTERVALS,
    discretise_gamma,
    estimate_r,
    growth_rate_from_r,
    infectiousness,
    serial_interval_for,
)

W = discretise_gamma(4.7, 2.9)


def test_discretised_serial_interval_keeps_the_mean() -> None:
    """Cori et al.'s discretisation keeps the continuous mean (Web Appendix 11), sums to 1
    and puts nothing on day 0."""
    days = np.arange(len(W))
    assert W[0] == 0
    assert_allclose(W.sum(), 1.0, atol=1e-12)
    assert_allclose((days * W).sum(), 4.7, atol=0.01)
    assert_allclose(np.sqrt((days**2 * W).sum() - 4.7**2), 2.9, atol=0.05)


def test_discretisation_matches_epiestim_on_a_short_support() -> None:
    """EpiEstim's ``discr_si(0:5, 3, 1.5)`` computed by hand from its formula."""
    shape, scale = (2 / 1.5) ** 2, 1.5**2 / 2
    k = np.arange(6.0)

    def f(x: np.ndarray, a: float) -> np.ndarray:
        return st.gamma.cdf(np.maximum(x, 0), a, scale=scale)

    raw = (k * f(k, shape) + (k - 2) * f(k - 2, shape) - 2 * (k - 1) * f(k - 1, shape)
           + shape * scale
           * (2 * f(k - 1, shape + 1) - f(k - 2, shape + 1) - f(k, shape + 1)))  # fmt: skip
    raw[0] = 0
    assert_allclose(discretise_gamma(3, 1.5, 5), raw / raw.sum(), rtol=1e-12)


@pytest.mark.parametrize(("mean", "sd", "days"), [(1.0, 1.0, 30), (4.0, 0.0, 30), (4.0, 1.0, 1)])
def test_serial_interval_refuses_impossible_values(mean: float, sd: float, days: int) -> None:
    """A mean of a day or less, no spread or too short a support is refused."""
    with pytest.raises(StatsInputError, match="serial interval"):
        discretise_gamma(mean, sd, days)


def test_default_serial_interval_follows_the_variant_periods() -> None:
    """Each day takes the serial interval of the variant period it falls in, each cited."""
    assert serial_interval_for(dt.date(2020, 4, 1)).mean == 4.7
    assert serial_interval_for(dt.date(2021, 2, 1)).mean == 5.5
    assert serial_interval_for(dt.date(2021, 8, 1)).mean == 4.7
    assert serial_interval_for(dt.date(2022, 2, 1)).mean == 3.3
    assert serial_interval_for(dt.date(2019, 1, 1)) == SERIAL_INTERVALS[0][1]
    assert all("doi" in si.source or "Lancet" in si.source for _, si in SERIAL_INTERVALS)
    assert_allclose(SERIAL_INTERVALS[1][1].weights().sum(), 1.0)


def test_infectiousness_is_the_weighted_sum_of_past_cases() -> None:
    """Λ_t = Σ_{s≥1} I_{t-s} w_s, by hand."""
    w = np.array([0.0, 0.5, 0.3, 0.2])
    cases = np.array([10.0, 20.0, 0.0, 5.0])
    assert_allclose(infectiousness(cases, w), [0, 5, 13, 8])


def test_posterior_is_the_closed_form_gamma() -> None:
    """Shape a + ΣI and scale 1/(1/b + ΣΛ) over the window, and its quantiles."""
    w = np.array([0.0, 0.5, 0.3, 0.2])
    cases = np.array([10.0, 20.0, 0.0, 5.0, 8.0])
    fitted = estimate_r(cases, w, window=2)
    lam = np.array([0, 5, 13, 8, 6.5])
    shape = 1 + cases[3] + cases[4]
    scale = 1 / (1 / 5 + lam[3] + lam[4])
    last = fitted.iloc[-1]
    assert_allclose([last["shape"], last["scale"]], [shape, scale])
    assert_allclose(last["mean"], shape * scale)
    assert_allclose(last["median"], st.gamma.ppf(0.5, shape, scale=scale))
    assert_allclose(last["upper"], st.gamma.ppf(0.975, shape, scale=scale))
    assert_allclose(last["cv"], 1 / np.sqrt(shape))
    assert fitted["events"].iloc[-1] == 13
    assert fitted.iloc[:2]["median"].isna().all()  # before a full window


def test_no_estimate_without_infectiousness() -> None:
    """A window with no earlier cases has no estimate (not the prior)."""
    fitted = estimate_r(np.zeros(20), W, window=7)
    assert fitted["median"].isna().all()


def test_a_constant_epidemic_gives_r_of_one() -> None:
    """Constant incidence: R = 1 (up to the prior's weight)."""
    fitted = estimate_r(np.full(80, 1000.0), W, window=7)
    assert_allclose(fitted["mean"].iloc[-1], 1.0, atol=0.002)


@pytest.mark.parametrize(
    "kwargs",
    [{"window": 0}, {"prior_mean": 0}, {"prior_sd": -1}, {"conf_level": 1.0}],
)
def test_estimate_r_refuses_bad_arguments(kwargs: dict[str, float]) -> None:
    """Window, prior and level are checked."""
    with pytest.raises(StatsInputError, match="estimate_r"):
        estimate_r(np.ones(20), W, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_estimate_r_refuses_bad_incidence(bad: float) -> None:
    """Negative or missing counts are refused."""
    cases = np.ones(20)
    cases[3] = bad
    with pytest.raises(StatsInputError, match="incidence"):
        estimate_r(cases, W)


def test_r_is_recovered_on_simulated_epidemics() -> None:
    """On epidemics simulated with a known, piecewise-constant R, the 95% credible
    interval of windows inside a constant stretch holds the true R about 95% of the time."""
    rng = np.random.default_rng(11)
    path = np.repeat([1.3, 0.8, 1.1, 0.9, 1.2], 21)
    hits = []
    for _ in range(12):
        cases = np.zeros(len(path))
        cases[:7] = 200
        for t in range(7, len(path)):
            lam = cases[max(0, t - 30) : t][::-1] @ W[1 : min(t, 30) + 1]
            cases[t] = rng.poisson(path[t] * lam)
        fitted = estimate_r(cases, W, window=7)
        ends = [t for t in range(28, len(path)) if t % 21 >= 6]
        hits += [fitted["lower"][t] <= path[t] <= fitted["upper"][t] for t in ends]
    assert 0.9 <= np.mean(hits) <= 0.99


def test_growth_rate_matches_the_euler_lotka_equation() -> None:
    """R = 1 / Σ w_s e^{-rs}: r = 0 at R = 1, signs follow R, NaN where undefined."""
    rates = growth_rate_from_r([1.0, 1.5, 0.5, np.nan, 0.0, 1e12], W)
    assert_allclose(rates[0], 0.0, atol=1e-10)
    days = np.arange(len(W))
    assert_allclose(1 / np.sum(W * np.exp(-rates[1] * days)), 1.5, rtol=1e-8)
    assert rates[1] > 0 > rates[2]
    assert np.isnan(rates[3:]).all()
