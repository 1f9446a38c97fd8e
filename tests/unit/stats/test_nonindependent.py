"""Tests for DSRs of non-independent (recurrent) events with adjusted Dobson limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from ldsa.ageband import AGE_BANDS
from ldsa.stats import StatsInputError, dsr, dsr_nonindependent, esp2013


def test_formula_by_hand() -> None:
    """Two bands with people having 1 or 3 events: events, DSR and limits by the formula."""
    frame = pd.DataFrame(
        {
            "age_band": ["0-4", "0-4", "5-9", "5-9"],
            "event_frequency": [1, 3, 1, 3],
            "count": [10.0, 2.0, 20.0, 4.0],
            "population": [1000.0, 1000.0, 2000.0, 2000.0],
            "weight": [2.0, 2.0, 3.0, 3.0],
        }
    )
    result = dsr_nonindependent(frame, standard="weight", multiplier=1).iloc[0]
    events = np.array([10 + 3 * 2, 20 + 3 * 4])
    weights, population = np.array([2.0, 3.0]), np.array([1000.0, 2000.0])
    value = np.sum(weights * events / population) / weights.sum()
    squares = np.array([10 + 9 * 2, 20 + 9 * 4])
    variance = np.sum(weights**2 * squares / population**2) / weights.sum() ** 2
    total = events.sum()
    z = stats.norm.ppf(0.975)
    byar_lower = total * (1 - 1 / (9 * total) - z / (3 * np.sqrt(total))) ** 3
    assert result["total_count"] == total
    assert result["total_people"] == 36
    assert_allclose(result["value"], value, rtol=1e-12)
    assert_allclose(
        result["lower"], value + np.sqrt(variance / total) * (byar_lower - total), rtol=1e-12
    )


@settings(max_examples=30)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=200), min_size=19, max_size=19),
    repeats=st.lists(st.integers(min_value=0, max_value=30), min_size=19, max_size=19),
)
def test_repeats_keep_the_rate_and_widen_the_interval(
    counts: list[int], repeats: list[int]
) -> None:
    """Moving events into people with two events keeps the DSR and never narrows its
    interval; with no repeats it is the independent DSR."""
    population = np.full(19, 5_000.0)
    singles = np.array(counts, dtype=float)
    doubles = np.minimum(np.array(repeats, dtype=float), singles // 2)
    frame = pd.DataFrame(
        {
            "age_band": np.tile(AGE_BANDS, 2),
            "event_frequency": np.repeat([1, 2], 19),
            "count": np.r_[singles - 2 * doubles, doubles],
            "population": np.tile(population, 2),
        }
    )
    adjusted = dsr_nonindependent(frame).iloc[0]
    independent = dsr(pd.DataFrame({"count": singles, "population": population})).iloc[0]
    if independent["total_count"] < 10:
        assert np.isnan(adjusted["value"])
        return
    assert_allclose(adjusted["value"], independent["value"], rtol=1e-12)
    assert adjusted["lower"] <= independent["lower"] + 1e-9
    assert adjusted["upper"] >= independent["upper"] - 1e-9
    if doubles.sum() == 0:
        assert_allclose(adjusted["upper"], independent["upper"], rtol=1e-12)


def _frame(**changes: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "age_band": ["0-4", "0-4"],
            "event_frequency": [1, 2],
            "count": [10.0, 5.0],
            "population": [100.0, 100.0],
        }
    )
    return frame.assign(**changes)


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (_frame(event_frequency=[0, 2]), {}, r"event_frequency: event frequencies must be"),
        (_frame(event_frequency=[1, 1.5]), {}, r"event_frequency: event frequencies must be"),
        (_frame(population=[100.0, 90.0]), {}, r"population: a band's population"),
        (_frame(age_band=["0-4", "0 to 4"]), {}, r"age_band: 1 row\(s\) with a label outside"),
        (_frame(w=[0.0, 0.0]), {"standard": "w"}, r"standard: weights sum to zero"),
        (_frame(count=[-1.0, 5.0]), {}, r"count: negative values"),
        (_frame().drop(columns="age_band"), {}, r"missing column"),
    ],
)
def test_invalid_input(frame: pd.DataFrame, kwargs: dict[str, object], message: str) -> None:
    """Invalid inputs are refused with an error saying what to fix."""
    with pytest.raises(StatsInputError, match=message):
        dsr_nonindependent(frame, **kwargs)  # type: ignore[arg-type]


def test_esp2013_by_label() -> None:
    """Without a standard column the ESP2013 weight of each band label is used."""
    frame = pd.DataFrame(
        {"age_band": list(AGE_BANDS), "event_frequency": 1, "count": 20.0, "population": 1e4}
    )
    result = dsr_nonindependent(frame).iloc[0]
    assert_allclose(result["value"], 200.0, rtol=1e-12)
    assert esp2013().sum() == 100_000
