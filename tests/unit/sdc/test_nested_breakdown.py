"""Nested breakdowns (small areas within deprivation quintiles): groups protected against
the plan, parts against their group, withheld groups, the scanners, the choice of step,
and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.sdc import (
    BreakdownOption,
    CellStatus,
    Policy,
    Rule,
    SafeTable,
    TimeStep,
    check_release,
    choose_breakdown,
    release_nested_breakdown,
    scan_outputs,
)
from ldsa.testing import write_linked_release
from tests.unit.sdc.test_breakdown import COLUMNS, LA, WEEKS, _parts, _plan

#: Small areas a and b lie in quintile q1, c in q2, d in q3.
GROUPS = {"a": "q1", "b": "q1", "c": "q2", "d": "q3"}
ORDER = ("q1", "q2", "q3")
BASE4 = [30, 30, 40, 20]


def _nested(policy: Policy, weeks: dict[int, list[int]]) -> tuple[SafeTable, SafeTable]:
    parts = _parts(dict.fromkeys(range(len(WEEKS)), BASE4) | weeks)
    return release_nested_breakdown(
        _plan(policy, parts), LA, parts, step=TimeStep.WEEK, groups=GROUPS,
        group_column="imd_quintile", group_order=ORDER, categories=tuple(GROUPS),
        policy=policy, output_id="E1/t/areas", description="Cases by small area", **COLUMNS,
    )  # fmt: skip


def _week(table: SafeTable, week: int, n: int) -> list[str]:
    return [table.text(r, "cases_count") for r in range(week * n, week * n + n)]


def test_safe_parts_and_their_groups_are_released(default_policy: Policy) -> None:
    """Every part safe: parts as given, each area's quintile named beside it, quintiles
    their sums, both tables' records naming the method and the relation."""
    groups, areas = _nested(default_policy, {})
    assert areas.columns == ("period_start", "period_end", "time_step", "imd_quintile",
                             "age_band", "cases_count")  # fmt: skip
    assert groups.columns[3:] == ("imd_quintile", "cases_count")
    assert groups.output_id == "E1/t/areas_groups"
    for week in range(len(WEEKS)):
        assert _week(areas, week, 4) == ["30", "30", "40", "20"]
        assert _week(groups, week, 3) == ["60", "40", "20"]
    assert [areas.text(r, "imd_quintile") for r in range(4)] == ["q1", "q1", "q2", "q3"]
    assert dict(areas.record.properties)["method"] == "release_nested_breakdown"
    assert "areas_groups" in dict(areas.record.properties)["relation"]
    assert groups.record.row_labels[0].endswith("/ q1")
    assert areas.record.row_labels[0].endswith("/ q1 / a")


def test_a_small_part_takes_a_complement_within_its_group(default_policy: Policy) -> None:
    """Area a at 9 in q1 is withheld with b, its group's other area; q1 (39) and every
    other quintile stay released: a gap among areas costs the quintiles nothing."""
    groups, areas = _nested(default_policy, {2: [9, 30, 40, 20]})
    assert _week(areas, 2, 4) == ["[c]", "[c]", "40", "20"]
    assert _week(groups, 2, 3) == ["39", "40", "20"]
    assert areas.status(8, "cases_count") is CellStatus.SUPPRESSED_DISCLOSURE
    assert areas.record.cells_for(Rule.THRESHOLD) == ((8, 5),)
    assert areas.record.cells_for(Rule.SECONDARY) == ((9, 5),)


def test_a_withheld_group_withholds_its_parts(default_policy: Policy) -> None:
    """Quintile q2 (c = 5) is withheld with q3, the smallest other quintile; their areas
    are withheld as linked, q1's areas released."""
    groups, areas = _nested(default_policy, {1: [30, 30, 5, 20]})
    assert _week(groups, 1, 3) == ["60", "[c]", "[c]"]
    assert _week(areas, 1, 4) == ["30", "30", "[c]", "[c]"]
    assert areas.record.cells_for(Rule.LINKED) == ((6, 5), (7, 5))


def test_parent_withheld_by_the_plan_withholds_both_tables(default_policy: Policy) -> None:
    """A week the plan withholds has every quintile and every area withheld."""
    groups, areas = _nested(default_policy, {5: [2, 3, 0, 0]})
    assert _week(groups, 5, 3) == ["[c]"] * 3
    assert _week(areas, 5, 4) == ["[c]"] * 4


def test_csvs_pass_the_scanners(tmp_path: Path, default_policy: Policy) -> None:
    """Both tables beside the plan's give the checker nothing; ldsa check reads the areas
    as nested in the quintiles (their quintile named) and finds no pinned area."""
    weeks = {1: [30, 30, 5, 20], 2: [9, 30, 40, 20], 3: [9, 12, 40, 20]}
    parts = _parts(dict.fromkeys(range(len(WEEKS)), BASE4) | weeks)
    plan = _plan(default_policy, parts, cumulative=True)
    groups, areas = _nested(default_policy, weeks)
    write_linked_release({"cases": plan}, tmp_path)
    folder = tmp_path / LA / "tables"
    (folder / "areas.csv").write_text(areas.to_csv_text(), encoding="utf-8")
    (folder / "quintiles.csv").write_text(groups.to_csv_text(), encoding="utf-8")
    assert "[c]" in areas.to_csv_text()
    assert "[c]" in groups.to_csv_text()
    assert scan_outputs(tmp_path, default_policy, relations=False) == []
    assert check_release(tmp_path, default_policy).findings == ()


def test_choice_weighs_the_larger_share(default_policy: Policy) -> None:
    """A nested option's share is the larger of its two tables': areas too often withheld
    weekly send the choice to the next option."""
    weeks = {w: [9, 30, 40, 20] for w in range(len(WEEKS))}
    parts = _parts(dict.fromkeys(range(len(WEEKS)), BASE4) | weeks)
    plan = _plan(default_policy, parts)
    options = [
        BreakdownOption("small areas", parts, step, tuple(GROUPS), GROUPS, ORDER)
        for step in (TimeStep.WEEK, TimeStep.MONTH)
    ]
    choice = choose_breakdown(plan, LA, options, policy=default_policy, **COLUMNS)
    assert choice.shares[0] == ("small areas, weekly", 0.5)  # a and b in every week
    assert choice.option.step is TimeStep.MONTH
    assert "weekly: 50%" in choice.note


@pytest.mark.parametrize(
    ("groups", "order"),
    [({"a": "q1", "b": "q1", "c": "q2"}, ORDER), (GROUPS, (*ORDER, "q4")), (GROUPS, ("q1",))],
)
def test_refusals(default_policy: Policy, groups: dict[str, str], order: tuple[str, ...]) -> None:
    """An area without a group, an empty group and a group missing from the order are
    refused."""
    parts = _parts({})
    with pytest.raises(ValueError, match="lack a group"):
        release_nested_breakdown(
            _plan(default_policy, parts), LA, parts, step=TimeStep.WEEK, groups=groups,
            group_column="imd_quintile", group_order=order, categories=tuple(GROUPS),
            policy=default_policy, output_id="E1/t/q", **COLUMNS,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "areas", "quintiles"),
    [
        (9, ["[c]", "[c]", "40", "20"], ["39", "40", "20"]),
        (10, ["10", "30", "40", "20"], ["40", "40", "20"]),
        (11, ["11", "30", "40", "20"], ["41", "40", "20"]),
    ],
)
def test_small_area_threshold_boundaries(
    default_policy: Policy, value: int, areas: list[str], quintiles: list[str]
) -> None:
    """A small area at threshold - 1 is withheld with its quintile's other area (the
    quintile stays released); at the threshold and above it is released."""
    groups, released = _nested(default_policy, {2: [value, 30, 40, 20]})
    assert _week(released, 2, 4) == areas
    assert _week(groups, 2, 3) == quintiles
