"""Execute one template for one authority in a fresh fork of a pre-imported worker.

Imports cost seconds, more than a small report's own work, so each batch worker imports
what the templates import once (:func:`preload`). Every job then runs in a child process
forked from the worker: the child executes the notebook's cells with IPython in a fresh
namespace, writes the executed notebook and exits. Whatever a job changes (names,
matplotlib rcParams, pandas options, numpy's global random state, ``os.environ``, the
working directory, warnings filters, patched modules) dies with its child, so every job
starts from the same state, and a report does not depend on which jobs ran before it.
"""

from __future__ import annotations

import ast
import ctypes
import dataclasses
import importlib
import json
import os
import select
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ldsa.errors import TemplateError

#: Longest error text kept from a failing cell; longer text is cut (it is for people).
MAX_ERROR_CHARS = 300
#: Read at most this much from a child's result pipe (a small JSON object).
_MAX_MESSAGE = 65536
#: prctl option: the signal a process receives when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


@dataclasses.dataclass(frozen=True)
class ExecutionError(Exception):
    """A template cell raised: which cell, the error's name and its (shortened) message.

    ``cell`` is the position in the executed notebook, from 1; 0 when no cell is to blame
    (the job ran out of time, or its process died).
    """

    cell: int
    ename: str
    evalue: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell else "job"
        return f"{where}: {self.ename}: {self.evalue}"


#: What every job imports besides its template's own modules: the cell runner, papermill's
#: parameter injection, the notebook writer and the HTML export (done in the worker).
JOB_MODULES = (
    "IPython.core.interactiveshell",
    "IPython.utils.capture",
    "nbconvert",
    "nbformat",
    "papermill.iorw",
    "papermill.parameterize",
    "ldsa.run.job",
)


def preload_modules(templates: Sequence[Path]) -> list[str]:
    """The modules a batch worker imports before its first job: every module the
    templates' code cells import, and what every job needs (:data:`JOB_MODULES`)."""
    return sorted({m for path in templates for m in _imported_modules(path)} | set(JOB_MODULES))


def preload(templates: Sequence[Path]) -> None:
    """Import :func:`preload_modules` and start IPython in this process.

    Called once per batch worker, before its first job: forked jobs then find them loaded.
    A module that fails to import is left for the job to report, with its cell.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in preload_modules(templates):
        try:
            importlib.import_module(name)
        except Exception:  # the job that needs it reports the failure
            continue
    _shell()


def _imported_modules(template: Path) -> set[str]:
    """Modules named by the import statements of a notebook's code cells."""
    try:
        cells = json.loads(template.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    names: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return names


def _shell() -> Any:
    """The IPython shell of this process (without history: jobs leave no trace on disk)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def execute(
    template: Path,
    output: Path,
    parameters: dict[str, Any],
    release: Path | None = None,
    timeout: int = 600,
    ledger: Path | None = None,
) -> None:
    """Run ``template`` with ``parameters`` injected, writing the executed notebook to ``output``.

    The cells run in a child forked from this process, in ``output``'s folder; the
    parameters are injected as papermill does (a cell tagged ``injected-parameters`` after
    the ``parameters`` cell). With ``release``, the child opens a release session before
    the first cell and, once every cell has run, writes the report's released tables and
    records into that folder (:mod:`ldsa.report.release`), its disclosure plans made
    against the earlier releases of ``ledger`` (if given).

    Raises
    ------
    ExecutionError
        When a cell fails (naming the cell), the job takes longer than ``timeout`` seconds,
        or its process dies.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    try:
        notebook = parameterize_notebook(load_notebook_node(str(template)), parameters)
    except Exception as error:  # nbformat's and papermill's many ways to refuse a file
        raise TemplateError(
            f"template {template.name}: not a readable notebook ({type(error).__name__}). "
            "How to fix: open and save it in Jupyter."
        ) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    reader, writer = os.pipe()
    parent = os.getpid()
    child = os.fork()
    if child == 0:  # pragma: no cover  # the child's lines run after coverage's fork
        os.close(reader)
        code = 1
        try:
            die_with_parent(parent)
            message = _run_cells(notebook, output, release, template.stem, ledger)
            os.write(writer, json.dumps(message).encode("utf-8"))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    try:
        message = _wait(child, reader, timeout)
    finally:
        os.close(reader)
    if "internal" in message:
        raise RuntimeError(f"executing {template.name}: {message['internal']}")
    if message:
        ename, evalue = str(message["ename"]), str(message["evalue"])
        if ename not in _ldsa_error_names():  # another library's text may quote data values
            # The notebook's place inside the work folder: reruns elsewhere give the same text.
            evalue = f"message withheld; see {output.parent.name}/{output.name} in the work folder"
        raise ExecutionError(int(message["cell"]), ename, evalue[:MAX_ERROR_CHARS])


def die_with_parent(parent: int) -> None:  # pragma: no cover  # runs in a child
    """Have the kernel kill this process when its parent ``parent`` dies (a job's process
    when its batch worker dies; a worker when the fork server leaves), so that a stopped
    or killed batch leaves nothing running (Linux ``PR_SET_PDEATHSIG``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _wait(child: int, reader: int, timeout: int) -> dict[str, Any]:
    """The child's message ({} when every cell ran), once it has exited."""
    deadline = time.monotonic() + timeout
    received = b""
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([reader], [], [], max(left, 0))
        if not ready:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            raise ExecutionError(0, "TimeoutError", f"the report took longer than {timeout} s")
        chunk = os.read(reader, _MAX_MESSAGE)
        if not chunk:
            break
        received += chunk
    _, status = os.waitpid(child, 0)
    if not received:
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit code {os.waitstatus_to_exitcode(status)}"
        )
        raise ExecutionError(0, "JobProcessDied", f"the job's process ended with {how}")
    message: dict[str, Any] = json.loads(received)
    return message


def _run_cells(
    notebook: Any, output: Path, release: Path | None, template: str, ledger: Path | None
) -> dict[str, Any]:  # pragma: no cover  # runs in the child
    """Execute every code cell in a fresh namespace; record outputs; stop at the first error;
    then finish the release (when asked).

    Returns {} when every cell ran, the failing cell's position (0: the release), name and
    message, or ``{"internal": ...}`` when ldsa itself failed.
    """
    import nbformat

    from ldsa.errors import TemplateError
    from ldsa.report import release as releases

    try:
        os.chdir(output.parent)
        shell = _shell()
        if release is not None:
            releases.begin(release, template, ledger)
        failure: dict[str, Any] = {}
        for position, cell in enumerate(notebook.cells, start=1):
            if cell.cell_type != "code":
                continue
            cell.outputs, error = _run_cell(shell, cell.source)
            if error is not None:
                failure = {"cell": position, "ename": type(error).__name__, "evalue": str(error)}
                break
        nbformat.write(notebook, output)  # type: ignore[no-untyped-call]
        if release is not None and not failure:
            try:
                releases.finish()
            except TemplateError as error:
                failure = {"cell": 0, "ename": type(error).__name__, "evalue": str(error)}
        return failure
    except Exception as bug:
        return {"internal": f"{type(bug).__name__}: {bug}"}


def _run_cell(
    shell: Any, source: str
) -> tuple[list[Any], BaseException | None]:  # pragma: no cover
    """One cell's outputs as nbformat output nodes, and the error it raised (or None)."""
    from IPython.utils.capture import capture_output

    with capture_output(stdout=True, stderr=True, display=True) as captured:
        result = shell.run_cell(source, store_history=False)
    outputs = [_output("display_data", data=o.data, metadata=o.metadata) for o in captured.outputs]
    if result.result is not None:
        data, metadata = shell.display_formatter.format(result.result)
        outputs.append(_output("execute_result", data=data, metadata=metadata))
    for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)):
        if text:
            outputs.append(_output("stream", name=name, text=text))
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        outputs.append(
            _output("error", ename=type(error).__name__, evalue=str(error), traceback=[])
        )
    return outputs, error


def _output(kind: str, **fields: Any) -> Any:  # pragma: no cover  # runs in the child
    """An nbformat output node (nbformat is untyped)."""
    from nbformat.v4 import new_output

    return new_output(kind, **fields)  # type: ignore[no-untyped-call]


def _ldsa_error_names() -> set[str]:
    """Names of ldsa's own error classes, whose messages never quote row-level values."""
    from ldsa.errors import LdsaError

    names, pending = set(), [LdsaError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending += cls.__subclasses__()
    return names
