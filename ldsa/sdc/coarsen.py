"""An authority's series at a coarser step than its plan's, from released cells only.

Two measures planned apart (tests and positive tests, say) can be released at different
steps for the same authority; a ratio of them needs both at one step. A coarser period's
count is the plan's own cell where the plan publishes one, else the sum of the released
cells that tile it, and withheld when one of those is withheld or none tile it: so it
reveals nothing the plan does not.
"""

from __future__ import annotations

from ldsa.errors import InvalidParameterError
from ldsa.sdc.linked import LABELS, LEVELS, LinkedPlan
from ldsa.sdc.protection import ENGLAND_CODE
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table
from ldsa.sdc.timeline import Interval, TimeStep


def coarser_table(
    plan: LinkedPlan, la_code: str, step: TimeStep, *, output_id: str, description: str = ""
) -> SafeTable:
    """The authority's, its region's and England's counts at ``step``.

    Parameters
    ----------
    plan
        The authority's part of a plan (or the whole plan).
    la_code
        The authority.
    step
        The authority's step in the plan or a coarser one.
    output_id, description
        As for the other release functions.

    Returns
    -------
    SafeTable
        Columns as :meth:`LinkedPlan.table`. A count is the plan's own cell for the
        period where it has one, else the sum of the released cells tiling the period;
        withheld (rule ``derived``) where a tiling cell is withheld or none tiles it.

    Raises
    ------
    InvalidParameterError
        When ``step`` is finer than the authority's step in the plan.
    """
    own = plan.step(la_code)
    if step.rank < own.rank:
        raise InvalidParameterError(
            f"{output_id}: the {step.value} step is finer than the {own.value} step at "
            f"which {la_code}'s counts are released. How to fix: ask for {own.value} or coarser."
        )
    areas = {
        "la": ("la", la_code),
        "region": ("region", plan.region_of[la_code]),
        "england": ("england", ENGLAND_CODE),
    }
    released = CellStatus.ROUNDED if plan.policy.rounds else CellStatus.RELEASED
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for row, interval in enumerate(plan.timeline.intervals(step)):
        start, end = interval
        values.append(
            [
                plan.timeline.first_day(start).isoformat(),
                plan.timeline.last_day(end).isoformat(),
                str(end - start),
                step.value,
            ]
        )
        statuses.append([CellStatus.RELEASED] * len(LABELS))
        for offset, level in enumerate(LEVELS):
            value, rule = _count(plan, areas[level], interval)
            values[-1].append(value)
            statuses[-1].append(released if rule is None else CellStatus.SUPPRESSED_DISCLOSURE)
            if rule is not None:
                cells.setdefault(rule, []).append((row, len(LABELS) + offset))
            elif plan.policy.rounds:
                cells.setdefault(Rule.ROUNDED, []).append((row, len(LABELS) + offset))
    columns = [*LABELS, *(f"{level}_{plan.count_column}" for level in LEVELS)]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=plan.policy,
        description=description,
        columns=columns,
        label_columns=LABELS[:2],
        row_labels=[f"{v[0]} to {v[1]}" for v in values],
        cells=cells,
        properties={
            "method": "coarser_table (sums of a linked plan's released cells)",
            "la_code": la_code,
            "time_step": step.value,
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * len(LABELS) + [ColumnKind.COUNT] * len(LEVELS),
        values=values,
        statuses=statuses,
        record=record,
    )


def _count(
    plan: LinkedPlan, area: tuple[str, str], interval: Interval
) -> tuple[int | None, Rule | None]:
    """The area's count over the interval: its own cell, or the sum of a tiling of released
    cells (the longest cell first at each point), or withheld."""
    found = plan.cells.get(area, {})
    if interval in found:
        outcome = found[interval]
        return outcome.value, outcome.rule
    position, end, total = interval[0], interval[1], 0
    while position < end:
        inside = [b for a, b in found if a == position and b <= end]
        if not inside:
            return None, Rule.DERIVED
        outcome = found[(position, max(inside))]
        if outcome.value is None:
            return None, Rule.DERIVED
        total += outcome.value
        position = max(inside)
    return total, None
