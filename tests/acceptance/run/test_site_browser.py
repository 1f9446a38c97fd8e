"""The site in headless Chromium: search and filters, links and downloads, no errors, no
network requests, and an axe-core accessibility audit at two widths."""

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
from ldsa.run.pipeline import RunRequest, run_pipeline
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


WIDTHS = (1280, 400)  #: a desktop and a narrow phone, in CSS pixels
#: axe-core impacts a page must not have.
BLOCKING = ("serious", "critical")


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


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
            (reports / f"{code}.zip").write_bytes(b"zip")
        status = JobStatus.OK if ok else JobStatus.FAILED
        output = f"{code}/overview.html" if ok else None
        results.append(JobResult(code, "overview", status, output, None, 1.0, None, "t", "s"))
    templates = [discover()["overview"]]
    build_index(store, templates, results, reports, ("2020-03-01", "2022-03-31"))
    server, root = _serve(reports)
    yield f"{root}index.html"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def release(small_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real release: every template for one authority of the small store, served."""
    store = Store(small_store)
    folder, code = tmp_path_factory.mktemp("release"), store.geography.codes[0]
    outcome = run_pipeline(
        RunRequest(
            store=store, templates=list(discover().values()), authorities=[code],
            period=("2020-03-01", "2022-03-31"), reports_dir=folder / "reports",
            work_dir=folder / "work", progress=False,
        )
    )  # fmt: skip
    assert not outcome.failed, [r.error for r in outcome.failed]
    server, root = _serve(folder / "reports")
    yield root
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


def test_filters_and_placeholder(site: str) -> None:
    """Region and type filters narrow the list with the search; the placeholder names the
    first authority's code and region; each authority links its zip where there is one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(site)
        first = page.locator("#authorities tbody tr").first
        code = first.locator("td").first.inner_text()
        region = first.get_attribute("data-region")
        assert page.get_attribute("#search", "placeholder") == f"e.g. {code} or {region}"
        page.select_option("#region", "London")
        assert page.locator("#authorities tbody tr:visible").count() == 1
        page.select_option("#region", "")
        kinds = page.locator("#type option").all_inner_texts()[1:]
        assert kinds
        page.select_option("#type", kinds[0])
        shown = page.locator("#authorities tbody tr:visible")
        assert 1 <= shown.count() < 3
        assert all(t == kinds[0] for t in shown.locator("td:nth-child(3)").all_inner_texts())
        page.select_option("#type", "")
        assert page.locator("#count").inner_text() == "3 authorities shown"
        assert page.locator("a[download][href$='.zip']").count() == 2
        assert page.get_by_role("heading", name="What's in each report").count() == 1
        browser.close()


def test_the_list_works_without_javascript(site: str) -> None:
    """Without JavaScript every authority and link is there, and no dead filter shows."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(site)
        assert page.locator("#authorities tbody tr:visible").count() == 3
        assert not page.locator("#filters").is_visible()
        assert page.locator("a[href='E09000901/overview.html']").is_visible()
        browser.close()


def test_release_in_the_browser(release: str, tmp_path: Path) -> None:
    """A real release at 1280 and 400 px: the index and every report load without console
    errors or requests outside the site, every link and download resolves, no page scrolls
    sideways, chart labels read at 11 px or more, and axe-core finds no serious or critical
    violation. Screenshots of one report at both widths are
    kept in the test's folder."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe, errors, outside, found = Axe(), [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "request",
                lambda r: None if r.url.startswith((release, "data:")) else outside.append(r.url),
            )
            page.goto(release + "index.html")
            clipped = page.locator("#authorities a").evaluate_all(
                "els => els.filter(e => { const box = e.closest('.table-scroll')"
                ".getBoundingClientRect(); const r = e.getBoundingClientRect();"
                " return r.right > box.right + 1 || r.left < box.left - 1; })"
                ".map(e => e.textContent)"
            )
            assert clipped == [], (width, clipped[:3])  # every link in view, none cut off
            reports = page.locator("#authorities a:not([download])")
            pages = [
                "index.html",
                *reports.evaluate_all("els => els.map(e => e.getAttribute('href'))"),
            ]
            assert len(pages) == 1 + len(discover())
            for href in pages:
                page.goto(release + href)
                # The page never scrolls sideways: wide tables and charts scroll in their box.
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (width, href, wide)
                # A chart's 10-unit labels read at 11 px or more (6 px at 400 px before).
                smallest = page.evaluate(
                    "() => Math.min(99, ...[...document.querySelectorAll('svg[role=img]')]"
                    ".map(s => 10 * s.getBoundingClientRect().width / s.viewBox.baseVal.width))"
                )
                assert smallest >= 11, (width, href, smallest)
                links = page.locator("a[href]:not([href^='#'])").evaluate_all(
                    "els => els.map(e => e.href)"
                )
                for link in links:
                    assert page.request.get(link).ok, f"{href}: {link}"
                violations = axe.run(page).response["violations"]
                found[(width, href)] = [
                    (v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
                    for v in violations
                    if v["impact"] in BLOCKING
                ]
            page.goto(release + pages[1])
            page.screenshot(path=str(tmp_path / f"report-{width}px.png"), full_page=True)
            page.close()
        browser.close()
    assert errors == []
    assert outside == []
    assert {key: v for key, v in found.items() if v} == {}
    assert (tmp_path / "report-400px.png").stat().st_size > 0
