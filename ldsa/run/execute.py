"""Execute one template for one authority with papermill, into the work folder.

Kernel start-up and imports cost several seconds, more than a small report's own work, so a
batch worker keeps one warm kernel (:class:`WarmKernel`) and papermill runs each job on it
through the ``ldsa-warm`` engine. Between jobs the kernel's namespace is reset, so no
variable leaks from one authority's report into the next; imported modules stay loaded.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing.util
from pathlib import Path
from typing import Any

#: Longest error text kept from a failing cell; longer text is cut (it is for people).
MAX_ERROR_CHARS = 300
#: Quiet kernels (their log lines would interleave with the progress bar) without history.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
#: Run between jobs on a warm kernel: forget every name the previous job defined.
_RESET = "%reset -f\nimport gc as _gc; _gc.collect(); del _gc"
ENGINE = "ldsa-warm"


@dataclasses.dataclass(frozen=True)
class ExecutionError(Exception):
    """A template cell raised: which cell, the error's name and its (shortened) message."""

    cell: int
    ename: str
    evalue: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.ename}: {self.evalue}"


class WarmKernel:
    """One long-lived kernel, restarted if it dies and reset before every job."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._manager: Any = None

    def ready(self) -> Any:
        """A live kernel manager whose namespace is empty."""
        from jupyter_client.manager import KernelManager

        if self._manager is None or not self._manager.is_alive():
            self.cwd.mkdir(parents=True, exist_ok=True)
            self._manager = KernelManager(kernel_name="python3")
            self._manager.start_kernel(extra_arguments=KERNEL_ARGUMENTS, cwd=str(self.cwd))
        else:
            client = self._manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=60)
                client.execute_interactive(_RESET, timeout=60, store_history=False)
            finally:
                client.stop_channels()
        return self._manager

    def shutdown(self) -> None:
        """Stop the kernel, if one is running."""
        if self._manager is not None and self._manager.has_kernel:
            self._manager.shutdown_kernel(now=True)
        self._manager = None


@functools.cache
def worker_kernel(cwd: Path) -> WarmKernel:
    """The warm kernel of this worker process, shut down when the worker exits."""
    kernel = WarmKernel(cwd)
    multiprocessing.util.Finalize(kernel, kernel.shutdown, exitpriority=10)
    _register_engine()
    return kernel


@functools.cache
def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):  # type: ignore[misc]  # papermill is untyped
        """papermill's nbclient engine on a kernel it does not own (passed as ``km``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            client = PapermillNotebookClient(
                nb_man,
                km=kwargs["km"],
                kernel_name=kernel_name,
                timeout=kwargs.get("execution_timeout"),
                startup_timeout=kwargs.get("start_timeout", 60),
                log_output=False,
            )
            try:
                return client.execute()
            finally:
                if client.kc is not None:  # the kernel stays; its client's sockets must not
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmKernelEngine)


def execute(
    template: Path,
    output: Path,
    parameters: dict[str, Any],
    kernel: WarmKernel | None = None,
    timeout: int = 600,
) -> None:
    """Run ``template`` with ``parameters`` injected, writing the executed notebook to ``output``.

    Parameters
    ----------
    kernel
        A warm kernel to run on; None starts (and stops) a kernel for this notebook alone.

    Raises
    ------
    ExecutionError
        When a cell fails, naming the cell (its position in the executed notebook, from 1).
    """
    import papermill  # imported lazily: it is slow and only workers need it

    output.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"extra_arguments": KERNEL_ARGUMENTS, "cwd": str(output.parent)}
    if kernel is not None:
        options = {"engine_name": ENGINE, "km": kernel.ready()}
    try:
        papermill.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            **options,
        )
    except papermill.PapermillExecutionError as error:
        # Position in the executed notebook, from 1 (execution counts run on across the
        # jobs of a warm kernel, so they would not identify the cell).
        cell = int(error.cell_index) + 1
        ename = str(error.ename)
        if ename in _ldsa_error_names():
            evalue = " ".join(str(error.evalue).split())[:MAX_ERROR_CHARS]
        else:  # another library's message may quote data values: keep it in the work folder
            evalue = f"message withheld; see the executed notebook {output}"
        raise ExecutionError(cell, ename, evalue) from None


def _ldsa_error_names() -> set[str]:
    """Names of ldsa's own error classes, whose messages never quote row-level values."""
    from ldsa.errors import LdsaError

    names, pending = set(), [LdsaError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending += cls.__subclasses__()
    return names
