"""Reference tests: PHE's funnel plots (PHEindicatormethods calculate_funnel_limits,
assign_funnel_significance, calculate_funnel_points) against PHE's own expected values.

Provenance: ukhsa-collaboration/PHEindicatormethods, tests/testthat/testdata_funnel_*.csv
(commits in tests/stats/reference/phe_funnels/PROVENANCE.md); the arguments of each case
follow tests/testthat/testFunnels.R @ 63894a99103ffc9e0a3e8a15644200a3abb95669. Values only;
no code was copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ldsa.stats import (
    StatsInputError,
    assign_funnel_significance,
    calculate_funnel_limits,
    calculate_funnel_points,
    funnel,
)

REFERENCE = Path(__file__).parent / "reference" / "phe_funnels"
RTOL = 1e-6
# The proportion tables are rounded to 6 decimal places in the source: half a unit of the
# last place is allowed on top of the relative tolerance.
ROUNDING = 5e-7
LIMITS = {"2s": "95", "3s": "99_8"}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


@pytest.fixture(scope="module")
def rate_inputs() -> pd.DataFrame:
    """testdata_funnel_rate_input_funnels.csv: 50 areas' events and DSRs per 100,000."""
    return _read("funnel_rate_input_funnels.csv")


@pytest.mark.parametrize(
    ("name", "subset"),
    [("funnel_prop_outputs.csv", None), ("funnel_prop_outputs_axis_variation.csv", 31_000)],
)
def test_proportion_limits_match_phe(name: str, subset: int | None) -> None:
    """PHE's 100-point proportion funnel (600 values per table) matches to 1e-6."""
    inputs = _read("funnel_prop_inputs.csv")
    if subset is not None:
        inputs = inputs[inputs["denominator"] < subset]
    expected = _read(name)
    table = calculate_funnel_limits(
        inputs["numerator"], inputs["denominator"], statistic="proportion", multiplier=100
    )
    assert_allclose(table["population"], expected["Population"], rtol=0)
    for mine, theirs in [
        ("lower_95", "Lower2s0025limit"),
        ("upper_95", "Upper2s0025limit"),
        ("lower_99_8", "Lower3s0001limit"),
        ("upper_99_8", "Upper3s0001limit"),
        ("target", "Baseline"),
    ]:
        assert_allclose(table[mine], expected[theirs], rtol=RTOL, atol=ROUNDING)
    assert (table["method"] == "PHE").all()
    assert table["method_note"].iloc[0].startswith("PHE (Fingertips) funnel method")


@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_ratio_limits_match_phe(ratio_type: str) -> None:
    """PHE's ratio funnel (100 points, 8 columns) matches to 1e-6, count and ISR forms."""
    inputs = _read("funnel_ratio_inputs.csv")
    expected = _read("funnel_ratio_outputs.csv")
    table = calculate_funnel_limits(
        inputs["obs"],
        inputs["expected"],
        statistic="ratio",
        ratio_type=ratio_type,  # type: ignore[arg-type]
    )
    assert_allclose(table["events"], expected["Observed_events"], rtol=0)
    for theirs, mine in LIMITS.items():
        for side in ("lower", "upper"):
            column = f"{side}_{theirs}"
            assert_allclose(
                table[f"{side}_{mine}_expected"], expected[f"{column}_exp_events"], rtol=RTOL
            )
            # The count form is O/E - 1: compared as O/E, since near O/E = 1 a relative
            # tolerance on O/E - 1 magnifies PHE's solver steps (at O = 328 its bisection
            # takes one last step the other way: 5.7e-7 apart, 4.8e-7 relative on O/E).
            shift = 1.0 if ratio_type == "count" else 0.0
            assert_allclose(
                table[f"{side}_{mine}"] + shift,
                expected[f"{column}_{ratio_type}"] + shift,
                rtol=RTOL,
            )
    assert table["statistic"].iloc[0] == f"ratio ({ratio_type})"


def _rate_case(inputs: pd.DataFrame, case: int) -> dict[str, object]:
    """The inputs of testFunnels.R's three rate cases (dsr; crude <10; crude with 0s)."""
    ev = inputs["ev"].to_numpy(dtype=float)
    rate = inputs["rate"].to_numpy(dtype=float)
    largest = ev == ev.max()
    if case == 1:
        return {"numerator": ev, "rate": rate, "rate_type": "dsr"}
    if case == 2:
        return {"numerator": np.where(largest, 5.0, ev), "rate": rate, "rate_type": "crude"}
    population = 1e5 * ev / rate
    keep = population > population.max() / 2
    return {
        "numerator": np.where(largest, 0.0, ev)[keep],
        "rate": np.where(largest, 0.0, rate)[keep],
        "denominator": population[keep],
        "rate_type": "crude",
    }


@pytest.mark.parametrize(
    ("case", "name"),
    [
        (1, "funnel_rate_outputs.csv"),
        (2, "funnel_rate_outputs_2.csv"),
        (3, "funnel_rate_outputs_3.csv"),
    ],
)
def test_rate_limits_match_phe(rate_inputs: pd.DataFrame, case: int, name: str) -> None:
    """PHE's rate funnels (dsr; crude below 10 events; crude with zeros) match to 1e-6."""
    expected = _read(name)
    table = calculate_funnel_limits(
        statistic="rate",
        multiplier=1e5,
        years_of_data=3,
        **_rate_case(rate_inputs, case),  # type: ignore[arg-type]
    )
    assert_allclose(table["events"], expected["Events"], rtol=0)
    assert_allclose(table["target"], expected["baseline"], rtol=RTOL)
    for theirs, mine in LIMITS.items():
        for side in ("lower", "upper"):
            column = f"{side}_{theirs}"
            assert_allclose(
                table[f"{side}_{mine}_population"],
                expected[f"{column}_population_1_year"],
                rtol=RTOL,
            )
            assert_allclose(table[f"{side}_{mine}"], expected[f"{column}_limit"], rtol=RTOL)
    assert list(table["statistic"]) == list(expected["statistic"])


def test_issue_8_failing_cases_give_phe_values() -> None:
    """The upper limits the issue found one event low now give PHE's values and labels.

    Before the fix ldsa gave 412.87 (ratio, O = 2 at E = 0.242209) and 107.351 per 100,000
    (286 events at 88,494.9 person-years a year over 3 years), and labelled O = 261 against
    E = 230.973 "above" at 95% and O = 182 against E = 143.68 "above" at 99.8%.
    """
    from ldsa.stats import funnel_limits

    ratio = funnel_limits([0.242209467], 100.0, "ratio", 0.95, 100)
    assert_allclose(ratio["upper"], [825.7315569], rtol=1e-6)  # PHE's table, O = 2
    rate = funnel_limits([88494.9416 * 3], 95.60285106, "rate", 0.95, 1e5)
    assert_allclose(rate["upper"], [107.727438], rtol=1e-6)  # PHE's table, 286 events
    result = funnel([261, 182], [230.9734513, 143.6804295], "ratio", multiplier=100, target=100,
                    adjustment="none")  # fmt: skip
    # Exact P(X >= 261 | 230.97) = 0.0278 > 0.025; P(X >= 182 | 143.68) = 0.00117 > 0.001.
    assert list(result.points["position_95"]) == ["within", "above"]
    assert list(result.points["position_99_8"]) == ["within", "within"]
    phe = funnel([261, 182], [230.9734513, 143.6804295], "ratio", multiplier=100, method="phe")
    assert list(phe.points["significance"]) == ["Not significant", "High (0.025)"]


def test_proportion_significance_matches_phe() -> None:
    """PHE's labels for all 303 areas (proportions) match, by both entry points."""
    inputs = _read("funnel_prop_inputs.csv")
    labels = assign_funnel_significance(
        inputs["numerator"], inputs["denominator"], statistic="proportion"
    )
    assert list(labels["significance"]) == list(inputs["significance"])
    result = funnel(
        inputs["numerator"], inputs["denominator"], "proportion", multiplier=100, method="phe"
    )
    assert list(result.points["significance"]) == list(inputs["significance"])
    assert result.adjustment.value == "none"


def test_ratio_significance_matches_phe() -> None:
    """PHE's labels for all 300 areas (ratios against 1) match, by both entry points."""
    inputs = _read("funnel_ratio_inputs.csv")
    labels = assign_funnel_significance(inputs["obs"], inputs["expected"], statistic="ratio")
    assert list(labels["significance"]) == list(inputs["significance"])
    result = funnel(inputs["obs"], inputs["expected"], "ratio", multiplier=100, method="fingertips")
    assert list(result.points["significance"]) == list(inputs["significance"])
    assert result.target == 100


@pytest.mark.parametrize(
    ("rate", "rate_type", "multiplier", "column"),
    [
        ("rate_dsr", "dsr", 1e5, "dsr_per_100000"),
        ("rate_dsr", "dsr", 100, "dsr_per_100"),
        ("rate_crude_per_100000", "crude", 1e5, "crude_per_100000"),
        ("rate_crude_per_100", "crude", 100, "crude_per_100"),
    ],
)
@pytest.mark.parametrize("zeros", [True, False])
def test_rate_significance_matches_phe(
    rate: str, rate_type: str, multiplier: float, column: str, zeros: bool
) -> None:
    """PHE's rate labels (40 areas with a zero, 39 without) match for DSRs and crude rates."""
    inputs = _read("funnel_rate_dsr_inputs.csv")
    if not zeros:
        inputs = inputs[inputs["count"] != 0]
    labels = assign_funnel_significance(
        inputs["count"], inputs["pop"], statistic="rate", rate=inputs[rate],
        rate_type=rate_type, multiplier=multiplier,  # type: ignore[arg-type]
    )  # fmt: skip
    expected = inputs[f"{column}_{'with' if zeros else 'without'}_0"]
    assert list(labels["significance"]) == list(expected)


@pytest.mark.parametrize(
    ("case", "rate_type", "years", "chart", "derived"),
    [
        ("five", "dsr", 3, "rate_chart", "denominator_derived"),
        ("plain", "crude", 3, "rate_chart_crude", "denominator_derived_crude"),
        ("zero", "crude", 5, "rate_chart_crude_with_denom", "denominator_derived_crude_with_denom"),
    ],
)
def test_funnel_points_match_phe(
    rate_inputs: pd.DataFrame, case: str, rate_type: str, years: int, chart: str, derived: str
) -> None:
    """PHE's points to plot (50 areas, rate and population per year) match to 1e-6."""
    ev = rate_inputs["ev"].to_numpy(dtype=float)
    largest = ev == ev.max()
    numerator = {
        "five": np.where(largest, 5.0, ev),
        "plain": ev,
        "zero": np.where(largest, 0.0, ev),
    }
    denominator = rate_inputs["pop"] if case == "zero" else None
    points = calculate_funnel_points(
        numerator[case], rate_inputs["rate"], rate_type=rate_type,  # type: ignore[arg-type]
        years_of_data=years, multiplier=1e5, denominator=denominator,
    )  # fmt: skip
    assert_allclose(points["rate_chart"], rate_inputs[chart], rtol=RTOL, equal_nan=True)
    assert_allclose(points["denominator_derived"], rate_inputs[derived], rtol=RTOL, equal_nan=True)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: calculate_funnel_limits([1], [2], statistic="pop"), r"statistic: expected one of"),  # type: ignore[arg-type]
        (lambda: calculate_funnel_limits([1], [2], statistic="ratio"), r"ratio_type: expected"),
        (lambda: calculate_funnel_limits([1], statistic="ratio"), r"denominator: needed"),
        (lambda: calculate_funnel_limits([1], [2], statistic="proportion"),
         r"multiplier: a number"),
        (lambda: calculate_funnel_limits([3], [2], statistic="proportion", multiplier=100),
         r"numerator: greater than denominator"),
        (lambda: calculate_funnel_limits([1], statistic="rate", multiplier=1e5, rate_type="dsr"),
         r"rate: the areas' rates are needed"),
        (lambda: calculate_funnel_limits([1], statistic="rate", multiplier=1e5, rate=[2],
                                         rate_type="dsr"), r"years_of_data: a number"),
        (lambda: calculate_funnel_limits([1], statistic="rate", multiplier=1e5, rate=[0],
                                         rate_type="dsr", years_of_data=1), r"rate: missing, zero"),
        (lambda: calculate_funnel_limits([0, 1], statistic="rate", multiplier=1e5, rate=[0, 2],
                                         rate_type="crude", years_of_data=1),
         r"denominator: for crude rates an area with 0 events"),
        (lambda: calculate_funnel_limits([1], statistic="rate", multiplier=1e5, rate=[2],
                                         rate_type="age", years_of_data=1), r"rate_type: expected"),  # type: ignore[arg-type]
        (lambda: assign_funnel_significance([65, -80], [100, 100], statistic="proportion"),
         r"numerator: negative values"),
        (lambda: assign_funnel_significance([65, 80], [100, 0], statistic="proportion"),
         r"denominator: zero or negative"),
        (lambda: calculate_funnel_points([1], [2], rate_type="dsr", years_of_data=0,
                                         multiplier=1e5), r"years_of_data: a number"),
    ],
)  # fmt: skip
def test_phe_funnel_invalid_input(call: object, message: str) -> None:
    """Invalid inputs are refused with an error naming the argument and the fix."""
    with pytest.raises(StatsInputError, match=message):
        call()  # type: ignore[operator]


def test_crude_rate_with_zero_events_uses_its_denominator() -> None:
    """A crude rate with no events counts its given denominator and is placed like PHE."""
    labels = assign_funnel_significance(
        [0, 50, 60], [1e5, 1e5, 1e5], statistic="rate", rate=[0.0, 50.0, 60.0],
        rate_type="crude", multiplier=1e5,
    )  # fmt: skip
    assert_allclose(labels["denominator"], [1e5, 1e5, 1e5])
    assert labels["significance"].iloc[0] == "Low (0.001)"


@settings(max_examples=30)
@given(
    counts=st.lists(st.integers(min_value=1, max_value=5_000), min_size=3, max_size=30),
    scale=st.floats(min_value=1.5, max_value=50.0),
    statistic=st.sampled_from(["proportion", "ratio", "rate"]),
)
def test_tables_nest_and_narrow(counts: list[int], scale: float, statistic: str) -> None:
    """For any inputs, PHE's tables have 100 increasing axis points, the 99.8% funnel
    outside the 95% one, and both around the target."""
    events = np.array(counts, dtype=float)
    denominator = np.round(events * scale) + 1
    kwargs: dict[str, object] = {"statistic": statistic, "multiplier": 100}
    if statistic == "ratio":
        kwargs["ratio_type"] = "isr"
        denominator = events * scale / 10
    if statistic == "rate":
        kwargs.update(rate=events / denominator * 100, rate_type="crude", years_of_data=2)
    table = calculate_funnel_limits(events, denominator, **kwargs)  # type: ignore[arg-type]
    axis = table.iloc[:, 0].to_numpy()
    assert len(table) == 100
    assert (np.diff(axis) >= 1).all()
    assert (table["lower_99_8"] <= table["lower_95"] + 1e-9).all()
    assert (table["lower_95"] <= table["target"] + 1e-9).all()
    assert (table["target"] <= table["upper_95"] + 1e-9).all()
    assert (table["upper_95"] <= table["upper_99_8"] + 1e-9).all()
