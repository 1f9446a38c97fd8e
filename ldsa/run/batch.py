"""The batch: every (authority, template) job in parallel, isolated, resumable, recorded.

Parameters are validated before any job starts. Each finished job is written to
``manifest.json`` at once (atomically), so a killed run can resume; the batch never stops
at the first failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ldsa import __version__, sdc
from ldsa.atomic import remove_partials, write_atomic
from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.data.store import Store, file_sha256
from ldsa.errors import InvalidParameterError
from ldsa.report.context import parse_period
from ldsa.run.executors import Executor, running
from ldsa.run.job import JobResult, JobSpec, JobStatus, records_path, run_job
from ldsa.run.templates import Template
from ldsa.sdc.policy import check_policy_for_store

MANIFEST = "manifest.json"
INDEX = "index.html"
CHECKER_DIR = "checker"
#: Seconds each job of the last run took, in the work folder: timings differ from run to
#: run, so no released file holds them (reruns give the same bytes).
TIMINGS = "timings.json"


@dataclasses.dataclass(frozen=True)
class BatchPlan:
    """Validated jobs of one run and where their outputs go."""

    store: Store
    templates: tuple[Template, ...]
    la_codes: tuple[str, ...]
    period_start: str
    period_end: str
    reports_dir: Path
    work_dir: Path
    policy: str
    loaded_policy: sdc.Policy
    ledger: Path | None = None  #: earlier releases the disclosure plans are made against
    earlier_releases: tuple[str, ...] = ()  #: their names, as the ledger lists them

    def specs(self) -> list[JobSpec]:
        """One job per authority and template, in (la_code, template) order."""
        return [
            JobSpec(
                la_code=code,
                template=template.name,
                template_path=template.path,
                template_title=template.title,
                template_sha256=template.sha256,
                store=self.store.path.resolve(),
                period_start=self.period_start,
                period_end=self.period_end,
                reports_dir=self.reports_dir.resolve(),
                work_dir=self.work_dir.resolve(),
                policy=self.policy,
                policy_label=self.loaded_policy.label,
                ledger=self.ledger.resolve() if self.ledger else None,
            )
            for code in self.la_codes
            for template in self.templates
        ]


def plan_batch(
    store: Store,
    templates: Iterable[Template],
    la_codes: Iterable[str] | None,
    period: tuple[str, str],
    reports_dir: Path,
    work_dir: Path,
    policy: str = "default",
) -> BatchPlan:
    """Validate LA codes, templates, period and policy; no job is started.

    Raises
    ------
    PolicyError
        Also for a policy for published inputs (``public``) on a store not prepared from
        published files (:func:`~ldsa.sdc.policy.check_policy_for_store`).
    """
    codes = store.geography.validate_codes(la_codes) if la_codes else store.geography.codes
    _check_period(period)
    parse_period(*period)
    chosen = tuple(templates)
    if not chosen:
        raise InvalidParameterError("templates: no template notebooks found to run.")
    for template in chosen:
        template.validate()
    loaded = sdc.load_policy(policy)
    check_policy_for_store(loaded, store.source_kind, where=f"store {store.path}")
    if Path(policy).is_file():
        policy = str(Path(policy).resolve())  # jobs run in another folder
    return BatchPlan(
        store, chosen, tuple(codes), period[0], period[1], reports_dir, work_dir, policy, loaded
    )


def _check_period(period: tuple[str, str]) -> None:
    """Refuse a reversed period, or one outside the data, saying how to fix it (a date
    that is no ISO date and a period without a whole week: see ``parse_period``)."""
    try:
        start, end = (dt.date.fromisoformat(str(day)) for day in period)
    except ValueError:
        return  # parse_period names the date
    if start > end:
        raise InvalidParameterError(
            f"period {start}..{end}: period_start is after period_end. How to fix: swap "
            "--period-start and --period-end."
        )
    if start < PERIOD_START or end > PERIOD_END:
        raise InvalidParameterError(
            f"period {start}..{end}: reaches outside the data's {PERIOD_START}..{PERIOD_END}. "
            "How to fix: give dates within it (leave both out for the whole of it)."
        )


def run_batch(
    plan: BatchPlan,
    workers: int | None = None,
    resume: bool = False,
    progress: bool = True,
    job: Callable[[JobSpec], JobResult] = run_job,
    executor: Executor | None = None,
) -> list[JobResult]:
    """Run every job of the plan; return the results in (la_code, template) order.

    The results also hold the still-valid reports of earlier runs into the same folder
    (same store, period and policy) that this run did not cover, so that the manifest,
    index and checker pack always describe everything released there. Navigation pages
    and the checker pack of an earlier run are removed first: until this run ends they
    would describe reports that may change. ``executor`` (default: ``workers`` local
    processes) says where the jobs run.
    """
    executor = executor or Executor(workers=workers)
    _clear_run_outputs(plan.reports_dir)
    specs = plan.specs()
    previous = _previous_results(plan)
    planned = {(spec.la_code, spec.template) for spec in specs}
    results = {
        key: result
        for key, result in previous.items()
        if key not in planned and _unchanged(result, plan)
    }
    pending = []
    for spec in specs:
        kept = previous.get((spec.la_code, spec.template)) if resume else None
        if kept is not None and _still_valid(kept, spec, plan):
            # Recorded as a clean run records it; only the work folder says it was kept.
            results[(spec.la_code, spec.template)] = dataclasses.replace(kept, resumed=True)
        else:
            pending.append(spec)
    _warm_templates(plan, pending)
    bar = tqdm(
        total=len(specs),
        initial=len(results),
        unit="report",
        disable=not progress,
        dynamic_ncols=True,
    )
    failed = 0
    ran: list[JobResult] = []
    try:
        templates = sorted({spec.template_path for spec in pending})
        with running(executor, templates, jobs=len(pending)) as submit:
            for result in submit(job, pending):
                results[(result.la_code, result.template)] = result
                ran.append(result)
                failed += result.status is JobStatus.FAILED
                bar.set_postfix(done=len(results), failed=failed, refresh=False)
                bar.update()
                write_manifest(plan, [results[k] for k in sorted(results)])
    finally:
        bar.close()
        write_timings(plan.work_dir, ran, [r for r in results.values() if r.resumed])
    remove_partials(plan.reports_dir)  # a killed worker's half-written file is no report
    ordered = [results[k] for k in sorted(results)]
    write_manifest(plan, ordered)
    return ordered


def _warm_templates(plan: BatchPlan, pending: list[JobSpec]) -> None:
    """Let each template about to run compute what all its reports share, once, before
    the jobs start: its report module's ``warm_batch(store, policy, period_start,
    period_end)``, if it has one (the projections template: every authority's backtest
    for the national summary). A failure here is left to the jobs, which compute the
    same themselves and fail one by one, isolated."""
    names = {spec.template for spec in pending}
    for template in plan.templates:
        module = template.notebook().get("metadata", {}).get("ldsa", {}).get("report")
        warm = getattr(importlib.import_module(str(module)), "warm_batch", None) if module else None
        if template.name in names and warm is not None:
            with contextlib.suppress(Exception):
                warm(plan.store, plan.loaded_policy, plan.period_start, plan.period_end)


@dataclasses.dataclass(frozen=True)
class RunManifest:
    """What a finished (or interrupted) run recorded."""

    period: tuple[str, str]
    policy: dict[str, str]
    jobs: list[JobResult]
    earlier_releases: tuple[str, ...] = ()  #: the ledger's releases the plans were made against


def read_manifest(reports_dir: Path) -> RunManifest:
    """Read a run manifest: its period, policy and job records.

    Raises
    ------
    InvalidParameterError
        When the folder holds no readable manifest.
    """
    path = reports_dir / MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        jobs = [_read_job(job) for job in document["jobs"]]
        period = (str(document["period_start"]), str(document["period_end"]))
        policy = {str(k): str(v) for k, v in document["policy"].items()}
        earlier = tuple(str(name) for name in document.get("earlier_releases", []))
    except (OSError, json.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError):
        raise InvalidParameterError(
            f"{path}: no readable run manifest. How to fix: run `ldsa run --out {reports_dir}`."
        ) from None
    return RunManifest(period, policy, jobs, earlier)


#: Fields of a job record in the manifest (a JobResult less its timing and resume mark).
_RECORDED = {f.name for f in dataclasses.fields(JobResult)} - {"seconds", "resumed"}


def _read_job(job: dict[str, Any]) -> JobResult:
    """One job record of a manifest. Manifests of earlier versions recorded a resumed job
    as "skipped", with a reason: its report was released, as an ok job's is."""
    status = JobStatus.OK if job["status"] == "skipped" else JobStatus(job["status"])
    fields = {key: value for key, value in job.items() if key in _RECORDED}
    return JobResult(**{**fields, "seconds": 0.0, "status": status})


def _previous_results(plan: BatchPlan) -> dict[tuple[str, str], JobResult]:
    try:
        previous = read_manifest(plan.reports_dir)
    except InvalidParameterError:
        return {}  # nothing to resume from: every job runs
    same_policy = previous.policy == _policy_summary(plan)
    same_earlier = previous.earlier_releases == plan.earlier_releases
    if previous.period != (plan.period_start, plan.period_end) or not same_policy:
        return {}  # other period or policy: every report must be made again
    if not same_earlier:
        return {}  # planned against other earlier releases: every report made again
    return {(r.la_code, r.template): r for r in previous.jobs}


def _policy_summary(plan: BatchPlan) -> dict[str, str]:
    policy = plan.loaded_policy
    return {
        "name": policy.name,
        "version": policy.version,
        "sha256": policy.sha256,
        "label": policy.label,
    }


def _still_valid(result: JobResult, spec: JobSpec, plan: BatchPlan) -> bool:
    """A finished job is kept only if its report is unchanged and its inputs are the same."""
    return result.template_sha256 == spec.template_sha256 and _unchanged(result, plan)


def _unchanged(result: JobResult, plan: BatchPlan) -> bool:
    """An earlier report still stands: ok, from this store, its file and records intact."""
    if not result.status.released or result.output is None:
        return False
    path = plan.reports_dir / result.output
    records = records_path(plan.work_dir, result.la_code, result.template)
    return (
        result.store_sha256 == plan.store.sha256
        and path.is_file()
        and file_sha256(path) == result.sha256
        and records.is_file()
    )


def _clear_run_outputs(reports_dir: Path) -> None:
    """Remove what describes a whole run (index, checker pack) and killed writers' files."""
    if not reports_dir.is_dir():
        return
    (reports_dir / INDEX).unlink(missing_ok=True)
    (reports_dir / sdc.AUTHORITIES).unlink(missing_ok=True)
    shutil.rmtree(reports_dir / CHECKER_DIR, ignore_errors=True)
    remove_partials(reports_dir)


def manifest_document(plan: BatchPlan, results: list[JobResult]) -> dict[str, Any]:
    """The run manifest: versions, inputs and one record per job (without its timing:
    the same inputs give the same bytes)."""
    return {
        "ldsa_version": __version__,
        "store": _store_summary(plan.store),
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "templates": {t.name: t.sha256 for t in plan.templates},
        "policy": _policy_summary(plan),
        "earlier_releases": list(plan.earlier_releases),
        "summary": {
            "jobs": len(results),
            "ok": sum(r.status is JobStatus.OK for r in results),
            "failed": sum(r.status is JobStatus.FAILED for r in results),
        },
        "jobs": [_job_record(r) for r in results],
    }


def _store_summary(store: Store) -> dict[str, Any]:
    """The store as the manifest records it: its hash and source, and for a store of
    published files each source in words (the checker pack names them under a policy for
    published inputs)."""
    summary = {"sha256": store.sha256, "source": store.manifest.get("source", {})}
    return {**summary, "sources": list(store.sources)} if store.sources else summary


def _job_record(result: JobResult) -> dict[str, Any]:
    record = dataclasses.asdict(result)
    del record["seconds"], record["resumed"]  # how this run got it: the work folder's
    return {**record, "status": result.status.value}


def write_manifest(plan: BatchPlan, results: list[JobResult]) -> None:
    """Write manifest.json atomically."""
    document = manifest_document(plan, results)
    write_atomic(plan.reports_dir / MANIFEST, json.dumps(document, indent=2, sort_keys=True) + "\n")


def write_timings(
    work_dir: Path, results: list[JobResult], resumed: Iterable[JobResult] = ()
) -> Path:
    """Write the seconds each job of this run took to :data:`TIMINGS` in the work folder
    (never released), in (la_code, template) order, and which jobs ``--resume`` kept from
    an earlier run instead of running them."""
    jobs = [
        {
            "la_code": r.la_code,
            "template": r.template,
            "status": r.status.value,
            "seconds": r.seconds,
        }
        for r in sorted(results, key=lambda r: (r.la_code, r.template))
    ]
    kept = [{"la_code": r.la_code, "template": r.template} for r in resumed]
    kept.sort(key=lambda job: (job["la_code"], job["template"]))
    path = work_dir / TIMINGS
    write_atomic(path, json.dumps({"jobs": jobs, "resumed": kept}, indent=2) + "\n")
    return path
