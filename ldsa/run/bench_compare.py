"""``ldsa bench --compare``: the batch's seconds per report against the loop a user would
write and against a floor with no kernel, on the same templates and authorities.

(a) the naive loop: ``papermill`` then ``jupyter nbconvert --to html`` (both command lines)
per report, one report at a time, on a sample of the authorities; (b) ``ldsa run`` over
all of them on every core; (c) the floor: the templates' code cells executed as plain
Python in one process per core (no kernel, no fork per job, the release opened and
finished as a job does, no HTML). Also one authority's ``ldsa run`` wall time (its first
run, then again with warm caches), the peak memory of the batch's processes, and the full
batch when asked. Figures are printed, never asserted: these machines are noisy.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.data.store import Store
from ldsa.run.execute import preload
from ldsa.run.executors import Executor, prestart
from ldsa.run.templates import Template, discover, select

PERIOD = (PERIOD_START.isoformat(), PERIOD_END.isoformat())  #: ``ldsa run``'s default
#: How often the batch's processes' peak memory is read.
POLL_SECONDS = 0.05
#: IPython's rich representations, all computed when a cell's last value is displayed.
_REPRS = (
    "_repr_mimebundle_", "_repr_html_", "_repr_markdown_", "_repr_svg_", "_repr_png_",
    "_repr_jpeg_", "_repr_latex_", "_repr_json_", "_repr_javascript_", "_repr_pdf_",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Timing:
    """Wall seconds of one way of making ``reports`` reports (each run, when repeated)."""

    label: str
    reports: int
    runs: tuple[float, ...]
    failed: int = 0  #: reports that did not come out
    note: str = ""  #: what went wrong besides failed reports

    @property
    def seconds(self) -> float:
        """The median run."""
        return statistics.median(self.runs)

    @property
    def per_report(self) -> float:
        """Seconds per report (of the median run)."""
        return self.seconds / self.reports

    def describe(self) -> str:
        """One line: reports, seconds, seconds per report, failures."""
        spread = f" (median of {len(self.runs)}: {min(self.runs):.1f}-{max(self.runs):.1f} s)"
        failed = f"; {self.failed} FAILED" if self.failed else ""
        note = f" ({self.note})" if self.note else ""
        return (
            f"{self.label}: {self.reports} report{'' if self.reports == 1 else 's'} in "
            f"{self.seconds:.1f} s"
            f"{spread if len(self.runs) > 1 else ''}: {self.per_report:.2f} s per report"
            f"{failed}{note}"
        )


@dataclasses.dataclass(frozen=True)
class MemoryPeaks:
    """Peak resident memory (``VmHWM`` of ``/proc/PID/status``, MiB) of a batch's processes."""

    parent: float  #: the ``ldsa run`` process
    fork_server: float  #: the process workers are forked from
    workers: tuple[float, ...]  #: each worker (its own peak, rendering included)
    jobs: tuple[float, ...]  #: each job's process, forked from its worker

    def describe(self) -> str:
        """One line per kind of process."""
        jobs = f"max {max(self.jobs):.0f} MiB over {len(self.jobs)} jobs" if self.jobs else "none"
        return (
            f"peak RSS (VmHWM from /proc, read every {POLL_SECONDS * 1000:.0f} ms; pages shared "
            f"with the fork server count in each process): parent {self.parent:.0f} MiB, fork "
            f"server {self.fork_server:.0f} MiB, workers "
            f"{', '.join(f'{w:.0f}' for w in self.workers)} MiB, job processes {jobs}"
        )


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Everything ``ldsa bench --compare`` measured."""

    templates: tuple[str, ...]
    authorities: tuple[str, ...]
    workers: int
    naive: Timing
    batch: Timing
    floor: Timing
    first_run: float  #: one authority and template, the first time (caches may be cold)
    one_authority: Timing  #: the same, again, with warm caches
    memory: MemoryPeaks  #: during the batch (b)
    full: Timing | None = None  #: every template for every authority, when asked

    @property
    def speed_up(self) -> float:
        """How many times the naive loop's throughput ``ldsa run`` achieves."""
        return self.naive.per_report / self.batch.per_report

    @property
    def over_floor(self) -> float:
        """``ldsa run``'s seconds per report as a multiple of the floor's."""
        return self.batch.per_report / self.floor.per_report

    def lines(self) -> list[str]:
        """The report, one line per figure."""
        lines = [
            _header(self.templates, self.authorities, self.workers),
            self.naive.describe(),
            self.batch.describe(),
            self.floor.describe(),
            self.ratios(),
            _one_authority(self.first_run, self.one_authority),
            self.memory.describe(),
        ]
        return lines + ([self.full.describe()] if self.full else [])

    def ratios(self) -> str:
        """(b) against (a) and (c)."""
        return (
            f"ldsa run against the naive loop: {self.speed_up:.1f}x the reports per second; "
            f"against the floor: {self.over_floor:.2f}x the seconds per report"
        )


def _header(templates: Sequence[str], codes: Sequence[str], workers: int) -> str:
    shown = ", ".join(codes[:5]) + (", ..." if len(codes) > 5 else "")
    return (
        f"compare: templates {', '.join(templates)}; {len(codes)} authorities ({shown}); "
        f"{workers} cores"
    )


def _one_authority(first: float, again: Timing) -> str:
    return f"{again.describe()}; its first run: {first:.1f} s"


def compare(
    store: Path,
    template_names: Sequence[str] | None = None,
    authorities: int = 20,
    naive_authorities: int = 3,
    repeats: int = 3,
    full: bool = False,
    out: Callable[[str], None] = print,
) -> Comparison:
    """Measure (a), (b), (c), one authority's run and the batch's memory; print each line
    through ``out`` as it comes, and return them all.

    ``authorities`` are spread evenly over the store's (so that sizes and regions vary);
    the naive loop takes the first ``naive_authorities`` of them. The one-authority run
    takes the first authority and ``overview`` (else the first template), once, then
    ``repeats`` times.
    """
    templates = select(discover(), list(template_names or []))
    codes = _spread(Store(store).geography.codes, authorities)
    workers = os.cpu_count() or 1
    names = tuple(t.name for t in templates)
    out(_header(names, codes, workers))
    with tempfile.TemporaryDirectory(prefix="ldsa-compare-") as scratch:
        root = Path(scratch)
        solo = "overview" if "overview" in names else names[0]
        label = f"one authority ({codes[0]}), one template ({solo}), ldsa run, warm caches"
        first, _ = _ldsa_run(label, store, root / "first", codes[:1], [solo])
        again = [_ldsa_run(label, store, root / f"again-{i}", codes[:1], [solo])[0]
                 for i in range(repeats)]  # fmt: skip
        one = Timing(label, 1, tuple(t.seconds for t in again), sum(t.failed for t in again))
        out(_one_authority(first.seconds, one))
        label = (
            f"(b) ldsa run, {workers} workers (start-up, planning, index, checker pack included)"
        )
        batch, memory = _ldsa_run(label, store, root / "batch", codes, names)
        out(batch.describe())
        out(memory.describe())
        floor = _floor(store, root / "floor", codes, templates, workers)
        out(floor.describe())
        naive = _naive(store, root / "naive", codes[:naive_authorities], templates)
        out(naive.describe())
        result = Comparison(names, codes, workers, naive, batch, floor, first.seconds, one, memory)
        out(result.ratios())
        if full:
            every = Store(store).geography.codes
            whole, _ = _ldsa_run("full batch, ldsa run", store, root / "full", every, ())
            result = dataclasses.replace(result, full=whole)
            out(whole.describe())
    return result


def _spread(codes: Sequence[str], count: int) -> tuple[str, ...]:
    """``count`` codes evenly spaced over ``codes`` (all of them if fewer)."""
    count = min(count, len(codes))
    return tuple(codes[i * len(codes) // count] for i in range(count))


def _parameters(la_code: str, store: Path) -> dict[str, str]:
    return {
        "la_code": la_code,
        "store": str(store.resolve()),
        "period_start": PERIOD[0],
        "period_end": PERIOD[1],
        "policy": "default",
    }


def _ldsa_run(
    label: str, store: Path, folder: Path, codes: Sequence[str], templates: Sequence[str]
) -> tuple[Timing, MemoryPeaks]:
    """``ldsa run`` in a subprocess (every template when ``templates`` is empty): its wall
    time and the peak memory of its processes."""
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "ldsa", "run", "--store", str(store), "--no-progress",
               "--out", str(folder / "reports"), "--work", str(folder / "work"),
               "--authorities", *codes]  # fmt: skip
    if templates:
        command += ["--templates", *templates]
    with open(folder / "stderr.txt", "w+", encoding="utf-8") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        memory = _watch(process)
        seconds = time.perf_counter() - started
        errors.seek(0)
        lines = errors.read().strip().splitlines()
    manifest = folder / "reports" / "manifest.json"
    if not manifest.is_file():
        raise RuntimeError(f"{' '.join(command)}: exit code {process.returncode}, no manifest")
    summary = json.loads(manifest.read_text(encoding="utf-8"))["summary"]
    note = "" if process.returncode in (0, 1) else f"exit code {process.returncode}: {lines[-1]}"
    return Timing(label, summary["jobs"], (seconds,), summary["failed"], note), memory


def _watch(process: subprocess.Popen[Any]) -> MemoryPeaks:
    """Read the peak memory of ``process`` and its fork server, workers and job processes
    until it exits."""
    roles: dict[int, str] = {process.pid: "parent"}
    peaks: dict[int, float] = {}
    while process.poll() is None:
        for child in _children(process.pid):
            roles.setdefault(child, "fork server" if _is_fork_server(child) else "other")
        for role, below in (("fork server", "worker"), ("worker", "job")):
            for pid in [p for p, r in roles.items() if r == role]:
                for child in _children(pid):
                    roles.setdefault(child, below)
        for pid in roles:
            peak = _peak_mib(pid)
            if peak is not None:
                peaks[pid] = max(peaks.get(pid, 0.0), peak)
        time.sleep(POLL_SECONDS)

    def of(role: str) -> tuple[float, ...]:
        return tuple(peaks[p] for p, r in sorted(roles.items()) if r == role and p in peaks)

    return MemoryPeaks(
        parent=max(of("parent"), default=0.0),
        fork_server=max(of("fork server"), default=0.0),
        workers=of("worker"),
        jobs=of("job"),
    )


def _children(pid: int) -> list[int]:
    found = []
    for threads_children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in threads_children.read_text().split()]
        except OSError:  # the thread or process has just ended
            continue
    return found


def _is_fork_server(pid: int) -> bool:
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _peak_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:  # ended since it was seen
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def _naive(
    store: Path, folder: Path, codes: Sequence[str], templates: Sequence[Template]
) -> Timing:
    """(a): per report, ``papermill`` then ``jupyter nbconvert --to html``, one at a time."""
    failed = 0
    started = time.perf_counter()
    for code in codes:
        for template in templates:
            executed = folder / code / f"{template.name}.ipynb"
            executed.parent.mkdir(parents=True, exist_ok=True)
            raw = [arg for item in _parameters(code, store).items() for arg in ("-r", *item)]
            papermill = [sys.executable, "-m", "papermill", "--no-progress-bar",
                         str(template.path), str(executed), *raw]  # fmt: skip
            nbconvert = [
                sys.executable,
                "-m",
                "jupyter",
                "nbconvert",
                "--to",
                "html",
                str(executed),
            ]
            done = subprocess.run(papermill, capture_output=True, check=False)
            if done.returncode == 0:
                done = subprocess.run(nbconvert, capture_output=True, check=False)
            failed += done.returncode != 0
    seconds = time.perf_counter() - started
    label = "(a) naive loop: papermill, then jupyter nbconvert --to html, one report at a time"
    return Timing(label, len(codes) * len(templates), (seconds,), failed)


@dataclasses.dataclass(frozen=True)
class _FloorTask:
    template: Path
    name: str
    parameters: dict[str, str]
    release: Path


def _floor(
    store: Path, folder: Path, codes: Sequence[str], templates: Sequence[Template], workers: int
) -> Timing:
    """(c): the code cells as plain Python in ``workers`` processes started as the batch's
    are (same fork server, same preload), each running its share of the reports in turn."""
    tasks = [
        _FloorTask(t.path, t.name, _parameters(code, store), folder / code / t.name)
        for code in codes
        for t in templates
    ]
    paths = [t.path for t in templates]
    started = time.perf_counter()
    prestart(Executor(workers=workers), paths)
    context = multiprocessing.get_context("forkserver")
    with context.Pool(min(workers, len(tasks)), initializer=preload, initargs=(paths,)) as pool:
        done = list(pool.imap_unordered(_floor_job, tasks))
    seconds = time.perf_counter() - started
    label = (
        f"(c) floor: cells exec'd as plain Python in {workers} processes, no kernel, no fork "
        "per job, release opened and finished, HTML not rendered (worker start-up included)"
    )
    return Timing(label, len(tasks), (seconds,), done.count(False))


def _floor_job(task: _FloorTask) -> bool:
    """Run one report's code cells in this process; whether every cell and the release
    finished."""
    from ldsa.report import release as releases

    cells = json.loads(task.template.read_text(encoding="utf-8"))["cells"]
    injected = "\n".join(f"{name} = {value!r}" for name, value in task.parameters.items())
    namespace: dict[str, Any] = {"__name__": "__main__"}
    releases.begin(task.release, task.name)
    try:
        for cell in cells:
            if cell["cell_type"] == "code":
                _exec_cell("".join(cell["source"]), namespace)
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                _exec_cell(injected, namespace)  # as papermill injects them, after the cell
        releases.finish()
    except Exception:  # counted as a failed report, as the batch would
        return False
    return True


def _exec_cell(source: str, namespace: dict[str, Any]) -> None:
    """Run a cell; compute every rich representation of its last expression's value, as
    IPython does to display it."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr):
        exec(compile(tree, "<cell>", "exec"), namespace)
        return
    tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), namespace)  # the floor: a cell is plain Python
    value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    if value is None:
        return
    for name in _REPRS:
        method = getattr(value, name, None)
        if callable(method):
            method()
    repr(value)
