"""Unit tests of records, the record book and the ACRO-compatible checker pack."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ldsa.errors import ExitCode, PolicyError
from ldsa.sdc import (
    ACRO_RESULTS_VERSION,
    Policy,
    RecordBook,
    RecordStatus,
    SafeTable,
    load_policy,
    plan_linked_counts,
    read_records,
    release_counts,
    render_csv,
    render_html_table,
    write_checker_pack,
)
from ldsa.sdc.checker import verify_pack_policy


@pytest.fixture
def table(default_policy: Policy) -> SafeTable:
    """A released table with one primary and one secondary suppression."""
    frame = pd.DataFrame({"band": ["a", "b", "c"], "cases_count": [4, 30, 20]})
    return release_counts(
        frame,
        ["cases_count"],
        policy=default_policy,
        output_id="E1/overview/cases",
        total_row=True,
        description="Cases by band",
    )


def _reports(tmp_path: Path, table: SafeTable) -> tuple[Path, RecordBook]:
    reports = tmp_path / "reports"
    (reports / "E1" / "tables").mkdir(parents=True)
    (reports / "E1" / "tables" / "cases.csv").write_text(render_csv(table), encoding="utf-8")
    (reports / "E1" / "overview.html").write_text(render_html_table(table), encoding="utf-8")
    (reports / "index.html").write_text("<p>index</p>", encoding="utf-8")
    book = RecordBook(la_code="E1", template="overview")
    book.add(table, files=["E1/tables/cases.csv", Path("E1/overview.html")], comments=["ok"])
    plain = release_counts(
        pd.DataFrame({"band": ["a"], "cases_count": [12]}),
        ["cases_count"],
        policy=load_policy("default"),
        output_id="E1/overview/plain",
    )
    book.add(plain)
    return reports, book


def test_record_book(table: SafeTable) -> None:
    """The book stamps LA, template and files, refuses duplicates, and adds custom outputs."""
    book = RecordBook(la_code="E1", template="overview")
    record = book.add(table, files=["E1/b.csv", "E1/a.csv"], exception="needed")
    assert (record.la_code, record.template, record.files) == (
        "E1",
        "overview",
        ("E1/a.csv", "E1/b.csv"),
    )
    assert record.exception == "needed"
    with pytest.raises(ValueError, match="added twice"):
        book.add(table)
    custom = book.add_custom("E1/overview/figure", ["E1/fig.png"], "a figure")
    assert custom.status is RecordStatus.REVIEW
    assert [r.uid for r in book.records] == ["E1/overview/cases", "E1/overview/figure"]
    assert record.summary == "review; threshold: 1 cells; secondary: 1 cells"


def test_records_round_trip(tmp_path: Path, table: SafeTable) -> None:
    """Records written by a book read back equal; an id in two files is refused."""
    book = RecordBook(la_code="E1", template="overview")
    book.add(table, files=["E1/tables/cases.csv"])
    book.add_custom("E1/overview/fig", ["E1/fig.png"], "figure")
    book.write_json(tmp_path / "records" / "E1.json")
    assert read_records([tmp_path / "records" / "E1.json"]) == book.records
    book.write_json(tmp_path / "records" / "copy.json")
    with pytest.raises(ValueError, match="also in another file"):
        read_records(sorted((tmp_path / "records").glob("*.json")))


def test_checker_pack(tmp_path: Path, table: SafeTable, default_policy: Policy) -> None:
    """The pack holds ACRO-shaped results, the policy, checksums and context text."""
    reports, book = _reports(tmp_path, table)
    path = write_checker_pack(
        reports / "checker", book.records, default_policy, reports_dir=reports, context="Hello"
    )
    results = json.loads(path.read_text(encoding="utf-8"))
    assert results["version"] == ACRO_RESULTS_VERSION
    entry = results["results"]["E1/overview/cases"]
    assert set(entry) == {
        "uid",
        "status",
        "type",
        "properties",
        "files",
        "outcome",
        "command",
        "summary",
        "timestamp",
        "comments",
        "exception",
    }
    assert (entry["status"], entry["type"], entry["timestamp"]) == ("review", "table", "")
    sdc = entry["files"][0]["sdc"]
    assert sdc["summary"]["threshold"] == 1
    assert sdc["summary"]["suppressed"] is True
    assert sdc["summary"]["p-ratio"] == 0
    assert sdc["cells"]["threshold"] == [[0, 0]]
    assert sdc["cells"]["secondary"] == [[2, 0]]
    assert list(entry["outcome"]) == ["cases_count"]
    assert results["tool"]["name"] == "ldsa"
    assert entry["outcome"]["cases_count"] == {"a": "threshold", "c": "secondary"}
    assert entry["summary"] == (
        "review: threshold: 1 cell below the threshold, suppressed; secondary: 1 cell "
        "suppressed so that the table's totals reveal no suppressed cell"
    )
    batch = results["batch"]
    assert batch["outputs"] == {"overview": {"pass": 1, "review": 1}}
    assert batch["review"] == 1
    assert batch["cells"]["threshold"]["cells"] == 1
    assert "threshold" in batch["cells"]["threshold"]["meaning"]
    assert entry["properties"]["la_code"] == "E1"
    assert entry["command"] == "ldsa.sdc.release_counts"
    assert entry["comments"] == ["ok"]
    custom = results["results"]["custom:index.html"]
    assert (custom["status"], custom["type"]) == ("review", "custom")
    assert load_policy(reports / "checker" / "policy.yaml") == default_policy
    sums = (reports / "checker" / "checksums.sha256").read_text(encoding="utf-8").splitlines()
    expected = hashlib.sha256((reports / "index.html").read_bytes()).hexdigest()
    assert sums[-1] == f"{expected}  index.html"
    assert len(sums) == 3
    context = (reports / "checker" / "context.md").read_text(encoding="utf-8")
    assert context.index("## Batch summary") < context.index("Hello")
    assert "| overview | 2 | 1 | 1 | 0 |" in context
    assert "| threshold | 1 | A count below the policy's threshold: suppressed. |" in context
    assert "Cases by band" in context
    assert "[c]" in context
    assert "No output failed." in context


def test_checker_pack_is_reproducible(
    tmp_path: Path, table: SafeTable, default_policy: Policy
) -> None:
    """The same records and files give the same bytes; explicit file lists are honoured."""
    reports, book = _reports(tmp_path, table)
    pack = reports / "checker"
    write_checker_pack(pack, book.records, default_policy, reports_dir=reports)
    first = {p.name: p.read_bytes() for p in pack.iterdir()}
    write_checker_pack(pack, book.records, default_policy, reports_dir=reports)
    assert {p.name: p.read_bytes() for p in pack.iterdir()} == first
    write_checker_pack(
        pack,
        book.records,
        default_policy,
        reports_dir=reports,
        released_files=["E1/tables/cases.csv"],
    )
    assert len((pack / "checksums.sha256").read_text(encoding="utf-8").splitlines()) == 1
    context = (pack / "context.md").read_text(encoding="utf-8")
    assert "not among the released files:\n\n- `E1/overview.html`" in context


def test_checker_pack_explains_coarse_rounded_series(tmp_path: Path, strict_policy: Policy) -> None:
    """A small authority's series, coarsened and rounded under the strict policy: its
    summary names the step and why, the outcome leaves rounding out (every cell is
    rounded), and the batch context counts the step."""
    weeks = [f"2021-01-{day:02d}" for day in (4, 11, 18, 25)] + ["2021-02-01", "2021-02-08"]
    frame = pd.DataFrame(
        [
            (la, "R1", week, count)
            for la, counts in {"E1": [1, 0, 2, 1, 3, 2], "E2": [40, 45, 50, 60, 70, 80]}.items()
            for week, count in zip(weeks, counts, strict=True)
        ],
        columns=["la_code", "region_code", "week", "cases_count"],
    )
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=strict_policy
    )
    series = plan.table("E1", output_id="E1/overview/cases_over_time", description="Cases")
    book = RecordBook(la_code="E1", template="overview")
    book.add(series)
    reports = tmp_path / "reports"
    (reports / "E1" / "tables").mkdir(parents=True)
    (reports / "E1" / "tables" / "cases.csv").write_text(render_csv(series), encoding="utf-8")
    path = write_checker_pack(reports / "checker", book.records, strict_policy, reports_dir=reports)
    results = json.loads(path.read_text(encoding="utf-8"))
    entry = results["results"]["E1/overview/cases_over_time"]
    step = entry["properties"]["time_step"]
    assert step != "week"
    assert f"coarsened: released by {step}, not by week." in entry["summary"]
    assert "rounded: " in entry["summary"]
    assert "to base 5" in entry["summary"]
    fired = [rules for column in entry["outcome"].values() for rules in column.values()]
    assert all("rounded" not in rules for rules in fired)
    assert results["batch"]["time_steps"] == {"overview": {step: 1}}
    context = (reports / "checker" / "context.md").read_text(encoding="utf-8")
    assert f"- overview: {step} 1" in context


def test_pack_records_the_policy_hash(
    tmp_path: Path, table: SafeTable, default_policy: Policy
) -> None:
    """The pack records policy.yaml's SHA-256 (policy.sha256 and results.json) and the
    policy's label; verify_pack_policy accepts it under that policy."""
    reports, book = _reports(tmp_path, table)
    pack = reports / "checker"
    path = write_checker_pack(pack, book.records, default_policy, reports_dir=reports)
    digest = hashlib.sha256((pack / "policy.yaml").read_bytes()).hexdigest()
    assert digest == default_policy.sha256
    assert (pack / "policy.sha256").read_text() == f"{digest}  policy.yaml\n"
    batch = json.loads(path.read_text(encoding="utf-8"))["batch"]
    assert (batch["policy"], batch["policy_sha256"]) == ("default (version 1.0)", digest)
    assert digest in (pack / "context.md").read_text(encoding="utf-8")
    verify_pack_policy(pack, default_policy)


def _edit(pack: Path, name: str, text: str) -> None:
    (pack / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda p: _edit(p, "policy.yaml", "threshold: 1\n"), "changed afterwards"),
        (lambda p: _edit(p, "policy.sha256", "0" * 64 + "  policy.yaml\n"), "changed"),
        (lambda p: _edit(p, "policy.sha256", "policy.yaml\n"), "policy.sha256 records no"),
        (lambda p: _edit(p, "results.json", "[]"), "results.json records no"),
        (lambda p: _edit(p, "results.json", '{"batch": {"policy_sha256": 1}}'), "records no"),
        (lambda p: _edit(p, "results.json", "{"), "without a readable"),
        (lambda p: (p / "policy.yaml").unlink(), "without a readable"),
        (lambda p: (p / "policy.sha256").unlink(), "without a readable"),
    ],
)
def test_tampered_pack_refused(
    tmp_path: Path,
    table: SafeTable,
    default_policy: Policy,
    tamper: Callable[[Path], None],
    message: str,
) -> None:
    """A pack whose policy.yaml or recorded hash was edited or removed is refused (exit 6)."""
    reports, book = _reports(tmp_path, table)
    pack = reports / "checker"
    write_checker_pack(pack, book.records, default_policy, reports_dir=reports)
    tamper(pack)
    with pytest.raises(PolicyError, match=message) as caught:
        verify_pack_policy(pack, default_policy)
    assert caught.value.exit_code is ExitCode.POLICY


def test_pack_of_another_policy_refused(
    tmp_path: Path, table: SafeTable, default_policy: Policy, strict_policy: Policy
) -> None:
    """A consistent pack written under one policy is refused when checked under another."""
    reports, book = _reports(tmp_path, table)
    pack = reports / "checker"
    write_checker_pack(pack, book.records, strict_policy, reports_dir=reports)
    verify_pack_policy(pack, strict_policy)
    with pytest.raises(PolicyError, match=r"another policy than default \(version 1.0\)"):
        verify_pack_policy(pack, default_policy)
