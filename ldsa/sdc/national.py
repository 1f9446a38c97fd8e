"""Every authority's released period total, for charts of all authorities (funnel plots).

A report that places its authority among all others needs every authority's count over
the period. Those are cells the batch-wide plan already releases (each authority's period
total, protected with everything else), so this module only cuts them out: one small
part of the plan holding every authority's period cell, cached once per batch, and a table
of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ldsa.sdc.linked import LinkedPlan, _issue_plan
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table

LABELS = ("la_code", "la_name", "region_code", "period_start", "period_end")


def period_totals_part(plan: LinkedPlan) -> LinkedPlan:
    """The part of a plan holding the whole-period cell of every authority, region and
    England (the same values as the whole plan's)."""
    whole = (0, plan.timeline.n_weeks)
    cells = {area: {whole: found[whole]} for area, found in plan.cells.items() if whole in found}
    return _issue_plan(plan, cells=cells, earlier_parts={})


def authorities_table(
    plan: LinkedPlan,
    *,
    names: Mapping[str, str],
    output_id: str,
    description: str = "",
) -> SafeTable:
    """One row per authority: its code, name, region, the period and its released total.

    Parameters
    ----------
    plan
        A plan, or its :func:`period_totals_part`, holding every authority.
    names
        Each authority's name (public; a label).
    output_id, description
        As for the other release functions.

    Returns
    -------
    SafeTable
        Columns ``la_code``, ``la_name``, ``region_code``, ``period_start``,
        ``period_end`` and the plan's count column; a withheld total is ``[c]`` with the
        rule that withheld it.
    """
    whole = (0, plan.timeline.n_weeks)
    start = plan.timeline.first_day(0).isoformat()
    end = plan.timeline.last_day(plan.timeline.n_weeks).isoformat()
    released = CellStatus.ROUNDED if plan.policy.rounds else CellStatus.RELEASED
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for row, (la_code, region_code) in enumerate(sorted(plan.region_of.items())):
        outcome = plan.cells[("la", la_code)][whole]
        values.append(
            [la_code, names.get(la_code, la_code), region_code, start, end, outcome.value]
        )
        if outcome.rule is None:
            statuses.append([CellStatus.RELEASED] * len(LABELS) + [released])
            if plan.policy.rounds:
                cells.setdefault(Rule.ROUNDED, []).append((row, len(LABELS)))
        else:
            statuses.append(
                [CellStatus.RELEASED] * len(LABELS) + [CellStatus.SUPPRESSED_DISCLOSURE]
            )
            cells.setdefault(outcome.rule, []).append((row, len(LABELS)))
    columns = [*LABELS, plan.count_column]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=plan.policy,
        description=description,
        columns=columns,
        label_columns=LABELS[:1],
        row_labels=[str(v[0]) for v in values],
        cells=cells,
        properties={"method": "plan_linked_counts (period totals of every authority)"},
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * len(LABELS) + [ColumnKind.COUNT],
        values=values,
        statuses=statuses,
        record=record,
    )
