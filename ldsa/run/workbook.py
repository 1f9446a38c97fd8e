"""One Excel workbook per authority, laid out after the GSS spreadsheet guidance.

Sheets: a cover (title, what the workbook is, period, source, policy, markers,
provenance), contents (a link to every table's sheet), notes, then one sheet per released
table. Each table sheet has its title in A1, a line saying where the table comes from and
what its markers mean in A2, and the table from A3 with its header row frozen. Markers
(``[c]``, ``[u]``) stay text, numbers are numbers shown with as many decimals as the CSV
gives, and no cell is merged. Text is never read as a formula or a link.

References
----------
.. [1] Government Analysis Function, "Releasing statistics in spreadsheets" (2021).
.. [2] GSS, "Symbols in tables, definitions and help".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import xlsxwriter

from ldsa import __version__

if TYPE_CHECKING:
    from ldsa.run.bundle import Bundle, TableFile

#: The workbook's creation date, fixed so that the same release gives the same bytes.
CREATED = dt.datetime(2000, 1, 1)
MARKERS = (
    ("[c]", "withheld to protect confidentiality: a count below the disclosure threshold, a "
     "value that would let one be worked out, or a statistic derived from one"),
    ("[u]", "not shown because it is too unreliable: a rate from fewer than 10 events"),
)  # fmt: skip
COLUMN_NOTES = (
    "Columns beginning la_, region_ and england_ hold the authority's, its region's and "
    "England's values; cis_ columns hold the authority's infection-survey area's.",
    "Columns ending _count hold counts of people or events; lower and upper are the bounds "
    "of 95% confidence intervals; rates are per 100,000 people unless the column name or "
    "the report says otherwise.",
    "period_start and period_end give the first and last day a row covers (ISO dates, both "
    "included); a time_step column says whether the row is a week, month, quarter or the "
    "whole period.",
)
MAX_SHEET_NAME = 31
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")
_MAX_WIDTH = 60


def table_title(table: TableFile) -> str:
    """A table's title: its report and name in words (``Overview report: headline``)."""
    words = table.name.replace("_", " ")
    return f"{table.template.replace('_', ' ').capitalize()} report: {words}"


def cell_value(text: str) -> str | int | float:
    """A CSV cell as the workbook holds it: a plain decimal number as a number, anything
    else (a marker, a date, a code, a label) as the text itself."""
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def decimals(text: str) -> int:
    """How many decimal places a CSV number shows (the workbook shows as many)."""
    match = _NUMBER.fullmatch(text)
    return len(match.group(1) or "") if match else 0


def sheet_names(tables: Sequence[TableFile]) -> list[str]:
    """One sheet name per table: its number, report and name, at most 31 characters
    (Excel's limit), unique by the number."""
    names = []
    for number, table in enumerate(tables, start=1):
        name = _SHEET_UNSAFE.sub("_", f"{number}_{table.template}_{table.name}")
        names.append(name[:MAX_SHEET_NAME])
    return names


@dataclasses.dataclass
class _Formats:
    book: Any
    cache: dict[int, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.title = self.book.add_format({"bold": True, "font_size": 15})
        self.heading = self.book.add_format({"bold": True, "font_size": 12})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.link = self.book.add_format({"font_color": "#0B0C8C", "underline": 1})
        self.text = self.book.add_format({"align": "left"})

    def number(self, places: int) -> Any:
        if places not in self.cache:
            pattern = "#,##0" + ("." + "0" * places if places else "")
            self.cache[places] = self.book.add_format({"num_format": pattern})
        return self.cache[places]


def build_workbook(bundle: Bundle, tables: Sequence[list[list[str]]]) -> bytes:
    """Return the workbook of one authority as bytes.

    Parameters
    ----------
    bundle
        The authority's release (names, period, policy, reports and tables).
    tables
        Each released table's CSV rows (header first), in ``bundle.tables`` order.
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,  # a CSV cell is never run as a formula
            "strings_to_urls": False,
        },
    )
    book.set_properties(
        {
            "title": bundle.title,
            "subject": f"Released tables, {bundle.period}",
            "author": f"ldsa {__version__}",
            "created": CREATED,
        }
    )
    formats = _Formats(book)
    names = sheet_names(bundle.tables)
    _cover(book.add_worksheet("Cover"), bundle, formats)
    _contents(book.add_worksheet("Contents"), bundle, names, formats)
    _notes(book.add_worksheet("Notes"), formats)
    for number, (table, rows, name) in enumerate(
        zip(bundle.tables, tables, names, strict=True), start=1
    ):
        _table_sheet(book.add_worksheet(name), number, table, rows, formats)
    book.close()
    return buffer.getvalue()


def _cover(sheet: Any, bundle: Bundle, formats: _Formats) -> None:
    lines: list[tuple[str, Any]] = [(bundle.title, formats.title)]
    if bundle.source_kind == "dummy":
        lines.append(("DUMMY DATA: built from generated, fictional data; places and numbers are "
                      "not real.", formats.heading))  # fmt: skip
    lines += [
        ("The tables behind the reports of one local authority, one table per sheet, as "
         "released after disclosure control. The Contents sheet links to every table; the "
         "Notes sheet explains the markers and column names.", formats.wrap),
        ("Local authority", formats.heading),
        (f"{bundle.la_name} ({bundle.la_code}), {bundle.la_type}, {bundle.region_name}",
         formats.wrap),
        ("Period covered", formats.heading), (bundle.period, formats.wrap),
        ("Source", formats.heading), (bundle.data_source, formats.wrap),
        ("Disclosure control", formats.heading),
        (f"Every number has passed the disclosure policy {bundle.policy}. Values withheld to "
         "protect confidentiality are marked [c]; values too unreliable to show are marked "
         "[u]. A hidden value is never shown as 0 or left blank.", formats.wrap),
        ("Reports", formats.heading),
        *((f"{r.title}: {r.path.name} in {bundle.la_code}.zip", formats.wrap)
          for r in bundle.reports),
        ("Provenance", formats.heading),
        (f"ldsa version {__version__}", formats.wrap),
        (f"Store SHA-256 {bundle.store_sha256}", formats.wrap),
        *((f"Template {r.template} SHA-256 {r.template_sha256}", formats.wrap)
          for r in bundle.reports),
    ]  # fmt: skip
    sheet.set_column(0, 0, 100)
    for row, (text, style) in enumerate(lines):
        sheet.write_string(row, 0, text, style)


def _contents(sheet: Any, bundle: Bundle, names: list[str], formats: _Formats) -> None:
    sheet.write_string(0, 0, "Contents", formats.title)
    sheet.write_string(1, 0, "This worksheet contains one table, one row per table sheet.")
    rows = [
        [name, table_title(table), table.file_name]
        for name, table in zip(names, bundle.tables, strict=True)
    ]
    _frame(sheet, 2, ["Sheet name", "Table", "CSV file"], len(rows), "contents")
    for r, (name, title, file_name) in enumerate(rows, start=3):
        sheet.write_url(r, 0, f"internal:'{name}'!A1", formats.link, name)
        sheet.write_string(r, 1, title)
        sheet.write_string(r, 2, file_name)
    sheet.set_column(0, 0, MAX_SHEET_NAME + 2)
    sheet.set_column(1, 2, 55)
    sheet.freeze_panes(3, 0)


def _notes(sheet: Any, formats: _Formats) -> None:
    notes = [
        *(f"{marker}: {meaning}." for marker, meaning in MARKERS),
        *COLUMN_NOTES,
        "Numbers are stored as numbers, shown with as many decimal places as released; "
        "markers are text, so a column holding one is not summed as if it were 0.",
    ]
    sheet.write_string(0, 0, "Notes", formats.title)
    sheet.write_string(1, 0, "This worksheet contains one table.")
    _frame(sheet, 2, ["Note number", "Note text"], len(notes), "notes")
    for r, note in enumerate(notes, start=3):
        sheet.write_number(r, 0, r - 2)
        sheet.write_string(r, 1, note, formats.wrap)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 100)
    sheet.freeze_panes(3, 0)


def _table_sheet(
    sheet: Any, number: int, table: TableFile, rows: list[list[str]], formats: _Formats
) -> None:
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    sheet.write_string(0, 0, f"Table {number}: {table_title(table)}", formats.title)
    sheet.write_string(
        1, 0, f"Source: {table.file_name}. [c]: withheld to protect confidentiality; [u]: too "
        "unreliable to show (see the Notes sheet)."
    )  # fmt: skip
    _frame(sheet, 2, header, len(body), f"table_{number}")
    widths = [len(h) for h in header]
    for r, row in enumerate(body, start=3):
        for c, text in enumerate(row[: len(header)]):
            value = cell_value(text)
            if text == "":
                continue  # an empty CSV cell (nothing to show, as its report explains)
            if isinstance(value, str):
                sheet.write_string(r, c, value, formats.text)
            else:
                sheet.write_number(r, c, value, formats.number(decimals(text)))
            widths[c] = max(widths[c], len(text) + (len(text) // 3 if value != text else 0))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(width + 2, _MAX_WIDTH))
    sheet.freeze_panes(3, 0)


def _frame(sheet: Any, top: int, header: list[str], n_rows: int, name: str) -> None:
    """Mark up a table (an Excel table with a header row, as the guidance asks) at row
    ``top``; a table of no rows gets its header row only (Excel needs one row of data)."""
    if not header:
        return
    if n_rows == 0:
        for c, text in enumerate(header):
            sheet.write_string(top, c, text)
        return
    columns = [{"header": text or f"column_{c + 1}"} for c, text in enumerate(_unique(header))]
    sheet.add_table(
        top,
        0,
        top + n_rows,
        len(header) - 1,
        {"name": name, "columns": columns, "style": "Table Style Light 1", "autofilter": False},
    )


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for text in header:
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text}_{seen[text]}")
    return out
