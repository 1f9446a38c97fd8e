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
from ldsa.report.figures import COLOURS, FigureOutput, date_axis, finish, heading, new_figure
from ldsa.report.groupings import WEEKDAYS
from ldsa.stats import FunnelResult, funnel, funnel_limits

#: Sequential, perceptually uniform and readable with colour-blindness.
HEATMAP_COLOURS = "viridis"
WITHHELD_GREY = "#d9d9d9"
INCOMPLETE_COLOUR = "#9ecae1"
#: Colour of each category of a share chart, in order (Okabe-Ito).
CATEGORY_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _days(table: sdc.SafeTable, column: str) -> pd.DatetimeIndex:
    """A date column's days; ``"day"``: each row's day of a daily breakdown (its week's
    Monday plus its day of the week)."""
    if column != "day":
        return pd.DatetimeIndex([table.text(r, column) for r in range(table.n_rows)])
    mondays = _days(table, "period_start")
    offsets = [WEEKDAYS.index(table.text(r, "weekday")) for r in range(table.n_rows)]
    return mondays + pd.to_timedelta(offsets, unit="D")


def _values(table: sdc.SafeTable, column: str) -> np.ndarray:
    return np.asarray(sdc.figure_series(table, column).y, dtype=float)


def _day(day: pd.Timestamp | dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def heatmap(
    table: sdc.SafeTable, *, band_column: str, value_column: str, title: str, unit: str
) -> FigureOutput:
    """Draw a released value per period (columns) and band (rows) as coloured cells.

    ``table`` is tidy: ``period_start``, ``period_end``, the band and the value; withheld
    cells are grey. The mesh is one rasterised collection (a few kilobytes, however many
    cells).
    """
    table = sdc.require_safe(table, "heatmap")
    starts, ends = _days(table, "period_start"), _days(table, "period_end")
    bands = list(dict.fromkeys(table.text(r, band_column) for r in range(table.n_rows)))
    periods = list(dict.fromkeys(zip(starts, ends, strict=True)))
    values = _values(table, value_column)
    grid = np.full((len(bands), len(periods)), np.nan)
    for row in range(table.n_rows):
        column = periods.index((starts[row], ends[row]))
        grid[bands.index(table.text(row, band_column)), column] = values[row]
    edges = [p[0] for p in periods] + [periods[-1][1] + pd.Timedelta(days=1)]
    width, height = 8.0, 1.6 + 0.32 * len(bands)
    figure, axes = new_figure(width, height)
    figure.subplots_adjust(right=1 - 1.3 / width)  # room for the colour bar and its labels
    colours = mpl.colormaps[HEATMAP_COLOURS].with_extremes(bad=WITHHELD_GREY)
    mesh = axes.pcolormesh(
        pd.DatetimeIndex(edges), np.arange(len(bands) + 1), grid, cmap=colours, rasterized=True
    )
    box = axes.get_position()
    bar = figure.add_axes((box.x1 + 0.15 / width, box.y0, 0.15 / width, box.height))
    figure.colorbar(mesh, cax=bar, label=unit)
    bar.yaxis.set_major_formatter(lambda value, _position: f"{value:,.0f}")
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
            f"and period. The highest value, {np.nanmax(grid):,.1f}, is at ages "
            f"{bands[band]} in the period starting {_day(periods[period][0])}."
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
    counts, average = _values(table, count_column), _values(table, average_column)
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
    alt = f"Bar chart of daily cases from {_day(days[0])} to {_day(days[-1])}. "
    if shown.any():
        peak = int(np.nanargmax(counts))
        alt += f"The most cases on one day, {counts[peak]:,.0f}, were on {_day(days[peak])}."
    else:
        alt += "Every day's count is withheld."
    caption = (
        f"{title}: cases by the day the specimen was taken, with the 7-day average (the mean "
        f"of the day and the 6 before it). Days from {_day(incomplete)} are incomplete."
    )
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
    x = _days(table, x_column)
    value, lower, upper = (_values(table, c) for c in (value_column, lower_column, upper_column))
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
            f"Line chart of {title}. On {_day(x[last])} it was {value[last]:,.1f} "
            f"(95% interval {lower[last]:,.1f} to {upper[last]:,.1f}); the highest was "
            f"{np.nanmax(value):,.1f} on {_day(x[int(np.nanargmax(value))])}."
        )
    else:
        alt = f"Line chart of {title}: every value is withheld."
    caption = f"{title}: {ylabel.lower()}, with its 95% confidence interval (shaded)."
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def funnel_plot(
    points: sdc.SafeTable,
    *,
    observed_column: str,
    expected_column: str,
    name_column: str,
    highlight: str,
    label: str,
    title: str,
) -> FigureOutput:
    """Draw every authority's standardised ratio (observed / expected, England = 100)
    against its expected count, with PHE's 95% and 99.8% limits, this authority highlighted.

    The limits are PHE's exact Poisson limits for ratios, computed from the released points
    only (authorities whose count is withheld are left out and counted in the caption).
    Spiegelhalter's test for over-dispersion is run on the same points; where it finds
    over-dispersion, the additively adjusted 99.8% limits are drawn as well and the caption
    says so.
    """
    points = sdc.require_safe(points, "funnel_plot")
    observed, expected = _values(points, observed_column), _values(points, expected_column)
    names = [points.text(r, name_column) for r in range(points.n_rows)]
    shown = ~np.isnan(observed) & ~np.isnan(expected) & (expected > 0)
    ratio = np.full(len(names), np.nan)
    ratio[shown] = observed[shown] / expected[shown] * 100
    phe = funnel(observed[shown], expected[shown], "ratio", multiplier=100, method="phe")
    grid = np.geomspace(max(float(expected[shown].min()), 0.5), float(expected[shown].max()) * 1.1)
    figure, axes = new_figure(8.0, 5.0)
    figure.subplots_adjust(top=1 - 1.0 / 5.0)  # two rows of legend
    limits = funnel_limits(grid, 100.0, "ratio", multiplier=100, method="phe")
    _limit_lines(axes, grid, limits, ("95", "--"), ("99_8", ":"))
    adjusted = phe.overdispersion.overdispersed
    if adjusted:
        wide = funnel_limits(grid, 100.0, "ratio", multiplier=100, adjustment="additive",
                             phi=phe.overdispersion.phi, tau2=phe.overdispersion.tau2)  # fmt: skip
        _limit_lines(axes, grid, wide, ("99_8", "-."), note=", allowing for over-dispersion")
    axes.axhline(100.0, color=COLOURS["england"], linewidth=0.8)
    mine = np.array([n == highlight for n in names])
    axes.scatter(expected[shown & ~mine], ratio[shown & ~mine], s=9, color="#8c8c8c",
                 label="Other authorities")  # fmt: skip
    axes.scatter(expected[shown & mine], ratio[shown & mine], s=44, color=COLOURS["la"],
                 zorder=3, label=label)  # fmt: skip
    index = names.index(highlight)
    if shown[index]:
        right = expected[index] > np.sqrt(grid[0] * grid[-1])  # in the right half: label left
        axes.annotate(
            label, (expected[index], ratio[index]), xytext=(-6 if right else 6, 6),
            textcoords="offset points", ha="right" if right else "left", color=COLOURS["la"],
            fontweight="bold",
        )  # fmt: skip
    axes.set_xscale("log")
    ticks = _round_numbers(float(grid[0]), float(grid[-1]))
    axes.set_xticks(ticks, [f"{t:,.0f}" for t in ticks])
    axes.xaxis.set_minor_formatter("")
    axes.set_xlabel("Expected deaths (log scale)")
    axes.set_ylabel("Standardised ratio (England = 100)")
    heading(axes, title, rows=2)
    where = _funnel_position(index, shown, ratio, expected, phe, label)
    alt = (
        f"Funnel plot of {title} for {int(shown.sum())} authorities: the standardised "
        f"ratio against expected deaths, with limits around England's 100. {where}"
    )
    caption = (
        f"{title}. Each dot is an authority. Dots outside the dashed (95%) or dotted (99.8%) "
        "lines are further from England than chance alone would usually make them (PHE's "
        "method)."
    )
    if adjusted:
        caption += (
            " The ratios vary between authorities more than chance explains (over-dispersion, "
            f"phi {phe.overdispersion.phi:.1f}); the dash-dot line is the 99.8% limit "
            "allowing for it."
        )
    hidden = int((~shown).sum())
    if hidden:
        caption += f" {hidden} authorities with withheld counts are not drawn"
        caption += f", {label} among them." if not shown[index] else "."
    return finish(figure, alt, caption)


def _round_numbers(low: float, high: float) -> list[float]:
    """1, 2 and 5 times the powers of ten between ``low`` and ``high`` (log-axis ticks)."""
    powers = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    return [float(v) for v in np.outer(powers, [1, 2, 5]).ravel() if low <= v <= high]


def _limit_lines(axes: Axes, grid: np.ndarray, limits: pd.DataFrame, *styles: tuple[str, str],
                 note: str = "") -> None:  # fmt: skip
    """Draw the lower and upper limit of each (level, line style) as one line each."""
    for level, style in styles:
        for side in ("lower", "upper"):
            axes.plot(
                grid, limits[f"{side}_{level}"].to_numpy(), color=COLOURS["england"],
                linestyle=style, linewidth=1.0,
                label=f"{level.replace('_', '.')}% limits{note}" if side == "lower" else None,
            )  # fmt: skip


def _funnel_position(
    index: int, shown: np.ndarray, ratio: np.ndarray, expected: np.ndarray,
    result: FunnelResult, name: str,
) -> str:  # fmt: skip
    """Where the highlighted authority sits, in one sentence."""
    if not shown[index]:
        return f"{name}'s count is withheld, so it is not drawn."
    position = int(np.flatnonzero(shown).tolist().index(index))
    significance = str(result.points["significance"].iloc[position])
    return (
        f"{name} is at {ratio[index]:.0f} with {expected[index]:,.0f} expected deaths: "
        f"{significance.lower()} against England."
    )


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
    lower = np.repeat(_values(table, "expected_lower") / weeks, 2)
    upper = np.repeat(_values(table, "expected_upper") / weeks, 2)
    axes.fill_between(edges, lower, upper, color=COLOURS["england"], alpha=0.2, linewidth=0,
                      label="Expected, 95% interval")  # fmt: skip
    expected = _values(table, "expected") / weeks
    axes.plot(edges, np.repeat(expected, 2), color=COLOURS["england"], linestyle="--",
              linewidth=1.3, label="Expected")  # fmt: skip
    observed = _values(table, observed_column) / weeks
    axes.plot(edges, np.repeat(observed, 2), color=COLOURS["la"], linewidth=2.2,
              label="Registered")  # fmt: skip
    axes.set_ylabel("Deaths per week")
    axes.set_ylim(bottom=0)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    excess = _values(table, "excess")
    above = int(np.nansum(_values(table, "excess_lower") > 0))
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
    lower = np.repeat(_values(table, f"la_{value}_lower"), 2)
    upper = np.repeat(_values(table, f"la_{value}_upper"), 2)
    axes.fill_between(edges, lower, upper, color=COLOURS["la"], alpha=0.2, linewidth=0,
                      label=f"{names['la']}: 95% interval")  # fmt: skip
    for level in ("england", "region", "la"):
        axes.plot(edges, np.repeat(_values(table, f"{level}_{value}"), 2), color=COLOURS[level],
                  linewidth=2.2 if level == "la" else 1.3, label=names[level])  # fmt: skip
    axes.set_ylabel(unit)
    axes.set_ylim(bottom=0)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    mine = _values(table, f"la_{value}")
    shown = np.flatnonzero(~np.isnan(mine))
    if shown.size:
        peak = int(np.nanargmax(mine))
        alt = (
            f"Step chart of {title}. {names['la']} was highest, {mine[peak]:.1f}, in the "
            f"period starting {_day(starts[peak])}, and {mine[shown[-1]]:.1f} in the last "
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
    counts = _values(table, count_column).reshape(len(periods), len(categories))
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
