"""Figures for reports: matplotlib drawings inlined as PNG with alt text and a caption.

Every figure is returned as a :class:`FigureOutput`, which a notebook displays as HTML with
the image embedded (no external file) and a text alternative for screen readers. PNG bytes
carry no timestamp or software version, so the same data give the same bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # used without pyplot: no global state, no GUI backend

from ldsa import sdc

#: Colour-blind-safe palette (Okabe-Ito): this authority, its region, England.
COLOURS = {
    "la": "#0072B2",
    "region": "#E69F00",
    "england": "#555555",
    "female": "#CC79A7",
    "male": "#009E73",
}


@dataclasses.dataclass(frozen=True)
class FigureOutput:
    """A drawn figure: PNG bytes, alt text for screen readers and a visible caption."""

    png: bytes
    alt: str
    caption: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="ldsa-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(self.alt)}"/>'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


def new_figure(width: float = 8.0, height: float = 4.0) -> tuple[Figure, Axes]:
    """Return a figure and axes in the house style: light grid, no top or right spine."""
    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(alpha=0.3)
    axes.set_axisbelow(True)
    return figure, axes


def finish(figure: Figure, alt: str, caption: str) -> FigureOutput:
    """Render a figure to PNG (no metadata, so bytes are reproducible) and wrap it."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return FigureOutput(buffer.getvalue(), alt, caption)


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
    figure, axes = new_figure(7.0, 5.0)
    for sex, sign, label in (("male", -1, "Males"), ("female", 1, "Females")):
        values = np.asarray(series[f"la_{sex}_percent"].y)
        axes.barh(bands, sign * values, color=COLOURS[sex], label=label, alpha=0.85)
        reference = np.asarray(series[f"england_{sex}_percent"].y)
        axes.step(
            sign * reference,
            bands,
            where="mid",
            color=COLOURS["england"],
            linewidth=1.2,
            label="England" if sex == "female" else None,
        )
    limit = float(np.nanmax([np.nanmax(s.y) for s in series.values()])) * 1.1
    axes.set_xlim(-limit, limit)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{abs(x):.0f}%")
    axes.set_xlabel("Percentage of the population")
    axes.set_title(title)
    axes.legend(loc="lower right", frameon=False)
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
    axes.set_title(title)
    axes.legend(frameon=False)
    figure.autofmt_xdate()
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
            clauses.append(
                f"{names[area]} reached {rates[last]:,.1f} by {ends[last].day} {ends[last]:%B %Y}."
            )
        else:
            clauses.append(f"{names[area]}: every running total is withheld.")
        withheld = _withheld(series, "running totals", table.n_rows)
        if withheld:
            gaps.append(f"{names[area]}: {withheld}")
    axes.set_ylabel("Cumulative rate per 100,000")
    axes.set_title(title)
    axes.legend(frameon=False)
    figure.autofmt_xdate()
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
