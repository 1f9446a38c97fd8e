"""Unit tests for statistical neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldsa.stats import StatsInputError, statistical_neighbours


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "la_code": ["E1", "E2", "E3", "E4", "E5"],
            "imd_score": [10.0, 11.0, 30.0, 31.0, 20.0],
            "density": [100.0, 110.0, 5000.0, 5200.0, 1000.0],
        }
    )


def test_nearest_neighbours_on_standardised_features() -> None:
    """Each authority's nearest neighbour is its closest twin; features and k are recorded."""
    result = statistical_neighbours(_frame(), ["imd_score", "density"], k=2)
    nearest = result.table[result.table["rank"] == 1].set_index("la_code")["neighbour_code"]
    assert dict(nearest) == {"E1": "E2", "E2": "E1", "E3": "E4", "E4": "E3", "E5": "E2"}
    assert result.features == ("imd_score", "density")
    assert result.k == 2
    assert len(result.table) == 10
    assert (result.table["la_code"] != result.table["neighbour_code"]).all()
    assert np.all(np.diff(result.table["distance"].to_numpy().reshape(5, 2), axis=1) >= 0)


def test_units_do_not_matter() -> None:
    """Rescaling a feature (other units) leaves the neighbours unchanged."""
    frame = _frame()
    first = statistical_neighbours(frame, ["imd_score", "density"], k=3).table
    second = statistical_neighbours(
        frame.assign(density=frame["density"] / 1000), ["imd_score", "density"], k=3
    ).table
    assert list(first["neighbour_code"]) == list(second["neighbour_code"])


@pytest.mark.parametrize(
    ("features", "k", "change", "message"),
    [
        (["imd_score"], 5, None, r"k: expected 1 to 4"),
        ([], 2, None, "features: name at least one"),
        (["imd_score"], 2, "duplicate", "la_code: duplicate ids"),
        (["imd_score"], 2, "constant", r"constant column\(s\) \['imd_score'\]"),
        (["imd_score"], 2, "missing", r"imd_score: missing \(NaN\)"),
    ],
)
def test_neighbours_invalid_input(
    features: list[str], k: int, change: str | None, message: str
) -> None:
    """Bad k, no features, duplicate ids, constant or missing features are refused."""
    frame = _frame()
    if change == "duplicate":
        frame.loc[1, "la_code"] = "E1"
    elif change == "constant":
        frame["imd_score"] = 1.0
    elif change == "missing":
        frame.loc[2, "imd_score"] = np.nan
    with pytest.raises(StatsInputError, match=message):
        statistical_neighbours(frame, features, k=k)
