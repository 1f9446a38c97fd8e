"""Figures for reports: matplotlib drawings inlined as SVG with alt text and a caption.

Every figure is returned as a :class:`FigureOutput`, which a notebook displays as HTML with
the drawing inlined (no external file, no script) and a text alternative for screen
readers: the SVG has ``role="img"``, an ``aria-label`` and a ``<title>``, and the caption is
a ``<figcaption>``.

Figures
-------
A batch draws about six figures for each of 309 authorities, so a figure should take tens
of milliseconds (a PNG with ``tight_layout`` took about 300 ms). To draw a fast figure:

- Start from :func:`new_figure` and end with :func:`finish`. The figure is a bare
  :class:`~matplotlib.figure.Figure`, never registered with pyplot (no global state, no GUI
  backend), so nothing holds it once :func:`finish` returns and there is nothing to close.
  A template that uses ``pyplot`` instead must ``plt.close(figure)`` after rendering.
- Draw each series with one vectorised primitive: one ``plot`` or ``step`` (a single
  ``Line2D``), one ``fill_between``, or one collection (:func:`bars` draws every bar of a
  series as one ``PolyCollection``). Never loop over points, and avoid ``bar``/``barh``,
  which make one rectangle per bar. Withheld values are NaN and show as gaps.
- Let :func:`heading` place the title and legend (above the axes: never over the data, and
  no ``loc="best"`` search through every point) and :func:`date_axis` the dates (fixed
  month ticks, unrotated: no date locator rerun on every draw). Keep the fixed
  :data:`MARGINS`: ``tight_layout`` or ``bbox_inches="tight"`` measures every text once
  more and costs a third of a figure's time.
- :func:`finish` renders SVG, not PNG: faster to draw and smaller for line charts, crisp
  when zoomed, and text stays text (``svg.fonttype`` ``"none"``), so it can be selected,
  searched and read by assistive technology. Layout uses the metrics of DejaVu Sans, which
  matplotlib ships; a browser without it takes the next font of the same list (Bitstream
  Vera Sans, Lucida Grande, Verdana, Arial, ..., sans-serif), of about the same width,
  and the margins leave room for the difference. (``"path"`` would look the same
  everywhere but draws every glyph as a path: larger, and the text is no longer text.)
- The same inputs give the same bytes: no date, software or URL in the SVG, and element
  ids hashed with ``svg.hashsalt`` fixed to the figure's alt text (never random, and
  different for each figure on a page). Compare two renderings in a test.
- Only released values may be drawn: take them from a :class:`~ldsa.sdc.SafeTable` through
  :func:`ldsa.sdc.figure_series` (or check the table with :func:`ldsa.sdc.require_safe`).
- Every figure needs alt text saying what it shows (the SVG's accessible name) and a
  caption (a visible ``<figcaption>``), including what is withheld.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure  # used without pyplot: no global state, no GUI backend

from ldsa import sdc
from ldsa.report.text import day_text

#: Colour-blind-safe palette (Okabe-Ito): this authority, its region, England.
COLOURS = {
    "la": "#0072B2",
    "region": "#C47A00",  # Okabe-Ito orange darkened to 3.4:1 on white (WCAG graphics)
    "england": "#555555",
    "female": "#CC79A7",
    "male": "#009E73",
}

#: No Dublin Core block: no date, no software version, no URLs.
_NO_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
#: What matplotlib writes before the ``<svg>`` element and on it that inline SVG does not need.
_PROLOGUE = re.compile(r"\A.*?(?=<svg )", re.DOTALL)
_NAMESPACES = re.compile(r' xmlns(?::xlink)?="[^"]*"')
#: Matplotlib's global stylesheet (``*{...}``), which inline would style the whole page.
_STYLESHEET = re.compile(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>")
#: Ids of matplotlib's groups (``figure_1``, ``line2d_3``): unreferenced, repeated per figure.
_GROUP_ID = re.compile(r'<g id="[^"]*">')


@dataclasses.dataclass(frozen=True)
class FigureOutput:
    """A drawn figure: inline SVG markup (alt text built in) and a visible caption."""

    svg: str = dataclasses.field(repr=False)
    alt: str
    caption: str

    def _repr_html_(self) -> str:
        return (
            f'<figure class="ldsa-figure">{self.svg}'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


#: Margins in inches around the axes: tick labels and axis label on the left and below,
#: title and a one-row legend above. Fixed, not computed by ``tight_layout`` (which
#: measures every text once more and makes ``savefig`` draw twice).
MARGINS = {"left": 0.9, "right": 0.2, "bottom": 0.5, "top": 0.7}


def new_figure(width: float = 8.0, height: float = 4.0) -> tuple[Figure, Axes]:
    """Return a figure and axes in the house style: light grid, no top or right spine."""
    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(
        left=MARGINS["left"] / width,
        right=1 - MARGINS["right"] / width,
        bottom=MARGINS["bottom"] / height,
        top=1 - MARGINS["top"] / height,
    )
    axes = figure.add_subplot()
    # Thousands separators on the value axis, as in the tables ("50,000", "1.75").
    axes.yaxis.set_major_formatter(lambda value, _position: f"{value:,.12g}")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    return figure, axes


def finish(figure: Figure, alt: str, caption: str) -> FigureOutput:
    """Render a figure to inline SVG (same inputs, same bytes) and wrap it.

    The SVG carries ``alt`` as its accessible name (``role="img"``, ``aria-label`` and a
    ``<title>``) and scales down to the width of the page.
    """
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": alt}):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    svg = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    svg = _NAMESPACES.sub("", svg)
    svg = _STYLESHEET.sub("", svg, count=1)
    svg = _GROUP_ID.sub("<g>", svg).replace("xlink:href=", "href=").rstrip()
    label = html.escape(alt)
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" stroke-linejoin="round" stroke-linecap="butt" '
        'style="max-width: 100%; height: auto" ',
        1,
    )
    opening = svg.index(">") + 1
    svg = f"{svg[:opening]}\n <title>{label}</title>{svg[opening:]}"
    return FigureOutput(svg, alt, caption)


def bars(
    axes: Axes,
    positions: np.ndarray,
    values: np.ndarray,
    *,
    colour: str,
    label: str,
    height: float = 0.8,
    alpha: float = 1.0,
) -> PolyCollection:
    """Draw horizontal bars from zero to ``values`` at ``positions`` as one collection.

    The vectorised counterpart of ``axes.barh``: one artist for every bar, not one
    rectangle each. NaN values draw no bar.
    """
    half = height / 2
    zeros = np.zeros_like(values)
    left = np.column_stack([zeros, values, values, zeros])
    top = np.column_stack([positions - half] * 2 + [positions + half] * 2)
    shown = ~np.isnan(values)
    vertices = np.stack([left[shown], top[shown]], axis=-1)
    collection = PolyCollection(
        list(vertices), facecolors=colour, edgecolors="none", label=label, alpha=alpha
    )
    axes.add_collection(collection)
    return collection


def heading(axes: Axes, title: str, rows: int = 1) -> None:
    """Put the title at the top left and the legend in ``rows`` rows between it and the
    axes (leave room for more than one row in the figure's top margin).

    A legend outside the axes never hides data, and a fixed place costs nothing to find.
    """
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=-(-len(labels) // rows),
        frameon=False,
        borderaxespad=0.2,
    )
    # A given y: no search for a free place.
    axes.set_title(title, loc="left", y=1.0, pad=24 + 18 * (rows - 1))


def date_axis(axes: Axes, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Label the x axis at the starts of months from ``first`` to ``last``.

    Every 1, 2, 3, 6 or 12 months (whole years beyond), so that there are at most nine
    labels, which then fit unrotated; over less than ten weeks, at Mondays instead.
    Fixed ticks: matplotlib's date locator would recompute a recurrence rule on every draw.
    """
    if last - first < pd.Timedelta(days=70):  # a few weeks: label Mondays
        mondays = pd.date_range(first - pd.Timedelta(days=first.day_of_week), last, freq="7D")
        mondays = mondays[mondays >= first][:: -(-len(mondays) // 9) or 1]
        axes.set_xticks(mondays, [f"{day.day} {day:%b}" for day in mondays])
        return
    months = pd.date_range(first.to_period("M").start_time, last, freq="MS")
    every = next((n for n in (1, 2, 3, 6, 12) if len(months) / n <= 9), 0)
    if every:
        ticks = months[(months.month - 1) % every == 0]
    else:
        years = months[months.month == 1]
        ticks = years[:: -(-len(years) // 9)]
    axes.set_xticks(ticks, [f"{tick:%b %Y}" for tick in ticks])


def population_pyramid(table: sdc.SafeTable, title: str) -> FigureOutput:
    """Draw an age-sex pyramid as percentages of the population, England as an outline.

    Parameters
    ----------
    table
        Released table with ``age_band`` and ``la_female_percent``, ``la_male_percent``,
        ``england_female_percent``, ``england_male_percent``.
    """
    series = {
        name: sdc.figure_series(table, name, x_column="age_band")
        for name in (
            "la_female_percent",
            "la_male_percent",
            "england_female_percent",
            "england_male_percent",
        )
    }
    bands = list(series["la_female_percent"].x)
    positions = np.arange(len(bands), dtype=float)
    figure, axes = new_figure(7.0, 5.0)
    for sex, sign, label in (("male", -1, "Males"), ("female", 1, "Females")):
        values = np.asarray(series[f"la_{sex}_percent"].y, dtype=float)
        bars(axes, positions, sign * values, colour=COLOURS[sex], label=label, alpha=0.85)
        reference = np.asarray(series[f"england_{sex}_percent"].y, dtype=float)
        axes.step(
            sign * reference,
            positions,
            where="mid",
            color=COLOURS["england"],
            linewidth=1.2,
            label="England" if sex == "female" else None,
        )
    limit = float(np.nanmax([np.nanmax(s.y) for s in series.values()])) * 1.1
    axes.set_xlim(-limit, limit)
    axes.set_ylim(-0.5, len(bands) - 0.5)
    axes.set_yticks(positions, bands)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{abs(x):.0f}%")
    axes.set_xlabel("Percentage of the population")
    heading(axes, title)
    both = np.asarray(series["la_female_percent"].y) + np.asarray(series["la_male_percent"].y)
    largest = int(np.nanargmax(both))
    alt = (
        f"Population pyramid. {title}. The largest five-year age band is {bands[largest]} "
        f"({both[largest]:.1f}% of the population); people aged 65 and over make up "
        f"{np.nansum(both[13:]):.1f}%."
    )
    caption = "Bars: this authority; outline: England. Percentage of the population by sex and age."
    return finish(figure, alt, caption)


@dataclasses.dataclass(frozen=True)
class Notice:
    """A short note shown where a figure would be, when there is nothing to draw."""

    text: str

    def _repr_html_(self) -> str:
        return f'<p class="ldsa-notice">{html.escape(self.text)}</p>'


def _rates(table: sdc.SafeTable, column: str) -> tuple[np.ndarray, sdc.FigureSeries]:
    series = sdc.figure_series(table, column)
    return np.asarray(series.y, dtype=float), series


def _withheld(series: sdc.FigureSeries, noun: str, total: int) -> str:
    """ "3 of 25 months withheld to protect confidentiality [c]" (empty when none)."""
    if not series.gaps:
        return ""
    return f"{len(series.gaps)} of {total} {noun} not shown ([c] or [u])"


def step_lines(
    table: sdc.SafeTable,
    names: dict[str, str],
    *,
    title: str,
    step: sdc.TimeStep,
    labels: list[str],
    note: str,
) -> FigureOutput:
    """Draw average weekly rates per 100,000 per period as steps: authority, region, England.

    Parameters
    ----------
    table
        Released table with ``period_start``, ``period_end`` and ``la_weekly_rate``,
        ``region_weekly_rate``, ``england_weekly_rate``. Withheld periods are gaps.
    names
        Display name of ``la``, ``region`` and ``england``.
    title
        The measure, as the figure's title.
    step
        The time step of the rows (all three lines use it).
    labels
        Each row's period in words, for the alt text.
    note
        Why this step was used (empty for weeks).
    """
    table = sdc.require_safe(table, "step_lines")
    starts = pd.to_datetime([table.text(r, "period_start") for r in range(table.n_rows)])
    ends = pd.to_datetime([table.text(r, "period_end") for r in range(table.n_rows)])
    edges_x = np.column_stack([starts, ends + pd.Timedelta(days=1)]).ravel()
    figure, axes = new_figure()
    clauses = []
    gaps = []
    for area in ("england", "region", "la"):
        rates, series = _rates(table, f"{area}_weekly_rate")
        axes.plot(
            edges_x,
            np.repeat(rates, 2),
            color=COLOURS[area],
            label=names[area],
            linewidth=2.2 if area == "la" else 1.3,
        )
        clauses.append(_describe_peak(names[area], rates, labels))
        withheld = _withheld(series, step.noun, table.n_rows)
        if withheld:
            gaps.append(f"{names[area]}: {withheld}")
    unit = (
        "Average weekly rate per 100,000"
        if step is not sdc.TimeStep.WEEK
        else "Weekly rate per 100,000"
    )
    axes.set_ylabel(unit)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    per = "week" if step is sdc.TimeStep.WEEK else f"week, averaged over each {step.value}"
    alt = f"Step chart of {title.lower()} per 100,000 people per {per}. " + " ".join(clauses)
    caption = f"{title}: rate per 100,000 people per {per} (weeks start on Monday)."
    if note:
        caption += f" {note}"
    if gaps:
        caption += " Gaps: " + "; ".join(gaps) + "."
    return finish(figure, alt, caption)


def _describe_peak(name: str, rates: np.ndarray, labels: list[str]) -> str:
    """One sentence of alt text: where a line peaks among its shown points."""
    shown = ~np.isnan(rates)
    if not shown.any():
        return f"{name}: every value is withheld."
    peak = int(np.nanargmax(rates))
    where = "highest" if shown.all() else "highest of the periods shown"
    if rates[peak] == 0:
        return f"{name}: 0 in every period shown."
    return f"{name}: {where} in {_the(labels[peak])}, at {rates[peak]:,.1f}."


def _the(label: str) -> str:
    return f"the {label}" if label.startswith("week") else label


def cumulative_lines(
    table: sdc.SafeTable,
    names: dict[str, str],
    *,
    title: str,
    step: sdc.TimeStep,
    note: str,
) -> FigureOutput:
    """Draw running totals per 100,000 at the end of each period: authority, region, England.

    Parameters
    ----------
    table
        Released table with ``period_end`` and ``la_rate``, ``region_rate``,
        ``england_rate`` (cumulative). Withheld running totals are gaps.
    names, title, step, note
        As :func:`step_lines`.
    """
    table = sdc.require_safe(table, "cumulative_lines")
    ends = pd.to_datetime([table.text(r, "period_end") for r in range(table.n_rows)])
    figure, axes = new_figure()
    clauses = []
    gaps = []
    for area in ("england", "region", "la"):
        rates, series = _rates(table, f"{area}_rate")
        axes.plot(
            ends,
            rates,
            color=COLOURS[area],
            label=names[area],
            linewidth=2.2 if area == "la" else 1.3,
            marker="o" if area == "la" else None,
            markersize=3,
        )
        shown = np.flatnonzero(~np.isnan(rates))
        if shown.size:
            last = int(shown[-1])
            clauses.append(f"{names[area]} reached {rates[last]:,.1f} by {day_text(ends[last])}.")
        else:
            clauses.append(f"{names[area]}: every running total is withheld.")
        withheld = _withheld(series, "running totals", table.n_rows)
        if withheld:
            gaps.append(f"{names[area]}: {withheld}")
    axes.set_ylabel("Cumulative rate per 100,000")
    date_axis(axes, ends[0], ends[-1])
    heading(axes, title)
    alt = f"Line chart of {title.lower()} per 100,000 people. " + " ".join(clauses)
    caption = (
        f"{title}: per 100,000 people since the start of the period, at the end of each "
        f"{step.value}."
    )
    if note:
        caption += f" {note}"
    if gaps:
        caption += (
            " Gaps: " + "; ".join(gaps) + " (a running total is withheld where it would "
            "reveal values withheld to protect confidentiality)."
        )
    return finish(figure, alt, caption)
