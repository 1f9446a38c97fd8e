"""The index site in headless Chromium: search filters authorities, links work, no errors."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ldsa.data.prepare import prepare_store
from ldsa.data.store import Store
from ldsa.run.job import JobResult, JobStatus
from ldsa.run.site import build_index
from ldsa.run.templates import discover
from ldsa.testing import TINY_LA_CODES, write_tiny_extract

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: apt-get install chromium"),
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        """Keep the test output free of request logs."""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """An index of the tiny store's authorities (one failed job) served on localhost."""
    store_path = tmp_path / "store"
    prepare_store(write_tiny_extract(tmp_path / "extract"), store_path)
    store, reports = Store(store_path), tmp_path / "reports"
    results = []
    for code in TINY_LA_CODES:
        ok = code != "E07000901"
        (reports / code).mkdir(parents=True)
        if ok:
            page = f'<!DOCTYPE html><link rel="icon" href="data:,"><title>{code}</title>'
            (reports / code / "overview.html").write_text(page)
        status = JobStatus.OK if ok else JobStatus.FAILED
        output = f"{code}/overview.html" if ok else None
        results.append(JobResult(code, "overview", status, output, None, 1.0, None, "t", "s"))
    templates = [discover()["overview"]]
    build_index(store, templates, results, reports, ("2020-03-01", "2022-03-31"))
    handler = functools.partial(_QuietHandler, directory=str(reports))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_search_and_links(site: str) -> None:
    """Typing filters the table by name, code or region; a link opens the report."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(site)
        assert page.locator("#authorities tbody tr").count() == 3
        assert page.get_by_text("DUMMY DATA").count() == 0  # the tiny store is not dummy data
        page.fill("#search", "london")
        assert page.locator("#authorities tbody tr:visible").count() == 1
        assert page.locator("#count").inner_text() == "1 authority shown"
        page.fill("#search", "E06000901")
        assert page.locator("#authorities tbody tr:visible").count() == 1
        page.fill("#search", "")
        assert page.locator("#authorities tbody tr:visible").count() == 3
        assert page.locator("text=Overview (failed)").count() == 1
        page.click("a[href='E09000901/overview.html']")
        page.wait_for_url("**/E09000901/overview.html")
        assert page.title() == "E09000901"
        browser.close()
    assert errors == []
