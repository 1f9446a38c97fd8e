"""The template contract: stripped, one parameters cell, the agreed parameters, thin cells."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ldsa.errors import ExitCode, InvalidParameterError, TemplateError
from ldsa.run.templates import REQUIRED_PARAMETERS, Template, discover, select

TEMPLATES = discover()


def test_templates_exist() -> None:
    """The overview template is present."""
    assert "overview" in TEMPLATES


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
