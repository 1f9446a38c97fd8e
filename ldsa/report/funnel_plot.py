"""Funnel plots: every authority's standardised ratio against its expected count.

PHE's exact Poisson limits around England's ratio, from the released points only, with
Spiegelhalter's test for over-dispersion and, where it finds it, the adjusted limits too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ldsa import sdc
from ldsa.report.charts import values_of
from ldsa.report.figures import COLOURS, FigureOutput, finish, heading, new_figure
from ldsa.stats import FunnelResult, funnel, funnel_limits


def funnel_plot(
    points: sdc.SafeTable,
    *,
    observed_column: str,
    expected_column: str,
    name_column: str,
    highlight: str,
    label: str,
    title: str,
    events: str = "deaths",
) -> FigureOutput:
    """Draw every authority's standardised ratio (observed / expected, England = 100)
    against its expected count, with PHE's 95% and 99.8% limits, this authority highlighted.

    The limits are PHE's exact Poisson limits for ratios, computed from the released points
    only (authorities whose count is withheld are left out and counted in the caption).
    Spiegelhalter's test for over-dispersion is run on the same points; where it finds
    over-dispersion, the additively adjusted 99.8% limits are drawn as well and the caption
    says so. ``events`` names what is counted ("deaths", "cases") on the axis and in the
    alt text.
    """
    points = sdc.require_safe(points, "funnel_plot")
    observed, expected = values_of(points, observed_column), values_of(points, expected_column)
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
    axes.set_xlabel(f"Expected {events} (log scale)")
    axes.set_ylabel("Standardised ratio (England = 100)")
    heading(axes, title, rows=2)
    where = _funnel_position(index, shown, ratio, expected, phe, label, events)
    alt = (
        f"Funnel plot of {title} for {int(shown.sum())} authorities: the standardised "
        f"ratio against expected {events}, with limits around England's 100. {where}"
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
    result: FunnelResult, name: str, events: str = "deaths",
) -> str:  # fmt: skip
    """Where the highlighted authority sits, in one sentence."""
    if not shown[index]:
        return f"{name}'s count is withheld, so it is not drawn."
    position = int(np.flatnonzero(shown).tolist().index(index))
    significance = str(result.points["significance"].iloc[position])
    return (
        f"{name} is at {ratio[index]:.0f} with {expected[index]:,.0f} expected {events}: "
        f"{significance.lower()} against England."
    )
