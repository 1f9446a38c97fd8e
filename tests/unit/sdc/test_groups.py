"""Group sums of a released breakdown (small areas by deprivation quintile): boundaries,
complements, withheld parents, the scanners, and refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ldsa.errors import DisclosureError
from ldsa.sdc import (
    CellStatus,
    Policy,
    Rule,
    SafeTable,
    TimeStep,
    check_release,
    label_groups,
    release_breakdown,
    release_group_sums,
    scan_outputs,
)
from ldsa.testing import write_linked_release
from tests.unit.sdc.test_breakdown import COLUMNS, LA, WEEKS, _parts, _plan

#: Small areas a and b lie in quintile q1, c in q2, d in q3.
GROUPS = {"a": "q1", "b": "q1", "c": "q2", "d": "q3"}


def _sums(policy: Policy, groups: dict[int, list[int]]) -> tuple[SafeTable, SafeTable]:
    parts = _parts(groups)
    plan = _plan(policy, parts)
    areas = release_breakdown(
        plan, LA, parts, step=TimeStep.WEEK, policy=policy, output_id="E1/t/areas",
        categories=tuple(GROUPS), **COLUMNS,
    )  # fmt: skip
    sums = release_group_sums(
        areas, category_column="age_band", count_column="cases_count", groups=GROUPS,
        group_column="imd_quintile", group_order=("q1", "q2", "q3"), parts=parts,
        date_column="date", policy=policy, output_id="E1/t/quintiles",
    )  # fmt: skip
    return areas, sums


def _week(table: SafeTable, week: int, n: int = 3) -> list[str]:
    return [table.text(r, "cases_count") for r in range(week * n, week * n + n)]


BASE4 = [30, 30, 40, 20]


@pytest.mark.parametrize(
    ("value", "areas", "quintiles"),
    [
        (9, ["[c]", "30", "[c]", "20"], ["[c]", "[c]", "20"]),
        (10, ["10", "30", "12", "20"], ["40", "12", "20"]),
        (11, ["11", "30", "12", "20"], ["41", "12", "20"]),
    ],
)
def test_threshold_boundaries(
    default_policy: Policy, value: int, areas: list[str], quintiles: list[str]
) -> None:
    """A small area at threshold - 1 (withheld with the smallest other area, in another
    quintile) withholds both quintiles; at the threshold and above every quintile is the
    sum of its areas."""
    groups = dict.fromkeys(range(13), BASE4) | {2: [value, 30, 12, 20]}
    released, sums = _sums(default_policy, groups)
    assert _week(released, 2, 4) == areas
    assert _week(sums, 2) == quintiles
    assert _week(sums, 0) == ["60", "40", "20"]


def test_a_lone_withheld_quintile_is_released(default_policy: Policy) -> None:
    """Where one quintile holds every withheld area of a week, the authority's total less
    the other quintiles gives it: it is released (its areas' raw sum, at least the
    threshold), not withheld for show."""
    released, sums = _sums(default_policy, dict.fromkeys(range(13), BASE4) | {2: [9, 12, 40, 20]})
    assert _week(released, 2, 4) == ["[c]", "[c]", "40", "20"]
    assert _week(sums, 2) == ["21", "40", "20"]


def test_released_sums_add_up_to_the_authority(default_policy: Policy) -> None:
    """Where every quintile is released, quintiles sum to the authority's weekly count."""
    _, sums = _sums(default_policy, dict.fromkeys(range(13), BASE4))
    for week in range(13):
        assert sum(int(v) for v in _week(sums, week)) == sum(BASE4)
        assert sums.text(3 * week, "period_start") == WEEKS[week].isoformat()


def test_two_withheld_quintiles_need_no_complement(default_policy: Policy) -> None:
    """Withheld areas in two quintiles withhold those two, and no third."""
    _, sums = _sums(default_policy, dict.fromkeys(range(13), BASE4) | {1: [5, 30, 6, 20]})
    assert _week(sums, 1) == ["[c]", "[c]", "20"]
    rules = {rule for rule, cells in sums.record.cells if cells}
    assert Rule.DERIVED in rules


def test_parent_withheld_by_the_plan_withholds_every_quintile(default_policy: Policy) -> None:
    """Weeks the plan withholds (a small week and its complement) have every area, and so
    every quintile, withheld; other weeks are released."""
    parts = _parts(dict.fromkeys(range(13), BASE4) | {5: [2, 3, 0, 0]})
    cells = _plan(default_policy, parts).cells[("la", LA)]
    withheld = [week for week in range(len(WEEKS)) if cells[(week, week + 1)].value is None]
    assert 5 in withheld
    _, sums = _sums(default_policy, dict.fromkeys(range(13), BASE4) | {5: [2, 3, 0, 0]})
    for week in range(len(WEEKS)):
        expected = ["[c]"] * 3 if week in withheld else ["60", "40", "20"]
        assert _week(sums, week) == expected
    assert sums.status(15, "cases_count") is CellStatus.SUPPRESSED_DISCLOSURE


def test_csv_passes_the_scanners(tmp_path: Path, default_policy: Policy) -> None:
    """The areas and quintile CSVs beside the plan's tables give the checker nothing."""
    groups = dict.fromkeys(range(13), BASE4) | {2: [9, 12, 40, 20], 5: [5, 30, 6, 20]}
    parts = _parts(groups)
    plan = _plan(default_policy, parts, cumulative=True)
    released, sums = _sums(default_policy, groups)
    write_linked_release({"cases": plan}, tmp_path)
    folder = tmp_path / LA / "tables"
    (folder / "neighbourhoods.csv").write_text(released.to_csv_text(), encoding="utf-8")
    (folder / "quintiles.csv").write_text(sums.to_csv_text(), encoding="utf-8")
    assert "[c]" in sums.to_csv_text()
    assert scan_outputs(tmp_path, default_policy, relations=False) == []
    assert check_release(tmp_path, default_policy).findings == ()


def test_refusals(default_policy: Policy) -> None:
    """A raw frame, an area without a group and an empty group are refused."""
    released, _ = _sums(default_policy, dict.fromkeys(range(13), BASE4))
    raw: Any = pd.DataFrame({"cases_count": [1]})
    for table, groups, order, error in [
        (raw, GROUPS, ("q1", "q2", "q3"), DisclosureError),
        (released, {"a": "q1"}, ("q1",), ValueError),
        (released, GROUPS, ("q1", "q2", "q3", "q4"), ValueError),
    ]:
        with pytest.raises(error):
            release_group_sums(
                table, category_column="age_band", count_column="cases_count", groups=groups,
                group_column="imd_quintile", group_order=order, parts=_parts({}),
                date_column="date", policy=default_policy, output_id="E1/t/q",
            )  # fmt: skip


def _named(policy: Policy, groups: dict[int, list[int]], area_groups: dict[str, str]) -> str:
    """The areas' CSV with each area's group named beside it (label_groups)."""
    released, _ = _sums(policy, groups)
    named = label_groups(
        released, category_column="age_band", groups=area_groups, group_column="imd_quintile",
        output_id="E1/t/named",
    )  # fmt: skip
    assert named.columns[3:5] == ("imd_quintile", "age_band")
    assert [named.text(r, "cases_count") for r in range(named.n_rows)] == [
        released.text(r, "cases_count") for r in range(released.n_rows)
    ]
    shifted = [(rule, [(r, c + 1) for r, c in cells]) for rule, cells in released.record.cells]
    assert [(rule, list(cells)) for rule, cells in named.record.cells] == shifted
    return named.to_csv_text()


def test_check_reads_areas_nested_in_quintiles(tmp_path: Path, default_policy: Policy) -> None:
    """With each area's quintile named, ldsa check reads quintiles as sums of their areas:
    the released group sums give nothing away, but a quintile that a withheld area and a
    released one make up pins the withheld one (which the quintiles alone would not)."""
    groups = dict.fromkeys(range(13), BASE4) | {2: [9, 12, 40, 20]}
    plan = _plan(default_policy, _parts(groups), cumulative=True)
    _, sums = _sums(default_policy, groups)
    write_linked_release({"cases": plan}, tmp_path)
    folder = tmp_path / LA / "tables"
    (folder / "areas.csv").write_text(_named(default_policy, groups, GROUPS), encoding="utf-8")
    (folder / "quintiles.csv").write_text(sums.to_csv_text(), encoding="utf-8")
    assert check_release(tmp_path, default_policy).findings == ()
    # Areas a and c in q1, b in q2: q1 released as 49 would pin a (49 - 40).
    mixed = {"a": "q1", "b": "q2", "c": "q1", "d": "q3"}
    (folder / "areas.csv").write_text(_named(default_policy, groups, mixed), encoding="utf-8")
    week = WEEKS[2].isoformat(), (WEEKS[2] + dt.timedelta(days=6)).isoformat()
    lines = ["period_start,period_end,time_step,imd_quintile,cases_count"]
    lines += [f"{week[0]},{week[1]},week,{q},{v}" for q, v in
              (("q1", "49"), ("q2", "[c]"), ("q3", "[c]"))]  # fmt: skip
    (folder / "quintiles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    findings = check_release(tmp_path, default_policy).findings
    assert findings
    assert any("quintiles.csv" in str(f) or "areas.csv" in str(f) for f in findings), findings
    (folder / "areas.csv").write_text(_sums(default_policy, groups)[0].to_csv_text())
    assert check_release(tmp_path, default_policy).findings == ()  # no names: no nesting


def test_more_refusals(default_policy: Policy) -> None:
    """A column that is no count, a category column that is no label, and categories
    without a group are refused."""
    released, _ = _sums(default_policy, dict.fromkeys(range(13), BASE4))
    with pytest.raises(ValueError, match="not a count column"):
        release_group_sums(
            released, category_column="age_band", count_column="age_band", groups=GROUPS,
            group_column="imd_quintile", group_order=("q1", "q2", "q3"), parts=_parts({}),
            date_column="date", policy=default_policy, output_id="E1/t/q",
        )  # fmt: skip
    with pytest.raises(ValueError, match="not a label column"):
        label_groups(
            released, category_column="cases_count", groups=GROUPS,
            group_column="imd_quintile", output_id="E1/t/n",
        )  # fmt: skip
    with pytest.raises(ValueError, match="lack a group"):
        label_groups(
            released, category_column="age_band", groups={"a": "q1"},
            group_column="imd_quintile", output_id="E1/t/n",
        )  # fmt: skip


def test_a_lone_quintile_whose_remainder_is_unsafe_stays_withheld(
    default_policy: Policy,
) -> None:
    """Where the authority's total less the other quintiles would be unsafe, the lone
    quintile stays withheld (raw parts smaller than those the areas were released from)."""
    groups = dict.fromkeys(range(13), BASE4) | {2: [9, 12, 40, 20]}
    released, _ = _sums(default_policy, groups)
    smaller = _parts(dict.fromkeys(range(13), BASE4) | {2: [3, 4, 40, 20]})
    sums = release_group_sums(
        released, category_column="age_band", count_column="cases_count", groups=GROUPS,
        group_column="imd_quintile", group_order=("q1", "q2", "q3"), parts=smaller,
        date_column="date", policy=default_policy, output_id="E1/t/q",
    )  # fmt: skip
    assert _week(sums, 2) == ["[c]", "40", "20"]
