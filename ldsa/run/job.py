"""One batch job: run a template for one authority and publish its HTML report atomically.

This module runs inside worker processes. A job never raises: every outcome, including a
failing cell or a broken store, becomes a :class:`JobResult` the batch records.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import shutil
import time
import traceback
from pathlib import Path

from ldsa.atomic import write_atomic
from ldsa.data.store import MANIFEST, Store, file_sha256
from ldsa.errors import LdsaError
from ldsa.report.context import describe_period, parse_period
from ldsa.report.release import RECORDS, ReleaseSummary
from ldsa.run.execute import MAX_ERROR_CHARS, ExecutionError, execute
from ldsa.run.render import ReportHeader, notebook_body, render_page

#: Folder of the work area holding every job's disclosure records.
RECORDS_DIR = "records"


class JobStatus(enum.StrEnum):
    """Outcome of one job."""

    OK = "ok"
    FAILED = "failed"

    @property
    def released(self) -> bool:
        """Whether the job's report is part of the release."""
        return self is not JobStatus.FAILED


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to run one job (picklable)."""

    la_code: str
    template: str
    template_path: Path
    template_title: str
    template_sha256: str
    store: Path
    period_start: str
    period_end: str
    reports_dir: Path
    work_dir: Path
    policy: str
    policy_label: str
    ledger: Path | None = None  #: earlier releases the disclosure plans are made against

    @property
    def output(self) -> Path:
        """Where the report is published: ``<reports>/<la_code>/<template>.html``."""
        return self.reports_dir / self.la_code / f"{self.template}.html"

    @property
    def release_dir(self) -> Path:
        """Where the template writes its released CSVs and records (never published as is)."""
        return self.work_dir / self.la_code / f"{self.template}.released"

    @property
    def records(self) -> Path:
        """Where the batch keeps this job's disclosure records for the checker pack."""
        return records_path(self.work_dir, self.la_code, self.template)

    def tables(self) -> list[Path]:
        """This job's published CSV tables (``<la_code>_<template>_*.csv``).

        Not another template's whose name begins with this one's and ``_`` (``cases`` and
        ``cases_and_testing``): a template is known by its report or its records.
        """
        folder = self.reports_dir / self.la_code
        prefix = f"{self.la_code}_{self.template}_"
        longer = [
            f"{self.la_code}_{other}_"
            for other in _templates_of(folder, self.work_dir, self.la_code)
            if other.startswith(f"{self.template}_")
        ]
        return sorted(
            path
            for path in (folder / "tables").glob(f"{prefix}*.csv")
            if not any(path.name.startswith(name) for name in longer)
        )


def _templates_of(folder: Path, work_dir: Path, la_code: str) -> set[str]:
    """The templates an authority has a report of, or records of in the work folder."""
    reports = {path.stem for path in folder.glob("*.html")}
    records = (work_dir / RECORDS_DIR).glob(f"{la_code}--*.json")
    return reports | {path.stem.partition("--")[2] for path in records}


def records_path(work_dir: Path, la_code: str, template: str) -> Path:
    """Where the batch keeps one job's disclosure records for the checker pack."""
    return work_dir / RECORDS_DIR / f"{la_code}--{template}.json"


@dataclasses.dataclass(frozen=True)
class JobResult:
    """One record of the run manifest."""

    la_code: str
    template: str
    status: JobStatus
    output: str | None
    sha256: str | None
    seconds: float  #: how long the job took (kept in the work folder, never released)
    error: str | None
    template_sha256: str
    store_sha256: str
    error_name: str | None = None  #: the exception's name, for a failed job
    cell: int | None = None  #: the failing cell's position, from 1 (None: not a cell's error)
    #: Not run again: the report of an earlier run into the same folder still stands
    #: (``--resume``). Kept in the work folder and the run's summary, never in the manifest:
    #: a resumed run releases the same bytes as a clean one.
    resumed: bool = False


def run_job(spec: JobSpec) -> JobResult:
    """Execute, render and publish one report; return its record whatever happens."""
    started = time.perf_counter()
    store = Store(spec.store)
    name: str | None = None
    cell: int | None = None
    try:
        shutil.rmtree(spec.release_dir, ignore_errors=True)
        html = _build(spec, store)
        _publish_release(spec)
        digest = write_atomic(spec.output, html)
        status, output, error = (
            JobStatus.OK,
            spec.output.relative_to(spec.reports_dir).as_posix(),
            None,
        )
    except ExecutionError as failure:
        status, output, digest, error = JobStatus.FAILED, None, None, str(failure)[:MAX_ERROR_CHARS]
        name, cell = failure.ename, failure.cell or None
    except LdsaError as failure:
        status, output, digest, error = JobStatus.FAILED, None, None, str(failure)[:MAX_ERROR_CHARS]
        name = type(failure).__name__
    except Exception as failure:  # a job must never stop the batch
        status, output, digest = JobStatus.FAILED, None, None
        trace = _save_traceback(spec)
        name = type(failure).__name__
        error = f"internal error in ldsa: {name} (traceback in the work folder: {trace})"
    if status is JobStatus.FAILED:
        _remove_outputs(spec)
    seconds = round(time.perf_counter() - started, 3)
    return JobResult(
        spec.la_code,
        spec.template,
        status,
        output,
        digest,
        seconds,
        error,
        spec.template_sha256,
        store.sha256,
        error_name=name,
        cell=cell,
    )


def lost_job(spec: JobSpec, name: str, reason: str, seconds: float) -> JobResult:
    """The record of a job that never answered (its worker died, or the watchdog stopped
    it), its outputs removed: whatever it had published may be incomplete."""
    _remove_outputs(spec)
    return JobResult(
        spec.la_code,
        spec.template,
        JobStatus.FAILED,
        None,
        None,
        round(seconds, 3),
        f"job: {name}: {reason}"[:MAX_ERROR_CHARS],
        spec.template_sha256,
        file_sha256(spec.store / MANIFEST),
        error_name=name,
    )


def _remove_outputs(spec: JobSpec) -> None:
    """Never leave an old report or table of a failed job that looks current."""
    for stale in (spec.output, spec.records, *spec.tables()):
        stale.unlink(missing_ok=True)


def _build(spec: JobSpec, store: Store) -> str:
    executed = spec.work_dir / spec.la_code / f"{spec.template}.ipynb"
    parameters = {
        "la_code": spec.la_code,
        "store": str(spec.store),
        "period_start": spec.period_start,
        "period_end": spec.period_end,
        "policy": spec.policy,
    }
    execute(spec.template_path, executed, parameters, release=spec.release_dir, ledger=spec.ledger)
    authority = store.authority(spec.la_code)
    start, end = parse_period(spec.period_start, spec.period_end)
    header = ReportHeader(
        template_title=spec.template_title,
        la_code=authority.la_code,
        la_name=authority.la_name,
        region_name=authority.region_name,
        period=describe_period(start, end),
        data_source=describe_source(store),
        source_kind=store.source_kind,
        sources=store.sources,
        template_sha256=spec.template_sha256,
        store_sha256=store.sha256,
        policy=spec.policy_label,
    )
    return render_page(header, notebook_body(executed), ReleaseSummary.read(spec.release_dir))


def _publish_release(spec: JobSpec) -> None:
    """Publish the template's released CSVs beside the report and keep its records."""
    records = spec.release_dir / RECORDS
    for stale in spec.tables():
        stale.unlink()
    # The records first: they say which template the tables are of (JobSpec.tables).
    write_atomic(spec.records, records.read_text(encoding="utf-8"))
    for table in sorted(spec.release_dir.glob("*.csv")):
        write_atomic(
            spec.reports_dir / spec.la_code / "tables" / table.name, table.read_text("utf-8")
        )


def _save_traceback(spec: JobSpec) -> str:
    """Keep a bug's traceback in the work folder (never released), for the developers;
    return where, inside the work folder."""
    name = f"{spec.la_code}/{spec.template}.traceback.txt"
    path = spec.work_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(traceback.format_exc(), encoding="utf-8")
    return name


def describe_source(store: Store) -> str:
    """One line saying where the store's data came from."""
    source = store.manifest.get("source", {})
    if source.get("kind") == "dummy":
        seed, scale = source.get("seed"), source.get("scale")
        return f"Dummy extract generated by ldsa (seed {seed}, scale {scale})"
    vintage = store.manifest.get("geography_vintage", "unknown geography")
    if store.source_kind == "public":
        files = [s for s in store.manifest.get("sources", []) if isinstance(s, dict)]
        names = dict.fromkeys(_short_publisher(str(s.get("publisher", ""))) for s in files)
        return (
            f"Published statistics ({', '.join(names)}; sources and licences at the foot of "
            f"the page), on {vintage} boundaries"
        )
    return f"Record-level extract ({vintage})"


def _short_publisher(publisher: str) -> str:
    """A publisher's acronym where it gives one ("... Agency (UKHSA), ..." -> "UKHSA"),
    else its name up to the first comma or parenthesis."""
    acronym = re.search(r"\(([A-Z]{3,})\)", publisher)
    name = acronym.group(1) if acronym else re.split(r"[,(;]", publisher)[0].strip()
    return "ONS" if name == "Office for National Statistics" else name
