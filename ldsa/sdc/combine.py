"""Tables side by side: two released tables of the same rows, as one."""

from __future__ import annotations

from collections.abc import Sequence

from ldsa.errors import DisclosureError
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import ColumnKind, SafeTable, issue_table


def beside(
    left: SafeTable,
    right: SafeTable,
    *,
    policy: Policy,
    output_id: str,
    columns: Sequence[str],
    description: str = "",
) -> SafeTable:
    """Put columns of ``right`` beside ``left``: two released tables of the same rows.

    Like :func:`stack`, this only places released values side by side (two measures'
    counts over the same periods, say): it releases nothing new, and every cell keeps its
    status and its rule outcomes.

    Parameters
    ----------
    left, right
        Released tables whose label columns hold the same values, row by row.
    policy
        The policy both were released under (stamped on the record).
    output_id
        Unique id of the new output.
    columns
        The non-label columns of ``right`` to add.
    description
        What the table shows, for the checker.

    Raises
    ------
    DisclosureError
        When either is not a SafeTable.
    ValueError
        When their label columns differ, or a column is a label or already in ``left``.
    """
    if not (isinstance(left, SafeTable) and isinstance(right, SafeTable)):
        raise DisclosureError(f"{output_id}: beside accepts only released SafeTables.")
    labels = left.columns_of_kind(ColumnKind.LABEL)
    same = labels == right.columns_of_kind(ColumnKind.LABEL) and left.n_rows == right.n_rows
    if not same or any(
        left.value(r, c) != right.value(r, c) for r in range(left.n_rows) for c in labels
    ):
        raise ValueError(f"{output_id}: beside needs tables with the same label columns and rows.")
    added = [right.column_index(c) for c in columns]
    if any(right.kinds[i] is ColumnKind.LABEL or right.columns[i] in left.columns for i in added):
        raise ValueError(f"{output_id}: add non-label columns that the left table lacks.")
    width, rows = len(left.columns), range(left.n_rows)
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for rule, found in left.record.cells:
        cells.setdefault(rule, []).extend(found)
    for rule, found in right.record.cells:
        moved = [(r, width + added.index(c)) for r, c in found if c in added]
        cells.setdefault(rule, []).extend(moved)
    names = [*left.columns, *columns]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=names,
        label_columns=list(labels),
        row_labels=list(left.record.row_labels),
        cells=cells,
        properties={**dict(left.record.properties), "method": "beside"},
    )
    return issue_table(
        output_id=output_id,
        columns=names,
        kinds=[*left.kinds, *(right.kinds[i] for i in added)],
        values=[(*left.values[r], *(right.values[r][i] for i in added)) for r in rows],
        statuses=[(*left.statuses[r], *(right.statuses[r][i] for i in added)) for r in rows],
        record=record,
        decimals=[*left.decimals, *(right.decimals[i] for i in added)],
    )
