"""The projections report's charts: R over time, the fan chart, past projections.

Released tables only (:func:`ldsa.sdc.require_safe`); one vectorised primitive per series;
rules in :mod:`ldsa.report.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.charts import values_of
from ldsa.report.figures import COLOURS, FigureOutput, date_axis, finish, heading, new_figure
from ldsa.report.measures import CASES
from ldsa.report.text import day_text

FAN = "#0072B2"
OBSERVED = "#000000"


def _middays(table: sdc.SafeTable) -> pd.DatetimeIndex:
    """The middle of each row's week."""
    starts = pd.DatetimeIndex([table.text(r, "period_start") for r in range(table.n_rows)])
    return starts + pd.Timedelta(days=3)


def r_lines(
    la: sdc.SafeTable | None, comparators: sdc.SafeTable, names: dict[str, str], note: str
) -> FigureOutput:
    """R by week: the authority's with its 95% interval shaded (else the region's), the
    region's and England's as lines, and a line at R = 1."""
    comparators = sdc.require_safe(comparators, "r_lines")
    shaded, level = (la, "la") if la is not None and not note else (comparators, "region")
    shaded = sdc.require_safe(shaded, "r_lines")
    figure, axes = new_figure()
    x = _middays(shaded)
    axes.fill_between(x, values_of(shaded, f"{level}_r_lower"),
                      values_of(shaded, f"{level}_r_upper"), color=COLOURS[level], alpha=0.2,
                      linewidth=0, label=f"{names[level]}: 95% interval")  # fmt: skip
    lines = [("england", comparators), ("region", comparators)]
    if la is not None:
        lines.append(("la", sdc.require_safe(la, "r_lines")))
    for name, table in lines:
        axes.plot(_middays(table), values_of(table, f"{name}_r"), color=COLOURS[name],
                  linewidth=2.2 if name == level else 1.2, label=names[name])  # fmt: skip
    axes.axhline(1.0, color="#000000", linewidth=0.8, linestyle="--")
    mine = values_of(shaded, f"{level}_r")
    top = float(np.nanmax(values_of(shaded, f"{level}_r_upper"), initial=2.0))
    axes.set_ylim(0, min(max(top, 2.0), 4.0))
    axes.set_ylabel("Reproduction number R")
    date_axis(axes, x[0], x[-1])
    heading(axes, "Reproduction number R by week")
    shown = np.flatnonzero(~np.isnan(mine))
    if shown.size:
        last = shown[-1]
        alt = (
            f"Line chart of the reproduction number R by week. R of {names[level]} was "
            f"{mine[last]:.2f} in the week from {day_text(x[last].date() - pd.Timedelta(days=3))};"
            f" it was above 1 in {int(np.sum(mine[shown] > 1))} of {shown.size} weeks shown."
        )
    else:
        alt = f"Line chart of R by week: every value of {names[level]} is withheld."
    caption = (
        "R is the average number of people each case passes the infection on to: above 1 "
        "(the dashed line) cases grow, below 1 they fall. Estimated from cases by specimen "
        f"date, each week on its own; the shaded band is the 95% interval of {names[level]}."
    )
    gaps = int(np.isnan(mine).sum())
    if gaps:
        caption += f" {gaps} of {mine.size} weeks of {names[level]} not shown ([c] or [u])."
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def fan_chart(
    projection: sdc.SafeTable,
    observed: sdc.SafeTable | None,
    *,
    name: str,
    note: str,
    column: str = f"la_{CASES.count_column}",
) -> FigureOutput:
    """Released weekly cases (``column`` of ``observed``) of the last 12 weeks (if given),
    then projected cases per week: the median with 50% and 90% intervals as bands."""
    projection = sdc.require_safe(projection, "fan_chart")
    figure, axes = new_figure()
    x = _middays(projection)
    lo90, hi90 = values_of(projection, "lower_90"), values_of(projection, "upper_90")
    axes.fill_between(x, lo90, hi90, color=FAN, alpha=0.15, linewidth=0, label="90% interval")
    axes.fill_between(x, values_of(projection, "lower_50"), values_of(projection, "upper_50"),
                      color=FAN, alpha=0.3, linewidth=0, label="50% interval")  # fmt: skip
    median = values_of(projection, "median")
    axes.plot(x, median, color=FAN, linewidth=2, linestyle="--", marker="o",
              label="Projected (median)")  # fmt: skip
    first = x[0]
    if observed is not None:
        observed = sdc.require_safe(observed, "fan_chart")
        recent = observed.select(
            output_id=f"{observed.output_id}_recent",
            rows=range(max(0, observed.n_rows - 12), observed.n_rows),
        )
        seen = _middays(recent)
        axes.plot(seen, values_of(recent, column), color=OBSERVED,
                  linewidth=1.8, marker="o", markersize=3, label="Cases (released)")  # fmt: skip
        first = seen[0] if len(seen) else first
    axes.set_ylim(bottom=0)
    axes.set_ylabel("Cases per week")
    date_axis(axes, first - pd.Timedelta(days=3), x[-1] + pd.Timedelta(days=3))
    heading(axes, f"Cases per week in {name}: recent weeks and the projection")
    if np.isnan(median).all():
        alt = f"Fan chart of projected cases in {name}: the projection is withheld."
    else:
        alt = (
            f"Fan chart of cases per week in {name}. The projection's median for the week "
            f"from {day_text(x[-1].date() - pd.Timedelta(days=3))} is {median[-1]:.0f}, with a "
            f"90% interval from {lo90[-1]:.0f} to {hi90[-1]:.0f}."
        )
    caption = (
        "Projected cases assume transmission goes on as in the last complete week, drifting "
        "as much as it has in recent months; they are not forecasts of what will happen if "
        "behaviour or policy changes. Nine in ten outcomes should fall in the lighter band."
    )
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def backtest_chart(past: sdc.SafeTable, observed: sdc.SafeTable, *, name: str) -> FigureOutput:
    """Each past week's cases as projected one week before (bands) against the released
    weekly cases (a line)."""
    past, observed = sdc.require_safe(past, "backtest_chart"), sdc.require_safe(observed, "")
    figure, axes = new_figure()
    x = _middays(past)
    axes.fill_between(x, values_of(past, "lower_90"), values_of(past, "upper_90"), color=FAN,
                      alpha=0.15, linewidth=0, step="mid", label="90% interval")  # fmt: skip
    axes.fill_between(x, values_of(past, "lower_50"), values_of(past, "upper_50"), color=FAN,
                      alpha=0.3, linewidth=0, step="mid", label="50% interval")  # fmt: skip
    seen = _middays(observed)
    cases = values_of(observed, f"la_{CASES.count_column}")
    axes.plot(seen, cases, color=OBSERVED, linewidth=1.2, label="Cases (released)")
    axes.set_ylim(bottom=0)
    axes.set_ylabel("Cases per week")
    date_axis(axes, x[0], x[-1])
    heading(axes, f"Past projections one week ahead against cases, {name}")
    lookup = dict(zip(seen, cases, strict=True))
    actual = np.array([lookup.get(day, np.nan) for day in x])
    inside = (values_of(past, "lower_90") <= actual) & (actual <= values_of(past, "upper_90"))
    scored = int(np.sum(~np.isnan(actual) & ~np.isnan(values_of(past, "median"))))
    alt = (
        f"Chart of {x.size} past one-week-ahead projections of cases in {name} as bands, with "
        f"the cases that followed as a line; {int(inside.sum())} of {scored} weeks shown "
        "fell inside the 90% interval."
    )
    caption = (
        "Each band is what the method would have projected for that week from the cases up "
        "to the week before. Where the line leaves the bands, the projection missed: "
        "usually when transmission changed quickly (a new variant, a lockdown, the end of "
        "one)."
    )
    return finish(figure, alt, caption)
