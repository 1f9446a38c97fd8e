"""The index site: every authority with its region and type, links to its reports, zip and
workbook, filters, and what each report holds."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from ldsa import __version__, sdc
from ldsa.atomic import write_atomic
from ldsa.data.store import Store
from ldsa.report.context import describe_period, parse_period
from ldsa.run.batch import INDEX
from ldsa.run.bundle import bundle_paths
from ldsa.run.job import JobResult, describe_source
from ldsa.run.render import PAGES
from ldsa.run.templates import Template


@dataclasses.dataclass(frozen=True)
class ReportLink:
    """One report of an authority in the index."""

    title: str
    href: str
    ok: bool


#: How the index names each type of authority (the geography's ``la_type``).
LA_TYPES = {
    "london_borough": "London borough",
    "metropolitan_district": "Metropolitan district",
    "non_metropolitan_district": "Non-metropolitan district",
    "unitary": "Unitary authority",
}


@dataclasses.dataclass(frozen=True)
class IndexRow:
    """One authority in the index."""

    la_code: str
    la_name: str
    la_type: str  #: in words (:data:`LA_TYPES`)
    region_name: str
    reports: tuple[ReportLink, ...]
    downloads: tuple[ReportLink, ...]  #: its zip and workbook, where published


@dataclasses.dataclass(frozen=True)
class TemplateNote:
    """What one template's report holds, for the index's "what's in each report"."""

    name: str
    title: str
    description: str


def build_index(
    store: Store,
    templates: list[Template],
    results: list[JobResult],
    reports_dir: Path,
    period: tuple[str, str],
) -> Path:
    """Write ``index.html``: every authority that has a job, with its region and type, links
    to its reports and to its zip and workbook, and what each template's report holds."""
    by_job = {(r.la_code, r.template): r for r in results}
    rows = []
    for authority in store.geography:
        links = tuple(
            ReportLink(t.title, f"{authority.la_code}/{t.name}.html", by_job[key].status.released)
            for t in templates
            if (key := (authority.la_code, t.name)) in by_job
        )
        if links:
            rows.append(
                IndexRow(
                    authority.la_code,
                    authority.la_name,
                    LA_TYPES.get(authority.la_type, authority.la_type.replace("_", " ")),
                    authority.region_name,
                    links,
                    _downloads(reports_dir, authority.la_code),
                )
            )
    notes = [TemplateNote(t.name, t.title, t.spec.description) for t in templates]
    page = PAGES.get_template("index.html.j2").render(
        authorities=rows,
        regions=sorted({row.region_name for row in rows}),
        types=sorted({row.la_type for row in rows}),
        templates=notes,
        period=describe_period(*parse_period(*period)),
        data_source=describe_source(store),
        source_kind=store.source_kind,
        version=__version__,
        store_sha256=store.sha256,
    )
    path = reports_dir / INDEX
    write_atomic(path, page)
    write_authorities(store, reports_dir)
    return path


def _downloads(reports_dir: Path, la_code: str) -> tuple[ReportLink, ...]:
    """Links to an authority's zip and workbook, those that are published."""
    zip_path, workbook_path = bundle_paths(reports_dir, la_code)
    found = ((zip_path, "All files (zip"), (workbook_path, "Spreadsheet (Excel"))
    return tuple(
        ReportLink(f"{title}, {_size(path.stat().st_size)})", path.name, True)
        for path, title in found
        if path.is_file()
    )


def _size(n_bytes: int) -> str:
    """A file size as a download link gives it (``197 KB``, ``1.2 MB``)."""
    if n_bytes < 1_000_000:
        return f"{max(1, round(n_bytes / 1000))} KB"
    return f"{n_bytes / 1_000_000:.1f} MB"


def write_authorities(store: Store, reports_dir: Path) -> Path:
    """Write ``authorities.csv``: every authority of the store with its type and region.

    Public facts, no statistics: councils look codes up in it, and the differencing
    scan needs it to know which authorities make up each region.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["la_code", "la_name", "la_type", "region_code", "region_name"])
    for a in store.geography:
        writer.writerow([a.la_code, a.la_name, a.la_type, a.region_code, a.region_name])
    path = reports_dir / sdc.AUTHORITIES
    write_atomic(path, buffer.getvalue())
    return path
