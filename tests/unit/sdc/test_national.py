"""Every authority's period total, cut from a batch-wide plan for charts of all authorities."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ldsa.sdc import CellStatus, Policy, Rule, plan_linked_counts
from ldsa.sdc.linked import LinkedPlan
from ldsa.sdc.national import authorities_table, period_totals_part

WEEKS = [(dt.date(2021, 1, 4) + dt.timedelta(weeks=i)).isoformat() for i in range(8)]
COUNTS = {
    "E08000001": ("R1", [30, 41, 52, 38, 27, 33, 45, 40]),
    "E08000002": ("R1", [25, 31, 29, 36, 44, 28, 30, 35]),
    "E06000003": ("R1", [0, 1, 0, 2, 1, 0, 1, 2]),  # 7 over the period: withheld
    "E09000004": ("R2", [50, 61, 55, 48, 52, 57, 49, 53]),
    "E09000005": ("R2", [20, 26, 22, 31, 19, 24, 28, 21]),
}


NAMES = {"E08000001": "Aye", "E08000002": "Bee"}


def _plan(policy: Policy) -> LinkedPlan:
    rows = [
        (la, region, week, count)
        for la, (region, counts) in COUNTS.items()
        for week, count in zip(WEEKS, counts, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])
    return plan_linked_counts(frame, count_column="cases_count", period_column="week",
                              policy=policy)  # fmt: skip


def test_one_row_per_authority_with_the_plans_values(default_policy: Policy) -> None:
    """Each row is an authority's period total as the plan releases it; the small one is
    withheld with the plan's rule, and the part holds only whole-period cells."""
    plan = _plan(default_policy)
    part = period_totals_part(plan)
    assert {interval for cells in part.cells.values() for interval in cells} == {(0, 8)}
    table = authorities_table(part, names=NAMES, output_id="all/cases")
    frame = table.released_frame().set_index("la_code")
    assert list(frame.index) == sorted(COUNTS)
    assert frame.loc["E08000001", "cases_count"] == sum(COUNTS["E08000001"][1])
    assert table.status(0, "cases_count") is CellStatus.SUPPRESSED_DISCLOSURE
    assert dict(table.record.cells)[Rule.THRESHOLD] == ((0, 5),)
    assert list(frame["period_start"].unique()) == ["2021-01-04"]
    assert frame.loc["E08000002", "la_name"] == "Bee"
    assert frame.loc["E09000005", "la_name"] == "E09000005"  # no name given: its code
    assert list(frame["period_end"].unique()) == ["2021-02-28"]
    same = authorities_table(plan, names=NAMES, output_id="all/cases")
    assert same.to_csv_text() == table.to_csv_text()


def test_rounded_totals_are_recorded(strict_policy: Policy) -> None:
    """Under rounding, released totals are rounded and recorded as such."""
    table = authorities_table(
        period_totals_part(_plan(strict_policy)), names=NAMES, output_id="all/cases"
    )
    released = [r for r in range(table.n_rows) if not table.status(r, "cases_count").suppressed]
    assert all(table.status(r, "cases_count") is CellStatus.ROUNDED for r in released)
    assert all(int(table.value(r, "cases_count") or 0) % 5 == 0 for r in released)
    assert len(dict(table.record.cells)[Rule.ROUNDED]) == len(released)


@pytest.mark.parametrize("policy_name", ["default", "strict"])
def test_part_round_trips_through_json(policy_name: str, default_policy: Policy,
                                       strict_policy: Policy) -> None:  # fmt: skip
    """The cached part reads back as the same plan values."""
    policy = default_policy if policy_name == "default" else strict_policy
    part = period_totals_part(_plan(policy))
    again = LinkedPlan.from_json(part.to_json("k"), policy, key="k")
    assert authorities_table(again, names=NAMES, output_id="x").to_csv_text() == (
        authorities_table(part, names=NAMES, output_id="x").to_csv_text()
    )
