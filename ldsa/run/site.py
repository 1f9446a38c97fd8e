"""The index site: every authority with its name, region and links to its reports."""

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
from ldsa.run.job import JobResult, describe_source
from ldsa.run.render import PAGES
from ldsa.run.templates import Template


@dataclasses.dataclass(frozen=True)
class ReportLink:
    """One report of an authority in the index."""

    title: str
    href: str
    ok: bool


@dataclasses.dataclass(frozen=True)
class IndexRow:
    """One authority in the index."""

    la_code: str
    la_name: str
    region_name: str
    reports: tuple[ReportLink, ...]


def build_index(
    store: Store,
    templates: list[Template],
    results: list[JobResult],
    reports_dir: Path,
    period: tuple[str, str],
) -> Path:
    """Write ``index.html`` listing every authority that has a job, with links to its reports."""
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
                IndexRow(authority.la_code, authority.la_name, authority.region_name, links)
            )
    page = PAGES.get_template("index.html.j2").render(
        authorities=rows,
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
