"""Start-up of a run: cheap planning, a fork server that imports beside it, no idle workers."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

from ldsa.errors import TemplateError
from ldsa.run.executors import Executor, running
from ldsa.run.templates import Template, discover

TEMPLATES = discover()

#: Run in a fresh interpreter: the fork server is one per process, started once.
FORK_SERVER_PROBE = """
import json, multiprocessing, os, sys
from pathlib import Path

from ldsa.run.executors import Executor, prestart


def loaded():
    return {
        "modules": [m for m in ("ldsa.report.overview", "nbconvert") if m in sys.modules],
        "MPLBACKEND": os.environ.get("MPLBACKEND"),
    }


if __name__ == "__main__":
    prestart(Executor(), [Path(sys.argv[1])])
    with multiprocessing.get_context("forkserver").Pool(1) as pool:  # no initializer
        worker = pool.apply(loaded)
    print(json.dumps({"worker": worker, "parent": os.environ.get("MPLBACKEND")}))
"""


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_parameters_read_as_papermill_reads_them(template: Template) -> None:
    """Parameters and their defaults' text are papermill's, without importing papermill."""
    inspected = papermill.inspect_notebook(str(template.path))
    assert template.parameters() == {name: info["default"] for name, info in inspected.items()}


def test_parameters_cell_that_is_not_python_is_a_template_error(tmp_path: Path) -> None:
    """A parameters cell that does not parse is its author's error, found while planning."""
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# T"},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": 'la_code = "E0',
         "outputs": [], "execution_count": None},
    ]  # fmt: skip
    path = tmp_path / "t.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}))
    with pytest.raises(TemplateError, match="not valid Python"):
        Template("t", path).validate()


def test_planning_imports_no_papermill(small_store: Path, tmp_path: Path) -> None:
    """Validating templates and planning a batch leave papermill unimported (it is slow)."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom ldsa.data.store import Store\n"
        "from ldsa.run.batch import plan_batch\nfrom ldsa.run.templates import discover\n"
        f"plan_batch(Store(Path({str(small_store)!r})), discover().values(), None, "
        f"('2020-03-01', '2022-03-31'), Path({str(tmp_path)!r}), Path({str(tmp_path)!r}))\n"
        "print('papermill' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_fork_server_preloads(tmp_path: Path) -> None:
    """Workers forked from the fork server find the templates' modules and the job's
    machinery imported, with matplotlib's Agg backend, and the caller's environment is
    left as it was."""
    script = tmp_path / "probe.py"
    script.write_text(FORK_SERVER_PROBE)
    command = [sys.executable, str(script), str(TEMPLATES["overview"].path)]
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["worker"] == {"modules": ["ldsa.report.overview", "nbconvert"], "MPLBACKEND": "Agg"}
    assert seen["parent"] is None


def test_no_more_local_workers_than_jobs() -> None:
    """One job starts one worker, however many are allowed."""
    with running(Executor(workers=2), [], jobs=1):
        assert len(multiprocessing.active_children()) == 1
