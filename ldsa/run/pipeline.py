"""The run, as one sequence of tasks: validate, plan disclosure, jobs, site, checker pack.

``ldsa run``, ``ldsa bench`` and the tests call :func:`run_pipeline`; the command line only
parses arguments, prints the outcome and maps it to an exit code
(:attr:`RunOutcome.exit_code`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from ldsa import sdc
from ldsa.data.store import Store
from ldsa.errors import ExitCode, InvalidParameterError, TemplateError
from ldsa.report.context import parse_period
from ldsa.report.plans import warm_plans
from ldsa.run.batch import BatchPlan, plan_batch, run_batch
from ldsa.run.bundle import remove_bundles, write_bundles
from ldsa.run.checker_pack import check_with_ledger, finish_release
from ldsa.run.executors import Executor, prestart
from ldsa.run.job import JobResult, JobStatus
from ldsa.run.lock import run_lock
from ldsa.run.site import build_index
from ldsa.run.templates import Template, measures_of
from ldsa.run.verify import verify_store
from ldsa.sdc.ledger import LedgerCheck, read_ledger


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """What to run: templates x authorities over a period, under a policy, into a folder."""

    store: Store
    templates: Sequence[Template]
    authorities: Sequence[str] | None  #: None: every authority of the store
    period: tuple[str, str]  #: ISO dates, inclusive
    reports_dir: Path
    work_dir: Path
    policy: str = "default"  #: a policy name or file
    workers: int | None = None  #: None: one per core
    executor: Executor | None = None  #: None: ``workers`` local processes
    resume: bool = False
    progress: bool = True
    ledger: Path | None = None  #: earlier releases to plan against and check with


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What a run produced, and its verdict."""

    plan: BatchPlan
    results: list[JobResult]
    index: Path
    checker_dir: Path
    scan: sdc.CheckReport
    ledger_check: LedgerCheck | None = None  #: against the ledger's releases, if given

    @property
    def failed(self) -> list[JobResult]:
        """The jobs that did not produce a report."""
        return [r for r in self.results if r.status is JobStatus.FAILED]

    @property
    def exit_code(self) -> ExitCode:
        """Disclosure findings first (nothing may be released), then a broken template (its
        author's to fix), then other failed jobs."""
        if self.scan.findings or (self.ledger_check and self.ledger_check.findings):
            return ExitCode.DISCLOSURE
        if any(r.error_name == TemplateError.__name__ for r in self.failed):
            return ExitCode.TEMPLATE
        return ExitCode.PARTIAL_FAILURE if self.failed else ExitCode.OK


def run_pipeline(request: RunRequest) -> RunOutcome:
    """Run every task in order; each starts only once the one before has finished.

    1. Validate and plan the jobs (LA codes, templates, period, policy) and check every
       store file against the store's manifest: nothing starts on a bad parameter or a
       changed store, and nothing is written.
    2. Take the reports and work folders (created if absent; refused if a file, not
       writable, or held by another run), until the run ends.
    3. Plan disclosure: the batch-wide protection of every measure the templates use,
       built and cached once, so that the jobs read verified parts only.
    4. Run the jobs (in parallel, failures isolated, resumable).
    5. Write each authority's zip and workbook, the index page, then the checker pack and
       the scan of the release (with a ledger: also against every earlier release).

    With a ledger of earlier releases, step 3 plans against them (what they withheld stays
    withheld; what they released counts as known) and step 5 checks the release with them.

    The local workers' imports start first (:func:`~ldsa.run.executors.prestart`) and go
    on beside steps 1 to 3; no job starts before step 4.
    """
    executor = request.executor or Executor(workers=request.workers)
    prestart(executor, [template.path for template in request.templates])
    plan = plan_batch(
        request.store,
        request.templates,
        request.authorities,
        request.period,
        request.reports_dir,
        request.work_dir,
        policy=request.policy,
    )
    if request.ledger is not None:  # a damaged ledger stops the run before anything starts
        names = tuple(r.name for r in read_ledger(request.ledger))
        plan = dataclasses.replace(plan, ledger=request.ledger, earlier_releases=names)
    verify_store(request.store)
    for folder, option in ((request.reports_dir, "--out"), (request.work_dir, "--work")):
        _apart_from_store(folder, option, request.store.path)
    with run_lock((request.reports_dir, "--out"), (request.work_dir, "--work")):
        warm_plans(
            request.store,
            plan.loaded_policy,
            *parse_period(*request.period),
            measures=measures_of(request.templates),
            ledger=request.ledger,
        )
        remove_bundles(request.reports_dir, plan.la_codes)  # stale until rebuilt below
        results = run_batch(
            plan,
            workers=request.workers,
            resume=request.resume,
            progress=request.progress,
            executor=executor,
        )
        write_bundles(
            request.store,
            request.templates,
            results,
            request.reports_dir,
            request.period,
            plan.loaded_policy.label,
        )
        index = build_index(
            request.store, list(request.templates), results, request.reports_dir, request.period
        )
        scan = finish_release(plan, results)
        against = None
        if request.ledger is not None:
            against = check_with_ledger(request.reports_dir, request.ledger, plan.loaded_policy)
    return RunOutcome(plan, results, index, request.reports_dir / "checker", scan, against)


def _apart_from_store(folder: Path, option: str, store: Path) -> None:
    """Refuse a reports or work folder that is the store, lies inside it or holds it: a
    run never writes into its store (a store holding other files is no store to
    ``prepare``, and a run clears what it finds in its own folders).

    Raises
    ------
    InvalidParameterError
        Naming the folder, the store and how to fix it.
    """
    where, root = folder.resolve(), store.resolve()
    if where == root:
        what = "the store itself"
    elif root in where.parents:
        what = "inside the store"
    elif where in root.parents:
        what = "a folder holding the store"
    else:
        return
    raise InvalidParameterError(
        f"{option} {folder}: {what} ({store}); a run never writes into its store. How to "
        f"fix: give {option} a folder outside the store, such as reports or .ldsa-work "
        "beside it."
    )
