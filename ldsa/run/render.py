"""Render an executed notebook as a self-contained HTML report (no code, images inlined)."""

from __future__ import annotations

import dataclasses
import html
import importlib.metadata
import platform
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ldsa import __version__
from ldsa.report.release import ReleaseSummary

#: Packages whose versions every report records, so numbers can be reproduced.
PROVENANCE_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "pyarrow",
    "duckdb",
    "pandera",
    "papermill",
    "nbconvert",
    "xlsxwriter",  # the workbooks' bytes
)

PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("ldsa.run", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclasses.dataclass(frozen=True)
class ReportHeader:
    """What the title block and provenance footer say."""

    template_title: str
    la_code: str
    la_name: str
    region_name: str
    period: str
    data_source: str
    source_kind: str
    sources: tuple[str, ...]
    template_sha256: str
    store_sha256: str
    policy: str


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the numbers."""
    versions = {"python": platform.python_version(), "ldsa": __version__}
    for name in PROVENANCE_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def notebook_body(executed: Path) -> str:
    """The notebook's markdown and outputs as HTML, with code, prompts and stderr removed."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(executed, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if not _PARAMETER_TAGS & set(_tags(cell))]
    _drop_title(notebook.cells)
    for position, cell in enumerate(notebook.cells):
        cell.id = f"cell-{position}"  # papermill adds random ids; reports must be reproducible
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.get("outputs", []) if _released(output)]
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,  # no "¶" after every heading
    )
    body, _resources = exporter.from_notebook_node(notebook)
    return str(body)


_PARAMETER_TAGS = {"parameters", "injected-parameters"}


def _tags(cell: Any) -> list[str]:
    tags: list[str] = cell.get("metadata", {}).get("tags", [])
    return tags


def _drop_title(cells: list[Any]) -> None:
    """Remove the template's own level-one heading: the page's title block replaces it."""
    if cells and cells[0].cell_type == "markdown" and cells[0].source.startswith("# "):
        cells[0].source = cells[0].source.partition("\n")[2].lstrip("\n")


def _released(output: dict[str, Any]) -> bool:
    """Keep rich results only: stream text (warnings, prints) and errors never reach a report."""
    return output.get("output_type") in ("execute_result", "display_data")


#: A report's figure (:class:`ldsa.report.figures.FigureOutput`) and its caption.
_FIGURE = re.compile(
    r'<figure class="ldsa-figure">.*?<figcaption>(.*?)</figcaption></figure>', re.DOTALL
)


def scrolling_figures(body: str) -> str:
    """Put every figure in a focusable scrolling region named by its caption, as tables
    are: on a narrow screen a chart keeps a width at which its labels are legible and
    scrolls sideways in its box (the stylesheet sets the width), and keyboard users can
    scroll it (WCAG 1.4.10, 2.1.1)."""

    def wrap(match: re.Match[str]) -> str:
        label = html.escape(html.unescape(match.group(1)), quote=True)
        return (
            f'<div class="figure-scroll" role="region" tabindex="0" aria-label="{label}">'
            f"{match.group(0)}</div>"
        )

    return _FIGURE.sub(wrap, body)


def render_page(header: ReportHeader, body: str, release: ReleaseSummary) -> str:
    """Wrap a notebook body in the report page: title block, dummy banner, the disclosure
    note with the report's downloads, provenance footer."""
    page = PAGES.get_template("report.html.j2")
    return page.render(
        header=header,
        body=Markup(scrolling_figures(body)),
        release=release,
        versions=package_versions(),
    )
