"""Sums of a released breakdown's parts by group: neighbourhoods by deprivation quintile.

A breakdown (:func:`~ldsa.sdc.release_breakdown`) releases parts that sum to the
authority's count of each period. Grouping its categories (small areas into quintiles of
deprivation) is a second grouping of the same parts, which the breakdown alone does not
protect; :func:`release_group_sums` therefore makes each group's sum from the released
parts only.

Security properties
-------------------
- A group's sum is released only when every part in it is released: it is then a
  function of released values, and tells nothing new.
- A group with a withheld part is withheld. Where that leaves exactly one group of a
  period withheld, the next-smallest group is withheld with it (rule ``secondary``):
  otherwise the authority's released total less the other groups would give it. The two
  withheld groups then sum to the period's withheld parts (0 or safe, by the breakdown's
  own protection) plus released parts (each 0 or safe), so their sum is safe.
- Under a rounding policy the sums are sums of rounded parts (multiples of the base).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ldsa.sdc.breakdown import LABELS
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.render import require_safe
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table


def release_group_sums(
    table: SafeTable,
    *,
    category_column: str,
    count_column: str,
    groups: Mapping[str, str],
    group_column: str,
    group_order: Sequence[str],
    policy: Policy,
    output_id: str,
    description: str = "",
) -> SafeTable:
    """Release the sums of a released breakdown's parts by group of categories.

    Parameters
    ----------
    table
        A breakdown released by :func:`~ldsa.sdc.release_breakdown` (columns
        ``period_start``, ``period_end``, ``time_step``, the category, the count).
    category_column, count_column
        Its category and count columns.
    groups
        The group of every category of ``table``.
    group_column
        Name of the new label column.
    group_order
        Every group, in the order released (a group without categories is refused).
    policy, output_id, description
        As for the other release functions.

    Returns
    -------
    SafeTable
        ``period_start``, ``period_end``, ``time_step``, the group and ``count_column``:
        one row per period and group.

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.
    ValueError
        When columns are missing, a category has no group, or a group no category.

    Notes
    -----
    See the module's security properties. A period whose parts are all withheld has
    every group withheld.

    References
    ----------
    .. [1] disclosure.md, "Protection over every published relation".
    """
    safe = require_safe(table, f"{output_id}: release_group_sums")
    if count_column not in safe.columns_of_kind(ColumnKind.COUNT):
        raise ValueError(f"{output_id}: {count_column!r} is not a count column of the table.")
    for column in (*LABELS, category_column):
        safe.column_index(column)  # raises for a missing column
    order = list(group_order)
    categories = {safe.text(r, category_column) for r in range(safe.n_rows)}
    if categories - set(groups):
        raise ValueError(f"{output_id}: {len(categories - set(groups))} categories lack a group.")
    empty = set(order) - {groups[c] for c in categories}
    if empty or {groups[c] for c in categories} - set(order):
        raise ValueError(f"{output_id}: groups and group_order disagree (expected each group "
                         "of group_order to hold a category, and no other group).")  # fmt: skip
    periods: dict[tuple[str, str, str], list[int]] = {}
    for r in range(safe.n_rows):
        key = tuple(safe.text(r, c) for c in LABELS)
        periods.setdefault((key[0], key[1], key[2]), []).append(r)
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    for labels, rows in periods.items():
        sums, reasons = _period(safe, rows, category_column, count_column, groups, order)
        for group, total in zip(order, sums, strict=True):
            position = (len(values), len(LABELS) + 1)
            values.append([*labels, group, None if group in reasons else total])
            statuses.append([CellStatus.RELEASED] * (len(LABELS) + 1))
            if group in reasons:
                statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                cells.setdefault(reasons[group], []).append(position)
            else:
                statuses[-1].append(released)
    columns = [*LABELS, group_column, count_column]
    record = make_record(
        uid=output_id, kind=OutputKind.TABLE, policy=policy, description=description,
        columns=columns, label_columns=columns[:-1],
        row_labels=[f"{v[0]} to {v[1]} / {v[3]}" for v in values], cells=cells,
        properties={"method": "release_group_sums", "source": safe.output_id,
                    "group_column": group_column, "groups": ", ".join(order),
                    "relation": "each group sums released parts of the source breakdown"},
    )  # fmt: skip
    return issue_table(
        output_id=output_id, columns=columns,
        kinds=[ColumnKind.LABEL] * (len(LABELS) + 1) + [ColumnKind.COUNT],
        values=values, statuses=statuses, record=record,
    )  # fmt: skip


def _period(
    safe: SafeTable,
    rows: list[int],
    category_column: str,
    count_column: str,
    groups: Mapping[str, str],
    order: list[str],
) -> tuple[list[int], dict[str, Rule]]:
    """One period's group sums of released parts, and the groups withheld and why."""
    sums = dict.fromkeys(order, 0)
    reasons: dict[str, Rule] = {}
    for r in rows:
        group = groups[safe.text(r, category_column)]
        if safe.status(r, count_column).suppressed:
            reasons[group] = Rule.DERIVED
        else:
            sums[group] += int(safe.value(r, count_column) or 0)
    if len(reasons) == 1 and len(order) > 1:
        # Non-zero groups first (a withheld zero next to a released total tells little).
        others = [g for g in order if g not in reasons]
        complement = min(others, key=lambda g: (sums[g] == 0, sums[g], order.index(g)))
        reasons[complement] = Rule.SECONDARY
    return [sums[g] for g in order], reasons
