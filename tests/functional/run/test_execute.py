"""Each job in a fresh fork of its worker: no state carried over, timeouts, dead jobs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ldsa.run.execute import ExecutionError, execute, preload

PARAMETERS = 'la_code = "E06900001"'

#: Fails if any global state an earlier job changed is still there, then changes it all;
#: its result is its first draw from numpy's global random state.
PROBE = """
import json, os, warnings
import matplotlib, numpy, pandas
first_draw = numpy.random.random()
seen = {
    "rcParams": matplotlib.rcParams["lines.linewidth"] == 9.0,
    "pandas option": pandas.get_option("display.max_rows") == 3,
    "os.environ": "LDSA_PROBE" in os.environ,
    "working directory": os.getcwd() == "/",
    "warnings filters": any(f[0] == "error" and f[2] is UserWarning for f in warnings.filters),
    "monkeypatch": hasattr(json, "probe_patched"),
}
matplotlib.rcParams["lines.linewidth"] = 9.0
pandas.set_option("display.max_rows", 3)
numpy.random.seed(12345)
os.environ["LDSA_PROBE"] = "1"
os.chdir("/")
warnings.simplefilter("error", UserWarning)
json.probe_patched = True
leaked = [name for name, found in seen.items() if found]
if leaked:
    raise RuntimeError("state leaked: " + ", ".join(leaked))
first_draw
"""


def _notebook(folder: Path, name: str, code: str) -> Path:
    parameters = new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]})
    cells = [new_markdown_cell(f"# {name}"), parameters, new_code_cell(code)]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb"


def _result(executed: Path) -> object:
    """The text of the last cell's result."""
    cell = nbformat.read(executed, as_version=4).cells[-1]
    (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    return result.data["text/plain"]


def test_no_global_state_reaches_the_next_job(tmp_path: Path) -> None:
    """A job that changes rcParams, pandas options, numpy's random state, os.environ, the
    working directory, warnings filters and an imported module leaves the next job (same
    worker process) none of it: neither fails, and both draw the same first number."""
    template = _notebook(tmp_path / "notebooks", "probe", PROBE)
    preload([template])
    execute(template, tmp_path / "work" / "first.ipynb", {"la_code": "E06900001"})
    execute(template, tmp_path / "work" / "second.ipynb", {"la_code": "E06900002"})
    assert _result(tmp_path / "work" / "first.ipynb") == _result(tmp_path / "work" / "second.ipynb")


def test_failing_cell_is_named(tmp_path: Path) -> None:
    """A failing cell is reported with its position (after the injected parameters) and
    its error's name; another library's message is withheld."""
    template = _notebook(tmp_path, "boom", 'raise ValueError("patient qwxyz-zyxwq")')
    with pytest.raises(ExecutionError) as caught:
        execute(template, tmp_path / "work" / "boom.ipynb", {"la_code": "E06900001"})
    assert (caught.value.cell, caught.value.ename) == (4, "ValueError")
    assert "qwxyz" not in str(caught.value)
    assert (tmp_path / "work" / "boom.ipynb").is_file()  # kept in the work folder


def test_slow_job_is_stopped(tmp_path: Path) -> None:
    """A job past its time limit is killed and reported, not waited for."""
    template = _notebook(tmp_path, "slow", "import time\ntime.sleep(60)")
    with pytest.raises(ExecutionError, match="took longer than 1 s") as caught:
        execute(template, tmp_path / "work" / "slow.ipynb", {}, timeout=1)
    assert caught.value.cell == 0


def test_dead_job_is_reported(tmp_path: Path) -> None:
    """A job whose process is killed outright is a failed job, not a hang."""
    template = _notebook(
        tmp_path, "dies", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    )
    with pytest.raises(ExecutionError, match="ended with signal 9"):
        execute(template, tmp_path / "work" / "dies.ipynb", {})
