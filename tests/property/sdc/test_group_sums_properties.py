"""Property tests of group sums of a breakdown (small areas by quintile) on random
batches: a released group is the sum of its released parts, or the one group holding
withheld parts, determined by the total; no period has exactly one withheld group; and
the withheld groups of a period whose total is known add up to 0 or the threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldsa.sdc import (
    Policy,
    SafeTable,
    plan_linked_counts,
    release_breakdown,
    release_group_sums,
)
from ldsa.sdc.primary import is_unsafe_count

from .test_breakdown_properties import STEPS, TARGET, batches


@pytest.mark.parametrize("name", ["default", "strict"])
@settings(max_examples=40)
@given(batch=batches(), coarser=st.sampled_from([0, 0, 1, 3]), data=st.data())
def test_group_sums_give_nothing_away(
    name: str,
    default_policy: Policy,
    strict_policy: Policy,
    batch: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
    coarser: int,
    data: st.DataObject,
) -> None:
    """Group sums of a released breakdown reveal no withheld part nor an unsafe sum."""
    policy = {"default": default_policy, "strict": strict_policy}[name]
    frame, parts, weekly = batch
    plan = plan_linked_counts(frame, count_column="cases_count", period_column="week",
                              policy=policy)  # fmt: skip
    step = STEPS[min(plan.step(TARGET).rank + coarser, len(STEPS) - 1)]
    n_cats = weekly.shape[1]
    categories = [f"c{c}" for c in range(n_cats)]
    # Each category in one of 2 or more groups, every group holding one at least.
    n_groups = data.draw(st.integers(2, n_cats))
    extra = data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n_cats - n_groups,
                               max_size=n_cats - n_groups))  # fmt: skip
    groups = dict(zip(categories, [f"g{g}" for g in [*range(n_groups), *extra]], strict=True))
    order = [f"g{g}" for g in range(n_groups)]
    table = release_breakdown(
        plan, TARGET, parts, step=step, date_column="date", category_column="group",
        count_column="cases_count", policy=policy, output_id="x", categories=categories,
    )  # fmt: skip
    sums = release_group_sums(
        table, category_column="group", count_column="cases_count", groups=groups,
        group_column="quintile", group_order=order, parts=parts, date_column="date",
        policy=policy, output_id="y",
    )  # fmt: skip
    assert sums.n_rows == table.n_rows // n_cats * n_groups
    for p in range(table.n_rows // n_cats):
        part_rows = range(p * n_cats, (p + 1) * n_cats)
        withheld_parts = [r for r in part_rows if table.status(r, "cases_count").suppressed]
        released_total = 0
        withheld_groups = 0
        for g, group in enumerate(order):
            row = p * n_groups + g
            mine = [r for r in part_rows if groups[table.text(r, "group")] == group]
            if sums.status(row, "cases_count").suppressed:
                withheld_groups += 1
                continue
            value = int(sums.value(row, "cases_count") or 0)
            assert not is_unsafe_count(value, policy)
            if any(r in withheld_parts for r in mine):  # the lone group, determined
                assert len({groups[table.text(r, "group")] for r in withheld_parts}) == 1
                if not policy.rounds:
                    assert value == _raw_total(parts, table, part_rows[0], mine)
            else:
                assert value == sum(int(table.value(r, "cases_count") or 0) for r in mine)
            released_total += value
        assert withheld_groups != 1
        if withheld_parts and len(withheld_parts) < n_cats and not policy.rounds:
            # The period's total is known (some part is released): the rest is safe.
            raw = _raw_total(parts, table, part_rows[0])
            assert not is_unsafe_count(raw - released_total, policy)
            assert withheld_groups != 0 or raw == released_total


def _raw_total(
    parts: pd.DataFrame, table: SafeTable, row: int, rows: list[int] | None = None
) -> int:
    """The raw count of a row's period (of the categories of ``rows`` only, if given),
    summed from the record-level parts."""
    first = pd.Timestamp(table.text(row, "period_start"))
    last = pd.Timestamp(table.text(row, "period_end"))
    days = pd.to_datetime(parts["date"])
    inside = parts[(days >= first) & (days <= last)]
    if rows is not None:
        inside = inside[inside["group"].isin({table.text(r, "group") for r in rows})]
    return int(inside["cases_count"].sum())
