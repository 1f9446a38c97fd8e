"""Series over time: a measure's counts and rates per 100,000 at the authority's step.

The sections every template can show for any of its measures: the authority, its region
and England per week (or month, quarter, period, as the batch-wide plan releases them), and
their running totals. :class:`~ldsa.report.base.Report` offers them as methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ldsa import sdc
from ldsa.report import figures
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import Measure

if TYPE_CHECKING:  # the report imports this module
    from ldsa.report.base import Report

LEVELS = ("la", "region", "england")
PER = 100_000


def release_series(report: Report, measure: Measure) -> sdc.SafeTable:
    """Counts per period and average weekly rates per 100,000 at the authority's step."""
    from ldsa.report.base import filled

    counts = report.plan(measure).table(
        report.la_code,
        output_id=report.uid(f"{measure.name}_counts"),
        description=f"{measure.label}: counts per period",
    )
    released = counts.released_frame()
    weeks = released["weeks"].astype(int).to_numpy()
    column = measure.count_column
    rates = pd.DataFrame(
        {
            f"{level}_weekly_rate": filled(released[f"{level}_{column}"])
            / weeks
            / report.populations[level]
            * PER
            for level in LEVELS
        }
    )
    return sdc.release_rates(
        counts,
        rates,
        {f"{level}_weekly_rate": f"{level}_{column}" for level in LEVELS},
        policy=report.policy,
        output_id=report.uid(f"{measure.name}_over_time"),
        decimals=1,
        description=(
            f"{measure.label}: counts per {report.step(measure).value} and average weekly "
            "rates per 100,000 people"
        ),
    )


def release_cumulative(report: Report, measure: Measure) -> sdc.SafeTable:
    """Running totals since the period began and cumulative rates per 100,000."""
    from ldsa.report.base import filled

    counts = report.plan(measure).cumulative_table(
        report.la_code,
        output_id=report.uid(f"{measure.name}_cumulative_counts"),
        description=f"{measure.label}: running totals",
    )
    released = counts.released_frame()
    column = f"cumulative_{measure.count_column}"
    rates = pd.DataFrame(
        {
            f"{level}_rate": filled(released[f"{level}_{column}"]) / report.populations[level] * PER
            for level in LEVELS
        }
    )
    return sdc.release_rates(
        counts,
        rates,
        {f"{level}_rate": f"{level}_{column}" for level in LEVELS},
        policy=report.policy,
        output_id=report.uid(f"{measure.name}_cumulative"),
        decimals=1,
        description=f"{measure.label}: running totals and rates per 100,000",
    )


def series_figure(report: Report, measure: Measure, table: sdc.SafeTable) -> FigureOutput | Notice:
    """Step lines of the released rates, or a notice when only a period total is released."""
    plan = report.plan(measure)
    step = plan.step(report.la_code)
    if step is sdc.TimeStep.PERIOD:
        return Notice(
            f"{measure.label}: {plan.step_note(report.la_code)} The totals are in the "
            "tables of this report."
        )
    labels = [plan.timeline.label(i, step) for i in plan.timeline.intervals(step)]
    note = " ".join(filter(None, (plan.step_note(report.la_code), report.coverage_note(measure))))
    return figures.step_lines(
        table, report.names(), title=measure.label, step=step, labels=labels, note=note,
    )  # fmt: skip


def cumulative_figure(
    report: Report, measure: Measure, table: sdc.SafeTable
) -> FigureOutput | Notice:
    """Lines of the released running totals per 100,000, or a notice."""
    plan = report.plan(measure)
    step = plan.step(report.la_code)
    title = f"{measure.label}, running total"
    if step is sdc.TimeStep.PERIOD:
        return Notice(f"{title}: {plan.step_note(report.la_code)}")
    note = " ".join(filter(None, (plan.step_note(report.la_code), report.coverage_note(measure))))
    return figures.cumulative_lines(table, report.names(), title=title, step=step, note=note)
