"""Property tests of breakdowns on random batches: no released part is unsafe, no group of
parts pins a withheld one, and an exact linear audit of everything released (every
authority's plan tables and the breakdown) determines no withheld part and no withheld
plan cell that the plan alone did not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldsa.sdc import LinkedPlan, Policy, TimeStep, plan_linked_counts, release_breakdown
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.rounding import is_rounded

from .linear_audit import released_tables

STEPS = (TimeStep.WEEK, TimeStep.MONTH, TimeStep.QUARTER, TimeStep.PERIOD)
TARGET = "E06900000"


@st.composite
def batches(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """2-4 authorities in 1-2 regions over 4-12 weeks; the first one's counts drawn as
    2-4 categories per week, each on a random day of its week: mostly a mix of zeros,
    small and safe parts, sometimes only tiny ones (a coarsened authority). Returns the
    batch, the first authority's parts and its raw parts (weeks x categories)."""
    n_las = draw(st.integers(2, 4))
    n_regions = draw(st.integers(1, 2))
    n_weeks = draw(st.integers(4, 12))
    n_cats = draw(st.integers(2, 4))
    first = dt.date(2020, 3, 2) + dt.timedelta(weeks=draw(st.integers(0, 60)))
    weeks = [first + dt.timedelta(weeks=i) for i in range(n_weeks)]
    mixed = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 60))
    cell = draw(st.sampled_from([mixed, mixed, st.integers(0, 4)]))
    raw = np.array(
        draw(st.lists(st.lists(cell, min_size=n_cats, max_size=n_cats), min_size=n_weeks,
                      max_size=n_weeks)),
        dtype=np.int64,
    ).reshape(n_weeks, n_cats)  # fmt: skip
    days = draw(st.lists(st.integers(0, 6), min_size=raw.size, max_size=raw.size))
    parts = pd.DataFrame(
        [
            (weeks[w] + dt.timedelta(days=days[w * n_cats + c]), f"c{c}", int(raw[w, c]))
            for w in range(n_weeks)
            for c in range(n_cats)
        ],
        columns=["date", "group", "cases_count"],
    )
    rows = [(TARGET, "E12000000", w.isoformat(), int(raw[i].sum())) for i, w in enumerate(weeks)]
    for la in range(1, n_las):
        scale = draw(st.sampled_from([3, 40, 300, 300]))
        counts = draw(st.lists(st.integers(0, scale), min_size=n_weeks, max_size=n_weeks))
        region = f"E1200000{la % n_regions}"
        rows += [
            (f"E0690000{la}", region, w.isoformat(), c) for w, c in zip(weeks, counts, strict=True)
        ]
    frame = pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])
    return frame, parts, raw


def _in_row_space(matrix: np.ndarray, rows: list[np.ndarray]) -> list[bool]:
    """Whether each row is a linear combination of the matrix's rows (exactly, for small
    0/1 matrices: the residual of its projection on the row space is zero)."""
    if matrix.shape[0] == 0:
        return [not row.any() for row in rows]
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[singular > 1e-9 * singular[0]]
    return [bool(np.linalg.norm(row - (row @ basis.T) @ basis) < 1e-7) for row in rows]


def _audit(
    plan: LinkedPlan,
    intervals: tuple,
    withheld: np.ndarray,
    raw_parts: np.ndarray,
    sums: Sequence[tuple[int, list[int], bool]] = (),
) -> tuple[list[tuple], list[tuple]]:
    """Withheld parts (and withheld ``sums``) that everything released determines, and
    withheld plan cells that the release determines but the plan's tables alone did not.

    Unknowns: the target's count per (week, category) and every other authority's weekly
    count; a plan cell sums its authorities' weeks (the target's over every category), a
    part its category over its period's weeks. ``sums`` are further released tables' cells
    (period, the categories summed, withheld or not), as groups of a nested breakdown."""
    n_weeks, n_cats = plan.timeline.n_weeks, withheld.shape[1]
    others = sorted(set(plan.region_of) - {TARGET})
    width = n_weeks * n_cats + len(others) * n_weeks

    def plan_row(level: str, code: str, first: int, end: int) -> np.ndarray:
        row = np.zeros(width)
        for la, region in plan.region_of.items():
            if (level == "la" and la != code) or (level == "region" and region != code):
                continue
            for week in range(first, end):
                if la == TARGET:
                    row[week * n_cats : (week + 1) * n_cats] = 1
                else:
                    row[n_weeks * n_cats + others.index(la) * n_weeks + week] = 1
        return row

    def part_row(period: int, *categories: int) -> np.ndarray:
        row = np.zeros(width)
        first, end = intervals[period]
        row[[week * n_cats + c for week in range(first, end) for c in categories]] = 1
        return row

    cells = released_tables(plan)
    known = np.array([plan_row(*key) for key, value in cells.items() if value is not None])
    known = known.reshape(-1, width)
    hidden_cells = [key for key, value in cells.items() if value is None]
    shown = [part_row(p, c) for p, c in zip(*np.nonzero(~withheld), strict=True)]
    shown += [part_row(p, *members) for p, members, hidden in sums if not hidden]
    everything = np.vstack([known, *shown]) if shown else known
    hidden_parts = list(zip(*np.nonzero(withheld), strict=True))
    zeros_count = plan.policy.zeros_are_disclosive
    found = _in_row_space(everything, [part_row(p, c) for p, c in hidden_parts])
    parts_found = [
        (int(p), int(c))
        for (p, c), worked_out in zip(hidden_parts, found, strict=True)
        if worked_out and (zeros_count or raw_parts[p, c] != 0)  # a true 0 is released anyway
    ]
    hidden_sums = [(p, members) for p, members, hidden in sums if hidden]
    found = _in_row_space(everything, [part_row(p, *members) for p, members in hidden_sums])
    parts_found += [
        (p, tuple(members))
        for (p, members), worked_out in zip(hidden_sums, found, strict=True)
        if worked_out and (zeros_count or raw_parts[p, members].sum() != 0)
    ]
    rows = [plan_row(*key) for key in hidden_cells]
    before = _in_row_space(known, rows)
    after = _in_row_space(everything, rows)
    cells_found = [
        key for key, b, a in zip(hidden_cells, before, after, strict=True) if a and not b
    ]
    return parts_found, cells_found


@pytest.mark.parametrize("name", ["default", "strict"])
@settings(max_examples=40)
@given(batch=batches(), cumulative=st.booleans(), coarser=st.sampled_from([0, 0, 1, 2, 3]))
def test_breakdowns_give_nothing_away(
    name: str,
    default_policy: Policy,
    strict_policy: Policy,
    batch: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
    cumulative: bool,
    coarser: int,
) -> None:
    """Released parts are safe and on the rounding grid; in each period the withheld
    parts are none, or at least two whose raw sum is safe, or all where the plan withholds
    the period's total (or does not determine it); the linear audit finds nothing."""
    policy = {"default": default_policy, "strict": strict_policy}[name]
    frame, parts, weekly = batch
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=policy,
        cumulative=cumulative,
    )  # fmt: skip
    step = STEPS[min(plan.step(TARGET).rank + coarser, len(STEPS) - 1)]
    n_cats = weekly.shape[1]
    table = release_breakdown(
        plan, TARGET, parts, step=step, date_column="date", category_column="group",
        count_column="cases_count", policy=policy, output_id="x",
        categories=[f"c{c}" for c in range(n_cats)],
    )  # fmt: skip
    intervals = plan.timeline.intervals(step)
    raw = np.array([weekly[first:end].sum(axis=0) for first, end in intervals])
    released = table.released_frame()["cases_count"].to_numpy(dtype=object, na_value=None)
    released = released.reshape(len(intervals), n_cats)
    withheld = np.equal(released, None)
    own = plan.cells[("la", TARGET)]
    for period, interval in enumerate(intervals):
        hidden = raw[period][withheld[period]]
        for value in released[period][~withheld[period]]:
            assert not is_unsafe_count(int(value), policy)
            assert is_rounded(int(value), policy)
        safe = len(hidden) == 0 or (
            len(hidden) >= 2 and not is_unsafe_count(int(hidden.sum()), policy)
        )
        parent = own.get(interval)
        if parent is not None and parent.value is None:
            assert withheld[period].all()
        elif parent is not None:  # a total the plan released: its parts are protected
            assert safe, (period, raw[period], withheld[period])
        else:  # a coarser period: its parts are protected, or all withheld (unknown total)
            assert safe or withheld[period].all(), (period, raw[period], withheld[period])
    parts_found, cells_found = _audit(plan, intervals, withheld, raw)
    assert parts_found == []
    assert cells_found == []
