"""Sums of released counts: rolling windows and running totals of a released column.

A 7-day rolling count, or a running total of released periods, adds nothing to what is
released when every count it sums is released, and would reveal a withheld count
otherwise. :func:`release_sums` makes such sums only from released cells.
"""

from __future__ import annotations

import dataclasses

from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.render import require_safe
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table


def release_sums(
    table: SafeTable,
    column: str,
    *,
    window: int | None,
    name: str,
    policy: Policy,
    output_id: str,
    description: str = "",
    totals: GroupTotals | None = None,
) -> SafeTable:
    """Release the sums of a released count column over trailing windows of rows.

    Parameters
    ----------
    table
        A released table whose rows are in time order (a total row is not summed).
    column
        The count column to sum (its name ends in ``_count``).
    window
        Rows per sum: the row and the ``window - 1`` before it (7 for a 7-day count of
        daily rows); ``None`` for running totals from the first row.
    name
        The new count column (its name must end in ``_count``).
    policy, output_id, description
        As for the other release functions.
    totals
        Released totals of groups of the rows (each week's days; all the rows), whose
        rows are all in ``table``: a window holding every withheld row of a group whose
        total is released is determined by released values, and is released too.

    Returns
    -------
    SafeTable
        One row per row of ``table`` with a full window (all rows for running totals; the
        first ``window - 1`` rows only lead in): the label columns and ``column`` of
        ``table``, then ``name``. A sum is released only when every count in its window
        is, and withheld ([c], rule ``derived``) otherwise.

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.
    ValueError
        When ``column`` is not a count column, ``name`` does not end in ``_count``, or
        ``window`` is below 1.

    Notes
    -----
    A released sum is a function of released values only, so it reveals nothing the
    release does not; a sum withheld although released values determine it would be a
    withheld cell anyone can work out (a week's last 7-day sum is the week's total), so it
    is released instead; under a rounding policy it is a sum of rounded counts (a multiple of
    the base), never rounded again.

    References
    ----------
    .. [1] disclosure.md, "Protection over every published relation": a week's count must
       not be recoverable as this week's cumulative total minus last week's.
    """
    safe = require_safe(table, f"{output_id}: release_sums")
    if column not in safe.columns_of_kind(ColumnKind.COUNT):
        raise ValueError(f"{output_id}: {column!r} is not a count column of {safe.output_id!r}.")
    if not name.endswith("_count"):
        raise ValueError(f"{output_id}: the sum column {name!r} must end in '_count'.")
    if window is not None and window < 1:
        raise ValueError(f"{output_id}: window must be 1 or more rows, or None.")
    labels = list(safe.columns_of_kind(ColumnKind.LABEL))
    rows = [r for r in range(safe.n_rows) if r != safe.total_row]
    span = len(rows) if window is None else window
    known = [None if safe.status(r, column).suppressed else safe.value(r, column) for r in rows]
    groups = _groups(safe, rows, known, totals, output_id)
    carried = _carried(safe, column)
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    shown = rows if window is None else rows[window - 1 :]
    for out, row in enumerate(shown):
        position = rows.index(row)
        first = max(0, position - span + 1)
        total = _window_sum(known, range(first, position + 1), groups)
        if total is None:
            total_status = CellStatus.SUPPRESSED_DISCLOSURE
            cells.setdefault(Rule.DERIVED, []).append((out, len(labels) + 1))
        else:
            total_status = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
        values.append([*(safe.value(row, c) for c in labels), safe.value(row, column), total])
        statuses.append(
            [*(safe.status(row, c) for c in labels), safe.status(row, column), total_status]
        )
        for rule in carried.get(row, ()):
            cells.setdefault(rule, []).append((out, len(labels)))
    columns = [*labels, column, name]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=labels,
        row_labels=[safe.row_label(r) for r in shown],
        cells=cells,
        properties={
            **dict(safe.record.properties),
            "method": "release_sums",
            "summed": f"{column} of {safe.output_id}",
            "window": "running total" if window is None else f"{window} rows",
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * len(labels) + [ColumnKind.COUNT] * 2,
        values=values,
        statuses=statuses,
        record=record,
    )


@dataclasses.dataclass(frozen=True)
class GroupTotals:
    """Released totals of groups of a table's rows, for :func:`release_sums`.

    Attributes
    ----------
    table
        A released table of the totals (a plan's weekly table, or its period total).
    column
        Its count column holding each total.
    key
        A label column of both tables naming each row's group (``period_start``: a week's
        days and the week); ``None``: one group of every row, and ``table`` has one row.
    """

    table: SafeTable
    column: str
    key: str | None = None


@dataclasses.dataclass(frozen=True)
class _Group:
    total: int | None  #: released total (None: withheld or not given)
    withheld: frozenset[int]  #: positions of the group's withheld rows
    released: int  #: sum of the group's released rows


def _groups(
    table: SafeTable,
    rows: list[int],
    known: list[Value],
    totals: GroupTotals | None,
    output_id: str,
) -> dict[int, _Group]:
    """Each row position's group (no groups without ``totals``)."""
    if totals is None:
        return {}
    given = require_safe(totals.table, f"{output_id}: release_sums totals")
    if totals.column not in given.columns_of_kind(ColumnKind.COUNT) or (
        totals.key is None and given.n_rows != 1
    ):
        raise ValueError(
            f"{output_id}: totals need a count column and, without a key, exactly one row."
        )
    released = {
        None if totals.key is None else given.text(r, totals.key): given.value(r, totals.column)
        for r in range(given.n_rows)
        if not given.status(r, totals.column).suppressed
    }
    keys = [None if totals.key is None else table.text(r, totals.key) for r in rows]
    out: dict[int, _Group] = {}
    for key in dict.fromkeys(keys):
        members = [p for p, k in enumerate(keys) if k == key]
        total = released.get(key)
        group = _Group(
            None if total is None else int(total),
            frozenset(p for p in members if known[p] is None),
            sum(int(known[p] or 0) for p in members),
        )
        out |= dict.fromkeys(members, group)
    return out


def _window_sum(known: list[Value], window: range, groups: dict[int, _Group]) -> int | None:
    """The sum of a window, where released values determine it; else None."""
    withheld = {p for p in window if known[p] is None}
    total = sum(int(known[p] or 0) for p in window)
    for group in {id(groups[p]): groups[p] for p in withheld if p in groups}.values():
        if group.total is None or not group.withheld <= set(window):
            return None
        total += group.total - group.released  # the group's withheld rows, together
        withheld -= group.withheld
    return None if withheld else total


def _carried(table: SafeTable, column: str) -> dict[int, list[Rule]]:
    """The rules that withheld each row's cell of ``column`` in ``table``."""
    index = table.column_index(column)
    out: dict[int, list[Rule]] = {}
    for rule, found in table.record.cells:
        for row in (r for r, c in found if c == index):
            out.setdefault(row, []).append(rule)
    return out
