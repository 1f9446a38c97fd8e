"""The ldsa command end to end, in subprocesses: exit codes, messages, a small batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ldsa.data.store import Store
from ldsa.errors import ExitCode
from ldsa.run import batch
from ldsa.sdc import load_policy, write_checker_pack
from ldsa.testing import write_tiny_extract


def ldsa(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ldsa command line in a subprocess and capture its output."""
    environment = {**os.environ, "LDSA_CACHE_DIR": str(cwd / "cache"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ldsa", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    """``ldsa --version`` prints the version."""
    result = ldsa("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("ldsa ")


def test_usage_error_exit_code(tmp_path: Path) -> None:
    """A bad command line exits with the usage code."""
    assert ldsa("run", "--workers", "0", cwd=tmp_path).returncode == ExitCode.USAGE


def test_invalid_extract_exit_code_without_traceback(tmp_path: Path) -> None:
    """A bad extract exits 3 naming file and column, with no traceback and no values."""
    extract = write_tiny_extract(tmp_path / "extract")
    (extract / "tests.parquet").unlink()
    result = ldsa("prepare", str(extract), str(tmp_path / "store"), cwd=tmp_path)
    assert result.returncode == ExitCode.INVALID_INPUT
    assert "tests.parquet: column '*': file missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "store").exists()


def test_validate_and_prepare_commands(tmp_path: Path) -> None:
    """``ldsa validate`` and ``ldsa prepare`` accept a valid extract."""
    extract = write_tiny_extract(tmp_path / "extract")
    assert ldsa("validate", str(extract), cwd=tmp_path).returncode == 0
    assert ldsa("prepare", str(extract), str(tmp_path / "store"), cwd=tmp_path).returncode == 0
    assert Store(tmp_path / "store").geography.codes


def test_prepare_from_published_files(shared_dir: Path, tmp_path: Path) -> None:
    """``ldsa prepare --from public`` builds a store from ../shared/data on the boundary
    vintage asked for; ``--vintage`` without ``--from public`` is a parameter error."""
    store = tmp_path / "store"
    result = ldsa(
        "prepare", "--from", "public", "--vintage", "LAD22", str(shared_dir / "data"),
        str(store), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert len(Store(store).geography.codes) == 307  # LAD22 less the two combined pairs
    refused = ldsa("prepare", "--vintage", "LAD22", "x", str(tmp_path / "other"), cwd=tmp_path)
    assert refused.returncode == ExitCode.INVALID_PARAMETER
    assert "--from public" in refused.stderr


def test_unknown_authority_refused_before_any_kernel(small_store: Path, tmp_path: Path) -> None:
    """An unknown LA code exits 4 before any job runs, and writes no reports."""
    result = ldsa(
        "run", "--store", str(small_store), "--authorities", "E06000001", "E06999999",
        "--out", str(tmp_path / "reports"), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == ExitCode.INVALID_PARAMETER, result.stderr
    assert "E06999999" in result.stderr
    assert not (tmp_path / "reports").exists()


def test_dummy_command_writes_extract(tmp_path: Path) -> None:
    """``ldsa dummy`` writes every table and extract.json."""
    result = ldsa("dummy", str(tmp_path / "x"), "--scale", "0.002", "--seed", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "x" / "extract.json").read_text())["seed"] == 3


@pytest.mark.slow
@pytest.mark.kernel
def test_batch_with_one_failing_job(small_store: Path, tmp_path: Path) -> None:
    """Three authorities, one with a broken store slice: two reports, one recorded failure."""
    store = tmp_path / "store"
    shutil.copytree(small_store, store)
    codes = list(Store(store).geography.codes[:3])
    broken = store / "la" / codes[1] / "population_bands.parquet"
    broken.unlink()  # break one authority's own slice on purpose, and unlist it, or the
    manifest = json.loads((store / "manifest.json").read_text())  # run refuses the store
    del manifest["files_sha256"][broken.relative_to(store).as_posix()]
    (store / "manifest.json").write_text(json.dumps(manifest))
    reports = tmp_path / "reports"
    args = ["run", "--store", str(store), "--out", str(reports), "--work", str(tmp_path / "work"),
            "--workers", "2", "--no-progress", "--templates", "overview",
            "--authorities", *codes]  # fmt: skip
    result = ldsa(*args, cwd=tmp_path)
    assert result.returncode == ExitCode.PARTIAL_FAILURE, result.stderr
    jobs = {
        job["la_code"]: job for job in json.loads((reports / "manifest.json").read_text())["jobs"]
    }
    assert [jobs[c]["status"] for c in codes] == ["ok", "failed", "ok"]
    assert jobs[codes[1]]["error"].startswith("cell ")
    assert "StoreError" in jobs[codes[1]]["error"]
    assert not (reports / codes[1] / "overview.html").exists()
    for code in (codes[0], codes[2]):
        page = (reports / code / "overview.html").read_text()
        assert "DUMMY DATA" in page
        assert '<figure class="ldsa-figure"><svg ' in page
        assert "Overview.open(" not in page  # no code cells
        assert Store(store).sha256 in page  # provenance footer
        assert "<script" not in page
        assert "http://" not in page
        assert "https://" not in page
        tables = sorted(p.name for p in (reports / code / "tables").iterdir())
        assert f"{code}_overview_headline.csv" in tables
    assert not (reports / codes[1] / "tables").exists()
    assert (reports / f"{codes[0]}.zip").is_file()
    assert (reports / f"{codes[0]}.xlsx").is_file()
    assert not (reports / f"{codes[1]}.zip").exists()  # no report, no bundle
    checker = json.loads((reports / "checker" / "results.json").read_text())["results"]
    assert f"{codes[0]}/overview/headline" in checker
    assert not any(uid.startswith(codes[1]) for uid in checker)
    assert "0 finding(s)" in result.stdout
    check = ldsa("check", str(reports), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    index = (reports / "index.html").read_text()
    assert f'href="{codes[0]}/overview.html"' in index
    assert f'href="{codes[1]}/overview.html"' not in index
    assert not list(reports.rglob(".*partial*"))

    first_bytes = (reports / codes[0] / "overview.html").read_bytes()
    bundles = [(reports / f"{codes[0]}{suffix}").read_bytes() for suffix in (".zip", ".xlsx")]
    shutil.copy(small_store / "la" / codes[1] / broken.name, broken)  # repair it
    result = ldsa(*args, "--resume", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    again = {
        job["la_code"]: job for job in json.loads((reports / "manifest.json").read_text())["jobs"]
    }
    assert again[codes[0]] == jobs[codes[0]]  # kept, recorded as a clean run records it
    assert again[codes[1]]["status"] == "ok"
    timings = json.loads((tmp_path / "work" / batch.TIMINGS).read_text())
    assert timings["resumed"] == [{"la_code": c, "template": "overview"} for c in codes[::2]]
    assert [job["la_code"] for job in timings["jobs"]] == [codes[1]]  # the only job run
    assert "(2 kept from an earlier run)" in result.stdout
    assert all((reports / f"{code}.zip").is_file() for code in codes)
    assert (reports / codes[0] / "overview.html").read_bytes() == first_bytes
    # Written again by the second run from the same release: the same bytes.
    assert [(reports / f"{codes[0]}{s}").read_bytes() for s in (".zip", ".xlsx")] == bundles


def test_check_judges_by_the_policy_given_never_the_packs(tmp_path: Path) -> None:
    """``ldsa check`` scans under the policy it is told (default: default), and refuses a
    checker pack that records another policy or whose policy.yaml was edited (exit 6)."""
    reports = tmp_path / "reports"
    (reports / "E06900001" / "tables").mkdir(parents=True)
    (reports / "E06900001" / "tables" / "t.csv").write_text("band,cases_count\na,12\nb,40\n")
    assert ldsa("check", str(reports), cwd=tmp_path).returncode == ExitCode.OK  # no pack
    strict = load_policy("strict")
    pack = reports / "checker"
    write_checker_pack(pack, [], strict, reports_dir=reports)
    refused = ldsa("check", str(reports), cwd=tmp_path)
    assert refused.returncode == ExitCode.POLICY
    assert "another policy than default (version 1.0)" in refused.stderr
    result = ldsa("check", str(reports), "--policy", "strict", cwd=tmp_path)
    assert result.returncode == ExitCode.DISCLOSURE  # 12 is not a multiple of 5
    assert "t.csv" in result.stderr
    # A weakened copy in the pack changes nothing: it is refused, never trusted.
    weak = (
        strict.to_yaml().replace("threshold: 8", "threshold: 1").replace("name: strict", "name: x")
    )
    (pack / "policy.yaml").write_text(weak + 'weaker_than_default: "an edited pack"\n')
    for policy in ("default", "strict", str(pack / "policy.yaml")):
        edited = ldsa("check", str(reports), "--policy", policy, cwd=tmp_path)
        assert edited.returncode == ExitCode.POLICY, (policy, edited.stderr)
        assert "changed afterwards" in edited.stderr
