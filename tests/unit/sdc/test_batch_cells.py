"""Unit tests of reading a release's counts as cells: only ASCII digits are a count."""

from __future__ import annotations

from pathlib import Path

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
