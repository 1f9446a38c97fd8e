"""Properties of the reproduction number, projections and scores."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ldsa.stats.projection import Change, Scenario, project_cases
from ldsa.stats.reproduction import discretise_gamma, estimate_r
from ldsa.stats.scoring import interval_score, weighted_interval_score

W = discretise_gamma(4.7, 2.9)
incidences = st.lists(st.integers(min_value=0, max_value=5000), min_size=15, max_size=60)


@settings(max_examples=40)
@given(cases=incidences, level=st.sampled_from([0.5, 0.9, 0.95, 0.998]))
def test_credible_interval_brackets_median(cases: list[int], level: float) -> None:
    """lower <= median <= mean-ish upper wherever R is estimated; never negative."""
    fitted = estimate_r(np.array(cases, dtype=float), W, conf_level=level).dropna()
    assert (fitted["lower"] >= 0).all()
    assert (fitted["lower"] <= fitted["median"] + 1e-12).all()
    assert (fitted["median"] <= fitted["upper"] + 1e-12).all()


@settings(max_examples=40)
@given(cases=incidences, factor=st.integers(min_value=2, max_value=50))
def test_scaling_incidence_keeps_r_and_narrows_its_interval(cases: list[int], factor: int) -> None:
    """R depends on the shape of the epidemic, not its size (up to the prior); more cases
    give a narrower relative interval."""
    base = np.array(cases, dtype=float) + 20
    small = estimate_r(base, W).dropna()
    large = estimate_r(base * factor, W).dropna()
    assert_allclose(large["mean"], small["mean"], rtol=0.1)
    assert (large["cv"] <= small["cv"] + 1e-12).all()


@settings(max_examples=25, deadline=None)
@given(
    level=st.integers(min_value=20, max_value=2000),
    factor=st.floats(min_value=0.2, max_value=0.95),
    day=st.integers(min_value=0, max_value=13),
)
def test_a_fall_in_transmission_never_adds_cases(level: int, factor: float, day: int) -> None:
    """With the same draws, a scenario that lowers R projects no more cases in any
    simulation than the baseline, and the same before its day."""
    out = project_cases(np.full(40, float(level)), W, horizon=14, n_sims=50,
                        scenarios=[Scenario("fall", Change.MULTIPLY, factor, day)])  # fmt: skip
    assert (out["fall"].sum(axis=1) <= out["baseline"].sum(axis=1)).mean() > 0.9
    assert_allclose(out["fall"][:, :day], out["baseline"][:, :day])


finite = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(y=finite, a=finite, b=finite, c=finite)
def test_interval_scores_are_nonnegative_and_zero_only_for_a_point_hit(
    y: float, a: float, b: float, c: float
) -> None:
    """IS >= width >= 0; WIS >= 0, and 0 when every quantile is the outcome."""
    lo, mid, hi = sorted([a, b, c])
    assert interval_score([y], [lo], [hi], 0.1)[0] >= hi - lo - 1e-9
    wis = weighted_interval_score([y], [mid], [(0.5, [lo], [hi]), (0.1, [lo], [hi])])[0]
    assert wis >= 0
    assert weighted_interval_score([y], [y], [(0.5, [y], [y])])[0] == 0
