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


def _describe_line(name: str, weeks: pd.DatetimeIndex, rates: np.ndarray, measure: str) -> str:
    """One clause of alt text: a weekly line's peak, or where a cumulative line ends.

    Only released points count; when some are withheld the clause says so, since the
    withheld weeks may be higher.
    """
    shown = "" if not np.isnan(rates).any() else " (of the weeks shown)"
    if measure.startswith("cumulative"):
        last = int(np.flatnonzero(~np.isnan(rates))[-1])
        return f"{name} reached {rates[last]:,.1f} by the week of {weeks[last]:%d %B %Y}{shown}"
    peak = int(np.nanargmax(rates))
    return f"{name} peaked in the week of {weeks[peak]:%d %B %Y} at {rates[peak]:,.1f}{shown}"


def rate_lines(
    table: sdc.SafeTable, names: dict[str, str], measure: str, title: str
) -> FigureOutput:
    """Draw weekly or cumulative rates per 100,000 for the authority, its region and England.

    Parameters
    ----------
    table
        Released table with ``week_start`` and ``la_rate``, ``region_rate``,
        ``england_rate``. Suppressed weeks are drawn as gaps and counted in the caption.
    names
        Display name of ``la``, ``region`` and ``england``.
    measure
        What is plotted, for the axis label and alt text ("weekly cases", "cumulative
        deaths").
    title
        The figure's title.
    """
    figure, axes = new_figure()
    peaks = []
    notes = []
    for area in ("england", "region", "la"):
        series = sdc.figure_series(table, f"{area}_rate", x_column="week_start")
        weeks = pd.to_datetime(list(series.x))
        rates = np.asarray(series.y, dtype=float)
        axes.plot(
            weeks,
            rates,
            color=COLOURS[area],
            label=names[area],
            linewidth=2.2 if area == "la" else 1.3,
            marker="o" if area == "la" else None,
            markersize=2,
        )
        if not np.isnan(rates).all():
            peaks.append(_describe_line(names[area], weeks, rates, measure))
        if series.note:
            notes.append(f"{names[area]}: {series.note.removeprefix('Gaps in the line: ')}")
    axes.set_ylabel(f"{measure.capitalize()} per 100,000")
    axes.set_title(title)
    axes.legend(frameon=False)
    figure.autofmt_xdate()
    alt = f"Line chart of {measure} per 100,000 people. " + "; ".join(peaks) + "."
    caption = f"{title}: {measure} per 100,000 people, by week starting Monday."
    if notes:
        caption += " Gaps in the lines: " + " ".join(notes)
    return finish(figure, alt, caption)
