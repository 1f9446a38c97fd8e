"""Presentation-side helpers: CSV text, HTML tables and figure series, from SafeTables only."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import math
from collections.abc import Mapping

from ldsa.errors import DisclosureError
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable


def require_safe(obj: object, where: str) -> SafeTable:
    """Return ``obj`` if it is a SafeTable, else raise DisclosureError.

    Parameters
    ----------
    obj
        What the caller wants to present.
    where
        The presenting function, for the message.

    Returns
    -------
    SafeTable
        ``obj`` itself.

    Raises
    ------
    DisclosureError
        For a DataFrame, array, dict or anything else that has not passed the policy.
    """
    if isinstance(obj, SafeTable):
        return obj
    raise DisclosureError(
        f"{where}: refusing {type(obj).__name__}: only released values (a SafeTable) may be "
        "shown. How to fix: pass the raw values through an ldsa.sdc.release_* function."
    )


def render_csv(table: SafeTable) -> str:
    """Return a released table as CSV text.

    Parameters
    ----------
    table
        The released table.

    Returns
    -------
    str
        A header of column names (counts end in ``_count``), then one line per row, ``\\n``
        line ends; suppressed cells are ``[c]`` or ``[u]``, never 0 or empty.

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.

    Notes
    -----
    The same table gives the same bytes: no index, no locale, statistics rounded half up.

    References
    ----------
    .. [1] GSS, "Symbols in tables, definitions and help" (``[c]`` confidential, ``[u]``
       low reliability).
    """
    safe = require_safe(table, "render_csv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(safe.columns)
    for row in range(safe.n_rows):
        writer.writerow([safe.text(row, column) for column in safe.columns])
    return buffer.getvalue()


def render_html_table(
    table: SafeTable,
    *,
    caption: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Return a released table as an accessible HTML ``<table>``.

    Parameters
    ----------
    table
        The released table.
    caption
        Optional caption.
    headers
        Display names for columns (default: the column names).

    Returns
    -------
    str
        ``<table class="ldsa-safe" data-output-id=...>``; count cells and their headers
        carry ``data-kind="count"``, the total row and total column ``data-role="total"``,
        each suppressed cell ``data-status`` and a ``title`` explaining its marker.

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.

    References
    ----------
    .. [1] GSS, "Symbols in tables, definitions and help".
    """
    safe = require_safe(table, "render_html_table")
    names = dict(headers or {})
    out = [f'<table class="ldsa-safe" data-output-id="{html.escape(safe.output_id)}">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>")
    for column, kind in zip(safe.columns, safe.kinds, strict=True):
        role = ' data-role="total"' if column == safe.total_column else ""
        label = html.escape(names.get(column, column))
        name = html.escape(column)
        out.append(
            f'<th scope="col" data-kind="{kind.value}" data-column="{name}"{role}>{label}</th>'
        )
    out.append("</tr></thead><tbody>")
    row_header = next(
        (c for c, k in zip(safe.columns, safe.kinds, strict=True) if k is ColumnKind.LABEL), None
    )
    for row in range(safe.n_rows):
        role = ' data-role="total"' if row == safe.total_row else ""
        out.append(f"<tr{role}>")
        for column, kind in zip(safe.columns, safe.kinds, strict=True):
            status = safe.status(row, column)
            attrs = f' data-kind="{kind.value}"'
            if status.suppressed:
                attrs += f' data-status="{status.value}" title="{_TITLES[status]}"'
            text = safe.text(row, column)
            text = _day(text) if kind is ColumnKind.LABEL else group_digits(text)
            cell = "th" if column == row_header else "td"
            scope = ' scope="row"' if cell == "th" else ""
            out.append(f"<{cell}{scope}{attrs}>{html.escape(text)}</{cell}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _day(text: str) -> str:
    """An ISO date as tables show days (``2020-03-02`` -> ``2 Mar 2020``); other text as
    it is. CSV files keep ISO dates."""
    if len(text) != 10 or not text.isascii():
        return text
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%b %Y}"


def group_digits(text: str) -> str:
    """A number with thousands separators (``1975042.5`` -> ``1,975,042.5``); markers and
    other text unchanged."""
    whole, point, fraction = text.partition(".")
    digits = whole.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or (point and not fraction.isdigit()):
        return text
    return f"{'-' if whole.startswith('-') else ''}{int(digits):,}{point}{fraction}"


_TITLES = {
    CellStatus.SUPPRESSED_DISCLOSURE: "suppressed to protect confidentiality",
    CellStatus.SUPPRESSED_UNRELIABLE: "not shown: too few events to be reliable",
}


@dataclasses.dataclass(frozen=True)
class FigureSeries:
    """Values a figure may plot: released values, NaN gaps for suppressed points.

    Attributes
    ----------
    x
        Label of each point.
    y
        Released value of each point; NaN where suppressed (a gap, never interpolated).
    gaps
        Positions of the gaps.
    note
        Plain-English note for the figure (empty when nothing is missing).
    """

    x: tuple[str, ...]
    y: tuple[float, ...]
    gaps: tuple[int, ...]
    note: str


def figure_series(table: SafeTable, column: str, *, x_column: str | None = None) -> FigureSeries:
    """Return one column of a released table as a series for a figure.

    Parameters
    ----------
    table
        The released table.
    column
        The count or statistic to plot.
    x_column
        The label column for the x axis (default: each row's label). A total row is left
        out.

    Returns
    -------
    FigureSeries
        Released values with NaN gaps and a note saying how many points are missing and
        why (confidentiality ``[c]`` or reliability ``[u]``).

    Raises
    ------
    DisclosureError
        When ``table`` is not a SafeTable.

    References
    ----------
    .. [1] disclosure.md, "Figures": a suppressed point is a gap with a note.
    """
    safe = require_safe(table, "figure_series")
    if safe.kinds[safe.column_index(column)] is ColumnKind.LABEL:
        raise ValueError(f"{safe.output_id}: {column!r} is a label column, not a value.")
    rows = [r for r in range(safe.n_rows) if r != safe.total_row]
    x = tuple(safe.text(r, x_column) if x_column is not None else safe.row_label(r) for r in rows)
    y: list[float] = []
    gaps: list[int] = []
    counts = {CellStatus.SUPPRESSED_DISCLOSURE: 0, CellStatus.SUPPRESSED_UNRELIABLE: 0}
    for position, row in enumerate(rows):
        value = safe.value(row, column)
        status = safe.status(row, column)
        if status.suppressed:
            y.append(math.nan)
            gaps.append(position)
            counts[status] += 1
        else:
            y.append(math.nan if value is None else float(value))
    return FigureSeries(x=x, y=tuple(y), gaps=tuple(gaps), note=_note(counts))


def _note(counts: Mapping[CellStatus, int]) -> str:
    """Say how many points are missing and why."""
    parts = []
    if counts[CellStatus.SUPPRESSED_DISCLOSURE]:
        n = counts[CellStatus.SUPPRESSED_DISCLOSURE]
        parts.append(f"{n} {_points(n)} suppressed to protect confidentiality [c]")
    if counts[CellStatus.SUPPRESSED_UNRELIABLE]:
        n = counts[CellStatus.SUPPRESSED_UNRELIABLE]
        parts.append(f"{n} {_points(n)} not shown because too few events to be reliable [u]")
    if not parts:
        return ""
    return "Gaps in the line: " + "; ".join(parts) + "."


def _points(n: int) -> str:
    return "point" if n == 1 else "points"
