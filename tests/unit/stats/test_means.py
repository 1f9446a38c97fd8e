"""Reference, boundary and property tests for means with Student's t intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ldsa.stats import StatsInputError, sample_mean

# Reference: Student's sleep data (Cushny & Peebles; R's datasets::sleep, extra hours of
# sleep, groups 1 and 2) and R's stats::t.test() one-sample 95% intervals, as R prints
# them: group 1 mean 0.75, (-0.5297804, 2.0297804); group 2 mean 2.33, (0.8976775,
# 3.7623225). PHE's own mean fixtures (PHEindicatormethods testdata_Mean.xlsx) are a
# binary workbook the code index cannot read, so R's published output is used instead.
SLEEP = {
    1: [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    2: [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}
R_T_TEST = {1: (0.75, -0.5297804, 2.0297804), 2: (2.33, 0.8976775, 3.7623225)}


def test_matches_r_t_test_on_the_sleep_data() -> None:
    """Both groups' means and 95% limits match R's t.test to its 7 printed digits."""
    frame = pd.DataFrame([{"group": g, "value": v} for g, values in SLEEP.items() for v in values])
    result = sample_mean(frame, by="group").set_index("group")
    for group, (mean, lower, upper) in R_T_TEST.items():
        row = result.loc[group]
        assert_allclose([row["value"], row["lower"], row["upper"]], [mean, lower, upper],
                        rtol=1e-6, atol=5e-8)  # fmt: skip
        assert row["count"] == 10
        assert row["method"] == "Student's t"
    assert_allclose(result.loc[1, "sd"], 1.78901, rtol=1e-5)  # R: sd(y) = 1.78901


def test_one_value_has_no_interval_and_equal_values_zero_width() -> None:
    """One value: its mean, no interval (reason given); equal values: a zero-width one."""
    frame = pd.DataFrame({"g": ["a", "b", "b", "b"], "value": [4.0, 2.0, 2.0, 2.0]})
    result = sample_mean(frame, by="g", conf_level=(0.95, 0.998)).set_index("g")
    assert result.loc["a", "value"] == 4.0
    assert np.isnan(result.loc["a", "lower_95"])
    assert result.loc["a", "reason"] == "fewer than 2 values"
    assert result.loc["b", "lower_99_8"] == result.loc["b", "upper_99_8"] == 2.0
    assert pd.isna(result.loc["b", "reason"])


@given(
    values=st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=200),
    level=st.sampled_from([0.9, 0.95, 0.998]),
)
def test_interval_brackets_mean_and_widens_with_level(values: list[float], level: float) -> None:
    """lower <= mean <= upper, and a higher level gives a wider interval."""
    frame = pd.DataFrame({"value": values})
    row = sample_mean(frame, conf_level=(level, 0.9999)).iloc[0]
    suffix = {0.9: "90", 0.95: "95", 0.998: "99_8"}[level]
    assert row[f"lower_{suffix}"] <= row["value"] + 1e-9 <= row[f"upper_{suffix}"] + 2e-9
    assert row["lower_99_99"] <= row[f"lower_{suffix}"] + 1e-9


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"value": [1.0, np.nan]}), r"value: missing \(NaN\) values at 1"),
        (pd.DataFrame({"value": ["a", "b"]}), r"value: values are not numeric"),
        (pd.DataFrame({"x": [1.0]}), r"missing column"),
    ],
)
def test_invalid_input(frame: pd.DataFrame, message: str) -> None:
    """Missing or non-numeric values are refused, naming the column."""
    with pytest.raises(StatsInputError, match=message):
        sample_mean(frame)
