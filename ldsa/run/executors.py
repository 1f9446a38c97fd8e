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
import multiprocessing.pool
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ldsa.errors import InvalidParameterError
from ldsa.run.execute import preload
from ldsa.run.job import JobResult, JobSpec

JobFunction = Callable[[JobSpec], JobResult]
#: Runs a job function on every spec and yields results as they finish.
Submit = Callable[[JobFunction, Sequence[JobSpec]], Iterator[JobResult]]
KINDS = ("local", "dask")


@dataclasses.dataclass(frozen=True)
class Executor:
    """How to run jobs.

    ``local``: ``workers`` processes on this machine (default: one per core). ``dask``: the
    workers of the Dask scheduler at ``scheduler`` (an address such as
    ``tcp://10.0.0.5:8786``, or a ``distributed`` cluster object in tests).
    """

    kind: str = "local"
    workers: int | None = None
    scheduler: Any = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidParameterError(
                f"executor {self.kind!r}: unknown. How to fix: use one of {', '.join(KINDS)}."
            )
        if (self.kind == "dask") != (self.scheduler is not None):
            raise InvalidParameterError(
                "executor: --scheduler ADDRESS goes with --executor dask, and only with it. "
                "How to fix: give both (e.g. --executor dask --scheduler tcp://host:8786), "
                "or neither."
            )


@contextlib.contextmanager
def running(executor: Executor, templates: Sequence[Path]) -> Iterator[Submit]:
    """Start the executor's workers (each imports what ``templates`` import once); stop
    them on leaving, at once if the run was interrupted."""
    if executor.kind == "dask":
        with _dask(executor.scheduler, templates) as submit:
            yield submit
        return
    pool = _pool(executor.workers, templates)
    try:
        yield lambda job, specs: pool.imap_unordered(job, specs)
        pool.close()
    except BaseException:
        pool.terminate()  # interrupted or killed: stop workers (and their jobs' processes)
        raise
    finally:
        pool.join()


def _pool(workers: int | None, templates: Sequence[Path]) -> multiprocessing.pool.Pool:
    count = workers or os.cpu_count() or 1
    # forkserver: workers start clean (no inherited threads or open files), import what the
    # templates import once, then fork a fresh process for every job they run.
    context = multiprocessing.get_context("forkserver")
    return context.Pool(count, initializer=preload, initargs=(list(templates),))


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
        client.run(preload, list(templates))  # every worker imports once

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
