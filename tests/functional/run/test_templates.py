"""The template contract: stripped, one parameters cell, the agreed parameters, thin cells."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

import ldsa
from ldsa import sdc
from ldsa.data.store import AREA_TABLES, Store
from ldsa.errors import ExitCode, InvalidParameterError, TemplateError
from ldsa.report.measures import CASES
from ldsa.report.spec import TemplateSpec
from ldsa.run.job import JobStatus
from ldsa.run.pipeline import RunRequest, run_pipeline
from ldsa.run.templates import (
    REQUIRED_PARAMETERS,
    Template,
    default_notebooks_dir,
    discover,
    measures_of,
    select,
)
from tests.bundles import check_links, check_workbook, check_zip, released_tables

TEMPLATES = discover()


def test_templates_exist() -> None:
    """The templates ship as package data, each with a report module declaring its spec."""
    assert "overview" in TEMPLATES
    assert default_notebooks_dir().parent == Path(ldsa.__file__).parent


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_spec_matches_the_notebook(template: Template) -> None:
    """The notebook names its report module; the module's spec is for this template, its
    title is the notebook's heading, and it reads only store tables."""
    assert template.notebook()["metadata"]["ldsa"]["report"].startswith("ldsa.report.")
    spec = template.spec
    assert spec.name == template.name
    heading = "".join(template.notebook()["cells"][0]["source"]).splitlines()[0]
    assert heading == f"# {spec.title}"
    assert spec.description
    assert set(spec.needs) <= {*AREA_TABLES, "survey", "deprivation", "geography"}
    assert len({m.name for m in spec.measures}) == len(spec.measures)


def test_measures_of_the_selected_templates_only(tmp_path: Path) -> None:
    """The batch plans each measure the chosen templates use once; a plain notebook (no
    report module) uses none; two definitions under one name are a template error."""
    plain = _notebook(tmp_path, "plain", {})
    assert plain.spec.title == "Plain"
    assert plain.spec.measures == ()
    assert plain.spec.description == "What it shows."
    assert measures_of([plain]) == []
    overview = TEMPLATES["overview"]
    assert [m.name for m in measures_of([overview, overview, plain])] == [
        "cases",
        "covid_deaths",
        "deaths",
    ]
    clash = dataclasses.replace(CASES, label="Something else")
    other = Template("other", tmp_path / "other.ipynb")
    object.__setattr__(other, "spec", TemplateSpec("other", "Other", "", (), (clash,)))
    with pytest.raises(TemplateError, match="'cases', defined differently") as caught:
        measures_of([overview, other])
    assert caught.value.exit_code is ExitCode.TEMPLATE


@pytest.mark.parametrize(
    ("report", "message"),
    [("ldsa.report.nowhere", "has no SPEC"), ("ldsa.report.overview", "not the TemplateSpec")],
)
def test_bad_report_module_is_a_template_error(tmp_path: Path, report: str, message: str) -> None:
    """A notebook naming a missing module, or another template's, fails validation (8)."""
    template = _notebook(tmp_path, "mine", {"ldsa": {"report": report}})
    with pytest.raises(TemplateError, match=message) as caught:
        template.validate()
    assert caught.value.exit_code is ExitCode.TEMPLATE


def _notebook(folder: Path, name: str, metadata: dict[str, object]) -> Template:
    parameters = (
        'la_code = "E06900001"\nstore = "dummy"\nperiod_start = "2020-03-01"\n'
        'period_end = "2022-03-31"\npolicy = "default"'
    )
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": f"# {name.title()}\n\nWhat it shows."},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": parameters,
         "outputs": [], "execution_count": None},
    ]  # fmt: skip
    metadata = {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}, **metadata}
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4,
                                "nbformat_minor": 4}))  # fmt: skip
    return Template(name, path)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_outputs_are_stripped(template: Template) -> None:
    """No cell keeps outputs or an execution count."""
    for cell in template.notebook()["cells"]:
        assert not cell.get("outputs"), cell
        assert cell.get("execution_count") is None, cell


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_exactly_one_parameters_cell(template: Template) -> None:
    """Exactly one cell is tagged ``parameters`` and it is the first code cell."""
    cells = template.notebook()["cells"]
    tagged = [
        i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(tagged) == 1
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    assert tagged == [first_code]


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_parameters_are_the_agreed_ones(template: Template) -> None:
    """Parameters are la_code, store, period_start and period_end; store defaults to the dummy."""
    parameters = template.parameters()
    assert tuple(parameters)[: len(REQUIRED_PARAMETERS)] == REQUIRED_PARAMETERS
    assert parameters["store"] == '"dummy"'


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_first_cell_is_a_title(template: Template) -> None:
    """The first cell is markdown starting with a level-one heading."""
    cell = template.notebook()["cells"][0]
    assert cell["cell_type"] == "markdown"
    assert "".join(cell["source"]).startswith("# ")


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_cells_are_thin(template: Template) -> None:
    """Code cells import only from ldsa, open no files and hold no definitions or loops."""
    for cell in template.notebook()["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] == "ldsa", node.module
            assert not isinstance(node, ast.Import), "use `from ldsa... import ...`"
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.For | ast.While)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "exec", "eval"}, node.func.id


def test_unknown_template_named_with_hint() -> None:
    """Asking for an unknown template lists the available ones and the nearest match."""
    with pytest.raises(InvalidParameterError, match="did you mean 'overview'"):
        select(TEMPLATES, ["overveiw"])


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (None, "not a readable notebook"),
        ([{"cell_type": "markdown", "metadata": {}, "source": "# T"}], "0 cells tagged"),
        (
            [
                {"cell_type": "markdown", "metadata": {}, "source": "# T"},
                {"cell_type": "code", "metadata": {"tags": ["parameters"]},
                 "source": 'la_code = "E06900001"', "outputs": [], "execution_count": None},
            ],
            "lacks store, period_start",
        ),
    ],
)  # fmt: skip
def test_broken_template_is_its_authors_error(
    tmp_path: Path, cells: list[dict[str, object]] | None, message: str
) -> None:
    """An unreadable notebook, a missing parameters cell or missing parameters are template
    errors (exit code 8), found before any job runs."""
    path = tmp_path / "t.ipynb"
    metadata = {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}}
    notebook = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}
    path.write_text("{not json" if cells is None else json.dumps(notebook))
    with pytest.raises(TemplateError, match=message) as caught:
        Template("t", path).validate()
    assert caught.value.exit_code is ExitCode.TEMPLATE


def test_every_template_runs_on_the_dummy_store(small_store: Path, tmp_path: Path) -> None:
    """Every registered template, run by the batch for the smallest and the largest
    authority of the small store: every job ok, every page ends with the disclosure
    section and links to its CSVs, every CSV has its record, the scan finds nothing, and
    each authority's zip and workbook hold every report and table: the zip unpacked on its
    own has no broken link, the workbook readable headers and sheet names."""
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    codes = [str(people.idxmin()), str(people.idxmax())]
    outcome = run_pipeline(
        RunRequest(
            store=store, templates=list(TEMPLATES.values()), authorities=codes,
            period=("2020-03-01", "2022-03-31"), reports_dir=tmp_path / "reports",
            work_dir=tmp_path / "work", progress=False,
        )
    )  # fmt: skip
    assert [r.status for r in outcome.results] == [JobStatus.OK] * len(codes) * len(TEMPLATES), [
        r.error for r in outcome.results
    ]
    assert outcome.scan.findings == ()
    for code in codes:
        tables = {p.name for p in (tmp_path / "reports" / code / "tables").glob("*.csv")}
        for name in TEMPLATES:
            page = (tmp_path / "reports" / code / f"{name}.html").read_text(encoding="utf-8")
            assert 'id="release-heading"' in page
            assert "¶" not in page  # no anchor link after every heading
            mine = {t for t in tables if t.startswith(f"{code}_{name}_")}
            assert mine, name
            assert all(f'href="tables/{t}"' in page for t in mine)
            records = sdc.read_records([tmp_path / "work" / "records" / f"{code}--{name}.json"])
            files = {f.rsplit("/", 1)[-1] for r in records for f in r.files}
            assert mine <= files
        reports = tmp_path / "reports"
        check_zip(reports / f"{code}.zip", code, store.authority(code).la_name, reports)
        assert check_links(reports / f"{code}.zip", tmp_path / f"unpacked-{code}") > len(tables)
        sheets = check_workbook(reports / f"{code}.xlsx", released_tables(reports, code))
        assert len(sheets) == 4 + len(tables)
