"""Local batch workers that no death can hang, and that die with the run.

``multiprocessing.Pool`` loses the task of a worker that dies and waits for it for ever.
Here the parent watches every worker's process as well as its pipe: a worker that dies
(killed, out of memory) fails the job it held, with the reason, and a fresh worker takes
its place; a job that outlives the watchdog's limit is killed with its worker and failed
the same way. Every job gets a result, so the batch always ends.

Workers die with the run. A thread in each watches its pipe to the run's process and
kills the worker the moment the run's end closes, however the run ended (even ``kill
-9``); a job's process dies with its worker (``PR_SET_PDEATHSIG``, :mod:`ldsa.run.execute`).
Each worker also dies with its parent, the fork server, and gives up its copy of the fork
server's lifeline (a pipe the standard library hands to every process it forks), so that
the fork server, too, leaves as soon as the run's process is gone. A killed run leaves
nothing running, and nothing writing into its folders.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ldsa.run.execute import die_with_parent, preload

if TYPE_CHECKING:  # ldsa.run.job imports the statistics: seconds the CLI spends elsewhere
    from ldsa.run.job import JobResult, JobSpec

#: Longest a job may take in its worker (its cells have 600 s; then rendering) before the
#: watchdog kills the worker and fails the job.
WATCHDOG_SECONDS = 900.0
#: How long idle workers get to leave after the last job before they are killed.
_LEAVE_SECONDS = 5.0


@dataclasses.dataclass(eq=False)  # one per process: compared and hashed by identity
class _Worker:
    """One worker process, its end of the pipe, and the job it holds (if any)."""

    process: BaseProcess
    connection: Connection
    ready: bool = False  #: its imports are done: it takes jobs
    spec: JobSpec | None = None
    started: float = 0.0
    deadline: float = math.inf


#: What a worker sends once its imports are done, before any result.
_READY = "ready"


class WorkerPool:
    """``count`` workers that import what ``templates`` import once, then run jobs.

    Parameters
    ----------
    count
        Workers started at once (and kept at that number while jobs remain).
    templates
        Templates whose imports each worker makes before its first job.
    timeout
        Seconds a job may run in its worker (imports not counted) before the watchdog
        stops it.
    """

    def __init__(self, count: int, templates: Sequence[Path], timeout: float) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._templates = list(templates)
        self._timeout = timeout
        self._workers = [self._start() for _ in range(count)]
        #: Deaths of workers that held no job; beyond a bound, the jobs left are failed
        #: rather than given to workers that die on start-up for ever.
        self._idle_deaths = 0
        self._max_idle_deaths = 2 * count + 2

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, self._templates))
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def map(
        self, job: Callable[[JobSpec], JobResult], specs: Sequence[JobSpec]
    ) -> Iterator[JobResult]:
        """Run ``job`` on every spec; yield each result as it arrives (one per spec, in
        the order they finish)."""
        queue = collections.deque(specs)
        while queue or self._busy():
            for worker in self._workers:
                if queue and worker.ready and worker.spec is None:
                    self._give(worker, job, queue.popleft())
            yield from self._collect(queue)

    def _busy(self) -> list[_Worker]:
        return [w for w in self._workers if w.spec is not None]

    def _give(self, worker: _Worker, job: Callable[[JobSpec], JobResult], spec: JobSpec) -> None:
        worker.spec, worker.started = spec, time.monotonic()
        worker.deadline = worker.started + self._timeout
        with contextlib.suppress(OSError):  # died meanwhile: its sentinel says so next
            worker.connection.send((job, spec))

    def _collect(self, queue: collections.deque[JobSpec]) -> Iterator[JobResult]:
        """Wait for a message, a dead worker or the next deadline; yield what that ends."""
        busy = self._busy()
        waits: dict[Any, _Worker] = {
            w.connection: w for w in self._workers if w.spec is not None or not w.ready
        }
        waits |= {w.process.sentinel: w for w in self._workers}
        next_deadline = min((w.deadline for w in busy), default=math.inf)
        timeout = None if next_deadline == math.inf else max(0.0, next_deadline - time.monotonic())
        ready = multiprocessing.connection.wait(list(waits), timeout)
        for worker in dict.fromkeys(waits[r] for r in ready):
            result = self._receive(worker)
            if result is not None:
                yield result
            if not worker.process.is_alive():
                yield from self._bury(worker, queue)
        for worker in self._busy():
            if worker.spec is not None and time.monotonic() >= worker.deadline:
                worker.process.kill()  # its job's process dies with it
                worker.process.join()
                yield self._lost(worker, worker.spec, "TimeoutError", _watchdog(self._timeout))
                self._replace(worker, queue)

    def _receive(self, worker: _Worker) -> JobResult | None:
        """The worker's result, if it sent one (a worker that says it is ready is marked so)."""
        try:
            if not worker.connection.poll():
                return None
            message: JobResult | str = worker.connection.recv()
        except (EOFError, OSError):  # closed: the worker is dying; its sentinel tells how
            worker.process.join(_LEAVE_SECONDS)
            return None
        if isinstance(message, str):
            worker.ready = message == _READY
            return None
        worker.spec, worker.deadline = None, math.inf
        return message

    def _bury(self, worker: _Worker, queue: collections.deque[JobSpec]) -> Iterator[JobResult]:
        """Reap a dead worker, fail the job it held, and start another if jobs remain."""
        worker.process.join()
        if worker.spec is not None:
            yield self._lost(worker, worker.spec, "WorkerDied", _death(worker.process.exitcode))
        else:
            self._idle_deaths += 1
        if self._idle_deaths > self._max_idle_deaths:
            while queue:  # workers die before taking any job: stop trying
                yield _lost_job(queue.popleft(), "WorkerDied", _RESTARTS, 0.0)
        self._replace(worker, queue)

    def _lost(self, worker: _Worker, spec: JobSpec, name: str, reason: str) -> JobResult:
        result = _lost_job(spec, name, reason, time.monotonic() - worker.started)
        worker.spec, worker.deadline = None, math.inf
        return result

    def _replace(self, worker: _Worker, queue: collections.deque[JobSpec]) -> None:
        worker.connection.close()
        index = self._workers.index(worker)
        if queue:
            self._workers[index] = self._start()
        else:
            del self._workers[index]

    def close(self) -> None:
        """Let idle workers leave, then stop any that linger."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        deadline = time.monotonic() + _LEAVE_SECONDS
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
        self.terminate()

    def terminate(self) -> None:
        """Kill every worker now (their jobs' processes die with them) and reap them."""
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers:
            worker.process.join()
            worker.connection.close()
        self._workers = []


_RESTARTS = "batch workers keep dying before taking a job; see the run's error output"


def _death(exitcode: int | None) -> str:
    how = (
        f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    )
    return (
        f"the batch worker running it ended with {how} (killed, or out of memory). "
        "How to fix: run again with --resume to make the missing reports"
    )


def _watchdog(timeout: float) -> str:
    return (
        f"the job took longer than {timeout:g} s and was stopped with its worker. "
        "How to fix: look for a cell that never ends in the executed notebook"
    )


def _lost_job(spec: JobSpec, name: str, reason: str, seconds: float) -> JobResult:
    from ldsa.run.job import lost_job

    return lost_job(spec, name, reason, seconds)


def _serve(connection: Connection, templates: list[Path]) -> None:  # pragma: no cover
    """A worker's life (in its own process): tie it to the run, import, then run every job
    it is sent until told to stop or the run is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's: it stops us
    die_with_parent(os.getppid())
    threading.Thread(target=_die_with_run, args=(connection.fileno(),), daemon=True).start()
    _let_go_of_fork_server()
    preload(templates)
    try:
        connection.send(_READY)
    except OSError:  # the run is gone
        return
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the run is gone
            return
        if task is None:
            return
        job, spec = task
        result = job(spec)
        try:
            connection.send(result)
        except OSError:  # the run is gone: nobody to tell, nothing more to do
            return


def _die_with_run(descriptor: int) -> None:  # pragma: no cover  # runs in a worker
    """Kill this worker (and so its job's process) as soon as the run's end of the pipe
    closes: the run is gone, and nothing it started may go on writing.

    Waits for the peer's hang-up only (``POLLRDHUP``), never for data, so it takes nothing
    the worker's own loop reads.
    """
    poller = select.poll()
    poller.register(descriptor, select.POLLRDHUP)
    while True:
        for _, events in poller.poll():
            if events & (select.POLLRDHUP | select.POLLHUP | select.POLLERR | select.POLLNVAL):
                os.kill(os.getpid(), signal.SIGKILL)


def _let_go_of_fork_server() -> None:  # pragma: no cover  # runs in a worker
    """Close this worker's copy of the fork server's lifeline.

    The fork server leaves when every copy of the pipe's writing end is closed; the
    standard library passes one to each process it forks, so while any worker held its
    copy, a run killed outright would leave the fork server, and the workers it parents,
    running.
    """
    server: Any = getattr(multiprocessing.forkserver, "_forkserver", None)
    descriptor = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(descriptor, int):
        with contextlib.suppress(OSError):
            os.close(descriptor)
        server._forkserver_alive_fd = None
