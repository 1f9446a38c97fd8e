"""Charts of the survey report, drawn from released tables only (see ldsa.report.figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.charts import _with_gaps, heatmap, values_of
from ldsa.report.figures import COLOURS, FigureOutput, date_axis, finish, heading, new_figure
from ldsa.report.text import day_text

#: Colour of each survey level: the CIS area takes the authority's.
LEVEL_COLOURS = {"cis": COLOURS["la"], "region": COLOURS["region"], "england": COLOURS["england"]}


def _dates(table: sdc.SafeTable, column: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([table.text(r, column) for r in range(table.n_rows)])


def positivity_lines(
    table: sdc.SafeTable,
    names: dict[str, str],
    *,
    title: str,
    note: str = "",
    levels: tuple[str, ...] = ("england", "region", "cis"),
    interval: str = "confidence",
) -> FigureOutput:
    """Weekly positivity (per cent) of the CIS area with its 95% interval, its region and
    England, at each week's middle day; withheld weeks are gaps.

    ``table`` holds ``period_start`` and ``<level>_positivity``, ``<level>_lower``,
    ``<level>_upper`` for each of ``levels`` (``cis`` among them).
    """
    table = sdc.require_safe(table, "positivity_lines")
    x = _dates(table, "period_start") + pd.Timedelta(days=3)
    series = [values_of(table, c) for c in ("cis_lower", "cis_upper")]
    series += [values_of(table, f"{level}_positivity") for level in levels]
    # Weeks the table leaves out (published estimates skip some) break the lines.
    spread, drawn = _with_gaps(x, series)
    figure, axes = new_figure(8.0, 4.2)
    axes.fill_between(
        spread, drawn[0], drawn[1], color=LEVEL_COLOURS["cis"], alpha=0.2, linewidth=0,
        label="Survey area: 95% interval",
    )  # fmt: skip
    clauses, gaps = [], []
    labels = {"england": "England", "region": names["region"], "cis": "Survey area"}
    for level, line in zip(levels, drawn[2:], strict=True):
        label = labels[level]
        values = values_of(table, f"{level}_positivity")
        width = 2.2 if level == "cis" else 1.3
        axes.plot(spread, line, color=LEVEL_COLOURS[level], linewidth=width, label=label)
        clauses.append(_describe(names[level], x, values))
        withheld = int(np.isnan(values).sum())
        if withheld:
            gaps.append(f"{label}: {withheld} of {len(values)} weeks not shown")
    axes.set_ylabel("% testing positive")
    top = _top(table, levels)
    axes.set_ylim(0, top)
    date_axis(axes, x[0] - pd.Timedelta(days=3), x[-1] + pd.Timedelta(days=3))
    heading(axes, title, rows=2 if len(levels) > 1 else 1)
    alt = f"Line chart of {title.lower()} per week. " + " ".join(clauses)
    caption = (
        f"{title}: the modelled percentage of people in private households who would have "
        f"tested positive, per week (at its middle day), with the survey area's 95% "
        f"{interval} interval shaded."
    )
    if gaps:
        caption += (
            " Gaps: " + "; ".join(gaps) + " (too few people or households swabbed to "
            "release, [c], or no estimate, [u])."
        )
    if np.nanmax(values_of(table, "cis_upper"), initial=0.0) > top:
        caption += (
            " Where the survey area's interval reaches above the top of the chart (weeks "
            "with few swabs), it is cut off: the downloadable table has its limits."
        )
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def _top(table: sdc.SafeTable, levels: tuple[str, ...]) -> float:
    """The y axis's top: room above the highest estimate, and above the comparators'
    intervals, but not for a few weeks' very wide intervals of a small sample."""
    estimates = [values_of(table, f"{level}_positivity") for level in levels]
    highest = max((float(np.nanmax(v, initial=0.0)) for v in estimates), default=0.0)
    return max(1.5 * highest, 0.1)


def _describe(name: str, x: pd.DatetimeIndex, values: np.ndarray) -> str:
    """A line's highest and latest shown values, in words."""
    shown = np.flatnonzero(~np.isnan(values))
    if not shown.size:
        return f"{name}: every week is withheld."
    peak, last = int(np.nanargmax(values)), int(shown[-1])
    return (
        f"{name}: highest in the week of {day_text(x[peak])}, at {values[peak]:.2f}%; "
        f"{values[last]:.2f}% in the week of {day_text(x[last])}."
    )


def dual_axis(
    positivity: sdc.SafeTable,
    cases: sdc.SafeTable,
    *,
    authority: str,
    title: str,
    note: str = "",
) -> FigureOutput:
    """The survey area's weekly positivity (left axis) against the authority's weekly case
    rate per 100,000 (right axis, at the step its cases are released at)."""
    positivity = sdc.require_safe(positivity, "dual_axis")
    cases = sdc.require_safe(cases, "dual_axis")
    x = _dates(positivity, "period_start") + pd.Timedelta(days=3)
    share = values_of(positivity, "cis_positivity")
    starts, ends = _dates(cases, "period_start"), _dates(cases, "period_end")
    edges = np.column_stack([starts, ends + pd.Timedelta(days=1)]).ravel()
    rates = values_of(cases, "la_weekly_rate")
    figure, axes = new_figure(8.0, 4.2)
    figure.subplots_adjust(right=1 - 1.3 / 8.0)  # room for the right axis and its label
    axes.plot(x, share, color=LEVEL_COLOURS["cis"], linewidth=2.2, label="Survey area: % positive")
    other = axes.twinx()
    other.plot(edges, np.repeat(rates, 2), color="#D55E00", linewidth=1.5,
               label=f"{authority}: cases per 100,000 a week")  # fmt: skip
    other.spines[["top"]].set_visible(False)
    axes.set_ylabel("% testing positive (survey)")
    other.set_ylabel("Cases per 100,000 a week")
    axes.set_ylim(bottom=0)
    other.set_ylim(bottom=0)
    first = min(x[0] - pd.Timedelta(days=3), starts[0])
    date_axis(axes, first, max(x[-1] + pd.Timedelta(days=3), ends[-1]))
    handles = axes.get_legend_handles_labels()
    more = other.get_legend_handles_labels()
    axes.legend(handles[0] + more[0], handles[1] + more[1], loc="lower left",
                bbox_to_anchor=(0.0, 1.0), ncols=2, frameon=False, borderaxespad=0.2)  # fmt: skip
    axes.set_title(title, loc="left", y=1.0, pad=24)
    alt = (
        f"Line chart with two axes: {title.lower()}. "
        + _describe("Survey positivity", x, share)
        + " "
        + _peak_rate(authority, starts, rates)
    )
    caption = (
        f"{title}: the survey area's modelled positivity (left axis, per cent) and the cases "
        f"found by testing in {authority} (right axis, per 100,000 people a week). The two "
        "measure different things: see the notes."
    )
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def _peak_rate(name: str, starts: pd.DatetimeIndex, rates: np.ndarray) -> str:
    if np.isnan(rates).all():
        return f"{name}: every case rate is withheld."
    peak = int(np.nanargmax(rates))
    return (
        f"{name}'s case rate was highest in the period from {day_text(starts[peak])}, at "
        f"{rates[peak]:,.1f}."
    )


def ratio_steps(
    table: sdc.SafeTable, names: dict[str, str], *, title: str, note: str = ""
) -> FigureOutput:
    """Cases per estimated infection per period as steps: the authority, region, England.

    ``table`` holds ``period_start``, ``period_end`` and ``<level>_cases_per_infection``
    for ``la``, ``region`` and ``england``.
    """
    table = sdc.require_safe(table, "ratio_steps")
    starts, ends = _dates(table, "period_start"), _dates(table, "period_end")
    edges = np.column_stack([starts, ends + pd.Timedelta(days=1)]).ravel()
    figure, axes = new_figure()
    clauses, gaps = [], []
    for level in ("england", "region", "la"):
        values = values_of(table, f"{level}_cases_per_infection")
        axes.plot(edges, np.repeat(values, 2), color=COLOURS[level],
                  linewidth=2.2 if level == "la" else 1.3, label=names[level])  # fmt: skip
        shown = np.flatnonzero(~np.isnan(values))
        if shown.size:
            clauses.append(
                f"{names[level]}: from {np.nanmin(values):.2f} to {np.nanmax(values):.2f}, "
                f"{values[shown[-1]]:.2f} in the last period shown."
            )
        else:
            clauses.append(f"{names[level]}: every value is withheld.")
        if len(shown) < len(values):
            gaps.append(f"{names[level]}: {len(values) - len(shown)} of {len(values)}")
    axes.set_ylabel("Cases per estimated infection")
    axes.set_ylim(bottom=0)
    date_axis(axes, starts[0], ends[-1])
    heading(axes, title)
    alt = f"Step chart of {title.lower()}. " + " ".join(clauses)
    caption = (
        f"{title}: cases found by testing each week for each person the survey estimates "
        "was infected (testing positive) that week."
    )
    if gaps:
        caption += " Periods not shown ([c] or [u]): " + "; ".join(gaps) + "."
    if note:
        caption += f" {note}"
    return finish(figure, alt, caption)


def age_heatmap(table: sdc.SafeTable, *, title: str) -> FigureOutput:
    """Positivity (per cent) per period (columns) and age group (rows) as coloured cells;
    withheld cells grey, labelled to the precision percentages of a few per cent need."""
    return heatmap(
        table, band_column="age_group", value_column="cis_positivity", title=title,
        unit="% of swabs positive", tick_format="{:.1f}%", value_format="{:.2f}%",
    )  # fmt: skip
