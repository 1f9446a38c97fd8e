"""An authority's series at a coarser step, from a plan's released cells only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ldsa.errors import InvalidParameterError
from ldsa.sdc import CellStatus, Policy, Rule, TimeStep, plan_linked_counts
from ldsa.sdc.coarsen import coarser_table
from ldsa.sdc.linked import LinkedPlan

WEEKS = [(dt.date(2021, 1, 4) + dt.timedelta(weeks=i)).isoformat() for i in range(13)]
RNG = np.random.default_rng(3)
COUNTS = {
    "E08000001": ("R1", [int(v) for v in RNG.poisson(60, 13)]),
    "E08000002": ("R1", [int(v) for v in RNG.poisson(40, 13)]),
    "E08000003": ("R2", [int(v) for v in RNG.poisson(50, 13)]),
    "E08000004": ("R2", [12, 3, 15, 20, 11, 14, 13, 18, 16, 12, 15, 17, 19]),
}


def _plan(policy: Policy) -> LinkedPlan:
    rows = [
        (la, region, week, count)
        for la, (region, counts) in COUNTS.items()
        for week, count in zip(WEEKS, counts, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["la_code", "region_code", "week", "tests_count"])
    return plan_linked_counts(frame, count_column="tests_count", period_column="week",
                              policy=policy)  # fmt: skip


def test_months_are_sums_of_released_weeks(default_policy: Policy) -> None:
    """A weekly authority's months are the sums of its weeks; its region's and England's
    likewise; a month holding a withheld week is withheld (derived)."""
    plan = _plan(default_policy)
    assert plan.step("E08000001") is TimeStep.WEEK
    months = coarser_table(plan, "E08000001", TimeStep.MONTH, output_id="m")
    weekly = plan.table("E08000001", output_id="w").released_frame()
    frame = months.released_frame()
    assert list(frame["time_step"].unique()) == ["month"]
    for row in range(months.n_rows):
        inside = weekly[
            (weekly["period_start"] >= frame["period_start"][row])
            & (weekly["period_end"] <= frame["period_end"][row])
        ]
        for level in ("la", "region", "england"):
            column = f"{level}_tests_count"
            if inside[column].isna().any():
                assert months.status(row, column) is CellStatus.SUPPRESSED_DISCLOSURE
            else:
                assert frame[column][row] == inside[column].sum()
    whole = coarser_table(plan, "E08000001", TimeStep.PERIOD, output_id="p").released_frame()
    period = plan.period_table("E08000001", output_id="pp").released_frame()
    assert whole["la_tests_count"].equals(period["la_tests_count"])


def test_a_withheld_week_withholds_its_month(default_policy: Policy) -> None:
    """The small authority's withheld week (3 cases) withholds its January."""
    plan = _plan(default_policy)
    months = coarser_table(plan, "E08000004", TimeStep.MONTH, output_id="m")
    assert months.status(0, "la_tests_count") is CellStatus.SUPPRESSED_DISCLOSURE
    assert (0, 4) in dict(months.record.cells)[Rule.DERIVED]


def test_rounded_sums_are_recorded(strict_policy: Policy) -> None:
    """Under rounding, coarser counts are sums of rounded counts, recorded as rounded."""
    plan = _plan(strict_policy)
    months = coarser_table(plan, "E08000001", TimeStep.QUARTER, output_id="q")
    assert months.status(0, "la_tests_count") is CellStatus.ROUNDED
    assert int(months.value(0, "la_tests_count") or 0) % 5 == 0
    assert dict(months.record.cells)[Rule.ROUNDED]


def test_untiled_period_is_withheld(default_policy: Policy) -> None:
    """A period that the area's released cells do not tile is withheld, never guessed."""
    plan = _plan(default_policy)
    part = plan.for_authority("E08000001")
    cells = {area: dict(found) for area, found in part.cells.items()}
    cells[("la", "E08000001")] = {}
    object.__setattr__(part, "cells", cells)
    months = coarser_table(part, "E08000001", TimeStep.MONTH, output_id="m")
    assert months.status(0, "la_tests_count") is CellStatus.SUPPRESSED_DISCLOSURE


def test_finer_step_refused(default_policy: Policy) -> None:
    """Asking for a step finer than the authority's is refused, naming both steps."""
    plan = _plan(default_policy)
    frame = pd.DataFrame(
        [("E06000009", "R3", w, c) for w, c in zip(WEEKS, [1, 0, 2, 1, 0, 1, 2, 0, 1, 0, 1, 0, 2],
                                                   strict=True)],
        columns=["la_code", "region_code", "week", "tests_count"],
    )  # fmt: skip
    small = plan_linked_counts(frame, count_column="tests_count", period_column="week",
                               policy=default_policy)  # fmt: skip
    assert small.step("E06000009") is TimeStep.PERIOD
    with pytest.raises(InvalidParameterError, match="week step is finer than the period"):
        coarser_table(small, "E06000009", TimeStep.WEEK, output_id="w")
    assert plan.step("E08000002") is TimeStep.WEEK
