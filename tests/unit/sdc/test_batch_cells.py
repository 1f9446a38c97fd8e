"""Unit tests of reading a release's counts as cells: only ASCII digits are a count."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.sdc import FindingRule, Policy, check_release
from ldsa.sdc.batch_cells import read_batch

# A superscript two ("²" passes str.isdigit, but int() refuses it), fullwidth and
# Arabic-Indic digits (int() reads them), a count with a thousands separator, a withheld one.
_CSV = (
    "period_start,period_end,cases_count\n"
    "2021-01-04,2021-01-10,12\n"
    "2021-01-11,2021-01-17,\u00b2\n"
    "2021-01-18,2021-01-24,\uff11\uff12\n"
    "2021-01-25,2021-01-31,\u0661\u0662\n"
    '2021-02-01,2021-02-07,"1,234"\n'
    "2021-02-08,2021-02-14,[c]\n"
)


def _release(root: Path) -> Path:
    tables = root / "E06000001" / "tables"
    tables.mkdir(parents=True)
    (tables / "x-weekly.csv").write_text(_CSV, encoding="utf-8")
    return root


def test_only_ascii_digits_are_read_as_counts(tmp_path: Path) -> None:
    """A cell in other digits is read as no count (None), never as a number or a crash."""
    cells = read_batch(_release(tmp_path)).cells
    assert [cell.value for cell in cells] == [12, None, None, None, 1234, None]


def test_check_release_flags_non_ascii_counts_without_crashing(
    tmp_path: Path, default_policy: Policy
) -> None:
    """``ldsa check`` on such a CSV: each non-ASCII count is an unmarked cell."""
    report = check_release(_release(tmp_path), default_policy)
    unmarked = [f.cell for f in report.findings if f.rule is FindingRule.UNMARKED]
    assert unmarked == [f"row {row}, column cases_count" for row in (2, 3, 4)]


_QUINTILES = (
    "period_start,period_end,time_step,imd_quintile,cases_count\n"
    "2021-01-04,2021-01-10,week,q1,20\n2021-01-04,2021-01-10,week,q2,30\n"
    "2021-01-04,2021-01-10,week,q3,15\n"
)


@pytest.mark.parametrize(("last_area", "nested"), [("c", True), ("c/d", False)])
def test_nested_breakdowns(tmp_path: Path, last_area: str, nested: bool) -> None:
    """Areas named with their quintile are the quintiles' parts (a quintile without areas
    has no relation); a category holding "/" is not read as nested."""
    (tmp_path / "authorities.csv").write_text(
        "la_code,la_name,la_type,region_code,region_name\nE1,A,unitary,R1,R\n"
    )
    tables = tmp_path / "E1" / "tables"
    tables.mkdir(parents=True)
    (tables / "t-q.csv").write_text(_QUINTILES)
    (tables / "t-n.csv").write_text(
        "period_start,period_end,time_step,imd_quintile,age_band,cases_count\n"
        "2021-01-04,2021-01-10,week,q1,a,10\n2021-01-04,2021-01-10,week,q1,b,10\n"
        f"2021-01-04,2021-01-10,week,q2,{last_area},30\n"
    )
    parents = {b.parent[1] for b in read_batch(tmp_path).breakdowns}
    assert parents == ({"la", "imd_quintile=q1", "imd_quintile=q2"} if nested else {"la"})
