"""Figures: inline SVG that is reproducible, well-formed, self-contained and accessible."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa import sdc
from ldsa.data.store import Store
from ldsa.errors import DisclosureError
from ldsa.report import figures
from ldsa.report.overview import Overview

#: A figure drawn from plain arrays (no store), for checks that run in another process.
SYNTHETIC = """
import numpy as np, pandas as pd
from ldsa.report import figures
figure, axes = figures.new_figure()
weeks = pd.date_range("2020-03-02", periods=60, freq="W-MON")
axes.plot(weeks, np.linspace(0.0, 50.0, 60), label="A", marker="o", markersize=3)
figures.bars(axes, np.arange(3.0), np.array([1.0, np.nan, 2.0]), colour="#000000", label="B")
figures.date_axis(axes, weeks[0], weeks[-1])
figures.heading(axes, "Synthetic & <test>")
svg = figures.finish(figure, "A synthetic figure's alt text", "Caption").svg
"""

Draw = Callable[[], figures.FigureOutput | figures.Notice]


@pytest.fixture(scope="module")
def overview(small_store: Path) -> Overview:
    """The overview of the small store's most populous authority (weekly cases)."""
    sizes = Store(small_store).all_la_table("population").groupby("la_code")["population"].sum()
    return Overview.open(str(small_store), str(sizes.idxmax()), "2020-03-01", "2022-03-31")


@pytest.fixture(scope="module")
def kinds(overview: Overview) -> dict[str, Draw]:
    """Each kind of figure the overview draws, as a function drawing it afresh."""
    return {
        "pyramid": overview.pyramid,
        "weekly steps": lambda: overview.series_figure("cases"),
        "deaths steps": lambda: overview.series_figure("deaths"),
        "running total": lambda: overview.cumulative_figure("cases"),
    }


def drawn(kinds: dict[str, Draw], kind: str) -> figures.FigureOutput:
    """Draw one kind of figure, which must be a figure, not a notice."""
    output = kinds[kind]()
    assert isinstance(output, figures.FigureOutput), kind
    return output


KINDS = ["pyramid", "weekly steps", "deaths steps", "running total"]


def synthetic() -> str:
    """The SVG of :data:`SYNTHETIC`, drawn in this process."""
    namespace: dict[str, object] = {}
    exec(SYNTHETIC, namespace)  # the same code as the other process runs
    svg = namespace["svg"]
    assert isinstance(svg, str)
    return svg


@pytest.mark.parametrize("kind", KINDS)
def test_same_inputs_same_bytes(kinds: dict[str, Draw], kind: str) -> None:
    """Drawing a figure twice gives the same markup, byte for byte."""
    first, second = drawn(kinds, kind), drawn(kinds, kind)
    assert first.svg == second.svg
    assert first._repr_html_() == second._repr_html_()


def test_same_bytes_in_another_process() -> None:
    """Another process (another hash seed) draws the same figure byte for byte."""
    other = subprocess.run(
        [sys.executable, "-c", SYNTHETIC + "print(svg, end='')"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert other.stdout == synthetic()


@pytest.mark.parametrize("kind", KINDS)
def test_svg_is_well_formed_and_accessible(kinds: dict[str, Draw], kind: str) -> None:
    """The SVG parses as XML, is an image named by its alt text, and keeps text as text."""
    figure = drawn(kinds, kind)
    root = ET.fromstring(figure.svg)
    assert root.tag == "svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == figure.alt
    title = root[0]
    assert (title.tag, title.text) == ("title", figure.alt)
    texts = {"".join(t.itertext()) for t in root.iter("text")}
    assert any(text and text in figure.alt for text in texts)  # e.g. the title, as text
    assert root.find(".//path") is not None
    assert "<figcaption>" in figure._repr_html_()


@pytest.mark.parametrize("kind", KINDS)
def test_svg_is_self_contained(kinds: dict[str, Draw], kind: str) -> None:
    """No script, stylesheet, URL, namespace declaration or reference outside the figure."""
    svg = drawn(kinds, kind).svg
    assert "<script" not in svg
    assert "<style" not in svg
    assert "http" not in svg
    assert "xmlns" not in svg
    assert "xlink" not in svg
    assert "<!DOCTYPE" not in svg
    assert "<?xml" not in svg
    ids = set(re.findall(r' id="([^"]+)"', svg))
    references = set(re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg))
    assert {name for pair in references for name in pair if name} <= ids
    assert "href=" not in re.sub(r'href="#[^"]+"', "", svg)


def test_ids_unique_across_a_page(kinds: dict[str, Draw]) -> None:
    """Figures inlined in one page never share an element id."""
    ids = [
        found for kind in KINDS for found in re.findall(r' id="([^"]+)"', drawn(kinds, kind).svg)
    ]
    assert ids
    assert len(ids) == len(set(ids))


def test_small_authority_draws_what_it_can(small_store: Path) -> None:
    """A small authority's figures render as figures or notices, each with text for all."""
    sizes = Store(small_store).all_la_table("population").groupby("la_code")["population"].sum()
    small = Overview.open(str(small_store), str(sizes.idxmin()), "2020-03-01", "2022-03-31")
    shown = [small.pyramid(), small.series_figure("cases"), small.cumulative_figure("cases")]
    assert isinstance(shown[0], figures.FigureOutput)
    for output in shown:
        html = output._repr_html_()
        assert html.startswith(('<figure class="ldsa-figure"><svg ', '<p class="ldsa-notice">'))
        if isinstance(output, figures.FigureOutput):
            ET.fromstring(output.svg)


def test_markup_escapes_text() -> None:
    """Titles, labels and alt text with markup characters stay well-formed."""
    svg = synthetic()
    root = ET.fromstring(svg)
    assert root.get("aria-label") == "A synthetic figure's alt text"
    assert "Synthetic & <test>" in {"".join(t.itertext()) for t in root.iter("text")}


def test_figures_refuse_raw_frames(overview: Overview) -> None:
    """Every figure draws released values only: a raw DataFrame is refused."""
    raw = overview.series_rates("cases").released_frame()
    names = overview.names()
    with pytest.raises(DisclosureError):
        figures.population_pyramid(raw, "t")  # type: ignore[arg-type]
    with pytest.raises(DisclosureError):
        figures.cumulative_lines(
            raw,  # type: ignore[arg-type]
            names,
            title="t",
            step=sdc.TimeStep.WEEK,
            note="",
        )


def test_bars_are_one_collection() -> None:
    """Bars are one artist however many there are; a withheld (NaN) value draws no bar."""
    _figure, axes = figures.new_figure()
    collection = figures.bars(
        axes, np.arange(4.0), np.array([1.0, np.nan, -2.0, 3.0]), colour="#000000", label="x"
    )
    assert list(axes.collections) == [collection]
    assert not axes.patches
    assert len(collection.get_paths()) == 3
    assert np.asarray(collection.get_paths()[1].vertices)[:, 0].min() == -2.0


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2020-03-02", "2020-05-31", ["Mar 2020", "Apr 2020", "May 2020"]),
        ("2020-03-02", "2022-03-27", ["Apr 2020", "Jul 2020", "Oct 2020", "Jan 2021"]),
        ("2020-03-02", "2023-06-30", ["Jul 2020", "Jan 2021", "Jul 2021", "Jan 2022"]),
        ("2010-01-04", "2025-12-28", ["Jan 2010", "Jan 2012", "Jan 2014", "Jan 2016"]),
    ],
)
def test_date_axis_labels_months(first: str, last: str, expected: list[str]) -> None:
    """At most nine unrotated month labels, at round intervals from the period's start."""
    _figure, axes = figures.new_figure()
    figures.date_axis(axes, pd.Timestamp(first), pd.Timestamp(last))
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels[: len(expected)] == expected
    assert len(labels) <= 9


def test_value_axis_groups_thousands() -> None:
    """Value-axis ticks carry thousands separators, as the tables do, and keep decimals."""
    _figure, axes = figures.new_figure()
    axes.plot([0, 1], [0, 50_000])
    formatter = axes.yaxis.get_major_formatter()
    assert [formatter(v, 0) for v in (50_000.0, 1.75, 0.0, 1_000_000.0)] == [
        "50,000", "1.75", "0", "1,000,000"
    ]  # fmt: skip
