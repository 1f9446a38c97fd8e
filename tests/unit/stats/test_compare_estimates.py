"""Tests for comparing two independent estimates by their 95% intervals."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from ldsa.stats import StatsInputError, compare_estimates

Z = 1.959963984540054


def _limits(value: float, se: float) -> tuple[float, float, float]:
    """A value with the 95% limits of standard error ``se`` on the log scale."""
    return value, value * np.exp(-Z * se), value * np.exp(Z * se)


def test_z_and_p_from_both_intervals() -> None:
    """z = ln(a / b) / sqrt(sa^2 + sb^2) with each s read back from its limits; the p-value
    is two-sided normal (by hand: ln 1.2 / (0.05 sqrt 2) = 2.5783)."""
    result = compare_estimates(*_limits(1.2, 0.05), *_limits(1.0, 0.05))
    z = np.log(1.2) / (0.05 * np.sqrt(2))
    assert_allclose(result["z"], [z], rtol=1e-9)
    assert_allclose(result["p_value"], [2 * stats.norm.sf(z)], rtol=1e-9)
    assert_allclose(result["ratio"], [1.2], rtol=1e-12)
    assert list(result["comparison"]) == ["higher"]


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(np.exp(1.9 * 0.1 * np.sqrt(2)), "similar"), (np.exp(2.0 * 0.1 * np.sqrt(2)), "higher"),
     (np.exp(-2.0 * 0.1 * np.sqrt(2)), "lower")],
)  # fmt: skip
def test_significance_boundary(ratio: float, expected: str) -> None:
    """Just inside z = 1.96 is similar; just outside is higher or lower."""
    result = compare_estimates(*_limits(ratio, 0.1), *_limits(1.0, 0.1))
    assert list(result["comparison"]) == [expected]


def test_uncertainty_of_both_counts() -> None:
    """A value outside the other's interval is still similar when its own interval is
    wide (a small authority against a large neighbour)."""
    small, large = _limits(0.85, 0.12), _limits(1.0, 0.02)
    assert large[1] > small[0]  # outside the large one's interval
    assert list(compare_estimates(*small, *large)["comparison"]) == ["similar"]


def test_missing_or_non_positive_are_not_compared() -> None:
    """NaN, zero or degenerate limits give 'not compared' and NaN statistics."""
    result = compare_estimates(
        [np.nan, 1.0, 1.0], [0.9, 0.0, 1.0], [1.1, 1.2, 1.0], [1.0, 1.0, 1.0], [0.9] * 3, [1.1] * 3
    )
    assert list(result["comparison"]) == ["not compared"] * 3
    assert result[["ratio", "z", "p_value"]].isna().all().all()


def test_scalars_and_mismatched_lengths() -> None:
    """Scalars give one row; arrays that do not broadcast are refused."""
    assert len(compare_estimates(1.0, 0.9, 1.1, 1.0, 0.9, 1.1)) == 1
    with pytest.raises(StatsInputError, match="mismatched"):
        compare_estimates([1.0, 2.0], [0.9] * 2, [1.1] * 2, [1.0] * 3, [0.9] * 3, [1.1] * 3)
