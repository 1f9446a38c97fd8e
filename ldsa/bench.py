"""``ldsa bench``: speed and peak memory of the statistics, dummy generation, prepare and the batch.

Each phase runs in a fresh subprocess so that its peak resident memory (``ru_maxrss``) is
its own. Figures are printed, never asserted: these machines are noisy.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ldsa.data.dummy import DEFAULT_SEED
from ldsa.data.schemas import PERIOD_END, PERIOD_START

PERIOD = (PERIOD_START.isoformat(), PERIOD_END.isoformat())  #: ``ldsa run``'s default


def run_benchmarks(scales: Sequence[float], batch_authorities: int) -> None:
    """Print statistics timings, generation and prepare figures per scale, batch throughput."""
    from ldsa.stats.bench import main as statistics_benchmark

    statistics_benchmark()
    with tempfile.TemporaryDirectory(prefix="ldsa-bench-") as scratch:
        root = Path(scratch)
        for scale in scales:
            extract = root / f"extract-{scale:g}"
            _report(f"dummy generation, scale {scale:g}", _phase("dummy", str(extract), str(scale)))
            _report(
                f"prepare, scale {scale:g}",
                _phase("prepare", str(extract), str(root / f"store-{scale:g}")),
            )
        store = root / f"store-{min(scales):g}"
        _report_plans(_phase("plans", str(store)))
        figures = _phase("batch", str(store), str(root / "reports"), str(batch_authorities))
        reports, seconds, workers = figures["reports"], figures["batch_seconds"], figures["workers"]
        print(
            f"batch: {reports:.0f} reports, {workers:.0f} workers, {seconds:.1f} s: "
            f"{seconds / reports:.2f} s per report ({seconds / reports * workers:.2f} s per report "
            f"per worker), {reports / seconds * 60:.1f} reports per minute",
            flush=True,
        )


def _report(label: str, figures: dict[str, Any]) -> None:
    print(
        f"{label}: {figures['seconds']:.1f} s, peak memory {figures['peak_mib']:.0f} MiB",
        flush=True,
    )


def _report_plans(figures: dict[str, Any]) -> None:
    """One line per measure: plan time, authorities per time step, cells withheld per rule."""
    _report("disclosure plans, every measure and authority", figures)
    for measure, line in figures["measures"].items():
        print(f"  {measure}: {line}", flush=True)


def _phase(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "ldsa.bench", *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _run_phase(phase: str, args: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    if phase == "dummy":
        from ldsa.data.dummy import generate_extract

        generate_extract(Path(args[0]), seed=DEFAULT_SEED, scale=float(args[1]))
    elif phase == "prepare":
        from ldsa.data.prepare import prepare_store

        prepare_store(Path(args[0]), Path(args[1]))
    elif phase == "plans":
        extra = {"measures": _plan_measures(Path(args[0]))}
    else:
        extra = _run_batch(Path(args[0]), Path(args[1]), int(args[2]))
    seconds = time.perf_counter() - started
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {"seconds": seconds, "peak_mib": peak_kib / 1024, **extra}


def _plan_measures(store_path: Path) -> dict[str, str]:
    """Plan every measure over the default period, uncached, and describe each plan."""
    from collections import Counter

    from ldsa import sdc
    from ldsa.data.store import Store
    from ldsa.report.context import full_weeks, parse_period
    from ldsa.report.plans import PERIOD_COLUMN, all_authorities
    from ldsa.run.templates import discover, measures_of

    store = Store(store_path)
    weeks = full_weeks(*parse_period(*PERIOD))
    policy = sdc.load_policy("default")
    out = {}
    for measure in measures_of(discover().values()):
        frame = all_authorities(store, measure, weeks)
        started = time.perf_counter()
        plan = sdc.plan_linked_counts(
            frame,
            count_column=measure.count_column,
            period_column=PERIOD_COLUMN,
            policy=policy,
            cumulative=measure.cumulative,
        )
        seconds = time.perf_counter() - started
        steps = Counter(choice.step.value for choice in plan.steps.values())
        outcomes = [o for cells in plan.cells.values() for o in cells.values()]
        withheld = Counter(o.rule.value for o in outcomes if o.rule is not None)
        out[measure.name] = (
            f"{seconds:.1f} s; authorities by step {dict(sorted(steps.items()))}; "
            f"{len(outcomes):,} published cells, withheld {dict(sorted(withheld.items()))}"
        )
    return out


def _run_batch(store_path: Path, reports: Path, authorities: int) -> dict[str, float]:
    from ldsa.data.store import Store
    from ldsa.run.pipeline import RunRequest, run_pipeline
    from ldsa.run.templates import discover

    store = Store(store_path)
    workers = os.cpu_count() or 1
    request = RunRequest(
        store=store,
        templates=list(discover().values()),
        authorities=store.geography.codes[:authorities],
        period=PERIOD,
        reports_dir=reports,
        work_dir=reports.parent / "work",
        workers=workers,
        progress=False,
    )
    started = time.perf_counter()
    outcome = run_pipeline(request)
    return {
        "reports": len(outcome.results),
        "workers": workers,
        "batch_seconds": time.perf_counter() - started,
    }


if __name__ == "__main__":
    print(json.dumps(_run_phase(sys.argv[1], sys.argv[2:])))
