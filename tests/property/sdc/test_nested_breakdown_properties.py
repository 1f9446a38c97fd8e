"""Property tests of nested breakdowns (small areas within deprivation quintiles) on
random batches: the groups are protected as a breakdown of the plan's totals, each
released group's parts as a breakdown of the group, a withheld group's parts are all
withheld, and the linear audit of both tables with the plan finds nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldsa.sdc import Policy, plan_linked_counts, release_breakdown, release_nested_breakdown
from ldsa.sdc.primary import is_unsafe_count

from .test_breakdown_properties import STEPS, TARGET, _audit, batches


def _grid(table: pd.DataFrame, n_periods: int, n_columns: int) -> np.ndarray:
    values = table["cases_count"].to_numpy(dtype=object, na_value=None)
    return values.reshape(n_periods, n_columns)


@pytest.mark.parametrize("name", ["default", "strict"])
@settings(max_examples=80)
@given(
    batch=batches(),
    cumulative=st.booleans(),
    coarser=st.sampled_from([0, 0, 1, 3]),
    data=st.data(),
)
def test_nested_breakdowns_give_nothing_away(
    name: str,
    default_policy: Policy,
    strict_policy: Policy,
    batch: tuple[pd.DataFrame, pd.DataFrame, np.ndarray],
    cumulative: bool,
    coarser: int,
    data: st.DataObject,
) -> None:
    """Groups equal a plain breakdown of the grouped parts; within each period and
    released group the withheld parts are none or several with a safe raw sum; a withheld
    group's parts are all withheld; nothing withheld is determined by everything released."""
    policy = {"default": default_policy, "strict": strict_policy}[name]
    frame, parts, weekly = batch
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=policy,
        cumulative=cumulative,
    )  # fmt: skip
    step = STEPS[min(plan.step(TARGET).rank + coarser, len(STEPS) - 1)]
    n_cats = weekly.shape[1]
    categories = [f"c{c}" for c in range(n_cats)]
    n_groups = data.draw(st.integers(1, n_cats))
    extra = data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n_cats - n_groups,
                               max_size=n_cats - n_groups))  # fmt: skip
    groups = dict(zip(categories, [f"g{g}" for g in [*range(n_groups), *extra]], strict=True))
    order = [f"g{g}" for g in range(n_groups)]
    group_table, part_table = release_nested_breakdown(
        plan, TARGET, parts, step=step, date_column="date", category_column="group",
        count_column="cases_count", groups=groups, group_column="quintile",
        group_order=order, categories=categories, policy=policy, output_id="x",
    )  # fmt: skip
    plain = release_breakdown(
        plan, TARGET, parts.assign(group=parts["group"].map(groups)), step=step,
        date_column="date", category_column="group", count_column="cases_count",
        policy=policy, output_id="y", categories=order,
    )  # fmt: skip
    assert group_table.to_csv_text().splitlines()[1:] == plain.to_csv_text().splitlines()[1:]
    assert part_table.columns[3:5] == ("quintile", "group")
    intervals = plan.timeline.intervals(step)
    raw = np.array([weekly[first:end].sum(axis=0) for first, end in intervals])
    shown_parts = _grid(part_table.released_frame(), len(intervals), n_cats)
    shown_groups = _grid(group_table.released_frame(), len(intervals), n_groups)
    sums = []
    for period in range(len(intervals)):
        for g, group in enumerate(order):
            members = [c for c in range(n_cats) if groups[categories[c]] == group]
            hidden = [c for c in members if shown_parts[period, c] is None]
            sums.append((period, members, shown_groups[period, g] is None))
            if shown_groups[period, g] is None:
                assert hidden == members
                continue
            assert len(hidden) != 1
            if hidden:
                assert not is_unsafe_count(int(raw[period, hidden].sum()), policy)
    parts_found, cells_found = _audit(plan, intervals, np.equal(shown_parts, None), raw, sums)
    assert parts_found == []
    assert cells_found == []
