"""Templates: discover the notebooks, read their specs and parameters, validate names.

A template is a notebook (package data in ``ldsa/notebooks/``, or a folder given with
``--notebooks``) whose metadata names its report module (``{"ldsa": {"report":
"ldsa.report.mortality"}}``); that module's ``SPEC`` (:class:`~ldsa.report.spec.TemplateSpec`)
declares its title, description, the store tables it needs and the disclosure measures it
uses. A notebook without that metadata is still a template (a TRE analyst's own), with a
spec read from the notebook itself and no batch-wide measures.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import importlib
import importlib.resources
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ldsa.data.store import file_sha256
from ldsa.errors import InvalidParameterError, TemplateError
from ldsa.report.measures import Measure
from ldsa.report.spec import TemplateSpec

#: Parameters every template declares, in this order.
REQUIRED_PARAMETERS = ("la_code", "store", "period_start", "period_end", "policy")


def default_notebooks_dir() -> Path:
    """The templates shipped with ldsa (package data)."""
    return Path(str(importlib.resources.files("ldsa") / "notebooks"))


@dataclasses.dataclass(frozen=True)
class Template:
    """One template notebook."""

    name: str
    path: Path

    @functools.cached_property
    def sha256(self) -> str:
        """Hash of the notebook file, recorded in every report made from it."""
        return file_sha256(self.path)

    @property
    def title(self) -> str:
        """The report's title."""
        return self.spec.title

    @functools.cached_property
    def spec(self) -> TemplateSpec:
        """The template's spec: from its report module, else read from the notebook.

        Raises
        ------
        TemplateError
            When the named report module cannot be imported, has no ``SPEC``, or its spec
            is for another template.
        """
        report = self.notebook().get("metadata", {}).get("ldsa", {}).get("report")
        if report is None:
            return self._spec_from_notebook()
        try:
            spec = importlib.import_module(str(report)).SPEC
        except (ImportError, AttributeError) as error:
            raise TemplateError(
                f"template {self.name}: its report module {report!r} has no SPEC "
                f"({type(error).__name__}). How to fix: define SPEC = TemplateSpec(...) in it."
            ) from None
        if not isinstance(spec, TemplateSpec) or spec.name != self.name:
            raise TemplateError(
                f"template {self.name}: {report}.SPEC is not the TemplateSpec of "
                f"{self.name!r}. How to fix: name the spec as the notebook file."
            )
        return spec

    def _spec_from_notebook(self) -> TemplateSpec:
        source = "".join(self.notebook()["cells"][0].get("source", ""))
        paragraphs = [p.strip() for p in source.split("\n\n") if p.strip()]
        heading = next((p for p in paragraphs if p.startswith("# ")), f"# {self.name}")
        description = next((p for p in paragraphs if not p.startswith("#")), "")
        return TemplateSpec(self.name, heading.splitlines()[0][2:].strip(), description)

    def notebook(self) -> dict[str, Any]:
        """The notebook JSON.

        Raises
        ------
        TemplateError
            When the file is not a readable notebook.
        """
        try:
            notebook: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(notebook.get("cells"), list) or not notebook["cells"]:
                raise ValueError("no cells")
        except (OSError, ValueError, AttributeError) as error:
            raise TemplateError(
                f"template {self.name} ({self.path}): not a readable notebook "
                f"({type(error).__name__}). How to fix: open and save it in Jupyter."
            ) from None
        return notebook

    def validate(self) -> None:
        """Check the notebook is a template: one ``parameters`` cell declaring every
        required parameter, and a spec.

        Raises
        ------
        TemplateError
            Naming the template, what is wrong and how to fix it.
        """
        cells = self.notebook()["cells"]
        tagged = [
            i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])
        ]
        if len(tagged) != 1:
            raise TemplateError(
                f"template {self.name}: {len(tagged)} cells tagged 'parameters'. How to fix: "
                "tag exactly one code cell 'parameters' (Jupyter: View > Cell toolbar > Tags)."
            )
        declared = self.parameters()
        missing = [p for p in REQUIRED_PARAMETERS if p not in declared]
        if missing:
            raise TemplateError(
                f"template {self.name}: its parameters cell lacks {', '.join(missing)}. "
                f"How to fix: declare {', '.join(REQUIRED_PARAMETERS)} there, with defaults."
            )
        if self.spec.check_parameters is not None:  # reading the spec validates it
            self.spec.check_parameters(self.parameter_values())

    def parameter_values(self) -> dict[str, object]:
        """The values of the parameters whose defaults are Python literals (the others,
        expressions, are left out)."""
        values = {}
        for name, source in self.parameters().items():
            try:
                values[name] = ast.literal_eval(source)
            except (ValueError, SyntaxError):
                continue
        return values

    def parameters(self) -> dict[str, str]:
        """The parameters declared in the ``parameters`` cell, with their defaults' source
        text (as ``papermill.inspect_notebook`` gives them, without importing papermill).

        Raises
        ------
        TemplateError
            When the ``parameters`` cell is not valid Python.
        """
        cells: list[dict[str, Any]] = self.notebook()["cells"]
        tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        source = "".join(tagged[0].get("source", "")) if tagged else ""
        try:
            statements = ast.parse(source).body
        except SyntaxError as error:
            raise TemplateError(
                f"template {self.name}: its parameters cell is not valid Python (line "
                f"{error.lineno}). How to fix: write one `name = default` per line there."
            ) from None
        declared = {}
        for node in statements:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                text = ast.get_source_segment(source, value) or ""
                declared[target.id] = "".join(line.strip() for line in text.splitlines())
        return declared


def discover(notebooks_dir: Path | None = None) -> dict[str, Template]:
    """Every template in the notebooks folder, by name (file stem), sorted."""
    folder = notebooks_dir or default_notebooks_dir()
    if not folder.is_dir():
        raise InvalidParameterError(
            f"notebooks folder {folder}: not found. How to fix: pass --notebooks DIR, a folder "
            "of template notebooks."
        )
    return {path.stem: Template(path.stem, path) for path in sorted(folder.glob("*.ipynb"))}


def select(templates: dict[str, Template], names: list[str] | None) -> list[Template]:
    """The templates asked for (all when ``names`` is empty), each name validated."""
    if not names:
        return list(templates.values())
    unknown = [name for name in names if name not in templates]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(templates), n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise InvalidParameterError(
            f"templates: unknown template(s) {', '.join(hints)}; available: "
            f"{', '.join(templates)}. How to fix: give --templates names that `ldsa templates` "
            "lists."
        )
    return [templates[name] for name in dict.fromkeys(names)]


def measures_of(templates: Iterable[Template]) -> list[Measure]:
    """The disclosure measures the templates use, each once, in first-use order.

    Raises
    ------
    TemplateError
        When two templates define a measure of the same name differently.
    """
    found: dict[str, tuple[Measure, str]] = {}
    for template in templates:
        for measure in template.spec.measures:
            seen = found.setdefault(measure.name, (measure, template.name))
            if seen[0] != measure:
                raise TemplateError(
                    f"templates {seen[1]} and {template.name}: both use a measure named "
                    f"{measure.name!r}, defined differently. How to fix: import the shared "
                    "measure from ldsa.report.measures, or give yours another name."
                )
    return [measure for measure, _ in found.values()]
