"""One zip and one Excel workbook per authority: everything a council downloads at once.

Both are made from the release only: the published CSV text and the rendered reports of
the authority (``<la_code>/tables/*.csv``, ``<la_code>/<template>.html``), and public facts
(names, period, policy, hashes). Nothing comes from the work folder. The same release gives
the same bytes (fixed timestamps, sorted members, a fixed workbook date), and each file is
written atomically: a killed run leaves no half-written zip under its final name.

- ``<la_code>.zip``: ``<la_code>/README.txt``, the reports and ``<la_code>/tables/*.csv``.
  Every relative link works once it is unpacked, anywhere: the CSV links beside each chart
  as on the site, and the links that lead out of the authority's folder on the site (to the
  index, the zip itself and the workbook) point at the README in the zip's copy of a
  report (:func:`offline_report`); the CSVs are byte for byte the published ones.
- ``<la_code>.xlsx``: laid out after the GSS guidance on releasing statistics in
  spreadsheets: a cover sheet, contents, notes, then one sheet per released table; markers
  ``[c]`` and ``[u]`` as text, numbers as numbers, header rows frozen, no merged cells.

References
----------
.. [1] Government Analysis Function, "Releasing statistics in spreadsheets" (2021).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ldsa import __version__
from ldsa.atomic import write_atomic
from ldsa.data.store import Store
from ldsa.report.context import describe_period, parse_period
from ldsa.run.job import JobResult, describe_source
from ldsa.run.templates import Template
from ldsa.run.workbook import COLUMN_NOTES, MARKERS, build_workbook, table_title

#: Zip members' timestamp (the earliest a zip can hold): the same release, the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
README = "README.txt"


@dataclasses.dataclass(frozen=True)
class TableFile:
    """One released CSV of an authority."""

    template: str
    name: str  #: the table's name within its template (``headline``)
    path: Path

    @property
    def file_name(self) -> str:
        """The CSV's file name (``E06000001_overview_headline.csv``)."""
        return self.path.name


@dataclasses.dataclass(frozen=True)
class ReportFile:
    """One released report of an authority."""

    template: str
    title: str
    template_sha256: str
    path: Path


@dataclasses.dataclass(frozen=True)
class Bundle:
    """What one authority's zip and workbook hold, and what their README and cover say."""

    la_code: str
    la_name: str
    la_type: str
    region_name: str
    period: str
    data_source: str
    source_kind: str
    policy: str
    store_sha256: str
    reports: tuple[ReportFile, ...]
    tables: tuple[TableFile, ...]

    @property
    def title(self) -> str:
        """The bundle's title."""
        return f"Covid-19 reports for {self.la_name} ({self.la_code})"


def bundle_paths(reports_dir: Path, la_code: str) -> tuple[Path, Path]:
    """Where an authority's zip and workbook are published."""
    return reports_dir / f"{la_code}.zip", reports_dir / f"{la_code}.xlsx"


def remove_bundles(reports_dir: Path, la_codes: Sequence[str]) -> None:
    """Remove the bundles of these authorities: until rebuilt they may describe reports that
    are about to change."""
    for code in la_codes:
        for path in bundle_paths(reports_dir, code):
            path.unlink(missing_ok=True)


def write_bundles(
    store: Store,
    templates: Sequence[Template],
    results: Sequence[JobResult],
    reports_dir: Path,
    period: tuple[str, str],
    policy: str,
) -> list[Path]:
    """Write the zip and workbook of every authority with a released report; remove those
    of authorities with none. Return the files written, in authority order."""
    titles = {t.name: t.title for t in templates}
    released: dict[str, list[JobResult]] = {}
    for result in results:
        if result.status.released:
            released.setdefault(result.la_code, []).append(result)
    remove_bundles(reports_dir, [r.la_code for r in results if r.la_code not in released])
    common = {
        "period": describe_period(*parse_period(*period)),
        "data_source": describe_source(store),
        "source_kind": store.source_kind,
        "policy": policy,
        "store_sha256": store.sha256,
    }
    written = []
    for code in sorted(released):
        authority = store.authority(code)
        reports = tuple(
            ReportFile(
                r.template,
                titles.get(r.template, r.template.replace("_", " ").capitalize()),
                r.template_sha256,
                reports_dir / code / f"{r.template}.html",
            )
            for r in sorted(released[code], key=lambda r: r.template)
        )
        bundle = Bundle(
            code,
            authority.la_name,
            authority.la_type,
            authority.region_name,
            reports=reports,
            tables=table_files(reports_dir, code, [r.template for r in reports]),
            **common,
        )
        written += write_bundle(bundle, reports_dir)
    return written


def table_files(reports_dir: Path, la_code: str, templates: Sequence[str]) -> tuple[TableFile, ...]:
    """The released CSVs of an authority's reports, each with its template (the longest
    template name its file name begins with)."""
    found = []
    longest_first = sorted(templates, key=len, reverse=True)
    for path in sorted((reports_dir / la_code / "tables").glob(f"{la_code}_*.csv")):
        rest = path.stem.removeprefix(f"{la_code}_")
        template = next((t for t in longest_first if rest.startswith(f"{t}_")), None)
        if template is not None:
            found.append(TableFile(template, rest.removeprefix(f"{template}_"), path))
    order = {name: i for i, name in enumerate(templates)}
    return tuple(sorted(found, key=lambda t: (order[t.template], t.name)))


def write_bundle(bundle: Bundle, reports_dir: Path) -> list[Path]:
    """Write one authority's zip and workbook atomically; return their paths."""
    zip_path, workbook_path = bundle_paths(reports_dir, bundle.la_code)
    texts = {table.path: table.path.read_text(encoding="utf-8") for table in bundle.tables}
    write_atomic(zip_path, zip_bytes(bundle, texts))
    write_atomic(workbook_path, workbook_bytes(bundle, texts))
    return [zip_path, workbook_path]


def zip_bytes(bundle: Bundle, texts: dict[Path, str]) -> bytes:
    """The zip: ``<la_code>/README.txt``, the reports, then ``<la_code>/tables/*.csv``."""
    members = [(README, readme(bundle).encode("utf-8"))]
    members += [
        (r.path.name, offline_report(r.path.read_bytes().decode(), bundle.la_code, bundle.la_name))
        for r in bundle.reports
    ]
    members += [(f"tables/{t.file_name}", texts[t.path].encode("utf-8")) for t in bundle.tables]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(f"{bundle.la_code}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever the batch runs
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


#: A report's link to the site's index of every authority.
_INDEX_LINK = re.compile(r'<a href="\.\./index\.html">[^<]*</a>')
#: Any other link out of the authority's folder, with its text.
_OUTSIDE_LINK = re.compile(r'<a href="\.\./[^"]*"[^>]*>(.*?)</a>', re.DOTALL)


def offline_report(page: str, la_code: str, la_name: str) -> bytes:
    """A report as the zip holds it: the same page, except for its links out of the
    authority's folder, which lead nowhere once the zip is unpacked on its own. The link to
    the index of every authority becomes one to the README; the paragraph linking the zip
    and the workbook says that the files come from the zip and where the workbook is; any
    other such link keeps its text, unlinked. Returned as UTF-8 bytes."""
    code = re.escape(la_code)
    page = _INDEX_LINK.sub(f'<a href="{README}">About these files (README)</a>', page)
    downloads = re.compile(rf'<p>[^<]*<a href="\.\./{code}\.zip"[^>]*>.*?</p>', re.DOTALL)
    note = (
        f"<p>These files come from {la_code}.zip: every report and table for "
        f'{html.escape(la_name)} (listed in <a href="{README}">{README}</a>). The '
        f"same tables as one spreadsheet, {la_code}.xlsx, are published beside the "
        "zip.</p>"
    )
    page = downloads.sub(lambda _match: note, page)
    return _OUTSIDE_LINK.sub(lambda match: match.group(1), page).encode("utf-8")


def readme(bundle: Bundle) -> str:
    """The zip's README: what the files are, where the numbers come from, the markers and
    the provenance."""
    lines = [bundle.title, "=" * len(bundle.title), ""]
    if bundle.source_kind == "dummy":
        lines += ["DUMMY DATA: built from generated, fictional data; places and numbers are "
                  "not real.", ""]  # fmt: skip
    lines += [
        f"Local authority: {bundle.la_name} ({bundle.la_code}), {bundle.la_type}, "
        f"{bundle.region_name}",
        f"Period: {bundle.period}",
        f"Data source: {bundle.data_source}",
        f"Disclosure policy: {bundle.policy}",
        "",
        "Markers",
        "-------",
        *(f"{marker} {meaning}." for marker, meaning in MARKERS),
        "Every number in these files has passed the disclosure policy. A value is never shown",
        "as 0 or left blank to hide it: a hidden value is always marked.",
        "",
        "Files",
        "-----",
        f"{README}: this file.",
        *(f"{r.path.name}: the {r.title} report (open in a web browser)." for r in bundle.reports),
        *(f"tables/{t.file_name}: {table_title(t)}." for t in bundle.tables),
        f"The same tables as one Excel workbook: {bundle.la_code}.xlsx, published beside this zip.",
        "",
        "Columns",
        "-------",
        *COLUMN_NOTES,
        "",
        "Provenance",
        "----------",
        f"ldsa version: {__version__}",
        f"Store SHA-256: {bundle.store_sha256}",
        *(f"Template {r.template} SHA-256: {r.template_sha256}" for r in bundle.reports),
        "",
    ]
    return "\n".join(lines)


def workbook_bytes(bundle: Bundle, texts: dict[Path, str]) -> bytes:
    """The workbook: cover, contents, notes, then a sheet per table (see the module)."""
    return build_workbook(bundle, [_rows(texts[t.path]) for t in bundle.tables])


def _rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]
