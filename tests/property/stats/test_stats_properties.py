"""Property tests (hypothesis) for the intervals, rates and standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ldsa.stats import crude_rate, dsr, isr, proportion, wilson_interval

counts = st.integers(min_value=0, max_value=100_000)
populations = st.floats(min_value=1.0, max_value=1e8, allow_nan=False)
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])


@given(count=counts, population=populations, level=levels)
def test_rate_limits_bracket_value_and_are_nonnegative(
    count: int, population: float, level: float
) -> None:
    """For any count and population, 0 <= lower <= value <= upper."""
    result = crude_rate([count], [population], conf_level=level).iloc[0]
    assert 0 <= result["lower"] <= result["value"] <= result["upper"]


@given(data=st.data(), trials=st.integers(min_value=1, max_value=10**7), level=levels)
def test_wilson_within_unit_interval(data: st.DataObject, trials: int, level: float) -> None:
    """Wilson limits lie within [0, 1] and bracket the proportion."""
    successes = data.draw(st.integers(min_value=0, max_value=trials))
    lower, upper = wilson_interval([successes], [trials], level)
    assert 0 <= lower[0] <= successes / trials <= upper[0] <= 1


@given(data=st.data(), trials=st.integers(min_value=1, max_value=10**6))
def test_proportion_998_contains_95(data: st.DataObject, trials: int) -> None:
    """The 99.8% Wilson interval contains the 95% one."""
    successes = data.draw(st.integers(min_value=0, max_value=trials))
    result = proportion([successes], [trials], conf_level=(0.95, 0.998)).iloc[0]
    assert result["lower_99_8"] <= result["lower_95"] <= result["upper_95"] <= result["upper_99_8"]


@given(count=counts, population=populations)
def test_rate_998_contains_95(count: int, population: float) -> None:
    """The 99.8% rate interval contains the 95% one, exact and Byar alike."""
    result = crude_rate([count], [population], conf_level=(0.95, 0.998)).iloc[0]
    assert result["upper_95"] <= result["upper_99_8"]
    assert result["lower_99_8"] <= result["lower_95"]


@given(
    count=st.integers(min_value=1, max_value=10_000),
    factor=st.integers(min_value=2, max_value=100),
)
def test_rate_width_shrinks_as_counts_scale(count: int, factor: int) -> None:
    """At a fixed rate, more events give a narrower interval."""
    small = crude_rate([count], [1000.0 * count]).iloc[0]
    large = crude_rate([count * factor], [1000.0 * count * factor]).iloc[0]
    assert large["upper"] - large["lower"] < small["upper"] - small["lower"]


band_rates = st.floats(min_value=1e-4, max_value=0.5, allow_nan=False)
band_pops = st.lists(st.floats(min_value=100, max_value=1e6), min_size=19, max_size=19)


@given(rate=band_rates, pops=band_pops)
def test_dsr_of_equal_rates_is_that_rate(rate: float, pops: list[float]) -> None:
    """When every band has the same rate, the DSR equals it (whatever the standard)."""
    population = np.array(pops)
    frame = pd.DataFrame({"count": rate * population, "population": population})
    result = dsr(frame, multiplier=1)
    if result["total_count"].iloc[0] >= 10:
        assert_allclose(result["value"], [rate], rtol=1e-9)
        assert result["lower"].iloc[0] <= rate <= result["upper"].iloc[0]


@given(
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=19, max_size=19),
    pops=band_pops,
    scale=st.floats(min_value=1e-3, max_value=1e3),
)
def test_dsr_unchanged_by_rescaling_weights(
    counts: list[int], pops: list[float], scale: float
) -> None:
    """Multiplying every weight by a constant leaves the DSR and its limits unchanged."""
    frame = pd.DataFrame({"count": np.array(counts, float), "population": pops})
    weights = np.linspace(1000, 7000, 19)
    first = dsr(frame, standard=weights, conf_level=(0.95, 0.998))
    second = dsr(frame, standard=weights * scale, conf_level=(0.95, 0.998))
    columns = ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert_allclose(first[columns], second[columns], rtol=1e-9)
    if sum(counts) >= 10:
        row = first.iloc[0]
        assert 0 <= row["lower_99_8"] <= row["lower_95"] <= row["value"]
        assert row["value"] <= row["upper_95"] <= row["upper_99_8"]


@given(
    counts=st.lists(st.integers(min_value=0, max_value=300), min_size=3, max_size=3),
    pops=st.lists(st.floats(min_value=10, max_value=1e5), min_size=3, max_size=3),
)
def test_isr_limits_bracket_ratio(counts: list[int], pops: list[float]) -> None:
    """ISR limits are non-negative and bracket the ratio."""
    frame = pd.DataFrame({"count": np.array(counts, float), "population": pops})
    row = isr(frame, ref_count=[5.0, 10.0, 50.0], ref_population=[1e3, 1e3, 1e3]).iloc[0]
    assert 0 <= row["lower"] <= row["value"] <= row["upper"]


@given(
    a=st.floats(-7, -1),
    b=st.floats(-7, -1),
    se_a=st.floats(0.01, 1.0),
    se_b=st.floats(0.01, 1.0),
)
def test_survey_trend_is_antisymmetric(a: float, b: float, se_a: float, se_b: float) -> None:
    """Swapping the latest and the earlier estimate swaps increased and decreased, and
    keeps level and uncertain; equal estimates never show a change."""
    from scipy.special import expit

    from ldsa.stats import Trend, survey_trend

    def estimate(x: float, se: float) -> tuple[float, tuple[float, float]]:
        return expit(x), (expit(x - 1.96 * se), expit(x + 1.96 * se))

    (p, lim_p), (q, lim_q) = estimate(a, se_a), estimate(b, se_b)
    forward = survey_trend(p, lim_p, q, lim_q, multiplier=1)[0]
    backward = survey_trend(q, lim_q, p, lim_p, multiplier=1)[0]
    swap = {Trend.INCREASED: Trend.DECREASED, Trend.DECREASED: Trend.INCREASED}
    assert backward is swap.get(forward, forward)
    assert survey_trend(p, lim_p, p, lim_p, multiplier=1)[0] in (Trend.LEVEL, Trend.UNCERTAIN)
