"""The ``public`` policy (issue 12) off stores of published files: refused before any job
starts, by the library and by the ``ldsa`` command in a subprocess (exit code 6, where,
what and how to fix, nothing written); ``ldsa check`` and ``ldsa ledger record`` under
it refuse a release whose run manifest records another store, and find no breach in
small published counts of one that records a store of published files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ldsa.data.prepare import prepare_store
from ldsa.data.store import Store
from ldsa.errors import ExitCode, PolicyError
from ldsa.run.batch import plan_batch
from ldsa.run.pipeline import RunRequest, run_pipeline
from ldsa.run.templates import discover, select
from ldsa.testing import TINY_LA_CODES, tiny_tables, write_tiny_extract

A = TINY_LA_CODES[0]
PERIOD = ("2020-03-02", "2020-06-28")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny record-level store (source kind ``extract``)."""
    root = tmp_path_factory.mktemp("public-policy")
    write_tiny_extract(root / "x", tiny_tables())
    prepare_store(root / "x", root / "store")
    assert Store(root / "store").source_kind == "extract"
    return root / "store"


def _ldsa(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LDSA_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "ldsa", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip


def _release(root: Path, kind: str) -> Path:
    """A released folder: a CSV holding a small count and a run manifest of ``kind``."""
    tables = root / A / "tables"
    tables.mkdir(parents=True)
    (tables / f"{A}_overview_cases.csv").write_text(
        "period_start,period_end,la_cases_count\n2020-03-02,2020-03-08,3\n", encoding="utf-8"
    )
    (root / "authorities.csv").write_text(
        f"la_code,la_name,la_type,region_code,region_name\n{A},A,unitary,E12000901,R\n",
        encoding="utf-8",
    )
    store = {"sha256": "0" * 64, "source": {"kind": kind}}
    (root / "manifest.json").write_text(json.dumps({"store": store}), encoding="utf-8")
    return root


def test_library_refuses_public_on_a_record_level_store(store: Path, tmp_path: Path) -> None:
    """plan_batch and run_pipeline refuse before anything starts or is written."""
    templates = select(discover(), ["overview"])
    out, work = tmp_path / "reports", tmp_path / "work"
    with pytest.raises(PolicyError, match=r"made from a record-level extract") as info:
        plan_batch(Store(store), templates, [A], PERIOD, out, work, policy="public")
    assert info.value.exit_code is ExitCode.POLICY
    request = RunRequest(
        store=Store(store), templates=templates, authorities=[A], period=PERIOD,
        reports_dir=out, work_dir=work, policy="public", workers=1, progress=False,
    )  # fmt: skip
    with pytest.raises(PolicyError, match="How to fix: use --policy default"):
        run_pipeline(request)
    assert not out.exists()
    assert not work.exists()


def test_library_plans_public_on_a_store_of_published_files(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same plan passes once the store says it holds published files, and the run
    manifest's policy is the public preset's label (its reason included)."""
    monkeypatch.setattr(Store, "source_kind", property(lambda self: "public"))
    templates = select(discover(), ["overview"])
    plan = plan_batch(
        Store(store), templates, [A], PERIOD, tmp_path / "r", tmp_path / "w", policy="public"
    )
    assert plan.loaded_policy.published_inputs
    assert "WEAKER than default" in plan.specs()[0].policy_label
    assert plan.loaded_policy.weaker_than_default in plan.specs()[0].policy_label


def test_cli_run_refused_with_exit_6(store: Path, tmp_path: Path) -> None:
    out, work = tmp_path / "reports", tmp_path / "work"
    done = _ldsa(
        "run", "--store", store, "--policy", "public", "--authorities", A,
        "--templates", "overview", "--out", out, "--work", work, "--no-progress",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == ExitCode.POLICY, done.stderr
    assert done.stderr.startswith(f"ldsa run: store {store}: made from a record-level extract")
    assert "releases every count unchanged" in done.stderr
    assert "How to fix" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert not work.exists()


def test_cli_check_and_ledger_refuse_a_release_of_another_store(tmp_path: Path) -> None:
    """Under public, a release whose manifest records a dummy store is neither passed nor
    recorded; under default it is judged as ever (its small count is a finding)."""
    reports = _release(tmp_path / "reports", "dummy")
    done = _ldsa("check", reports, "--policy", "public", cwd=tmp_path)
    assert done.returncode == ExitCode.POLICY, done.stderr
    assert "manifest.json: the release's store: made from generated dummy data" in done.stderr
    assert "How to fix" in done.stderr
    ledger = tmp_path / "ledger"
    done = _ldsa(
        "ledger", "record", "--ledger", ledger, "--reports", reports, "--policy", "public",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == ExitCode.POLICY, done.stderr
    assert not ledger.exists()
    done = _ldsa("check", reports, "--policy", "default", cwd=tmp_path)
    assert done.returncode == ExitCode.DISCLOSURE
    assert "below-threshold" in done.stderr


def test_cli_check_passes_small_published_counts(tmp_path: Path) -> None:
    reports = _release(tmp_path / "reports", "public")
    done = _ldsa("check", reports, "--policy", "public", cwd=tmp_path)
    assert done.returncode == ExitCode.OK, done.stderr
    assert "0 finding(s) under policy public (version 1.0; WEAKER than default" in done.stdout
