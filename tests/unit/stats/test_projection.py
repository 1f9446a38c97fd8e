"""Projections by the renewal equation, scenarios, scores and backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.stats import StatsInputError
from ldsa.stats.projection import (
    MAX_DRIFT,
    Change,
    Scenario,
    backtest,
    calibration,
    estimate_drift,
    project_cases,
    projectable,
    recalibrate,
    simulate_renewal,
    summarise_backtest,
    weekly_quantiles,
)
from ldsa.stats.reproduction import discretise_gamma
from ldsa.stats.scoring import interval_score, score_quantiles, weighted_interval_score

W = discretise_gamma(4.7, 2.9)


def test_deterministic_renewal_reproduces_the_recursion() -> None:
    """Without noise the simulation is I_t = R_t Σ w_s I_{t-s}, worked by hand."""
    w = np.array([0.0, 0.5, 0.5])
    out = simulate_renewal([10.0, 20.0], w, [[2.0, 2.0, 1.0]], noise="none")
    # day 1: 2 (0.5*20 + 0.5*10) = 30; day 2: 2 (0.5*30 + 0.5*20) = 50; day 3: 0.5*50 + 0.5*30
    assert_allclose(out, [[30.0, 50.0, 40.0]])


def test_renewal_with_r_of_one_and_flat_history_stays_flat() -> None:
    """R = 1 on a constant history keeps incidence constant (deterministic)."""
    out = simulate_renewal(np.full(40, 100.0), W, np.ones((1, 14)), noise="none")
    assert_allclose(out, 100.0)


def test_runaway_simulations_stop_growing() -> None:
    """An absurd R cannot overflow the generator; the drift has a ceiling."""
    out = simulate_renewal(np.full(40, 1e6), W, np.full((2, 30), 1e3))
    assert np.isfinite(out).all()
    assert out.max() <= 2e12
    wild = np.full(120, 100.0) * np.exp(np.repeat(np.tile([0.0, 3.0], 9), 7)[:120])
    assert estimate_drift(wild, W) == MAX_DRIFT


def test_simulation_is_seeded_and_noisy() -> None:
    """The same seed gives the same draws; Poisson and negative-binomial noise differ."""
    paths = np.ones((200, 7))
    one = simulate_renewal(np.full(40, 50.0), W, paths, seed=1)
    assert_allclose(one, simulate_renewal(np.full(40, 50.0), W, paths, seed=1))
    wide = simulate_renewal(np.full(40, 50.0), W, paths, seed=1, dispersion=2.0)
    assert wide.var() > one.var()
    assert_allclose(one.mean(), 50, rtol=0.05)


@pytest.mark.parametrize(("noise", "dispersion"), [("gaussian", None), ("poisson", 0.0)])
def test_simulation_refuses_unknown_noise(noise: str, dispersion: float | None) -> None:
    """Only Poisson (or negative binomial) noise, or none."""
    with pytest.raises(StatsInputError, match="simulate_renewal"):
        simulate_renewal([1.0], W, [[1.0]], noise=noise, dispersion=dispersion)


def test_scenarios_change_r_from_their_day() -> None:
    """Multiply or set R from a day on; the days before are the baseline's."""
    paths = np.full((2, 5), 1.2)
    assert_allclose(
        Scenario("a", Change.MULTIPLY, 0.5, 2).apply(paths)[0], [1.2, 1.2, 0.6, 0.6, 0.6]
    )
    assert_allclose(Scenario("b", Change.SET, 0.9, 4).apply(paths)[1], [1.2] * 4 + [0.9])


def test_projection_shares_draws_between_baseline_and_scenarios() -> None:
    """Before a scenario's change it projects what the baseline does, draw for draw;
    a fall in R gives fewer cases after."""
    history = np.full(60, 200.0)
    fall = Scenario("fall", Change.MULTIPLY, 0.5, 7)
    out = project_cases(history, W, horizon=14, n_sims=300, scenarios=[fall], drift=0.02)
    assert_allclose(out["fall"][:, :7], out["baseline"][:, :7])
    assert out["fall"][:, 7:].sum() < 0.8 * out["baseline"][:, 7:].sum()


def test_projection_needs_infectiousness() -> None:
    """No earlier cases: nothing to project from."""
    assert not projectable(np.zeros(30), W)
    with pytest.raises(StatsInputError, match="infectiousness"):
        project_cases(np.zeros(30), W)


def test_a_jump_in_the_series_is_not_projected() -> None:
    """A series that jumps from a trickle to hundreds (a new code's first cases) gives an
    R far above any epidemic's: no projection, and the backtest skips that origin."""
    cases = np.concatenate([np.zeros(40), [1.0] * 3, np.full(77, 500.0)])
    assert not projectable(cases[:45], W)
    assert projectable(cases[:90], W)
    with pytest.raises(StatsInputError, match="R above 4"):
        project_cases(cases[:45], W)
    out = backtest(cases, [44, 89], [W, W], n_sims=50)
    assert set(out["origin"]) == {89}


def test_weekly_quantiles_sum_whole_weeks() -> None:
    """Quantiles of 7-day totals; a part week at the end is left out."""
    draws = np.tile(np.arange(1.0, 16.0), (3, 1))
    frame = weekly_quantiles(draws)
    assert list(frame["week"]) == [1, 2]
    assert_allclose(frame["q50"], [28.0, 77.0])
    assert_allclose(frame["mean"], [28.0, 77.0])


def test_drift_is_zero_when_r_does_not_move_and_positive_when_it_does() -> None:
    """Constant incidence: no drift; R alternating week to week: a drift of its size; too
    short a history: 0."""
    assert estimate_drift(np.full(120, 5000.0), W) == 0.0
    rng = np.random.default_rng(3)
    cases = np.full(120, 5000.0) * np.exp(np.repeat(rng.normal(0, 0.3, 18), 7)[:120])
    assert estimate_drift(cases, W) > 0.05
    assert estimate_drift(np.full(10, 5.0), W) == 0.0


def test_interval_score_by_hand() -> None:
    """Width, plus 2/alpha times the miss (Gneiting & Raftery's worked form)."""
    assert_allclose(interval_score([5, 0, 14], [2, 2, 2], [10, 10, 10], 0.2), [8, 28, 48])
    with pytest.raises(StatsInputError, match="alpha"):
        interval_score([1], [0], [2], 1.0)


def test_weighted_interval_score_by_hand() -> None:
    """Bracher et al.'s equation (3): median 10, 50% interval 8-12, 90% interval 5-15."""
    y = np.array([10.0, 13.0, 20.0])
    wis = weighted_interval_score(y, [10] * 3, [(0.5, [8] * 3, [12] * 3), (0.1, [5] * 3, [15] * 3)])
    # y=10: (0 + 0.25*4 + 0.05*10)/2.5; y=13: (1.5 + 0.25*(4+4) + 0.05*10)/2.5;
    # y=20: (5 + 0.25*(4+32) + 0.05*(10+100))/2.5
    assert_allclose(wis, [0.6, 1.6, 7.8])


def test_score_quantiles_counts_limits_as_covered() -> None:
    """An outcome on a limit is inside the interval."""
    frame = pd.DataFrame(
        {"q5": [5.0] * 2, "q25": [8.0] * 2, "q50": [10.0] * 2, "q75": [12.0] * 2,
         "q95": [15.0] * 2, "observed": [12.0, 16.0]}
    )  # fmt: skip
    scores = score_quantiles(frame)
    assert list(scores["covered_50"]) == [1.0, 0.0]
    assert list(scores["covered_90"]) == [1.0, 0.0]


def _raw(rows: int, observed: float, median: float) -> pd.DataFrame:
    return pd.DataFrame({"week": [1] * rows, "observed": [observed] * rows,
                         "raw_q5": [median * 0.9] * rows, "raw_q25": [median * 0.95] * rows,
                         "raw_q50": [median] * rows, "raw_q75": [median * 1.05] * rows,
                         "raw_q95": [median * 1.1] * rows})  # fmt: skip


def test_calibration_needs_enough_past_projections() -> None:
    """Too few past projections: no shift, no widening."""
    assert calibration(_raw(3, 200, 100), 1) == (0.0, 1.0, 1.0)
    bias, inner, outer = calibration(_raw(10, 201, 100), 1)
    assert_allclose(bias, np.log(202 / 101))
    assert inner == 1e-3  # every past error was the bias: the 50% band shrinks to a floor
    assert outer == 1.0  # the 90% band is never narrowed


def test_recalibration_shifts_and_widens_on_the_log_scale() -> None:
    """Past projections that were too low and too narrow move the quantiles up and apart,
    keeping the raw ones."""
    past = _raw(10, 200, 100)
    past.loc[::2, "observed"] = 300.0  # errors spread wider than the intervals
    quantiles = pd.DataFrame({"week": [1], "q5": [90.0], "q25": [95.0], "q50": [100.0],
                              "q75": [105.0], "q95": [110.0]})  # fmt: skip
    out = recalibrate(quantiles, past)
    assert out["q50"].iloc[0] > 150
    assert out["q95"].iloc[0] - out["q5"].iloc[0] > 20 * 1.5
    assert out["raw_q50"].iloc[0] == 100.0
    ordered = out[["q5", "q25", "q50", "q75", "q95"]].to_numpy()[0]
    assert (np.diff(ordered) >= 0).all()


def test_recalibrated_50_percent_band_stays_inside_the_90() -> None:
    """A 50% band stretched past the 90% band is cut back to it."""
    past = _raw(10, 100, 100)
    past.loc[::2, "observed"] = 110.0
    past[["raw_q25", "raw_q75"]] = [[99.9, 100.1]] * 10  # far too narrow a 50% band
    quantiles = pd.DataFrame({"week": [1], "q5": [99.0], "q25": [99.9], "q50": [100.0],
                              "q75": [100.1], "q95": [101.0]})  # fmt: skip
    out = recalibrate(quantiles, past).iloc[0]
    assert out["q25"] >= out["q5"]
    assert out["q75"] <= out["q95"]


def test_backtest_on_a_hand_made_example() -> None:
    """A steady epidemic: every projection scored, its outcome inside the 90% interval,
    each row's WIS its own; origins too early, too late or with too few cases skipped."""
    cases = np.full(120, 100.0)
    cases[:60] = 0.0  # no cases at first: those origins are skipped
    cases[55:60] = 100.0
    origins = [3, 40, 70, 77, 84, 91, 115]
    out = backtest(cases, origins, [W] * len(origins), weeks_ahead=2, n_sims=200)
    assert sorted(set(out["origin"])) == [70, 77, 84, 91]
    assert (out["observed"] == 700).all()
    assert out["covered_90"].all()
    assert_allclose(out["wis"], score_quantiles(out)["wis"])
    summary = summarise_backtest(out)
    assert list(summary["projections"]) == [4, 4]
    assert list(summary["coverage_90"]) == [100.0, 100.0]
    assert list(summary["observed"]) == [2800.0, 2800.0]


def test_backtest_with_nothing_to_score_is_empty() -> None:
    """No origin that can be scored gives an empty frame with the columns."""
    out = backtest(np.full(20, 5.0), [15], [W])
    assert out.empty
    assert {"origin", "q50", "covered_90", "wis"} <= set(out.columns)


def test_backtest_needs_an_interval_per_origin() -> None:
    """One serial interval per origin."""
    with pytest.raises(StatsInputError, match="serial intervals"):
        backtest(np.ones(50), [20, 27], [W])
