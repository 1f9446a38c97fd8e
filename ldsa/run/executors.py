"""Where a batch's jobs run: worker processes on this machine, or a Dask cluster.

Both run the same job function on the same specs, and each job publishes its own report
atomically, so progress, resume, failure isolation and the bytes of every report are the
same whichever executor ran them. A Dask cluster's workers must see the same files as the
machine that starts the run (store, notebooks, work and reports folders on shared storage)
and have ldsa installed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from ldsa.errors import InvalidParameterError
from ldsa.run.execute import JOB_MODULES, preload, preload_modules
from ldsa.run.pool import WATCHDOG_SECONDS, WorkerPool

if TYPE_CHECKING:  # ldsa.run.job imports the statistics: seconds the CLI spends elsewhere
    from ldsa.run.job import JobResult, JobSpec

JobFunction: TypeAlias = "Callable[[JobSpec], JobResult]"
#: Runs a job function on every spec and yields results as they finish.
Submit: TypeAlias = "Callable[[JobFunction, Sequence[JobSpec]], Iterator[JobResult]]"
KINDS = ("local", "dask")


@dataclasses.dataclass(frozen=True)
class Executor:
    """How to run jobs.

    ``local``: ``workers`` processes on this machine (default: one per core); a job still
    running after ``timeout`` seconds is stopped with its worker and failed, as is a job
    whose worker dies. ``dask``: the workers of the Dask scheduler at ``scheduler`` (an
    address such as ``tcp://10.0.0.5:8786``, or a ``distributed`` cluster object in
    tests), which watches its own workers.
    """

    kind: str = "local"
    workers: int | None = None
    scheduler: Any = None
    timeout: float = WATCHDOG_SECONDS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidParameterError(
                f"executor {self.kind!r}: unknown. How to fix: use one of {', '.join(KINDS)}."
            )
        if not self.timeout > 0:
            raise InvalidParameterError(
                f"executor: a job timeout of {self.timeout} s. How to fix: give a positive "
                "number of seconds."
            )
        if (self.kind == "dask") != (self.scheduler is not None):
            raise InvalidParameterError(
                "executor: --scheduler ADDRESS goes with --executor dask, and only with it. "
                "How to fix: give both (e.g. --executor dask --scheduler tcp://host:8786), "
                "or neither."
            )


def prestart(executor: Executor, templates: Sequence[Path]) -> None:
    """Start the process local workers are forked from, importing what ``templates`` and
    every job import, so that these imports overlap the run's own start-up and planning.

    Call it as early as the templates are known; no job runs until :func:`running`. Once
    started, the process serves every later batch of this process (their workers import
    what it lacks). Nothing is started for a Dask executor.
    """
    if executor.kind != "local":
        return
    # Only ldsa's modules and the job machinery: another module failing to import with an
    # error other than ImportError would kill the fork server, and with it the batch,
    # instead of failing the jobs that import it.
    modules = [m for m in preload_modules(templates) if m in JOB_MODULES or _is_ldsa(m)]
    multiprocessing.get_context("forkserver").set_forkserver_preload(modules)
    matplotlib_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = matplotlib_backend or "Agg"  # read when matplotlib is imported
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if matplotlib_backend is None:
            del os.environ["MPLBACKEND"]


def _is_ldsa(module: str) -> bool:
    return module.partition(".")[0] == "ldsa"


@contextlib.contextmanager
def running(
    executor: Executor, templates: Sequence[Path], jobs: int | None = None
) -> Iterator[Submit]:
    """Start the executor's workers (each imports what ``templates`` import once; locally,
    no more workers than ``jobs``); stop them on leaving, at once if the run was
    interrupted."""
    if executor.kind == "dask":
        with _dask(executor.scheduler, templates) as submit:
            yield submit
        return
    prestart(executor, templates)
    pool = _pool(executor, templates, jobs)
    try:
        yield pool.map
    except BaseException:
        pool.terminate()  # interrupted or killed: stop workers (and their jobs' processes)
        raise
    pool.close()


def _pool(executor: Executor, templates: Sequence[Path], jobs: int | None) -> WorkerPool:
    count = executor.workers or os.cpu_count() or 1
    if jobs is not None:
        count = max(1, min(count, jobs))  # an idle worker would still pay its start-up
    # forkserver: workers start clean (no inherited threads or open files), import what the
    # templates import once (most already in the fork server: see prestart), then fork a
    # fresh process for every job they run.
    return WorkerPool(count, templates, executor.timeout)


@contextlib.contextmanager
def _dask(scheduler: Any, templates: Sequence[Path]) -> Iterator[Submit]:
    try:
        import distributed
    except ImportError:
        raise InvalidParameterError(
            "executor dask: the distributed package is not installed. How to fix: "
            "pip install 'ldsa[dask]' on this machine and on every worker."
        ) from None
    api: Any = distributed  # untyped functions
    client = api.Client(scheduler)
    try:
        # Runs on every worker now and on every worker that joins later; the next run's
        # plugin replaces it (same name).
        client.register_plugin(_preload_plugin(api.WorkerPlugin, templates), name=PLUGIN)

        def submit(job: JobFunction, specs: Sequence[JobSpec]) -> Iterator[JobResult]:
            futures = client.map(job, list(specs), pure=False)
            try:
                for future in api.as_completed(futures):
                    yield future.result()
            finally:
                client.cancel(futures)  # an interrupted run leaves no job queued

        yield submit
    finally:
        client.close()


#: The name of the worker plugin that preloads a run's imports on a Dask cluster.
PLUGIN = "ldsa-preload"


def _preload_plugin(base: type, templates: Sequence[Path]) -> Any:
    """A ``distributed.WorkerPlugin`` (``base``, imported only when Dask is used) that
    imports what ``templates`` and every job import once on each worker, including
    workers that join the cluster mid-run."""

    class Preload(base):  # type: ignore[misc]  # base: distributed's, untyped
        def __init__(self, templates: list[Path]) -> None:
            self.templates = templates

        def setup(self, worker: Any) -> None:
            preload(self.templates)

    return Preload(list(templates))
