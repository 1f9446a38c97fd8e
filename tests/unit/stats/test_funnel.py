"""Unit and simulation tests for funnel limits, over-dispersion and benchmark comparison."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from ldsa.stats import (
    Adjustment,
    FunnelMethod,
    Significance,
    StatsInputError,
    classify_funnel,
    compare_with_benchmark,
    funnel,
    funnel_limits,
    overdispersion_test,
)

SIMULATIONS = 200
AREAS = 150


def test_rate_limits_at_large_counts_approach_normal() -> None:
    """With a large expected count, exact Poisson limits are close to θ ± z√(θ/n)."""
    limits = funnel_limits([1e7], target=100.0, kind="rate", multiplier=100_000)
    half = 1.959964 * np.sqrt(1e-3 / 1e7) * 100_000
    assert_allclose(limits["lower_95"], [100 - half], rtol=1e-3)
    assert_allclose(limits["upper_95"], [100 + half], rtol=1e-3)


def test_limits_narrow_with_precision_and_998_is_wider() -> None:
    """Limits narrow as precision grows and the 99.8% funnel encloses the 95% one."""
    limits = funnel_limits([100, 1_000, 10_000], target=0.2, kind="proportion")
    width = limits["upper_95"] - limits["lower_95"]
    assert np.all(np.diff(width) < 0)
    assert np.all(limits["lower_99_8"] <= limits["lower_95"])
    assert np.all(limits["upper_99_8"] >= limits["upper_95"])
    assert limits["upper_99_8"].max() <= 1


def test_ratio_limits_surround_one() -> None:
    """SMR limits (x100) surround 100 and are non-negative at small expected counts."""
    limits = funnel_limits([0.5, 5, 50], target=100.0, kind="ratio", multiplier=100)
    assert np.all(limits["lower_95"] >= 0)
    assert np.all(limits["lower_95"] < 100)
    assert np.all(limits["upper_95"] > 100)


def test_normal_kind_for_dsrs() -> None:
    """For DSRs with standard errors the limits are target ± z·se."""
    result = funnel(
        [85.0, 108.0, 100.0],
        [5.0, 5.0, 10.0],
        kind="normal",
        target=100.0,
        conf_level=0.95,
        adjustment="none",
    )
    assert_allclose(
        result.points["lower"],
        [100 - 1.959964 * 5, 100 - 1.959964 * 5, 100 - 1.959964 * 10],
        rtol=1e-6,
    )
    assert list(result.points["position"]) == ["below", "within", "within"]


def test_adjustment_given_as_text() -> None:
    """The adjustment may be given by its value; additive limits widen by τ²."""
    plain = funnel_limits([1e4], 0.01, kind="rate", conf_level=0.95, adjustment="additive")
    wider = funnel_limits([1e4], 0.01, "rate", 0.95, 1.0, "additive", tau2=1e-6)
    assert wider["upper"].iloc[0] > plain["upper"].iloc[0]
    assert wider["method"].iloc[0] == "normal; adjustment additive"


def test_classify_funnel_boundaries() -> None:
    """A value on a limit is within; beyond it, above or below."""
    positions = classify_funnel([1.0, 2.0, 3.0, 0.5, 3.5], [1, 1, 1, 1, 1], [3, 3, 3, 3, 3])
    assert list(positions) == ["within", "within", "within", "below", "above"]


def test_overdispersion_record_and_additive_formula() -> None:
    """τ² follows the DerSimonian-Laird formula on winsorised z-scores."""
    z = np.array([-3.0, -1.0, 0.0, 1.0, 2.0, 4.0, 0.5, -0.5, 1.5, -2.0])
    se = np.linspace(0.1, 1.0, 10)
    test = overdispersion_test(z, se)
    low, high = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, low, high) ** 2)
    w = 1 / se**2
    tau2 = max(0.0, (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum()))
    assert_allclose([test.phi, test.tau2], [phi, tau2])
    assert test.critical_value == pytest.approx(stats.chi2.ppf(0.95, 9))


def _simulate(rng: np.random.Generator, overdispersed: bool) -> tuple[np.ndarray, np.ndarray]:
    population = rng.integers(20_000, 1_000_000, size=AREAS).astype(float)
    rate = np.full(AREAS, 2e-3)
    if overdispersed:
        rate = rate * rng.gamma(25.0, 1 / 25.0, size=AREAS)  # 20% between-area variation
    return rng.poisson(rate * population).astype(float), population


@pytest.mark.slow  # 400 seeded funnels
def test_overdispersion_flags_simulated_overdispersed_not_poisson() -> None:
    """Over 200 seeded simulations the φ test flags Poisson data at most ~5% of the time
    and over-dispersed data nearly always."""
    rng = np.random.default_rng(20240501)
    flagged = {False: 0, True: 0}
    for overdispersed in (False, True):
        for _ in range(SIMULATIONS):
            x, n = _simulate(rng, overdispersed)
            result = funnel(x, n, "rate", multiplier=100_000)
            flagged[overdispersed] += result.overdispersion.overdispersed
            expected = (
                Adjustment.ADDITIVE if result.overdispersion.overdispersed else (Adjustment.NONE)
            )
            assert result.adjustment is expected
    # Winsorising shrinks φ, so the false-positive rate is at or below the 5% level.
    assert flagged[False] / SIMULATIONS <= 0.08
    assert flagged[True] / SIMULATIONS >= 0.95


def test_adjusted_limits_flag_fewer_areas() -> None:
    """With over-dispersion, the additive adjustment flags fewer areas than exact limits."""
    rng = np.random.default_rng(7)
    x, n = _simulate(rng, overdispersed=True)
    exact = funnel(x, n, "rate", multiplier=100_000, adjustment="none")
    adjusted = funnel(x, n, "rate", multiplier=100_000)
    multiplicative = funnel(x, n, "rate", multiplier=100_000, adjustment="multiplicative")
    outside = [
        int((r.points["position_99_8"] != "within").sum())
        for r in (exact, adjusted, multiplicative)
    ]
    assert outside[1] < outside[0]
    assert outside[2] < outside[0]
    assert adjusted.adjustment is Adjustment.ADDITIVE
    assert multiplicative.adjustment is Adjustment.MULTIPLICATIVE
    assert exact.points["method"].iloc[0] == "exact; adjustment none"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: funnel([1, 2], [10, 20], kind="odds"), r"kind: expected one of"),  # type: ignore[arg-type]
        (lambda: funnel([11, 2], [10, 20], kind="proportion"), r"numerator: greater than"),
        (lambda: funnel([1, 2], [0, 20]), r"denominator: zero or negative"),
        (lambda: funnel_limits([10], target=2.0, kind="proportion"), r"target: a proportion"),
        (lambda: overdispersion_test([1.0], [1.0]), r"at least 2 areas"),
        (lambda: funnel_limits([10], 0.1, adjustment="wider"), r"adjustment: expected one of"),
        (lambda: funnel([1, 2], [10, 20], adjustment="wider"), r"adjustment: expected one of"),  # type: ignore[arg-type]
        (lambda: overdispersion_test([1.0, 2.0], [1.0, 1.0], winsor=0.6), r"winsor"),
    ],
)
def test_funnel_invalid_input(call: object, message: str) -> None:
    """Invalid funnel inputs raise errors that name the argument."""
    with pytest.raises(StatsInputError, match=message):
        call()  # type: ignore[operator]


def test_compare_with_benchmark() -> None:
    """A benchmark below the interval is higher, above is lower, on a limit is similar."""
    result = compare_with_benchmark(
        [10.0, 10.0, 10.0, 10.0, np.nan],
        [20.0, 20.0, 20.0, 20.0, 5.0],
        [5.0, 25.0, 10.0, 15.0, 1.0],
    )
    assert list(result) == ["higher", "lower", "similar", "similar", "not compared"]


def test_compare_with_benchmark_refuses_inverted_limits() -> None:
    """Limits passed in the wrong order are refused."""
    with pytest.raises(StatsInputError, match="lower: above upper at 1"):
        compare_with_benchmark([5.0], [1.0], 3.0)
    with pytest.raises(StatsInputError, match="mismatched lengths"):
        compare_with_benchmark([1.0, 2.0], [3.0, 4.0, 5.0], 3.0)


@given(
    expected=st.floats(min_value=1e-3, max_value=5e3, allow_nan=False),
    observed=st.integers(min_value=0, max_value=6_000),
    level=st.sampled_from([0.8, 0.95, 0.998]),
)
def test_poisson_limits_agree_with_the_exact_test(
    expected: float, observed: int, level: float
) -> None:
    """A count is outside the exact limits exactly when its one-sided exact p-value is
    below alpha/2 (away from ties within 1e-9)."""
    limits = funnel_limits([expected], 1.0, "ratio", level, 1.0)
    alpha = 1 - level
    upper_p = stats.poisson.sf(observed - 1, expected)  # P(X >= observed)
    lower_p = stats.poisson.cdf(observed, expected)  # P(X <= observed)
    ratio = observed / expected
    if abs(upper_p - alpha / 2) > 1e-9 * alpha:
        assert (ratio > limits["upper"].iloc[0]) == (upper_p < alpha / 2)
    if abs(lower_p - alpha / 2) > 1e-9 * alpha:
        assert (ratio < limits["lower"].iloc[0]) == (lower_p < alpha / 2)


@given(
    data=st.data(),
    trials=st.integers(min_value=1, max_value=2_000),
    proportion=st.floats(min_value=1e-4, max_value=1 - 1e-4),
)
def test_binomial_limits_agree_with_the_exact_test(
    data: st.DataObject, trials: int, proportion: float
) -> None:
    """For proportions too: outside the exact limits exactly when the exact test rejects."""
    successes = data.draw(st.integers(min_value=0, max_value=trials))
    limits = funnel_limits([trials], proportion, "proportion", 0.95)
    upper_p = stats.binom.sf(successes - 1, trials, proportion)
    lower_p = stats.binom.cdf(successes, trials, proportion)
    value = successes / trials
    if abs(upper_p - 0.025) > 1e-9:
        assert (value > limits["upper"].iloc[0] + 1e-12) == (upper_p < 0.025)
    if abs(lower_p - 0.025) > 1e-9:
        assert (value < limits["lower"].iloc[0] - 1e-12) == (lower_p < 0.025)


@given(
    precision=st.lists(st.floats(min_value=1e-2, max_value=1e6), min_size=1, max_size=5),
    target=st.floats(min_value=1e-4, max_value=0.9),
    kind=st.sampled_from(["proportion", "rate", "ratio"]),
    method=st.sampled_from(["exact", "phe"]),
)
def test_limits_bracket_target_and_nest(
    precision: list[float], target: float, kind: str, method: str
) -> None:
    """0 <= lower_99_8 <= lower_95 <= target <= upper_95 <= upper_99_8, for both methods."""
    limits = funnel_limits(precision, target, kind, method=method)  # type: ignore[arg-type]
    assert (limits["lower_99_8"] >= 0).all()
    assert (limits["lower_99_8"] <= limits["lower_95"] + 1e-12).all()
    assert (limits["lower_95"] <= target + 1e-12).all()
    assert (limits["upper_95"] >= target - 1e-12).all()
    assert (limits["upper_95"] <= limits["upper_99_8"] + 1e-12).all()


def test_exact_limits_at_tiny_expected_counts() -> None:
    """Below 0.0253 expected events one event is already above the 95% limit."""
    limits = funnel_limits([0.001, 0.02, 0.03], 1.0, "ratio", 0.95, 1.0)
    assert (limits["upper"].iloc[:2] * [0.001, 0.02] < 1).all()
    assert limits["upper"].iloc[2] * 0.03 > 1
    binomial = funnel_limits([10, 10], 0.001, "proportion", 0.95)
    assert (binomial["upper"] * 10 < 1).all()
    edges = funnel_limits([10, 10], 0.0, "proportion", 0.95)
    assert (edges[["lower", "upper"]].to_numpy() == 0).all()
    full = funnel_limits([10], 1.0, "proportion", 0.95)
    assert_allclose(full[["lower", "upper"]].to_numpy(), [[1.0, 1.0]])
    zero = funnel_limits([10], 0.0, "rate", 0.95)
    assert (zero[["lower", "upper"]].to_numpy() == 0).all()


def test_methods_are_named_and_described() -> None:
    """Every result names its limits in plain English; 'fingertips' is PHE's method."""
    rng = np.random.default_rng(3)
    x, n = _simulate(rng, overdispersed=True)
    exact = funnel(x, n, "rate", multiplier=100_000, adjustment="none")
    assert exact.method is FunnelMethod.EXACT
    assert exact.method_note.startswith("Exact Poisson 95% and 99.8% control limits")
    assert "no over-dispersion adjustment" in exact.method_note
    multiplicative = funnel(x, n, "rate", multiplier=100_000, adjustment="multiplicative")
    assert "widened by \u221a\u03c6" in multiplicative.method_note
    additive = funnel(x, n, "rate", multiplier=100_000, adjustment="additive")
    assert "random-effects variance" in additive.method_note
    phe = funnel(x, n, "rate", multiplier=100_000, method="fingertips")
    assert phe.method is FunnelMethod.PHE
    assert phe.method_note.startswith("PHE (Fingertips) funnel method")
    assert phe.adjustment is Adjustment.NONE
    assert set(phe.points["significance"]) <= {s.value for s in Significance}
    normal = funnel_limits([4.0], 10.0, "normal", 0.95)
    assert normal["method_note"].iloc[0].startswith("Normal (target")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: funnel_limits([10], 0.1, method="r"), r"method: expected 'exact' or 'phe'"),
        (lambda: funnel_limits([10], 0.1, "normal", method="phe"), r"PHE's funnel method covers"),
        (lambda: funnel_limits([10], 0.1, adjustment="additive", method="phe"),
         r"PHE's funnel method covers"),
        (lambda: funnel([1, 2], [1.0, 2.0], "normal", method="phe"), r"no 'normal' kind"),
        (lambda: funnel([1, 2], [10, 20], adjustment="additive", method="phe"),
         r"adjustment: PHE's funnel method has no over-dispersion"),
        (lambda: funnel([1, 2], [10, 20], conf_level=0.95, method="phe"),
         r"conf_level: PHE's funnel method uses"),
    ],
)  # fmt: skip
def test_method_invalid_input(call: object, message: str) -> None:
    """Method combinations PHE does not define are refused, saying what to use instead."""
    with pytest.raises(StatsInputError, match=message):
        call()  # type: ignore[operator]
