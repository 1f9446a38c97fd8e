"""Two consecutive releases of the same store, three weeks apart, as a TRE makes them: the
second, planned against the ledger, passes the ledger check; a planted second release
that shows a value both withheld is caught."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from ldsa.data.store import Store
from ldsa.errors import ExitCode
from ldsa.run.pipeline import RunOutcome, RunRequest, run_pipeline
from ldsa.run.templates import discover
from ldsa.sdc import Policy
from ldsa.sdc.ledger import check_against_ledger, record_release

FIRST_END, SECOND_END = "2022-03-06", "2022-03-27"


def _run(store: Path, out: Path, end: str, ledger: Path | None = None) -> RunOutcome:
    templates = discover()
    codes = [a.la_code for a in Store(store).geography if a.region_code == "E12000001"][:3]
    return run_pipeline(
        RunRequest(
            store=Store(store),
            templates=[templates["overview"], templates["mortality"]],
            authorities=codes,
            period=("2020-03-01", end),
            reports_dir=out / "reports",
            work_dir=out / "work",
            workers=2,
            progress=False,
            ledger=ledger,
        )
    )


def test_a_release_planned_against_the_ledger_passes_and_one_planned_without_is_caught(
    small_store: Path, tmp_path: Path, default_policy: Policy
) -> None:
    first = _run(small_store, tmp_path / "first", FIRST_END)
    assert first.exit_code is ExitCode.OK
    ledger = tmp_path / "ledger"
    recorded = record_release(ledger, first.plan.reports_dir, default_policy)

    second = _run(small_store, tmp_path / "second", SECOND_END, ledger)
    assert second.exit_code is ExitCode.OK, second.ledger_check
    assert second.ledger_check is not None
    assert second.ledger_check.compared == (recorded.name,)
    assert second.ledger_check.findings == ()
    pack = json.loads((second.checker_dir / "ledger_check.json").read_text("utf-8"))
    assert (pack["compared_releases"], pack["findings"]) == ([recorded.name], 0)
    manifest = json.loads((second.plan.reports_dir / "manifest.json").read_text("utf-8"))
    assert manifest["earlier_releases"] == [recorded.name]

    planted = tmp_path / "planted"
    shutil.copytree(second.plan.reports_dir, planted)
    planted_file = _plant(first.plan.reports_dir, planted)
    caught = check_against_ledger(ledger, planted, default_policy)
    # The second release alone added nothing: whatever is found now, the plant made.
    assert caught.findings, f"{planted_file}: the planted count was not caught"
    assert all(f.rule.value == "pinned-by-relation" for f in caught.findings), caught.findings


def _plant(first: Path, second: Path) -> str:
    """Show, in the second release, a count both releases withheld (as a release planned
    without the ledger may); return the file's name."""
    for path in sorted(second.glob("*/tables/*.csv")):
        before = first / path.relative_to(second)
        if not before.is_file():
            continue
        rows = list(csv.reader(path.read_text("utf-8").splitlines()))
        old = {tuple(r[:2]): r for r in csv.reader(before.read_text("utf-8").splitlines())}
        for row in rows[1:]:
            for column, value in enumerate(row):
                earlier = old.get(tuple(row[:2]))
                if value == "[c]" and earlier is not None and earlier[column] == "[c]":
                    row[column] = "12"
                    with path.open("w", encoding="utf-8", newline="") as handle:
                        csv.writer(handle, lineterminator="\n").writerows(rows)
                    return path.name
    raise AssertionError("no count withheld by both releases to plant")
