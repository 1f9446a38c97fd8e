"""Unit tests of protection across linked tables (LA, region, England; weekly, cumulative)."""

from __future__ import annotations

import pandas as pd
import pytest

from ldsa.errors import InvalidParameterError
from ldsa.sdc import LinkedPlan, Policy, Rule, plan_linked_counts

WEEKS = ["2020-03-02", "2020-03-09", "2020-03-16"]


def _frame(counts: dict[str, list[int]]) -> pd.DataFrame:
    """Counts per LA per week; LAs A1..A3 in region RA, B1..B2 in region RB."""
    rows = []
    for la, series in counts.items():
        for week, count in zip(WEEKS, series, strict=True):
            rows.append((la, "R" + la[0], week, count))
    return pd.DataFrame(rows, columns=["la_code", "region_code", "period_start", "cases_count"])


COUNTS = {
    "A1": [3, 50, 60],
    "A2": [40, 45, 70],
    "A3": [30, 35, 80],
    "B1": [20, 25, 30],
    "B2": [25, 30, 35],
}


def test_small_la_not_recoverable_from_region(default_policy: Policy) -> None:
    """A suppressed LA value gets a complement among its region's other LAs (linked rule)."""
    plan = plan_linked_counts(
        _frame(COUNTS),
        count_column="cases_count",
        period_column="period_start",
        policy=default_policy,
    )
    a1 = plan.table("A1", output_id="A1/o/comparators")
    assert a1.columns == (
        "period_start",
        "la_cases_count",
        "region_cases_count",
        "england_cases_count",
    )
    assert a1.to_csv_text().splitlines()[1] == "2020-03-02,[c],73,118"
    a3 = plan.table("A3", output_id="A3/o/comparators")
    assert a3.text(0, "la_cases_count") == "[c]"  # the smallest other LA of the region
    assert a3.record.cells_for(Rule.LINKED) == ((0, 1),)
    a2 = plan.table("A2", output_id="A2/o/comparators")
    assert a2.text(0, "la_cases_count") == "40"


def test_weekly_against_cumulative(default_policy: Policy) -> None:
    """A suppressed week is not the only unknown in cumulative(t) = cumulative(t-1) + week."""
    plan = plan_linked_counts(
        _frame(COUNTS),
        count_column="cases_count",
        period_column="period_start",
        policy=default_policy,
        cumulative=True,
    )
    a1 = plan.table("A1", output_id="x")
    weekly = [a1.value(r, "la_cases_count") for r in range(3)]
    cumulative = [a1.value(r, "la_cumulative_cases_count") for r in range(3)]
    assert weekly[0] is None
    # cumulative(0) = week(0): it must be withheld too, and so must something in week 1's sum.
    assert cumulative[0] is None
    assert weekly[1] is None or cumulative[1] is None
    assert "region_cumulative_cases_count" in a1.columns


def test_rounded_comparators_add_up(strict_policy: Policy) -> None:
    """Under strict, region and England are sums of the rounded LA values."""
    counts = {la: [v + 100 for v in series] for la, series in COUNTS.items()}
    plan = plan_linked_counts(
        _frame(counts),
        count_column="cases_count",
        period_column="period_start",
        policy=strict_policy,
    )
    rows = {la: plan.table(la, output_id=la).released_frame() for la in counts}
    for week in range(3):
        region_a = sum(int(rows[la]["la_cases_count"][week]) for la in ("A1", "A2", "A3"))
        assert int(rows["A1"]["region_cases_count"][week]) == region_a
        assert int(rows["A1"]["la_cases_count"][week]) % 5 == 0
    assert rows["A1"]["england_cases_count"][0] == sum(
        int(rows[la]["la_cases_count"][0]) for la in counts
    )


def test_missing_pairs_count_as_zero(default_policy: Policy) -> None:
    """An (LA, period) pair absent from the frame counts as 0."""
    frame = _frame(COUNTS).iloc[1:]
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="period_start", policy=default_policy
    )
    assert plan.table("A1", output_id="x").text(0, "la_cases_count") == "0"


def test_errors(default_policy: Policy) -> None:
    """Unknown LAs, misnamed counts, bad counts and LAs in two regions are refused."""
    plan = plan_linked_counts(
        _frame(COUNTS),
        count_column="cases_count",
        period_column="period_start",
        policy=default_policy,
    )
    with pytest.raises(InvalidParameterError, match="unknown LA code"):
        plan.table("Z9", output_id="x")
    frame = _frame(COUNTS)
    with pytest.raises(ValueError, match="must end in"):
        plan_linked_counts(
            frame.rename(columns={"cases_count": "cases"}),
            count_column="cases",
            period_column="period_start",
            policy=default_policy,
        )
    bad = frame.assign(cases_count=frame["cases_count"].astype(float))
    bad.loc[0, "cases_count"] = 1.5
    with pytest.raises(ValueError, match="whole counts"):
        plan_linked_counts(
            bad, count_column="cases_count", period_column="period_start", policy=default_policy
        )
    moved = frame.copy()
    moved.loc[0, "region_code"] = "RB"
    with pytest.raises(ValueError, match="more than one region"):
        plan_linked_counts(
            moved, count_column="cases_count", period_column="period_start", policy=default_policy
        )


def test_plan_json_round_trip(default_policy: Policy) -> None:
    """A plan written as JSON and read back gives byte-identical released tables."""
    plan = _plan(default_policy, cumulative=True)
    again = type(plan).from_json(plan.to_json(), default_policy)
    assert again.to_json() == plan.to_json()
    for la in COUNTS:
        first = plan.table(la, output_id=f"{la}/o/c")
        second = again.table(la, output_id=f"{la}/o/c")
        assert first.to_csv_text() == second.to_csv_text()
        assert first.record == second.record


def test_plan_json_refuses_malformed_keys(default_policy: Policy) -> None:
    """Serialising a plan whose keys are not (level, code, period, measure) fails loudly."""
    plan = _plan(default_policy)
    broken = type(plan)(**{**plan.__dict__, "released": {("la", "A1"): 3}})
    with pytest.raises(TypeError, match="malformed key"):
        broken.to_json()


def test_part_for_unknown_authority_refused(default_policy: Policy) -> None:
    """Asking for an authority the plan does not hold is a clear parameter error."""
    plan = _plan(default_policy)
    assert plan.for_authority("A2").region_of == {"A2": "RA"}
    with pytest.raises(InvalidParameterError, match="unknown LA code"):
        plan.for_authority("Z9")


def _plan(policy: Policy, cumulative: bool = False) -> LinkedPlan:
    """The plan of the module's example counts."""
    return plan_linked_counts(
        _frame(COUNTS),
        count_column="cases_count",
        period_column="period_start",
        policy=policy,
        cumulative=cumulative,
    )
