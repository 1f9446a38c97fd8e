"""Hostile conditions for a run (issue 14): processes killed mid-batch, a watchdog, a
killed run, two runs into one folder, folders that cannot be written, a changed store,
and reruns that must give the same bytes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ldsa.cli import main
from ldsa.data.store import Store
from ldsa.errors import ExitCode
from ldsa.run import executors
from ldsa.run.batch import TIMINGS, plan_batch, run_batch
from ldsa.run.executors import Executor
from ldsa.run.job import JobResult, JobSpec, JobStatus
from ldsa.run.lock import LOCK, run_lock
from ldsa.run.pipeline import RunOutcome, RunRequest, run_pipeline
from ldsa.run.templates import Template

PERIOD = ("2020-03-01", "2022-03-31")
#: The authority whose job is made to hang or is killed.
VICTIM = "E06900001"


def _template(folder: Path, marks: Path, sleep: dict[str, float]) -> Template:
    """A template that opens its release, records its worker's pid and its own in
    ``marks/<la_code>`` and sleeps for ``sleep[la_code]`` seconds (default none)."""
    parameters = new_code_cell(
        'la_code = "E06900001"\nstore = "dummy"\nperiod_start = "2020-03-01"\n'
        'period_end = "2022-03-31"\npolicy = "default"',
        metadata={"tags": ["parameters"]},
    )
    code = (
        "import os, pathlib, time\n"
        "from ldsa.report.release import open_release\n"
        'open_release(la_code, "victim")\n'
        f"mark = pathlib.Path({str(marks)!r}) / la_code\n"
        'mark.with_suffix(".partial").write_text(f"{os.getppid()} {os.getpid()}")\n'
        'mark.with_suffix(".partial").rename(mark)\n'
        f"time.sleep({sleep!r}.get(la_code, 0))"
    )
    notebook = new_notebook(cells=[new_markdown_cell("# Victim"), parameters, new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    marks.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "victim.ipynb")
    return Template("victim", folder / "victim.ipynb")


def _pids_when_started(marks: Path, la_code: str, timeout: float = 60) -> tuple[int, int]:
    """The (worker, job process) pids of ``la_code``'s job, once its cell has started."""
    deadline = time.monotonic() + timeout
    while not (marks / la_code).exists():
        assert time.monotonic() < deadline, f"{la_code}'s job never started"
        time.sleep(0.05)
    worker, job = (marks / la_code).read_text().split()
    return int(worker), int(job)


def _state(pid: int) -> str | None:
    """A process's state letter (Z: zombie), None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def _request(store: Path, template: Template, codes: Sequence[str], root: Path) -> RunRequest:
    return RunRequest(
        store=Store(store),
        templates=[template],
        authorities=codes,
        period=PERIOD,
        reports_dir=root / "reports",
        work_dir=root / "work",
        workers=2,
        progress=False,
    )


# --- a dead worker or job process never hangs the batch


@pytest.mark.kernel
@pytest.mark.parametrize("victim", ["worker", "job"])
def test_a_killed_worker_or_job_process_fails_its_job_and_the_batch_ends(
    small_store: Path, tmp_path: Path, victim: str
) -> None:
    """kill -9 of a worker, or of the process its job runs in, mid-batch (2 workers):
    that job fails with the reason, every other job runs, the run exits 1, and no killed
    process is left running or unreaped below this one."""
    codes = Store(small_store).geography.codes[:4]
    assert codes[0] == VICTIM
    marks = tmp_path / "marks"
    template = _template(tmp_path / "notebooks", marks, {VICTIM: 120})
    outcomes: list[RunOutcome] = []
    runner = threading.Thread(
        target=lambda: outcomes.append(
            run_pipeline(_request(small_store, template, codes, tmp_path))
        ),
        daemon=True,  # should the batch hang, the test fails instead of hanging too
    )
    runner.start()
    killed = _pids_when_started(marks, VICTIM)
    os.kill(killed[0] if victim == "worker" else killed[1], signal.SIGKILL)
    runner.join(60)  # the victim would sleep 120 s
    assert not runner.is_alive(), "the batch did not end"
    (outcome,) = outcomes
    statuses = {r.la_code: (r.status, r.error_name) for r in outcome.results}
    expected = "WorkerDied" if victim == "worker" else "JobProcessDied"
    assert statuses == {
        VICTIM: (JobStatus.FAILED, expected),
        **dict.fromkeys(codes[1:], (JobStatus.OK, None)),
    }
    (failed,) = outcome.failed
    assert "ended with signal 9" in str(failed.error)
    assert outcome.exit_code == ExitCode.PARTIAL_FAILURE
    deadline = time.monotonic() + 5
    while any(_state(pid) not in (None, "Z") for pid in killed):
        assert time.monotonic() < deadline, [(pid, _state(pid)) for pid in killed]
        time.sleep(0.05)
    zombies = [pid for pid in _descendants(os.getpid()) if _state(pid) == "Z"]
    assert zombies == []
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text())
    assert manifest["summary"]["failed"] == 1
    assert not list((tmp_path / "reports").rglob("*partial*"))


_HANG_SECONDS = 120.0


def _hangs_for_the_victim(spec: JobSpec) -> JobResult:
    """A job function that never returns for :data:`VICTIM` (in the worker itself, where
    no cell timeout applies) and succeeds at once for every other authority."""
    if spec.la_code == VICTIM:
        time.sleep(_HANG_SECONDS)
    return JobResult(spec.la_code, spec.template, JobStatus.OK, None, None, 0.0, None, "t", "s")


def test_watchdog_stops_a_job_that_never_returns(small_store: Path, tmp_path: Path) -> None:
    """A job stuck in its worker past the executor's timeout is failed as such, its worker
    replaced, and the next job runs."""
    store = Store(small_store)
    codes = store.geography.codes[:2]
    template = _template(tmp_path / "notebooks", tmp_path / "marks", {})
    plan = plan_batch(store, [template], codes, PERIOD, tmp_path / "r", tmp_path / "w")
    started = time.monotonic()
    results = run_batch(
        plan,
        progress=False,
        job=_hangs_for_the_victim,
        executor=Executor(workers=1, timeout=3),
    )
    assert time.monotonic() - started < _HANG_SECONDS / 2
    assert [(r.la_code, r.status, r.error_name) for r in results] == [
        (VICTIM, JobStatus.FAILED, "TimeoutError"),
        (codes[1], JobStatus.OK, None),
    ]
    assert "longer than 3 s" in str(results[0].error)


# --- killing the run leaves nothing running or writing


@pytest.mark.kernel
def test_killed_run_leaves_no_process_and_no_writer(small_store: Path, tmp_path: Path) -> None:
    """kill -9 of ``ldsa run`` while its jobs run: within 5 s nothing it started is
    running, no file appears in --out afterwards (the jobs would have finished and been
    published by then), and nothing printed a traceback."""
    codes = Store(small_store).geography.codes[:3]
    marks = tmp_path / "marks"
    _template(tmp_path / "notebooks", marks, dict.fromkeys(codes, 3.0))
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "ldsa", "run", "--store", str(small_store),
               "--notebooks", str(tmp_path / "notebooks"), "--out", str(reports),
               "--work", str(tmp_path / "work"), "--workers", "2", "--no-progress",
               "--authorities", *codes]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _pids_when_started(marks, codes[0])
        started = _descendants(process.pid)
        process.kill()
        process.wait()
        killed = time.monotonic()
        while running := [pid for pid in started if _state(pid) not in (None, "Z")]:
            assert time.monotonic() - killed < 5, running
            time.sleep(0.05)
        before = sorted(reports.rglob("*"))
        time.sleep(6)  # longer than the jobs' 3 s, so that a survivor would have written
        assert sorted(reports.rglob("*")) == before
        assert not list(reports.rglob("*.html"))
    finally:
        if process.poll() is None:
            process.kill()
        output = process.communicate()[0].decode()
    assert "Traceback" not in output
    assert "BrokenPipeError" not in output


# --- one run per folder; folders checked before anything runs


def test_second_run_into_a_held_folder_is_refused(
    small_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a run holds --out (or --work), another run exits 9 naming the holder's pid,
    before any worker starts and without touching the folder."""
    monkeypatch.setattr(executors, "_pool", lambda *_: pytest.fail("a worker pool was started"))
    reports, work = tmp_path / "reports", tmp_path / "work"
    with run_lock((reports, "--out"), (work, "--work")):
        assert (reports / LOCK).read_text() == f"{os.getpid()}\n"
        for out, work_dir, option in [(reports, tmp_path / "w2", "--out"),
                                      (tmp_path / "r2", work, "--work")]:  # fmt: skip
            code = main(["run", "--store", str(small_store), "--out", str(out), "--work",
                         str(work_dir), "--templates", "overview", "--authorities", VICTIM,
                         "--no-progress"])  # fmt: skip
            text = capsys.readouterr().err
            assert code == ExitCode.BUSY, text
            assert f"{option} {out if option == '--out' else work_dir}: another ldsa run " in text
            assert f"(pid {os.getpid()})" in text
        assert sorted(p.name for p in reports.iterdir()) == [LOCK]
        assert not (tmp_path / "w2").exists()
        assert not (tmp_path / "r2").exists()
    assert not (reports / LOCK).exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("file", "a file, not a folder"),
        ("file/reports", "lies inside a file"),
        ("/proc/ldsa-no-such/reports", "cannot be created"),
        ("/sys", "cannot be written (Permission denied)"),
    ],
)
def test_out_that_cannot_be_written_is_refused_before_anything_runs(
    small_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    out: str,
    message: str,
) -> None:
    """--out (or --work) a regular file, inside one, or a place no one may write: exit 4
    with a message saying which and how to fix, before disclosure planning or any worker,
    and the file is left as it was."""
    monkeypatch.setattr(executors, "_pool", lambda *_: pytest.fail("a worker pool was started"))
    monkeypatch.setattr(
        "ldsa.run.pipeline.warm_plans", lambda *_, **__: pytest.fail("planning started")
    )
    (tmp_path / "file").write_text("PLANTED-7Q")
    target = tmp_path / out
    for option, folders in [("--out", [target, tmp_path / "w"]),
                            ("--work", [tmp_path / "r", target])]:  # fmt: skip
        code = main(["run", "--store", str(small_store), "--out", str(folders[0]), "--work",
                     str(folders[1]), "--templates", "overview", "--authorities", VICTIM,
                     "--no-progress"])  # fmt: skip
        text = capsys.readouterr().err
        assert code == ExitCode.INVALID_PARAMETER, text
        assert f"ldsa run: {option} {target}: {message}" in text
        assert "How to fix" in text
        assert "Traceback" not in text
    assert (tmp_path / "file").read_text() == "PLANTED-7Q"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # no folder left behind


def test_stale_lock_of_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    """A lock file left by a run that died (no process holds it) is taken over, written
    with this run's pid, and removed when the run ends."""
    (tmp_path / LOCK).write_text("999999999\n")
    with run_lock((tmp_path, "--out")):
        assert (tmp_path / LOCK).read_text() == f"{os.getpid()}\n"
    assert not (tmp_path / LOCK).exists()


# --- the store is checked against its own hashes


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_swapped_store_file_is_refused(
    small_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cache: str,
) -> None:
    """One authority's cases.parquet copied over another's, the manifest unchanged: the
    run exits 5 naming the file, with an empty plan cache and with one already holding
    the store's plans."""
    monkeypatch.setattr(executors, "_pool", lambda *_: pytest.fail("a worker pool was started"))
    monkeypatch.setenv("LDSA_CACHE_DIR", str(tmp_path / "cache"))
    store = tmp_path / "store"
    shutil.copytree(small_store, store)
    args = ["run", "--store", str(store), "--out", str(tmp_path / "r"), "--work",
            str(tmp_path / "w"), "--templates", "overview", "--authorities", VICTIM,
            "--no-progress"]  # fmt: skip
    if cache == "warm":
        from ldsa.report.context import parse_period
        from ldsa.report.plans import warm_plans
        from ldsa.run.templates import discover, measures_of
        from ldsa.sdc import load_policy

        templates = [discover()["overview"]]
        warm_plans(Store(store), load_policy("default"), *parse_period(*PERIOD),
                   measures=measures_of(templates))  # fmt: skip
        assert any((tmp_path / "cache").rglob("*"))
    victim = store / "la" / "E06900002" / "cases.parquet"
    shutil.copyfile(store / "la" / VICTIM / "cases.parquet", victim)
    code = main(args)
    text = capsys.readouterr().err
    assert code == ExitCode.STORE, text
    assert "1 store file(s) missing or changed since the store was prepared" in text
    assert "la/E06900002/cases.parquet" in text
    assert "How to fix: prepare the store again" in text
    victim.unlink()
    assert main(args) == ExitCode.STORE
    assert "la/E06900002/cases.parquet" in capsys.readouterr().err


# --- reruns give the same bytes


def _release(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.kernel
def test_reruns_give_the_same_bytes(small_store: Path, tmp_path: Path) -> None:
    """Two runs of one template for two authorities, into other folders, from another
    working directory, time zone and locale: every released file has the same bytes; the
    timings are in the work folder, not the release."""
    codes = Store(small_store).geography.codes[:2]
    releases = []
    for run, (zone, locale) in enumerate([("UTC", "C"), ("Pacific/Auckland", "C.UTF-8")]):
        root = tmp_path / f"run{run}"
        root.mkdir()
        env = {**os.environ, "TZ": zone, "LC_ALL": locale}
        command = [sys.executable, "-m", "ldsa", "run", "--store", str(small_store),
                   "--out", "reports", "--work", "work", "--templates", "overview",
                   "--authorities", *codes, "--workers", "2", "--no-progress"]  # fmt: skip
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        releases.append(_release(root / "reports"))
        timings = json.loads((root / "work" / TIMINGS).read_text())["jobs"]
        assert [(t["la_code"], t["template"]) for t in timings] == [
            (code, "overview") for code in codes
        ]
    assert releases[0] == releases[1]
    assert {"manifest.json", "index.html", "checker/checksums.sha256"} <= set(releases[0])
    assert LOCK not in releases[0]
    manifest = (tmp_path / "run0" / "reports" / "manifest.json").read_text()
    assert '"seconds"' not in manifest


@pytest.mark.kernel
def test_resume_after_kill_gives_the_clean_runs_bytes(small_store: Path, tmp_path: Path) -> None:
    """kill -9 of ``ldsa run`` mid-batch (six authorities, two workers), then ``--resume``:
    every file under --out, manifest and checker pack included, has the bytes of a clean
    run's; the jobs kept from the killed run are named in the work folder's timings and
    the printed summary only."""
    codes = Store(small_store).geography.codes[:6]
    marks = tmp_path / "marks"
    _template(tmp_path / "notebooks", marks, dict.fromkeys(codes, 1.5))

    def command(root: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "ldsa", "run", "--store", str(small_store),
                "--notebooks", str(tmp_path / "notebooks"), "--out", "reports", "--work",
                "work", "--workers", "2", "--no-progress", "--authorities", *codes,
                *extra]  # fmt: skip

    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for root in (clean, killed):
        root.mkdir()
    done = subprocess.run(command(clean), cwd=clean, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    process = subprocess.Popen(command(killed), cwd=killed, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        manifest = killed / "reports" / "manifest.json"
        deadline = time.monotonic() + 120
        while not (manifest.exists() and '"status": "ok"' in manifest.read_text()):
            assert time.monotonic() < deadline, "no job finished"
            time.sleep(0.02)
        started = _descendants(process.pid)
        process.kill()
        process.wait()
        while running := [pid for pid in started if _state(pid) not in (None, "Z")]:
            assert time.monotonic() < deadline, running
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    before = json.loads(manifest.read_text())["jobs"]
    assert 0 < len(before) < len(codes), "the kill came before or after the batch"
    done = subprocess.run(command(killed, "--resume"), cwd=killed, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    kept = json.loads((killed / "work" / TIMINGS).read_text())["resumed"]
    assert kept == [{"la_code": job["la_code"], "template": "victim"} for job in before]
    assert f"({len(kept)} kept from an earlier run)" in done.stdout
    assert _release(killed / "reports") == _release(clean / "reports")
    assert "skipped" not in (killed / "reports" / "manifest.json").read_text()
