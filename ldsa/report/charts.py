"""Chart kinds beyond the overview's: heatmaps, daily bars, intervals, funnels, shares.

Each takes released tables only (:func:`ldsa.sdc.require_safe`, :func:`ldsa.sdc.figure_series`),
draws every series with one vectorised primitive, and returns a
:class:`~ldsa.report.figures.FigureOutput` with alt text and a caption that say what the
data show and what is withheld. The drawing rules are in :mod:`ldsa.report.figures`.
"""

from __future__ import annotations

import datetime as dt

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.dates import date2num

from ldsa import sdc
from ldsa.report.figures import (
    COLOURS,
    MARGINS,
    FigureOutput,
    date_axis,
    finish,
    heading,
    new_figure,
)
from ldsa.report.groupings import WEEKDAYS
from ldsa.report.text import day_text

#: Sequential, perceptually uniform and readable with colour-blindness.
HEATMAP_COLOURS = "viridis"
WITHHELD_GREY = "#d9d9d9"
INCOMPLETE_COLOUR = "#9ecae1"
#: Colour of each category of a share chart, in order (Okabe-Ito).
#: Okabe-Ito hues, the two lightest darkened to at least 3:1 on white.
CATEGORY_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#C47A00", "#2A8FC9")


def _days(table: sdc.SafeTable, column: str) -> pd.DatetimeIndex:
    """A date column's days; ``"day"``: each row's day of a daily breakdown (its week's
    Monday plus its day of the week)."""
    if column != "day":
        return pd.DatetimeIndex([table.text(r, column) for r in range(table.n_rows)])
    mondays = _days(table, "period_start")
    offsets = [WEEKDAYS.index(table.text(r, "weekday")) for r in range(table.n_rows)]
    return mondays + pd.to_timedelta(offsets, unit="D")


def _with_gaps(
    x: pd.DatetimeIndex, series: list[np.ndarray]
) -> tuple[pd.DatetimeIndex, list[np.ndarray]]:
    """Points with a NaN put between two rows further apart than the usual step (rows a
    table leaves out), so that a line breaks there instead of bridging the gap."""
    if len(x) < 3:
        return x, series
    steps = np.diff(x)
    after = np.flatnonzero(steps > 1.5 * np.median(steps))
    if not after.size:
        return x, series
    points = np.concatenate([x, x[after] + steps[after] / 2])
    order = np.argsort(points, kind="stable")
    spread = pd.DatetimeIndex(points[order])
    filled = [np.concatenate([s, np.full(after.size, np.nan)])[order] for s in series]
    return spread, filled


def values_of(table: sdc.SafeTable, column: str) -> np.ndarray:
    """A released column's values as floats, withheld ones as NaN."""
    return np.asarray(sdc.figure_series(table, column).y, dtype=float)


def heatmap(
    table: sdc.SafeTable,
    *,
    band_column: str,
    value_column: str,
    title: str,
    unit: str,
    band_noun: str = "ages",
    tick_format: str = "{:,.0f}",
    value_format: str = "{:,.1f}",
) -> FigureOutput:
    """Draw a released value per period (columns) and band (rows) as coloured cells.

    ``table`` is tidy: ``period_start``, ``period_end``, the band and the value; withheld
    cells are grey. ``band_noun`` names the bands in the alt text ("ages");
    ``tick_format`` and ``value_format`` write the colour bar's labels and the alt text's
    highest value. The mesh is one rasterised collection (a few kilobytes, however many
    cells).
    """
    table = sdc.require_safe(table, "heatmap")
    starts, ends = _days(table, "period_start"), _days(table, "period_end")
    bands = list(dict.fromkeys(table.text(r, band_column) for r in range(table.n_rows)))
    periods = list(dict.fromkeys(zip(starts, ends, strict=True)))
    values = values_of(table, value_column)
    grid = np.full((len(bands), len(periods)), np.nan)
    for row in range(table.n_rows):
        column = periods.index((starts[row], ends[row]))
        grid[bands.index(table.text(row, band_column)), column] = values[row]
    edges = [p[0] for p in periods] + [periods[-1][1] + pd.Timedelta(days=1)]
    width, height = 8.0, 1.6 + 0.32 * len(bands)
    figure, axes = new_figure(width, height)
    # Room for the colour bar and its labels, and for the longest band label (about 0.075
    # inch a character at the tick labels' 10 points).
    left = max(MARGINS["left"], 0.2 + 0.075 * max(len(band) for band in bands))
    figure.subplots_adjust(left=left / width, right=1 - 1.3 / width)
    colours = mpl.colormaps[HEATMAP_COLOURS].with_extremes(bad=WITHHELD_GREY)
    mesh = axes.pcolormesh(
        pd.DatetimeIndex(edges), np.arange(len(bands) + 1), grid, cmap=colours, rasterized=True
    )
    box = axes.get_position()
    bar = figure.add_axes((box.x1 + 0.15 / width, box.y0, 0.15 / width, box.height))
    figure.colorbar(mesh, cax=bar, label=unit)
    bar.yaxis.set_major_formatter(lambda value, _position: tick_format.format(value))
    axes.set_yticks(np.arange(len(bands)) + 0.5, bands)
    axes.grid(False)
    date_axis(axes, edges[0], edges[-1])
    heading(axes, title)
    withheld = int(np.isnan(grid).sum())
    alt = f"Heatmap of {title}, {unit.lower()}, by {band_column.replace('_', ' ')} "
    if np.isnan(grid).all():
        alt += "and period: every value is withheld."
    else:
        band, period = np.unravel_index(int(np.nanargmax(grid)), grid.shape)
        alt += (
            f"and period. The highest value, {value_format.format(np.nanmax(grid))}, is at "
            f"{band_noun} "
            f"{bands[band]} in the period starting {day_text(periods[period][0])}."
        )
    caption = f"{title}: {unit.lower()}; darker is lower, yellow is higher."
    if withheld:
        caption += f" Grey: {withheld} of {grid.size} values not shown ([c] or [u])."
    return finish(figure, alt, caption)


def daily_counts(
    table: sdc.SafeTable, *, count_column: str, average_column: str, title: str, incomplete: dt.date
) -> FigureOutput:
    """Draw daily counts as bars and their 7-day average (``average_column`` holds the
    7-day counts) as a line; days from ``incomplete`` on are lighter (their counts will
    still rise)."""
    table = sdc.require_safe(table, "daily_counts")
    days = _days(table, "day")
    counts, average = values_of(table, count_column), values_of(table, average_column)
    figure, axes = new_figure()
    late = np.asarray(days >= pd.Timestamp(incomplete))
    for chosen, colour, label in (
        (~late, COLOURS["la"], "Cases by specimen date"),
        (late, INCOMPLETE_COLOUR, "Recent days, still incomplete"),
    ):
        if chosen.any():
            _columns(axes, days[chosen], counts[chosen], colour, label)
    axes.plot(days, average / 7, color="#1b1b1b", linewidth=1.8, label="7-day average")
    axes.set_ylabel("Cases per day")
    axes.set_ylim(bottom=0)
    date_axis(axes, days[0], days[-1])
    _span(axes, days[0] - pd.Timedelta(days=1), days[-1] + pd.Timedelta(days=2))
    heading(axes, title)
    shown = ~np.isnan(counts)
    alt = f"Bar chart of daily cases from {day_text(days[0])} to {day_text(days[-1])}. "
    if shown.any():
        peak = int(np.nanargmax(counts))
        alt += f"The most cases on one day, {counts[peak]:,.0f}, were on {day_text(days[peak])}."
    else:
        alt += "Every day's count is withheld."
    caption = (
        f"{title}: cases by the day the specimen was taken, with the 7-day average (the mean "
        "of the day and the 6 before it)."
    )
    if late.any():
        caption += f" Days from {day_text(incomplete)} are incomplete."
    gaps = int((~shown).sum())
    if gaps:
        caption += f" {gaps} of {len(days)} days not shown ([c])."
    return finish(figure, alt, caption)


def _span(axes: Axes, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Fit the x axis to the days drawn (after the ticks, which would widen it)."""
    numbers = date2num([first.to_pydatetime(), last.to_pydatetime()])  # type: ignore[no-untyped-call]
    axes.set_xlim(float(numbers[0]), float(numbers[1]))


def _columns(
    axes: Axes, days: pd.DatetimeIndex, heights: np.ndarray, colour: str, label: str
) -> None:
    """Vertical bars, one day wide, as one collection (NaN draws no bar)."""
    # Days since matplotlib's epoch, the x unit of date axes (date2num is untyped).
    numbers: np.ndarray = date2num(days.to_pydatetime())  # type: ignore[no-untyped-call]
    left = numbers.astype(float) + 0.1
    right = left + 0.8
    shown = ~np.isnan(heights)
    zeros = np.zeros(int(shown.sum()))
    x = np.column_stack([left[shown], left[shown], right[shown], right[shown]])
    y = np.column_stack([zeros, heights[shown], heights[shown], zeros])
    collection = PolyCollection(
        list(np.stack([x, y], axis=-1)), facecolors=colour, edgecolors="none", label=label
    )
    axes.add_collection(collection)


def rate_with_interval(
    table: sdc.SafeTable,
    *,
    x_column: str,
    value_column: str,
    lower_column: str,
    upper_column: str,
    title: str,
    ylabel: str,
    label: str,
    note: str = "",
    floor: float | None = 0.0,
) -> FigureOutput:
    """Draw one released series with its 95% interval as a band (``floor``: the y axis's
    lowest value; None for series that go below zero, with a line at zero)."""
    table = sdc.require_safe(table, "rate_with_interval")
    x, (value, lower, upper) = _with_gaps(
        _days(table, x_column),
        [values_of(table, c) for c in (value_column, lower_column, upper_column)],
    )
    figure, axes = new_figure()
    axes.fill_between(
        x, lower, upper, color=COLOURS["la"], alpha=0.2, linewidth=0, label="95% interval"
    )
    axes.plot(x, value, color=COLOURS["la"], linewidth=2.0, label=label)
    axes.set_ylabel(ylabel)
    if floor is None:
        axes.axhline(0.0, color=COLOURS["england"], linewidth=0.8)
    else:
        axes.set_ylim(bottom=floor)
    date_axis(axes, x[0], x[-1])
    _span(axes, x[0], x[-1])
    heading(axes, title)
    shown = np.flatnonzero(~np.isnan(value))
    if shown.size:
        last = int(shown[-1])
        alt = (
            f"Line chart of {title}. On {day_text(x[last])} it was {value[last]:,.1f} "
            f"(95% interval {lower[last]:,.1f} to {upper[last]:,.1f}); the highest was "
            f"{np.nanmax(value):,.1f} on {day_text(x[int(np.nanargmax(value))])}."
        )
    else:
        alt = f"Line chart of {title}: every value is withheld."
    caption = f"{title}: {ylabel.lower()}, with its 95% confidence interval (shaded)."
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def observed_expected(
    table: sdc.SafeTable, *, observed_column: str, title: str, note: str = ""
) -> FigureOutput:
    """Draw deaths registered per period against those expected (with the 95% prediction
    interval), as average deaths per week so that periods of 4 and 5 weeks compare."""
    table = sdc.require_safe(table, "observed_expected")
    starts, ends = _days(table, "period_start"), _days(table, "period_end")
    weeks = np.asarray([float(table.text(r, "weeks")) for r in range(table.n_rows)])
    edges = np.column_stack([starts, ends + pd.Timedelta(days=1)]).ravel()
    figure, axes = new_figure()
    lower = np.repeat(values_of(table, "expected_lower") / weeks, 2)
    upper = np.repeat(values_of(table, "expected_upper") / weeks, 2)
    axes.fill_between(edges, lower, upper, color=COLOURS["england"], alpha=0.2, linewidth=0,
                      label="Expected, 95% interval")  # fmt: skip
    expected = values_of(table, "expected") / weeks
    axes.plot(edges, np.repeat(expected, 2), color=COLOURS["england"], linestyle="--",
              linewidth=1.3, label="Expected")  # fmt: skip
    observed = values_of(table, observed_column) / weeks
    axes.plot(edges, np.repeat(observed, 2), color=COLOURS["la"], linewidth=2.2,
              label="Registered")  # fmt: skip
    axes.set_ylabel("Deaths per week")
    axes.set_ylim(bottom=0)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    excess = values_of(table, "excess")
    above = int(np.nansum(values_of(table, "excess_lower") > 0))
    alt = (
        f"Step chart of {title}, average deaths per week in each period. Deaths were "
        f"above the expected range in {above} of {table.n_rows} periods; over the periods "
        f"shown, excess deaths add up to {np.nansum(excess):,.0f}."
    )
    caption = (
        f"{title}: deaths registered (solid) and expected from 2015-2019 (dashed, with its "
        "95% prediction interval shaded), per week on average over each period."
    )
    if note:
        caption += f" {note}"
    gaps = int(np.isnan(observed).sum())
    if gaps:
        caption += f" {gaps} of {table.n_rows} periods not shown ([c])."
    return finish(figure, alt, caption)


def levels_with_interval(
    table: sdc.SafeTable,
    *,
    names: dict[str, str],
    value: str,
    unit: str,
    title: str,
    note: str = "",
) -> FigureOutput:
    """Draw a statistic per period as steps for the authority (with its 95% interval as a
    band), its region and England: columns ``<level>_<value>`` and the authority's
    ``la_<value>_lower`` and ``la_<value>_upper``."""
    table = sdc.require_safe(table, "levels_with_interval")
    starts, ends = _days(table, "period_start"), _days(table, "period_end")
    edges = np.column_stack([starts, ends + pd.Timedelta(days=1)]).ravel()
    figure, axes = new_figure()
    lower = np.repeat(values_of(table, f"la_{value}_lower"), 2)
    upper = np.repeat(values_of(table, f"la_{value}_upper"), 2)
    axes.fill_between(edges, lower, upper, color=COLOURS["la"], alpha=0.2, linewidth=0,
                      label=f"{names['la']}: 95% interval")  # fmt: skip
    for level in ("england", "region", "la"):
        axes.plot(edges, np.repeat(values_of(table, f"{level}_{value}"), 2), color=COLOURS[level],
                  linewidth=2.2 if level == "la" else 1.3, label=names[level])  # fmt: skip
    axes.set_ylabel(unit)
    axes.set_ylim(bottom=0)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    mine = values_of(table, f"la_{value}")
    shown = np.flatnonzero(~np.isnan(mine))
    if shown.size:
        peak = int(np.nanargmax(mine))
        alt = (
            f"Step chart of {title}. {names['la']} was highest, {mine[peak]:.1f}, in the "
            f"period starting {day_text(starts[peak])}, and {mine[shown[-1]]:.1f} in the last "
            "period shown."
        )
    else:
        alt = f"Step chart of {title}: every value of {names['la']} is withheld."
    caption = f"{title}: {unit.lower()}, with the 95% interval of {names['la']} shaded."
    if note:
        caption += f" {note}"
    gaps = int(np.isnan(mine).sum())
    if gaps:
        caption += f" {gaps} of {table.n_rows} periods not shown ([c] or [u])."
    return finish(figure, alt, caption)


def shares_over_time(
    table: sdc.SafeTable, *, category_column: str, count_column: str, title: str
) -> FigureOutput:
    """Draw each category's share of the total per period as stacked steps (one filled
    band per category); a period with a withheld part is a gap."""
    table = sdc.require_safe(table, "shares_over_time")
    starts, ends = _days(table, "period_start"), _days(table, "period_end")
    categories = list(dict.fromkeys(table.text(r, category_column) for r in range(table.n_rows)))
    periods = list(dict.fromkeys(zip(starts, ends, strict=True)))
    counts = values_of(table, count_column).reshape(len(periods), len(categories))
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(totals > 0, counts / totals * 100, np.nan)
    first = pd.DatetimeIndex([p[0] for p in periods])
    after = pd.DatetimeIndex([p[1] for p in periods]) + pd.Timedelta(days=1)
    edges = np.column_stack([first, after]).ravel()
    figure, axes = new_figure()
    bottom = np.zeros(len(periods))
    for index, category in enumerate(categories):
        top = bottom + shares[:, index]
        colour = CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]
        axes.fill_between(
            edges, np.repeat(bottom, 2), np.repeat(top, 2), linewidth=0, color=colour,
            label=category,
        )  # fmt: skip
        bottom = top
    axes.set_ylim(0, 100)
    axes.set_ylabel("Share of deaths (%)")
    date_axis(axes, periods[0][0], periods[-1][1])
    heading(axes, title)
    mean = np.nanmean(shares, axis=0)
    described = ", ".join(
        f"{c} {m:.0f}%" for c, m in zip(categories, mean, strict=True) if not np.isnan(m)
    )
    gaps = int(np.isnan(shares).any(axis=1).sum())
    alt = f"Stacked chart of {title}: the share of deaths in each place per period. " + (
        f"On average over the periods shown: {described}."
        if described
        else "Every period is withheld."
    )
    caption = f"{title}: the share of each period's deaths registered that happened in each place."
    if gaps:
        caption += f" {gaps} of {len(periods)} periods not shown (a count withheld, [c])."
    return finish(figure, alt, caption)
