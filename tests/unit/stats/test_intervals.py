"""Unit tests for the count and proportion intervals and the input checks."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from ldsa.stats import (
    StatsInputError,
    byar_interval,
    crude_rate,
    exact_poisson_interval,
    proportion,
    wilson_interval,
)


def test_exact_zero_count_has_zero_lower_and_positive_upper() -> None:
    """Zero events give lower 0 and the upper limit -ln(0.025) at 95%."""
    lower, upper = exact_poisson_interval([0])
    assert lower[0] == 0
    assert_allclose(upper, [-np.log(0.025)], rtol=1e-12)


def test_exact_matches_gamma_quantiles() -> None:
    """Exact limits equal the gamma quantiles that define them (an independent route)."""
    counts = np.array([1.0, 4.0, 9.0])
    lower, upper = exact_poisson_interval(counts, 0.9)
    assert_allclose(lower, stats.gamma.ppf(0.05, counts), rtol=1e-10)
    assert_allclose(upper, stats.gamma.ppf(0.95, counts + 1), rtol=1e-10)


def test_byar_zero_and_invalid_lower() -> None:
    """Byar's lower limit is 0 at zero events and NaN where its bracket turns negative."""
    lower, upper = byar_interval([0, 1], 0.998)
    assert lower[0] == 0
    assert np.isnan(lower[1])
    assert np.all(upper > 0)


def test_wilson_extremes() -> None:
    """Wilson limits touch 0 at no successes and 1 when all trials succeed."""
    lower, upper = wilson_interval([0, 20], [20, 20])
    assert lower[0] == 0
    assert upper[1] == 1
    assert 0 < upper[0] < 0.2
    assert 0.8 < lower[1] < 1


@pytest.mark.parametrize(("count", "method"), [(9, "exact Poisson"), (10, "Byar"), (11, "Byar")])
def test_rate_method_switches_at_ten(count: int, method: str) -> None:
    """Rates use exact limits below 10 events and Byar's from 10."""
    result = crude_rate([count], [1000])
    assert result["method"].iloc[0] == method
    assert result["reason"].isna().all()


def test_crude_rate_zero_count() -> None:
    """A zero count has rate 0, lower limit 0 and a positive upper limit."""
    result = crude_rate([0], [50_000])
    assert result.loc[0, "value"] == 0
    assert result.loc[0, "lower"] == 0
    assert result.loc[0, "upper"] > 0


def test_numpy_scalar_level_is_one_level() -> None:
    """A numpy scalar level gives plain lower and upper columns."""
    result = crude_rate([5], [10], conf_level=np.float32(0.9))
    assert {"lower", "upper"} <= set(result.columns)


def test_several_levels_name_columns_by_level() -> None:
    """Several levels give lower_95, upper_95, lower_99_8 and upper_99_8 columns."""
    result = proportion([5], [10], conf_level=(0.95, 0.998), multiplier=100)
    assert {"lower_95", "upper_95", "lower_99_8", "upper_99_8"} <= set(result.columns)
    assert "lower" not in result.columns


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: crude_rate([-1, 2, -3], [10, 10, 10]), r"count: negative values at 2 position"),
        (lambda: crude_rate([1, 2], [10, 0]), r"population: zero or negative values at 1"),
        (lambda: crude_rate([1, 2], [10]), r"mismatched lengths: count \(2,\), population"),
        (lambda: crude_rate([1, np.nan], [10, 10]), r"count: missing \(NaN\) values at 1"),
        (lambda: crude_rate([1, np.inf], [10, 10]), r"count: infinite values at 1"),
        (lambda: crude_rate(["a"], [10]), r"count: values are not numeric"),
        (lambda: proportion([11], [10]), r"successes: greater than trials at 1"),
        (lambda: wilson_interval([1], [0]), r"trials: zero or negative values at 1"),
        (lambda: crude_rate([1], [10], conf_level=1.5), r"conf_level: each level"),
        (lambda: crude_rate([1], [10], conf_level=()), r"conf_level: empty"),
        (lambda: crude_rate([1], [10], conf_level="high"), r"conf_level: expected a number"),  # type: ignore[arg-type]
        (lambda: crude_rate([1], [10], conf_level=(0.95, 0.95)), r"conf_level: the same"),
        (lambda: byar_interval([1], (0.95,)), r"conf_level: expected one probability"),  # type: ignore[arg-type]
    ],
)
def test_invalid_input_names_the_argument(call: object, message: str) -> None:
    """Each invalid input raises a ValueError that names the argument and the problem."""
    with pytest.raises(StatsInputError, match=message) as info:
        call()  # type: ignore[operator]
    assert isinstance(info.value, ValueError)


def test_errors_do_not_echo_values() -> None:
    """An error message never quotes the offending value."""
    with pytest.raises(StatsInputError) as info:
        crude_rate([12345, -98765], [100, 100])
    assert "98765" not in str(info.value)
