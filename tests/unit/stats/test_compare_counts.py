"""Comparing this period's count with the last one's: exact conditional binomial test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import binomtest

from ldsa.stats import StatsInputError, compare_counts


@pytest.mark.parametrize(("current", "previous"), [(30, 15), (10, 12), (5, 0), (0, 4), (1, 1)])
def test_matches_scipys_binomial_test(current: int, previous: int) -> None:
    """p-value and the ratio's limits equal scipy's exact binomial test of current out of
    the total with probability 1/2, mapped to a rate ratio (an independent implementation)."""
    result = compare_counts([current], [previous]).iloc[0]
    reference = binomtest(current, current + previous, 0.5)
    interval = reference.proportion_ci(confidence_level=0.95, method="exact")
    assert result["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert result["ratio_lower"] == pytest.approx(interval.low / (1 - interval.low), rel=1e-9)
    if interval.high < 1:
        assert result["ratio_upper"] == pytest.approx(interval.high / (1 - interval.high))
    else:
        assert result["ratio_upper"] == np.inf


def test_words_and_percentages() -> None:
    """A doubling from 15 to 30 increased (p 0.036); 12 to 10 is no significant change;
    7 after none increased (p 0.016), with no percentage; nothing in either week tests
    nothing."""
    result = compare_counts([30, 10, 7, 0], [15, 12, 0, 0])
    assert list(result["direction"]) == [
        "increased",
        "no significant change",
        "increased",
        "no significant change",
    ]
    assert_allclose(result["change"], [15, -2, 7, 0])
    assert_allclose(result["percent"], [100, -100 / 6, np.nan, np.nan])
    assert result["p_value"].iloc[3] == 1
    assert np.isnan(result[["ratio", "ratio_lower", "ratio_upper"]].iloc[3]).all()
    assert compare_counts([2], [40])["direction"].iloc[0] == "decreased"


@given(st.integers(0, 500), st.integers(0, 500))
def test_interval_holds_the_ratio(current: int, previous: int) -> None:
    """Where defined, the ratio lies within its limits and the p-value within (0, 1]."""
    row = compare_counts([current], [previous]).iloc[0]
    assert 0 < row["p_value"] <= 1
    if previous > 0:
        assert row["ratio_lower"] <= row["ratio"] <= row["ratio_upper"]


@pytest.mark.parametrize(
    ("current", "previous", "message"),
    [([1, 2], [1], "mismatched"), ([1.5], [1], "whole counts"), ([-1], [1], "current")],
)
def test_invalid_input(current: list[float], previous: list[float], message: str) -> None:
    """Mismatched, fractional or negative counts are refused with the argument named."""
    with pytest.raises(StatsInputError, match=message):
        compare_counts(current, previous)
