"""Projected deaths by a lagged case-fatality ratio, and draws moved to calibrated quantiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldsa.stats._validate import StatsInputError
from ldsa.stats.fatality import map_draws, projected_deaths, ratio_draws
from ldsa.stats.projection import recalibrated_totals
from ldsa.stats.scoring import QUANTILES


def test_ratio_draws_centre_on_deaths_over_cases_and_are_seeded() -> None:
    """Gamma(D + 1/2, rate C): mean (D + 1/2) / C; the same seed, the same draws."""
    draws = ratio_draws(30, 20_000, 200_000, seed=1)
    assert draws.mean() == pytest.approx(30.5 / 20_000, rel=0.01)
    assert np.array_equal(draws[:10], ratio_draws(30, 20_000, 200_000, seed=1)[:10])


@pytest.mark.parametrize(("deaths", "cases"), [(-1, 100), (5, 0)])
def test_ratio_draws_refuse_impossible_inputs(deaths: int, cases: int) -> None:
    with pytest.raises(StatsInputError, match="How to fix"):
        ratio_draws(deaths, cases, 10)


def test_projected_deaths_by_hand() -> None:
    """Four simulations, two weeks, a ratio of 1 in 100 each: the deaths are the cases
    over 100, and their quantiles numpy's of those."""
    cases = np.array([[100.0, 200.0], [300.0, 400.0], [500.0, 600.0], [700.0, 800.0]])
    out = projected_deaths(cases, np.full(4, 0.01))
    assert list(out["week"]) == [1, 2]
    assert out["q50"].tolist() == pytest.approx([4.0, 5.0])
    assert out["q5"].tolist() == pytest.approx(np.quantile(cases / 100, 0.05, axis=0).tolist())
    assert out["mean"].tolist() == pytest.approx([4.0, 5.0])


def test_projected_deaths_need_a_ratio_per_simulation() -> None:
    with pytest.raises(StatsInputError, match="one ratio per simulation"):
        projected_deaths(np.ones((4, 2)), np.ones(3))


def test_mapped_draws_take_the_calibrated_quantiles_and_keep_their_order() -> None:
    rng = np.random.default_rng(3)
    totals = rng.lognormal(6, 0.3, size=(4000, 2))
    raw = np.quantile(totals, QUANTILES, axis=0).T
    calibrated = raw * np.array([0.5, 0.8, 1.1, 1.5, 2.5])  # wider, and moved up
    mapped = map_draws(totals, raw, calibrated)
    got = np.quantile(mapped, QUANTILES, axis=0).T
    assert got == pytest.approx(calibrated, rel=0.01)
    assert np.array_equal(np.argsort(mapped[:, 0]), np.argsort(totals[:, 0]))
    assert (mapped >= 0).all()


def _past(weeks: int, factor: float) -> pd.DataFrame:
    """26 past projections per week ahead whose outcomes miss by up to ``factor`` times
    their raw 90% half-width, alternately above and below."""
    raw = {
        f"raw_q{round(q * 100)}": v for q, v in zip(QUANTILES, [80, 95, 100, 105, 120], strict=True)
    }
    half = np.log1p(120) - np.log1p(100)
    rows = [
        {
            "week": week,
            "observed": float(np.expm1(np.log1p(100) + (-1) ** k * factor * half * (k % 5) / 4)),
            **raw,
        }
        for week in range(1, weeks + 1)
        for k in range(26)
    ]
    return pd.DataFrame(rows)


def test_weeks_beyond_the_backtest_widen_by_the_last_scored_weeks_margin() -> None:
    """A 4-week projection recalibrated on 2 scored weeks: weeks 3 and 4 take week 2's
    widening as an amount on the log scale (their own spread plus week 2's extra), not as
    a factor (which would compound with their wider spread)."""
    rng = np.random.default_rng(5)
    daily = rng.poisson(
        np.repeat([100, 100, 100, 100], 7) * np.exp(np.linspace(0, 1, 28)), size=(2000, 28)
    )
    daily = daily * np.exp(rng.normal(0, 0.05 * np.arange(1, 29) ** 0.5, size=(2000, 28)))
    totals, raw, calibrated = recalibrated_totals(daily, _past(2, 3.0), scored_weeks=2)
    width = np.log1p(calibrated[:, 4]) - np.log1p(calibrated[:, 0])
    raw_width = np.log1p(raw[:, 4]) - np.log1p(raw[:, 0])
    extra = width - raw_width
    assert totals.shape == (2000, 4)
    assert extra[1] > 0
    assert extra[2] == pytest.approx(extra[1], rel=0.05)
    assert extra[3] == pytest.approx(extra[1], rel=0.05)
