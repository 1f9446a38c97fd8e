"""The batch: validation before kernels, isolation between jobs, clean stop when killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ldsa.data.store import Store
from ldsa.errors import InvalidParameterError
from ldsa.run import batch, executors
from ldsa.run.batch import plan_batch, run_batch
from ldsa.run.job import JobStatus
from ldsa.run.templates import Template, discover

PERIOD = ("2020-03-01", "2022-03-31")


def _template(folder: Path, name: str, code: str) -> Template:
    """A one-cell template (after the title and the parameters) written into ``folder``."""
    parameters = new_code_cell(
        'la_code = "E06900001"\nstore = "dummy"\nperiod_start = "2020-03-01"\n'
        'period_end = "2022-03-31"\npolicy = "default"',
        metadata={"tags": ["parameters"]},
    )
    cells = [new_markdown_cell(f"# {name.title()}"), parameters, new_code_cell(code)]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{name}.ipynb")
    return Template(name, folder / f"{name}.ipynb")


def _leak_probe(folder: Path) -> Template:
    """A template that fails if a name defined by an earlier job is still visible."""
    return _template(
        folder,
        "probe",
        'if "previous_la_code" in dir():\n    raise RuntimeError("state leaked")\n'
        "previous_la_code = la_code\n"
        "from ldsa.report.release import open_release\n"
        'open_release(la_code, "probe")',
    )


def test_bad_codes_refused_before_any_worker(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown LA codes and bad periods are refused while planning; no pool is started."""
    monkeypatch.setattr(executors, "_pool", lambda *_: pytest.fail("a worker pool was started"))
    store, templates = Store(small_store), list(discover().values())
    with pytest.raises(InvalidParameterError, match="E06999999"):
        plan_batch(store, templates, ["E06999999"], PERIOD, tmp_path, tmp_path / "w")
    with pytest.raises(InvalidParameterError, match="not an ISO date"):
        plan_batch(store, templates, None, ("2020-03-01", "31/03/2022"), tmp_path, tmp_path / "w")
    assert not list(tmp_path.iterdir())


@pytest.mark.kernel
def test_no_state_leaks_between_jobs_of_one_worker(small_store: Path, tmp_path: Path) -> None:
    """Jobs run by one worker do not see each other's variables."""
    store = Store(small_store)
    probe = _leak_probe(tmp_path / "notebooks")
    codes = store.geography.codes[:3]
    plan = plan_batch(store, [probe], codes, PERIOD, tmp_path / "reports", tmp_path / "work")
    results = run_batch(plan, workers=1, progress=False)
    assert [r.status for r in results] == [JobStatus.OK] * 3, [r.error for r in results]


@pytest.mark.slow
@pytest.mark.kernel
def test_killed_run_stops_cleanly(small_store: Path, tmp_path: Path) -> None:
    """SIGTERM stops workers and their jobs, leaves no partial report, keeps finished records."""
    work = tmp_path / "work"
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "ldsa", "run", "--store", str(small_store), "--out",
               str(reports), "--work", str(work), "--workers", "2", "--no-progress"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (reports / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    time.sleep(3)  # a job's process is killed with its worker
    assert _processes_in(work) == []
    assert not list(reports.rglob("*partial*"))
    jobs = json.loads((reports / "manifest.json").read_text())["jobs"]
    assert jobs
    for job in jobs:
        assert (reports / job["output"]).is_file()


def _processes_in(folder: Path) -> list[int]:
    """Process ids whose working directory lies inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder)):
            found.append(int(entry.name))
    return found


def _failing_template(folder: Path) -> Template:
    """A template whose cell raises an error quoting a made-up 'value'."""
    # Letters no hash, path or number in a manifest can contain.
    return _template(folder, "boom", 'raise ValueError("patient qwxyz-zyxwq")')


@pytest.mark.kernel
def test_foreign_error_text_stays_in_work_folder(small_store: Path, tmp_path: Path) -> None:
    """Another library's error message (which may quote data) is not copied into the manifest."""
    store = Store(small_store)
    template = _failing_template(tmp_path / "notebooks")
    plan = plan_batch(
        store, [template], store.geography.codes[:1], PERIOD, tmp_path / "r", tmp_path / "w"
    )
    (result,) = run_batch(plan, workers=1, progress=False)
    assert result.status is JobStatus.FAILED
    assert result.error is not None
    assert result.error.startswith("cell 4: ValueError: message withheld")
    assert "qwxyz" not in (tmp_path / "r" / "manifest.json").read_text()


def test_run_start_clears_run_wide_outputs(tmp_path: Path) -> None:
    """The previous index, checker pack and killed writers' files go before a run starts."""
    reports = tmp_path / "reports"
    (reports / "checker").mkdir(parents=True)
    (reports / "checker" / "results.json").write_text("{}")
    (reports / "index.html").write_text("old")
    (reports / "E06900001").mkdir()
    (reports / "E06900001" / ".overview.html.partial-123").write_text("half")
    (reports / "E06900001" / "overview.html").write_text("whole")
    batch._clear_run_outputs(reports)
    assert sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*")) == [
        "E06900001",
        "E06900001/overview.html",
    ]


@pytest.mark.kernel
def test_partial_run_keeps_earlier_reports_listed(small_store: Path, tmp_path: Path) -> None:
    """A run for one authority keeps the other, still valid, reports in manifest and index."""
    store = Store(small_store)
    probe = _leak_probe(tmp_path / "notebooks")
    codes = store.geography.codes[:2]
    reports, work = tmp_path / "reports", tmp_path / "work"
    run_batch(plan_batch(store, [probe], codes, PERIOD, reports, work), workers=1, progress=False)
    again = plan_batch(store, [probe], codes[:1], PERIOD, reports, work)
    results = run_batch(again, workers=1, progress=False)
    assert [r.la_code for r in results] == list(codes)
    listed = json.loads((reports / "manifest.json").read_text())["jobs"]
    assert [job["la_code"] for job in listed] == list(codes)
