"""The ledger of earlier releases: recording, integrity, and the check of a new release
against earlier ones (a planted release that is safe alone but not with the last one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ldsa.errors import ExitCode, InvalidParameterError
from ldsa.run.checker_pack import check_with_ledger
from ldsa.sdc import Policy
from ldsa.sdc.ledger import (
    check_against_ledger,
    read_ledger,
    record_release,
    release_files,
    release_id,
)

WEEKS = [("2021-01-04", "2021-01-10"), ("2021-01-11", "2021-01-17"),
         ("2021-01-18", "2021-01-24"), ("2021-01-25", "2021-01-31")]  # fmt: skip


def _release(root: Path, weekly: list[str], total: str | None) -> Path:
    """A release of one authority, E1 in region R1 with E2 beside it: its weekly cases
    and, if given, its total over the four weeks."""
    tables = root / "E1" / "tables"
    tables.mkdir(parents=True)
    (root / "authorities.csv").write_text("la_code,region_code\nE1,R1\nE2,R1\n", encoding="utf-8")
    lines = ["period_start,period_end,la_cases_count"]
    lines += [f"{start},{end},{value}" for (start, end), value in zip(WEEKS, weekly, strict=True)]
    (tables / "weekly.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if total is not None:
        text = f"period_start,period_end,la_cases_count\n{WEEKS[0][0]},{WEEKS[-1][1]},{total}\n"
        (tables / "total.csv").write_text(text, encoding="utf-8")
    return root


#: Week 2 (5 cases) withheld with week 3 (40) as its complement; the total is released.
FIRST = ["30", "[c]", "[c]", "25"]
#: Safe alone (no total): week 3 released, week 2 still withheld. With the first release's
#: total, week 2 is 100 - 30 - 40 - 25 = 5.
PLANTED = ["30", "[c]", "40", "25"]


def test_a_release_safe_alone_is_caught_against_the_last(
    tmp_path: Path, default_policy: Policy
) -> None:
    """The planted second release passes on its own and fails against the ledger, with the
    withheld week named; the same release as the first passes; an empty ledger compares
    nothing."""
    ledger = tmp_path / "ledger"
    first = _release(tmp_path / "first", FIRST, "100")
    assert check_against_ledger(ledger, first, default_policy).compared == ()
    recorded = record_release(ledger, first, default_policy)
    assert recorded.name.startswith("0001-")
    planted = _release(tmp_path / "planted", PLANTED, None)
    outcome = check_against_ledger(ledger, planted, default_policy)
    assert outcome.compared == (recorded.name,)
    pack = json.loads(outcome.as_json())
    assert pack["compared_releases"] == [recorded.name]
    assert pack["findings"] == len(outcome.findings)
    assert outcome.findings, outcome
    assert any("2021-01-11 to 2021-01-17" in str(f) and "pinned" in str(f)
               for f in outcome.findings), outcome.findings  # fmt: skip
    again = _release(tmp_path / "again", FIRST, "100")
    assert check_against_ledger(ledger, again, default_policy).findings == ()
    safe = _release(tmp_path / "safe", ["30", "[c]", "[c]", "25"], None)
    assert check_against_ledger(ledger, safe, default_policy).findings == ()


def test_recording_is_hash_addressed_and_idempotent(tmp_path: Path, default_policy: Policy) -> None:
    """Each CSV is kept once by its hash; the release lists path -> hash under an id made
    from them; recording the same files again adds nothing; a second release is number 2."""
    ledger = tmp_path / "ledger"
    first = _release(tmp_path / "first", FIRST, "100")
    release = record_release(ledger, first, default_policy)
    files = release_files(first)
    assert set(files) == {"authorities.csv", "E1/tables/weekly.csv", "E1/tables/total.csv"}
    assert release.release_id == release_id(files)
    for digest in files.values():
        assert (ledger / "objects" / f"{digest}.csv").is_file()
    assert record_release(ledger, first, default_policy) == release
    second = record_release(ledger, _release(tmp_path / "b", [*FIRST[:3], "26"], "101"),
                            default_policy)  # fmt: skip
    assert [r.number for r in read_ledger(ledger)] == [1, 2]
    assert second.name.startswith("0002-")
    assert len(list((ledger / "objects").glob("*.csv"))) == 5  # authorities.csv kept once


def test_a_damaged_ledger_is_refused(tmp_path: Path, default_policy: Policy) -> None:
    """A changed object, an edited release list and a file in place of the folder are
    refused with a message saying how to fix it."""
    ledger = tmp_path / "ledger"
    release = record_release(ledger, _release(tmp_path / "first", FIRST, "100"), default_policy)
    planted = _release(tmp_path / "planted", PLANTED, None)
    digest = release.files["E1/tables/total.csv"]
    (ledger / "objects" / f"{digest}.csv").write_text("edited\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="missing or changed"):
        check_against_ledger(ledger, planted, default_policy)
    listing = ledger / "releases" / f"{release.name}.json"
    data = json.loads(listing.read_text(encoding="utf-8"))
    data["files"]["E1/tables/total.csv"] = "0" * 64
    listing.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="do not match its id"):
        read_ledger(ledger)
    listing.write_text("[]", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="not a ledger release"):
        read_ledger(ledger)
    with pytest.raises(InvalidParameterError, match="not a folder"):
        read_ledger(listing)
    with pytest.raises(InvalidParameterError, match="no released tables"):
        record_release(ledger, tmp_path / "empty", default_policy)


def test_cli_records_only_a_release_that_passes(tmp_path: Path) -> None:
    """`ldsa ledger record` records the first release, refuses the planted one (exit 7,
    nothing recorded) and `ldsa check --ledger` fails it too."""
    ledger = tmp_path / "ledger"
    first = _release(tmp_path / "first", FIRST, "100")
    planted = _release(tmp_path / "planted", PLANTED, None)

    def ldsa(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ldsa", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    done = ldsa("ledger", "record", "--ledger", str(ledger), "--reports", str(first))
    assert done.returncode == ExitCode.OK, done.stderr
    assert "as release 0001-" in done.stdout
    refused = ldsa("ledger", "record", "--ledger", str(ledger), "--reports", str(planted))
    assert refused.returncode == ExitCode.DISCLOSURE
    assert "Not recorded" in refused.stderr
    assert len(read_ledger(ledger)) == 1
    checked = ldsa("check", str(planted), "--ledger", str(ledger))
    assert checked.returncode == ExitCode.DISCLOSURE
    assert "against 1 earlier release(s)" in checked.stdout
    listed = ldsa("ledger", "list", "--ledger", str(ledger))
    assert listed.stdout.startswith("0001-")
    missing = ldsa("ledger", "record", "--ledger", str(ledger))
    assert missing.returncode == ExitCode.INVALID_PARAMETER


def test_check_records_the_comparison_in_the_checker_pack(
    tmp_path: Path, default_policy: Policy
) -> None:
    """The releases compared and the findings' count go to checker/ledger_check.json."""
    ledger = tmp_path / "ledger"
    recorded = record_release(ledger, _release(tmp_path / "first", FIRST, "100"), default_policy)
    planted = _release(tmp_path / "planted", PLANTED, None)
    (planted / "checker").mkdir()
    found = len(check_with_ledger(planted, ledger, default_policy).findings)
    written = json.loads((planted / "checker" / "ledger_check.json").read_text("utf-8"))
    assert written["compared_releases"] == [recorded.name]
    assert written["findings"] == found > 0


def test_a_cell_withheld_now_that_an_earlier_release_published_is_no_finding(
    tmp_path: Path, default_policy: Policy
) -> None:
    """Weeks 2 and 3 published last time and withheld now are known, not disclosed: no
    finding (a week withheld last time and pinned now still is one: the first test)."""
    ledger = tmp_path / "ledger"
    record_release(ledger, _release(tmp_path / "first", ["30", "40", "20", "25"], "115"),
                   default_policy)  # fmt: skip
    again = _release(tmp_path / "again", ["30", "[c]", "[c]", "25"], "115")
    assert check_against_ledger(ledger, again, default_policy).findings == ()
