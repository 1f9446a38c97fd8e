"""The run pipeline: every task in order, one outcome, one exit code."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import ldsa
from ldsa.data.store import Store
from ldsa.errors import ExitCode, InvalidParameterError
from ldsa.run.job import JobStatus
from ldsa.run.pipeline import RunRequest, run_pipeline
from ldsa.run.templates import Template, discover

PERIOD = ("2020-03-01", "2022-03-31")


def _failing(folder: Path, code: str = "1 / 0", name: str = "boom") -> Template:
    parameters = new_code_cell(
        'la_code = "E06900001"\nstore = "dummy"\nperiod_start = "2020-03-01"\n'
        'period_end = "2022-03-31"\npolicy = "default"',
        metadata={"tags": ["parameters"]},
    )
    notebook = new_notebook(
        cells=[new_markdown_cell(f"# {name}"), parameters, new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"},
                  "language_info": {"name": "python"}},
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{name}.ipynb")
    return Template(name, folder / f"{name}.ipynb")


def _request(
    store: Path, tmp_path: Path, templates: list[Template], codes: list[str]
) -> RunRequest:
    return RunRequest(
        store=Store(store),
        templates=templates,
        authorities=codes,
        period=PERIOD,
        reports_dir=tmp_path / "reports",
        work_dir=tmp_path / "work",
        workers=1,
        progress=False,
    )


def test_outcome_of_a_run_with_a_failing_template(small_store: Path, tmp_path: Path) -> None:
    """Reports, index, manifest and checker pack are written for what ran; a failed job
    makes the exit code 1, with its cell and error name in the result."""
    code = Store(small_store).geography.codes[0]
    templates = [discover()["overview"], _failing(tmp_path / "notebooks")]
    outcome = run_pipeline(_request(small_store, tmp_path, templates, [code]))
    statuses = {r.template: r.status for r in outcome.results}
    assert statuses == {"overview": JobStatus.OK, "boom": JobStatus.FAILED}
    (failed,) = outcome.failed
    assert failed.error is not None
    assert failed.error.startswith("cell 4: ZeroDivisionError")
    assert (failed.cell, failed.error_name) == (4, "ZeroDivisionError")
    assert outcome.exit_code is ExitCode.PARTIAL_FAILURE
    assert outcome.scan.findings == ()
    assert outcome.index.is_file()
    assert (outcome.checker_dir / "results.json").is_file()
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text())
    assert {job["template"] for job in manifest["jobs"]} == {"overview", "boom"}


def test_bad_parameters_stop_the_pipeline_first(small_store: Path, tmp_path: Path) -> None:
    """An unknown authority is refused before any task writes anything."""
    request = _request(small_store, tmp_path, [discover()["overview"]], ["E06999999"])
    with pytest.raises(InvalidParameterError, match="E06999999"):
        run_pipeline(request)
    assert not (tmp_path / "reports").exists()


def test_template_that_releases_nothing_exits_8(small_store: Path, tmp_path: Path) -> None:
    """A template whose cells run but release nothing is its author's error: exit code 8."""
    code = Store(small_store).geography.codes[0]
    silent = _failing(tmp_path / "notebooks", code="x = 1", name="silent")
    outcome = run_pipeline(_request(small_store, tmp_path, [silent], [code]))
    (failed,) = outcome.failed
    assert failed.error_name == "TemplateError"
    assert outcome.exit_code is ExitCode.TEMPLATE


def test_a_weaker_policy_is_named_as_such(small_store: Path, tmp_path: Path) -> None:
    """A policy weaker than default that says why runs, and every report footer, the
    manifest and the checker pack name it as weaker, with its reason."""
    default = (Path(ldsa.__file__).parent / "policies" / "default.yaml").read_text()
    text = default.replace("name: default", "name: published").replace(
        "\nthreshold: 10", '\nthreshold: 0\nweaker_than_default: "figures already published"'
    )
    policy = tmp_path / "published.yaml"
    policy.write_text(text)
    code = Store(small_store).geography.codes[0]
    request = dataclasses.replace(
        _request(small_store, tmp_path, [discover()["overview"]], [code]), policy=str(policy)
    )
    outcome = run_pipeline(request)
    label = "published (version 1.0; WEAKER than default"
    page = (tmp_path / "reports" / code / "overview.html").read_text(encoding="utf-8")
    assert label in page
    assert "figures already published" in page
    manifest = json.loads((tmp_path / "reports" / "manifest.json").read_text())
    assert manifest["policy"]["label"].startswith(label)
    assert outcome.exit_code == ExitCode.OK
