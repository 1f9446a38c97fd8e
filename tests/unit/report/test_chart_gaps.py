"""Lines break where a table leaves rows out, instead of bridging the gap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldsa.report.charts import _with_gaps


def test_a_missing_stretch_of_rows_becomes_one_break() -> None:
    """Weekly rows with six weeks left out get one NaN point between the two runs."""
    weeks = pd.date_range("2020-03-02", periods=10, freq="7D")
    kept = weeks.delete(range(2, 8))
    x, (y,) = _with_gaps(kept, [np.arange(len(kept), dtype=float)])
    assert len(x) == len(kept) + 1
    assert np.isnan(y[2])
    assert list(y[~np.isnan(y)]) == [0.0, 1.0, 2.0, 3.0]
    assert kept[1] < x[2] < kept[2]


def test_regular_rows_are_unchanged() -> None:
    """No gap, no break (months of different lengths included)."""
    months = pd.DatetimeIndex(["2020-03-31", "2020-04-30", "2020-05-31", "2020-06-30"])
    x, (y,) = _with_gaps(months, [np.ones(4)])
    assert x.equals(months)
    assert not np.isnan(y).any()
