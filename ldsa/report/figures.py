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


def population_pyramid(frame: pd.DataFrame, england: pd.DataFrame, title: str) -> FigureOutput:
    """Draw an age-sex pyramid as percentages of the population, England as an outline.

    Parameters
    ----------
    frame, england
        Columns ``age_band`` (in age order), ``sex`` ("F"/"M") and ``percent``.
    """
    figure, axes = new_figure(7.0, 5.0)
    bands = list(dict.fromkeys(frame["age_band"]))
    for sex, sign, colour, label in (
        ("M", -1, COLOURS["male"], "Males"),
        ("F", 1, COLOURS["female"], "Females"),
    ):
        values = frame[frame["sex"] == sex].set_index("age_band")["percent"].reindex(bands)
        axes.barh(bands, sign * values.to_numpy(), color=colour, label=label, alpha=0.85)
        reference = england[england["sex"] == sex].set_index("age_band")["percent"].reindex(bands)
        axes.step(
            sign * reference.to_numpy(),
            bands,
            where="mid",
            color=COLOURS["england"],
            linewidth=1.2,
            label="England" if sex == "F" else None,
        )
    limit = float(max(frame["percent"].max(), england["percent"].max())) * 1.1
    axes.set_xlim(-limit, limit)
    axes.xaxis.set_major_formatter(lambda x, _pos: f"{abs(x):.0f}%")
    axes.set_xlabel("Percentage of the population")
    axes.set_title(title)
    axes.legend(loc="lower right", frameon=False)
    oldest = frame.groupby("age_band", sort=False)["percent"].sum().reindex(bands)
    alt = (
        f"Population pyramid. {title}. The largest five-year age band is {oldest.idxmax()} "
        f"({oldest.max():.1f}% of the population); people aged 65 and over make up "
        f"{oldest.iloc[13:].sum():.1f}%."
    )
    caption = "Bars: this authority; outline: England. Percentage of the population by sex and age."
    return finish(figure, alt, caption)


def weekly_rates(frame: pd.DataFrame, measure: str, title: str) -> FigureOutput:
    """Draw weekly rates per 100,000 for the authority, its region and England.

    Parameters
    ----------
    frame
        Columns ``week_start``, ``area`` ("la", "region", "england"), ``label`` (area name)
        and ``rate`` (per 100,000). Missing rates are drawn as gaps.
    measure
        What is counted, for the axis label and alt text ("cases", "deaths").
    """
    figure, axes = new_figure()
    peaks = []
    for area in ("england", "region", "la"):
        series = frame[frame["area"] == area].sort_values("week_start")
        if series.empty:
            continue
        label = str(series["label"].iloc[0])
        axes.plot(
            series["week_start"],
            series["rate"],
            color=COLOURS[area],
            label=label,
            linewidth=2.2 if area == "la" else 1.3,
        )
        rates = series["rate"].to_numpy(dtype=float)
        if not np.isnan(rates).all():
            peak = int(np.nanargmax(rates))
            when = pd.Timestamp(series["week_start"].iloc[peak])
            peaks.append(f"{label} peaked in the week of {when:%d %B %Y} at {rates[peak]:.0f}")
    axes.set_ylabel(f"Weekly {measure} per 100,000")
    axes.set_title(title)
    axes.legend(frameon=False)
    figure.autofmt_xdate()
    alt = f"Line chart of weekly {measure} per 100,000 people. " + "; ".join(peaks) + "."
    return finish(figure, alt, f"Weekly {measure} per 100,000 people, by week starting Monday.")
