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
- A group with a withheld part is withheld, unless it is the period's only such group:
  the authority's total (known wherever a part is released: the breakdown withholds every
  part of an unknown total) less the other groups then determines it, and withholding it
  would protect nothing. It is released as that difference, its released parts plus the
  period's withheld parts, which the breakdown keeps at 0 or safe.
- Two or more groups with withheld parts are withheld; each holds a part no released
  value determines.
- Under a rounding policy the sums are sums of rounded parts (multiples of the base), and
  a determined group is its raw sum rounded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ldsa.sdc.breakdown import LABELS
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import OutputKind, Rule, make_record, subset_record
from ldsa.sdc.render import require_safe
from ldsa.sdc.rounding import round_counts
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table


def release_group_sums(
    table: SafeTable,
    *,
    category_column: str,
    count_column: str,
    groups: Mapping[str, str],
    group_column: str,
    group_order: Sequence[str],
    parts: pd.DataFrame,
    date_column: str,
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
    parts
        The raw parts the breakdown was released from (``date_column`` and
        ``count_column``): a period's raw total gives a group the released values
        determine.
    date_column
        The day of each raw part.
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
    every group with a part withheld.

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
    days = pd.to_datetime(parts[date_column]).to_numpy()
    counts = parts[count_column].to_numpy(dtype=np.int64)
    for labels, rows in periods.items():
        sums, reasons = _period(safe, rows, category_column, count_column, groups, order)
        if len(reasons) == 1 and len(rows) > sum(
            safe.status(r, count_column).suppressed for r in rows
        ):
            (lone,) = reasons
            inside = (days >= np.datetime64(labels[0])) & (days <= np.datetime64(labels[1]))
            raw = int(counts[inside].sum()) - sum(s for g, s in zip(order, sums, strict=True)
                                                  if g != lone)  # fmt: skip
            value = int(round_counts([max(raw, 0)], policy)[0])
            if not is_unsafe_count(value, policy):
                sums[order.index(lone)] = value
                del reasons[lone]
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
    return [sums[g] for g in order], reasons


def label_groups(
    table: SafeTable,
    *,
    category_column: str,
    groups: Mapping[str, str],
    group_column: str,
    output_id: str,
) -> SafeTable:
    """Put each category's group beside it, as a label column before the category.

    A breakdown by small area then names each area's quintile, so that a checker can see
    that the quintile table's parts are sums of these (``ldsa check`` reads a breakdown
    whose category columns extend another's as nested in it).

    Parameters
    ----------
    table
        A released table with a label column ``category_column``.
    category_column
        The category column.
    groups
        The group of every category (public: a small area's deprivation quintile).
    group_column
        Name of the new label column.
    output_id
        Unique id of the new output.

    Returns
    -------
    SafeTable
        The same rows and statuses with the group column inserted before the category.

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.
    ValueError
        When a category has no group, or the column is not a label.

    Notes
    -----
    Labels add no number: every cell keeps its value, status and rule outcomes.
    """
    safe = require_safe(table, f"{output_id}: label_groups")
    at = safe.column_index(category_column)
    if category_column not in safe.columns_of_kind(ColumnKind.LABEL):
        raise ValueError(f"{output_id}: {category_column!r} is not a label column.")
    categories = [safe.text(r, category_column) for r in range(safe.n_rows)]
    if set(categories) - set(groups):
        raise ValueError(
            f"{output_id}: {len(set(categories) - set(groups))} categories lack a group."
        )
    order = [*range(at), at, *range(at, len(safe.columns))]
    rows = list(range(safe.n_rows))
    record = subset_record(safe.record, uid=output_id, rows=rows, columns=order)
    columns = [*safe.columns[:at], group_column, *safe.columns[at:]]
    labels = [c for c in columns if c in safe.record.label_columns or c == group_column]
    record = dataclasses.replace(record, columns=tuple(columns), label_columns=tuple(labels))
    values = [[*row[:at], groups[categories[r]], *row[at:]] for r, row in enumerate(safe.values)]
    statuses = [[*row[:at], CellStatus.RELEASED, *row[at:]] for row in safe.statuses]
    return issue_table(
        output_id=output_id, columns=columns,
        kinds=[*safe.kinds[:at], ColumnKind.LABEL, *safe.kinds[at:]],
        values=values, statuses=statuses, record=record,
        decimals=[*safe.decimals[:at], 0, *safe.decimals[at:]], total_row=safe.total_row,
    )  # fmt: skip
