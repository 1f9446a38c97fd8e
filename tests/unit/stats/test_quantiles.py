"""Tests for assigning areas to quantiles (OHID's method): boundaries, ties, groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldsa.stats import StatsInputError, assign_quantiles


def test_ties_share_a_quantile_and_invert() -> None:
    """Tied values share the lowest rank's quantile; invert puts the highest values first."""
    frame = pd.DataFrame({"score": [50.0, 40, 40, 40, 30, 20, 10, 5, 1, 0]})
    inverted = assign_quantiles(frame, "score", 5)
    assert list(inverted["quantile"]) == [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]
    assert inverted["qinverted"].iloc[0] == "lowest quantile represents highest values"
    direct = assign_quantiles(frame, "score", 5, invert=False)
    assert list(direct["quantile"]) == [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]


def test_within_groups_and_too_few_areas() -> None:
    """Quantiles are assigned within each group; a group with too few areas gets none."""
    frame = pd.DataFrame({"region": ["N"] * 6 + ["S"] * 2, "score": [6.0, 5, 4, 3, 2, 1, 2, 1]})
    result = assign_quantiles(frame, "score", 3, by="region")
    north = result[result["region"] == "N"]
    assert list(north["quantile"]) == [1, 1, 2, 2, 3, 3]
    south = result[result["region"] == "S"]
    assert south["quantile"].isna().all()
    assert (south["reason"] == "fewer areas than quantiles").all()
    assert north["reason"].isna().all()


def test_population_weighted() -> None:
    """With populations, quantiles split the population rather than the count of areas."""
    frame = pd.DataFrame({"score": [4.0, 3, 2, 1], "population": [700.0, 100, 100, 100]})
    result = assign_quantiles(frame, "score", 2, population="population")
    # 70% of the population is ranked before the second area: it starts quantile 2.
    assert list(result["quantile"]) == [1, 2, 2, 2]
    counted = assign_quantiles(frame, "score", 2)
    assert list(counted["quantile"]) == [1, 1, 2, 2]


@given(
    n=st.integers(min_value=2, max_value=400),
    q=st.sampled_from([2, 3, 4, 5, 7, 10, 20]),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_properties(n: int, q: int, seed: int) -> None:
    """Quantiles lie in 1..q, never decrease with rank, keep ties together, and equal
    populations give the count-based quantiles."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, max(2, n // 3), size=n).astype(float)
    frame = pd.DataFrame({"v": values, "population": 1.0})
    if n < q:
        assert assign_quantiles(frame, "v", q)["quantile"].isna().all()
        return
    result = assign_quantiles(frame, "v", q, invert=False)["quantile"].to_numpy(dtype=int)
    assert result.min() >= 1
    assert result.max() <= q
    order = np.argsort(values, kind="stable")
    assert (np.diff(result[order]) >= 0).all()
    for value in np.unique(values):
        assert np.unique(result[values == value]).size == 1
    weighted = assign_quantiles(frame, "v", q, invert=False, population="population")
    assert (weighted["quantile"].to_numpy(dtype=int) == result).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_quantiles": 1}, r"n_quantiles: at least 2"),
        ({"n_quantiles": 2.5}, r"n_quantiles: expected a whole number"),
        ({"n_quantiles": True}, r"n_quantiles: expected a whole number"),
        ({"population": "pop"}, r"missing column"),
    ],
)
def test_invalid_input(kwargs: dict[str, object], message: str) -> None:
    """Invalid arguments are refused with an error naming them."""
    with pytest.raises(StatsInputError, match=message):
        assign_quantiles(pd.DataFrame({"v": [1.0, 2.0]}), "v", **kwargs)  # type: ignore[arg-type]


def test_missing_values_refused() -> None:
    """Areas without a value cannot be ranked: refused, with the count."""
    with pytest.raises(StatsInputError, match=r"v: missing \(NaN\) values at 1"):
        assign_quantiles(pd.DataFrame({"v": [1.0, np.nan]}), "v", 2)
