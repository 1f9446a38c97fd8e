"""The index page without a browser: every authority with its region and type, its
reports, zip and workbook, a placeholder from the data shown, what each report holds."""

from __future__ import annotations

import re
from pathlib import Path

from ldsa.data.prepare import prepare_store
from ldsa.data.store import Store
from ldsa.run.job import JobResult, JobStatus
from ldsa.run.site import LA_TYPES, build_index
from ldsa.run.templates import discover
from ldsa.testing import TINY_LA_CODES, write_tiny_extract


def test_index_lists_types_regions_reports_and_downloads(tmp_path: Path) -> None:
    """Each row names the authority's type and region and links its reports and, where
    published, its zip and workbook (with their sizes); the search placeholder names the
    first row's code and region; every template's description is shown."""
    store_path = tmp_path / "store"
    prepare_store(write_tiny_extract(tmp_path / "extract"), store_path)
    store, reports = Store(store_path), tmp_path / "reports"
    templates = [discover()["overview"], discover()["mortality"]]
    results = [
        JobResult(code, t.name, JobStatus.OK, f"{code}/{t.name}.html", None, 1.0, None, "t", "s")
        for code in TINY_LA_CODES
        for t in templates
    ]
    reports.mkdir()
    first = next(a for a in store.geography if a.la_code in TINY_LA_CODES)
    (reports / f"{first.la_code}.zip").write_bytes(b"z" * 204_752)
    (reports / f"{first.la_code}.xlsx").write_bytes(b"x" * 1_572_005)
    page = build_index(store, templates, results, reports, ("2020-03-01", "2022-03-31"))
    html = page.read_text(encoding="utf-8")
    assert f'placeholder="e.g. {first.la_code} or {first.region_name}"' in html
    assert f'href="{first.la_code}.zip" download>All files (zip, 205 KB)' in html
    assert f'href="{first.la_code}.xlsx" download>Spreadsheet (Excel, 1.6 MB)' in html
    assert html.count("download>All files (zip") == 1  # only where one is published
    for authority in store.geography:
        if authority.la_code in TINY_LA_CODES:
            row = re.search(
                rf'<tr data-search="[^"]*{authority.la_code.lower()}[^"]*".*?</tr>', html, re.S
            )
            assert row is not None
            assert f'data-region="{authority.region_name}"' in row.group(0)
            assert f'data-type="{LA_TYPES[authority.la_type]}"' in row.group(0)
            for t in templates:
                assert f'href="{authority.la_code}/{t.name}.html"' in row.group(0)
    assert html.count("<tr data-search=") == len(TINY_LA_CODES)
    assert "What's in each report" in html
    for t in templates:
        assert f"<dd>{t.spec.description}</dd>" in html.replace("&#39;", "'")
    assert (
        '<form id="filters" class="filters" role="search" aria-labelledby="find-heading" hidden>'
        in html
    )
