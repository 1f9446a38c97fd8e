"""SafeTable: the released-value type, the only thing the presentation layer accepts."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ldsa.errors import DisclosureError
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Record, Rule, make_record, subset_record

Value = str | int | float | None

#: Marker of a cell suppressed for disclosure (the GSS convention, "confidential").
MARKER_DISCLOSURE = "[c]"
#: Marker of a value not shown because it is unreliable (too few events).
MARKER_UNRELIABLE = "[u]"


class CellStatus(enum.Enum):
    """The status of one released cell."""

    RELEASED = "released"
    ROUNDED = "rounded"
    SUPPRESSED_DISCLOSURE = "suppressed_disclosure"
    SUPPRESSED_UNRELIABLE = "suppressed_unreliable"

    @property
    def suppressed(self) -> bool:
        """Whether the cell holds no value."""
        return self in (CellStatus.SUPPRESSED_DISCLOSURE, CellStatus.SUPPRESSED_UNRELIABLE)

    @property
    def marker(self) -> str:
        """The text shown instead of a suppressed value (empty when released)."""
        if self is CellStatus.SUPPRESSED_DISCLOSURE:
            return MARKER_DISCLOSURE
        if self is CellStatus.SUPPRESSED_UNRELIABLE:
            return MARKER_UNRELIABLE
        return ""


class ColumnKind(enum.Enum):
    """What a column holds: labels (always released), counts or derived statistics."""

    LABEL = "label"
    COUNT = "count"
    STATISTIC = "statistic"


@dataclasses.dataclass(frozen=True)
class SafeTable:
    """A table of released values, each cell with its status, and its disclosure record.

    Built only by the ``ldsa.sdc.release_*`` functions; constructing one directly raises
    :class:`~ldsa.errors.DisclosureError`. Suppressed cells hold ``None``.

    Attributes
    ----------
    output_id
        Unique id of the output (its record's uid).
    columns, kinds, decimals
        Column names, kinds and decimal places (statistics only).
    values, statuses
        Rows of released values and of cell statuses.
    total_row, total_column
        Position of the total row and name of the total column, if any.
    record
        The disclosure record.
    """

    output_id: str
    columns: tuple[str, ...]
    kinds: tuple[ColumnKind, ...]
    decimals: tuple[int, ...]
    values: tuple[tuple[Value, ...], ...]
    statuses: tuple[tuple[CellStatus, ...], ...]
    total_row: int | None
    total_column: str | None
    record: Record

    def __post_init__(self) -> None:
        # Every SafeTable is made by _issue(), which never calls __init__: so SafeTable(...)
        # and dataclasses.replace() (which calls __init__) are always refused.
        raise DisclosureError(
            "SafeTable: only the disclosure layer can create one. "
            "How to fix: call an ldsa.sdc.release_* function on the raw values."
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Unpickling builds an object without __init__: it would be a way to forge one.
        raise DisclosureError("SafeTable: cannot be pickled or copied; release it again.")

    @property
    def n_rows(self) -> int:
        """Number of rows (including a total row)."""
        return len(self.values)

    def column_index(self, column: str) -> int:
        """Return the position of ``column``, or raise KeyError naming the columns."""
        try:
            return self.columns.index(column)
        except ValueError:
            raise KeyError(
                f"{self.output_id}: no column {column!r} (columns: {', '.join(self.columns)})"
            ) from None

    def columns_of_kind(self, kind: ColumnKind) -> tuple[str, ...]:
        """Return the names of the columns of one kind, in order."""
        return tuple(c for c, k in zip(self.columns, self.kinds, strict=True) if k is kind)

    def value(self, row: int, column: str) -> Value:
        """Return a released value (``None`` when suppressed)."""
        return self.values[row][self.column_index(column)]

    def status(self, row: int, column: str) -> CellStatus:
        """Return the status of a cell."""
        return self.statuses[row][self.column_index(column)]

    def text(self, row: int, column: str) -> str:
        """Return a cell as shown in tables, CSVs and report text (a marker if suppressed)."""
        index = self.column_index(column)
        return format_cell(self.values[row][index], self.statuses[row][index], self.decimals[index])

    def row_label(self, row: int) -> str:
        """Return the label of a row: its label cells joined by " / " (or its position)."""
        return self.record.row_labels[row]

    def released_frame(self) -> pd.DataFrame:
        """Return the released values as a DataFrame; suppressed cells are ``<NA>``.

        Counts are nullable integers, statistics nullable floats, labels strings. Use it
        to compute rates from controlled counts (``derived_from: controlled``) or to chart.
        """
        data: dict[str, pd.Series] = {}
        for index, (column, kind) in enumerate(zip(self.columns, self.kinds, strict=True)):
            cells = [row[index] for row in self.values]
            dtype = {ColumnKind.LABEL: "string", ColumnKind.COUNT: "Int64"}.get(kind, "Float64")
            data[column] = pd.Series(cells, dtype=dtype)
        return pd.DataFrame(data)

    def suppressed_mask(self) -> pd.DataFrame:
        """Return a boolean frame, True where a cell is suppressed (any reason)."""
        return pd.DataFrame(
            [[s.suppressed for s in row] for row in self.statuses],
            columns=list(self.columns),
            dtype=bool,
        )

    def select(
        self,
        *,
        output_id: str,
        columns: Sequence[str] | None = None,
        rows: Sequence[int] | None = None,
    ) -> SafeTable:
        """Return a view of some columns and rows, with the same statuses.

        Release each set of numbers once and cut every table, CSV and figure from that
        SafeTable: releasing the same counts again in another shape could suppress
        different cells, and the two releases together would give the suppressed values
        away. Dropping columns or rows only removes information, so the view is safe.

        Parameters
        ----------
        output_id
            Unique id of the new output.
        columns
            Columns to keep, in the order given (default: all).
        rows
            Row positions to keep, in the order given (default: all).

        Returns
        -------
        SafeTable
            The view, with its own record (cells renumbered, the same properties).
        """
        names = list(self.columns) if columns is None else list(columns)
        cols = [self.column_index(name) for name in names]
        keep = list(range(self.n_rows)) if rows is None else list(rows)
        return _issue(
            output_id=output_id,
            columns=tuple(names),
            kinds=tuple(self.kinds[c] for c in cols),
            decimals=tuple(self.decimals[c] for c in cols),
            values=tuple(tuple(self.values[r][c] for c in cols) for r in keep),
            statuses=tuple(tuple(self.statuses[r][c] for c in cols) for r in keep),
            total_row=keep.index(self.total_row) if self.total_row in keep else None,
            total_column=self.total_column if self.total_column in names else None,
            record=subset_record(self.record, uid=output_id, rows=keep, columns=cols),
        )

    def to_csv_text(self) -> str:
        """Return the table as CSV text (see :func:`ldsa.sdc.render.render_csv`)."""
        from ldsa.sdc.render import render_csv  # render imports this module

        return render_csv(self)


def format_cell(value: Value, status: CellStatus, decimals: int) -> str:
    """Format one cell: its marker when suppressed, else counts as integers and
    statistics with ``decimals`` places (halves up)."""
    if status.suppressed or value is None:
        return status.marker or MARKER_DISCLOSURE
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _issue(**fields: object) -> SafeTable:
    """Make a SafeTable without calling ``__init__``, which refuses everyone."""
    table = object.__new__(SafeTable)
    for name, value in fields.items():
        object.__setattr__(table, name, value)
    return table


def issue_table(
    *,
    output_id: str,
    columns: Sequence[str],
    kinds: Sequence[ColumnKind],
    values: Sequence[Sequence[Value]],
    statuses: Sequence[Sequence[CellStatus]],
    record: Record,
    decimals: Sequence[int] | None = None,
    total_row: int | None = None,
    total_column: str | None = None,
) -> SafeTable:
    """Build a SafeTable (internal to ``ldsa.sdc``: release functions call it).

    Suppressed cells are stored as ``None`` whatever value is passed for them.
    """
    clean = tuple(
        tuple(None if s.suppressed else v for v, s in zip(row, srow, strict=True))
        for row, srow in zip(values, statuses, strict=True)
    )
    return _issue(
        output_id=output_id,
        columns=tuple(columns),
        kinds=tuple(kinds),
        decimals=tuple(decimals) if decimals is not None else (0,) * len(columns),
        values=clean,
        statuses=tuple(tuple(row) for row in statuses),
        total_row=total_row,
        total_column=total_column,
        record=record,
    )


def row_labels(frame: pd.DataFrame, label_columns: Sequence[str]) -> list[str]:
    """Return one label per row: its label cells joined by " / ", made unique."""
    if not label_columns:
        return [str(i) for i in range(len(frame))]
    labels = [
        " / ".join(label_text(v) for v in row)
        for row in frame[list(label_columns)].itertuples(index=False)
    ]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    return [label if seen[label] == 1 else f"{i}: {label}" for i, label in enumerate(labels)]


def label_text(value: object) -> str:
    """Format a label value (dates as ISO, missing as empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def stack(
    tables: Sequence[SafeTable],
    *,
    policy: Policy,
    output_id: str,
    columns: Sequence[str],
    label_column: str,
    labels: Sequence[str],
    extra_labels: Mapping[str, Sequence[str]] | None = None,
    description: str = "",
) -> SafeTable:
    """Stack released one-shape tables into one, label columns first, columns renamed.

    Stacking only places released values side by side: it releases nothing new, so the
    result keeps every cell's status and each part's rule outcomes.

    Parameters
    ----------
    tables
        Released tables with the same number and kinds of columns.
    policy
        The policy the parts were released under (stamped on the record).
    output_id
        Unique id of the new output.
    columns
        New names of the parts' columns, by position.
    label_column, labels
        Name of the new first column and its value for each part's rows.
    extra_labels
        Further label columns after the first, each with its value for each part.
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        One row per row of each part, in order.
    """
    parts = list(tables)
    if not all(isinstance(part, SafeTable) for part in parts):
        raise DisclosureError(f"{output_id}: stack accepts only released SafeTables.")
    extra = dict(extra_labels or {})
    if any(len(v) != len(parts) for v in [labels, *extra.values()]) or any(
        p.kinds != parts[0].kinds for p in parts
    ):
        raise ValueError(f"{output_id}: stack needs one label per table and equal column kinds.")
    if len(columns) != len(parts[0].columns):
        raise ValueError(f"{output_id}: give one new name per column ({len(parts[0].columns)}).")
    values: list[tuple[Value, ...]] = []
    statuses: list[tuple[CellStatus, ...]] = []
    row_names: list[str] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    width = 1 + len(extra)
    for index, (part, label) in enumerate(zip(parts, labels, strict=True)):
        for rule, found in part.record.cells:
            cells.setdefault(rule, []).extend((len(values) + r, c + width) for r, c in found)
        more = [column[index] for column in extra.values()]
        for row in range(part.n_rows):
            values.append((label, *more, *part.values[row]))
            statuses.append((CellStatus.RELEASED,) * width + part.statuses[row])
            row_names.append(f"{label} / {part.row_label(row)}")
    names = [label_column, *extra, *columns]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=names,
        label_columns=[label_column, *extra],
        row_labels=row_names,
        cells=cells,
        properties={**dict(parts[0].record.properties), "method": "stack"},
    )
    return issue_table(
        output_id=output_id,
        columns=names,
        kinds=[ColumnKind.LABEL] * width + list(parts[0].kinds),
        values=values,
        statuses=statuses,
        record=record,
        decimals=[0] * width + list(parts[0].decimals),
    )
