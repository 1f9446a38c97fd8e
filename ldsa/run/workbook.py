"""One Excel workbook per authority, laid out after the GSS spreadsheet guidance.

Sheets: a cover (title, what the workbook is, period, source, policy, markers,
provenance), contents (a link to every table's sheet), notes, a column dictionary, then one
sheet per released table. Each table sheet has its title in A1, a line saying where the
table comes from and what its markers mean in A2, and the table from A3 with its header row
frozen. Column headers are readable, with units and the authority's or region's name
(``Hartlepool: weekly rate per 100,000``); the CSV files keep their machine-friendly names
(``la_weekly_rate``) and the Columns sheet pairs the two. Markers (``[c]``, ``[u]``) stay
text, an empty CSV cell is ``[x]`` (nothing to show), numbers are numbers shown with as many
decimals as the CSV gives, and no cell is merged. Text is never read as a formula or a link.
Sheet names are the table's number and words, cut at a word, within Excel's 31 characters.

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
from collections.abc import Mapping, Sequence
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
#: The workbook's own marker for a cell the CSV leaves empty (GSS: no blank cells).
NOT_APPLICABLE = (
    "[x]",
    "nothing to show (an empty cell in the CSV file): not applicable, such as a doubling "
    "time while cases fall, or no value for that row, such as R before there were cases",
)
COLUMN_NOTES = (
    "Columns beginning la_, region_ and england_ hold the authority's, its region's and "
    "England's values; cis_ columns hold the authority's infection-survey area's.",
    "Columns ending _count hold counts of people or events; lower and upper are the bounds "
    "of 95% intervals (confidence intervals; prediction intervals for expected deaths, "
    "credible intervals for R); rates are per 100,000 people unless the column name or "
    "the report says otherwise.",
    "period_start and period_end give the first and last day a row covers (ISO dates, both "
    "included); a time_step column says whether the row is a week, month, quarter or the "
    "whole period.",
)
MAX_SHEET_NAME = 31
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")
_MAX_WIDTH = 60
_HEADER_WIDTH = 24  #: a header longer than this wraps in its cell

#: Column headers: a CSV column's name (without its area prefix) -> what it holds, with unit.
#: Area columns (``la_``, ``region_``, ``england_``, ``cis_``) are headed by the area's name.
MEASURES = {
    "count": "count",
    "rate": "rate per 100,000",
    "weekly_rate": "average weekly rate per 100,000",
    "lower": "lower 95% limit",
    "upper": "upper 95% limit",
    "cases_count": "cases",
    "deaths_count": "deaths",
    "covid_deaths_count": "deaths with Covid-19 as underlying cause",
    "covid_mentioned_count": "deaths with Covid-19 mentioned",
    "deaths_occurred_count": "deaths (by date of death)",
    "cumulative_cases_count": "cases since the period began",
    "cumulative_covid_deaths_count": "deaths with Covid-19 since the period began",
    "cumulative_deaths_count": "deaths since the period began",
    "cumulative_expected": "deaths expected since the period began",
    "cumulative_excess": "excess deaths since the period began",
    "tests_count": "tests",
    "positive_tests_count": "positive tests",
    "positivity": "positivity (%)",
    "one_in_n": "positivity as around 1 in N people (N)",
    "participants_count": "participants swabbed",
    "households_count": "households swabbed",
    "cases_per_infection": "cases per estimated infection",
    "female_percent": "females (% of population)",
    "male_percent": "males (% of population)",
    "asmr": "age-standardised mortality rate per 100,000 a year",
    "smr": "standardised mortality ratio (England = 100)",
    "r": "reproduction number R",
    "growth": "growth rate (% per day)",
    "growth_percent": "growth rate (% per day)",
    "expected": "deaths expected",
    "excess": "excess deaths",
    "seven_day_count": "cases in the 7 days to this day",
    "seven_day_rate": "7-day rate per 100,000",
    "seven_day": "7-day rate per 100,000",
    "sii": "slope index of inequality (SII)",
    "rii": "relative index of inequality (RII)",
    "events_count": "events (cases or deaths)",
    "population": "population",
    "median": "projected cases a week (median)",
}
#: Columns of no area: their headers.
LABELS = {
    "period_start": "Period start (date)",
    "period_end": "Period end (date)",
    "time_step": "Time step",
    "weeks": "Weeks in the period",
    "la_code": "Local authority code",
    "la_name": "Local authority",
    "region_code": "Region code",
    "cis_area": "Infection survey (CIS) area code",
    "area": "Area",
    "measure_id": "Measure code",
    "measure": "Measure",
    "outcome_id": "Outcome code",
    "outcome": "Outcome",
    "unit": "Unit",
    "age_group": "Age group (years)",
    "age_band": "Age band (years)",
    "sex": "Sex",
    "group": "Sex and age group (years)",
    "place": "Place of death",
    "weekday": "Day of the week",
    "neighbourhood": "Neighbourhood",
    "imd_quintile": "Deprivation quintile of the authority's neighbourhoods (IMD 2019)",
    "imd_decile": "Deprivation decile (IMD 2019, 1 = most deprived)",
    "imd_score": "IMD 2019 score",
    "authorities": "Authorities",
    "left_out": "Authorities left out (value withheld)",
    "term": "Model term",
    "estimate": "Estimate (in the outcome's unit)",
    "value": "Value (in the outcome's unit)",
    "ratio": "Ratio to expected (England = 100)",
    "years": "Years",
    "life_expectancy": "Life expectancy at birth (years)",
    "share_percent": "Share of the survey area's population (%)",
    "compared_with_this_authority": "Compared with this authority",
    "doubling_days": "Doubling time (days)",
    "halving_days": "Halving time (days)",
    "scenario": "Scenario",
    "week": "Weeks ahead",
    "projections": "Projections made",
    "coverage_50": "Observed within the 50% interval (%)",
    "coverage_90": "Observed within the 90% interval (%)",
    "mean_wis": "Mean weighted interval score (cases)",
    "lower_50": "50% interval, lower",
    "upper_50": "50% interval, upper",
    "lower_90": "90% interval, lower",
    "upper_90": "90% interval, upper",
    "lower_95": "95% interval, lower",
    "upper_95": "95% interval, upper",
    "cases_from": "Cases from (date)",
    "cases_to": "Cases to (date)",
    "deaths_from": "Deaths from (date)",
    "deaths_to": "Deaths to (date)",
    "deaths_per_1000_cases": "Deaths per 1,000 cases",
}
#: Headers that depend on the table (its name contains the key): the first match wins.
TABLE_LABELS: dict[str, dict[str, str]] = {
    "case_rate": {
        "value": "Case rate per 100,000 over the period",
        "expected": "Cases expected at England's rate",
    },
    "asmr": {"value": "Age-standardised mortality rate per 100,000 a year"},
    "excess_ratio": {
        "value": "Deaths registered per 100 expected",
        "expected": "Deaths expected at England's level",
    },
    "funnel": {"expected": "Deaths expected at England's age-specific rates"},
    "excess_total": {
        "expected": "Deaths expected (2015-2019 baseline)",
        "ratio": "Deaths registered per death expected",
    },
    "excess": {"expected": "Deaths expected (2015-2019 baseline)"},
    "backtest_weeks": {"median": "Cases projected one week before (median)"},
    "projected_deaths": {"median": "Projected deaths a week (median)"},
    "cumulative": {"rate": "rate per 100,000 since the period began"},
    "headline": {"rate": "rate per 100,000 over the period"},
}
_AREAS = ("la", "region", "england", "cis")
_BOUNDS = {"lower": "lower 95% limit", "upper": "upper 95% limit"}
#: Words of table names as a sheet name shows them.
_WORDS = {"asmr": "ASMR", "sii": "SII", "rii": "RII", "r": "R", "covid": "Covid",
          "england": "England", "deprivation": "IMD"}  # fmt: skip
#: Words a sheet name never ends on once cut.
_TRAILING = frozenset({"by", "and", "of", "the", "over", "a", "to", "per", "in", "with", "all"})


def column_header(column: str, areas: Mapping[str, str], table: str = "") -> str:
    """A CSV column's header in the workbook: what it holds, with its unit, and the area's
    name for an area's column (``la_weekly_rate`` -> ``Hartlepool: weekly rate per
    100,000``); a column it does not know keeps its name, in words.

    Parameters
    ----------
    column
        The CSV column name.
    areas
        Display names of ``la``, ``region``, ``england`` and ``cis``.
    table
        The table's name (``case_rate_funnel``), for the columns whose meaning it sets.
    """
    for key, labels in TABLE_LABELS.items():
        if key in table and column in labels:
            return labels[column]
    if column in LABELS:
        return LABELS[column]
    area, _, rest = column.partition("_")
    if area in _AREAS and rest:
        return f"{areas[area]}: {_measure(rest, table)}"
    measure = _measure(column, table)
    return measure[:1].upper() + measure[1:]


def _measure(rest: str, table: str) -> str:
    for key, labels in TABLE_LABELS.items():
        if key in table and rest in labels:
            return labels[rest]
    if rest in MEASURES:
        return MEASURES[rest]
    base, _, bound = rest.rpartition("_")
    if bound in _BOUNDS and base:
        return f"{_measure(base, table)}, {_BOUNDS[bound]}"
    return rest.replace("_", " ")


def table_title(table: TableFile) -> str:
    """A table's title: its report and name in words (``Overview report: headline``)."""
    words = table.name.replace("_", " ")
    return f"{table.template.replace('_', ' ').capitalize()} report: {words}"


def cell_value(text: str) -> str | int | float:
    """A CSV cell as the workbook holds it: a plain decimal number as a number, an empty
    cell as ``[x]``, anything else (a marker, a date, a code, a label) as the text itself."""
    if text == "":
        return NOT_APPLICABLE[0]
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return text


def decimals(text: str) -> int:
    """How many decimal places a CSV number shows (the workbook shows as many)."""
    match = _NUMBER.fullmatch(text)
    return len(match.group(1) or "") if match else 0


def sheet_names(tables: Sequence[TableFile]) -> list[str]:
    """One sheet name per table: its number and name in words, cut at a word within 31
    characters (Excel's limit), never ending on a word such as 'by'; the report's name
    comes first where two reports release a table of the same name. Unique by the number
    (Excel compares sheet names ignoring case)."""
    seen: dict[str, int] = {}
    for table in tables:
        seen[table.name] = seen.get(table.name, 0) + 1
    names = []
    for number, table in enumerate(tables, start=1):
        words = [_WORDS.get(w, w) for w in table.name.split("_") if w]
        if seen[table.name] > 1:
            words = [_report_word(table.template, words[0]), *words]
        words = [w for w in (_SHEET_UNSAFE.sub("", w) for w in words) if w]
        names.append(_cut(str(number), words))
    return names


def _report_word(template: str, first: str) -> str:
    """A report's name in one word, not the table's first word: ``overview`` ->
    ``Overview``, ``cases_and_testing`` -> ``Testing`` before ``cases over time``."""
    words = template.split("_")
    word = words[-1] if words[0].lower() == first.lower() else words[0]
    return word.capitalize()


def _cut(number: str, words: list[str]) -> str:
    kept: list[str] = []
    for word in words:
        if len(" ".join([number, *kept, word])) > MAX_SHEET_NAME:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1].lower() in _TRAILING:
        kept.pop()
    if not kept and words:  # one word longer than the limit: cut it
        return f"{number} {words[0]}"[:MAX_SHEET_NAME]
    if kept:
        kept[0] = kept[0][:1].upper() + kept[0][1:]
    return " ".join([number, *kept])


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
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})

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
    areas = bundle_areas(bundle)
    headers = [
        _unique([column_header(c, areas, t.name) for c in (rows[0] if rows else [])])
        for t, rows in zip(bundle.tables, tables, strict=True)
    ]
    _cover(book.add_worksheet("Cover"), bundle, formats)
    _contents(book.add_worksheet("Contents"), bundle, names, formats)
    _notes(book.add_worksheet("Notes"), formats)
    _columns(book.add_worksheet("Columns"), names, tables, headers, formats)
    for number, (table, rows, name, header) in enumerate(
        zip(bundle.tables, tables, names, headers, strict=True), start=1
    ):
        _table_sheet(book.add_worksheet(name), number, table, rows, header, formats)
    book.close()
    return buffer.getvalue()


def bundle_areas(bundle: Bundle) -> dict[str, str]:
    """The names area columns are headed by: the authority, its region, England and the
    authority's infection-survey area."""
    return {
        "la": bundle.la_name,
        "region": bundle.region_name,
        "england": "England",
        "cis": "Survey area",
    }


def _cover(sheet: Any, bundle: Bundle, formats: _Formats) -> None:
    lines: list[tuple[str, Any]] = [(bundle.title, formats.title)]
    if bundle.source_kind == "dummy":
        lines.append(("DUMMY DATA: built from generated, fictional data; places and numbers are "
                      "not real.", formats.heading))  # fmt: skip
    lines += [
        ("The tables behind the reports of one local authority, one table per sheet, as "
         "released after disclosure control. The Contents sheet links to every table; the "
         "Notes sheet explains the markers; the Columns sheet pairs each column header with "
         "its name in the CSV files.", formats.wrap),
        ("Local authority", formats.heading),
        (f"{bundle.la_name} ({bundle.la_code}), {bundle.la_type}, {bundle.region_name}",
         formats.wrap),
        ("Period covered", formats.heading), (bundle.period, formats.wrap),
        ("Source", formats.heading), (bundle.data_source, formats.wrap),
        ("Disclosure control", formats.heading),
        (f"Every number has passed the disclosure policy {bundle.policy}. Values withheld to "
         "protect confidentiality are marked [c]; values too unreliable to show are marked "
         "[u]; [x] marks a cell with nothing to show. A hidden value is never shown as 0 or "
         "left blank.", formats.wrap),
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
    _frame(sheet, 2, ["Sheet name", "Table", "CSV file"], len(rows), "contents", formats)
    for r, (name, title, file_name) in enumerate(rows, start=3):
        sheet.write_url(r, 0, f"internal:'{name}'!A1", formats.link, name)
        sheet.write_string(r, 1, title)
        sheet.write_string(r, 2, file_name)
    sheet.set_column(0, 0, MAX_SHEET_NAME + 2)
    sheet.set_column(1, 2, 55)
    sheet.freeze_panes(3, 0)


def _notes(sheet: Any, formats: _Formats) -> None:
    notes = [
        *(f"{marker}: {meaning}." for marker, meaning in (*MARKERS, NOT_APPLICABLE)),
        *COLUMN_NOTES,
        "Each table's column headers say what a column holds, with its unit; the Columns "
        "sheet gives each header's column name in the CSV files.",
        "Numbers are stored as numbers, shown with as many decimal places as released; "
        "markers are text, so a column holding one is not summed as if it were 0.",
    ]
    sheet.write_string(0, 0, "Notes", formats.title)
    sheet.write_string(1, 0, "This worksheet contains one table.")
    _frame(sheet, 2, ["Note number", "Note text"], len(notes), "notes", formats)
    for r, note in enumerate(notes, start=3):
        sheet.write_number(r, 0, r - 2)
        sheet.write_string(r, 1, note, formats.wrap)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 100)
    sheet.freeze_panes(3, 0)


def _columns(
    sheet: Any,
    names: list[str],
    tables: Sequence[list[list[str]]],
    headers: list[list[str]],
    formats: _Formats,
) -> None:
    """The column dictionary: every table's column headers and their CSV names."""
    rows = [
        (number, name, header, column)
        for number, (name, rows, table_headers) in enumerate(
            zip(names, tables, headers, strict=True), start=1
        )
        for header, column in zip(table_headers, rows[0] if rows else [], strict=True)
    ]
    sheet.write_string(0, 0, "Columns", formats.title)
    sheet.write_string(
        1, 0, "This worksheet contains one table: each column of every table sheet, with "
        "its name in the CSV file (the same table's file in the zip)."
    )  # fmt: skip
    _frame(
        sheet, 2, ["Table number", "Sheet name", "Column header", "CSV column name"],
        len(rows), "columns", formats,
    )  # fmt: skip
    for r, (number, name, header, column) in enumerate(rows, start=3):
        sheet.write_number(r, 0, number)
        sheet.write_string(r, 1, name)
        sheet.write_string(r, 2, header)
        sheet.write_string(r, 3, column)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, MAX_SHEET_NAME + 2)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 36)
    sheet.freeze_panes(3, 0)


def _table_sheet(
    sheet: Any,
    number: int,
    table: TableFile,
    rows: list[list[str]],
    header: list[str],
    formats: _Formats,
) -> None:
    body = rows[1:]
    sheet.write_string(0, 0, f"Table {number}: {table_title(table)}", formats.title)
    sheet.write_string(
        1, 0, f"Source: {table.file_name} (its column names: Columns sheet). [c]: withheld to "
        "protect confidentiality; [u]: too unreliable to show; [x]: nothing to show (see the "
        "Notes sheet)."
    )  # fmt: skip
    _frame(sheet, 2, header, len(body), f"table_{number}", formats)
    widths = [min(len(h), _HEADER_WIDTH) for h in header]
    for r, row in enumerate(body, start=3):
        for c, text in enumerate(row[: len(header)]):
            value = cell_value(text)
            if isinstance(value, str):
                sheet.write_string(r, c, value, formats.text)
            else:
                sheet.write_number(r, c, value, formats.number(decimals(text)))
            shown = str(value)
            widths[c] = max(widths[c], len(shown) + (len(shown) // 3 if value != text else 0))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(width + 2, _MAX_WIDTH))
    sheet.freeze_panes(3, 0)


def _frame(
    sheet: Any, top: int, header: list[str], n_rows: int, name: str, formats: _Formats
) -> None:
    """Mark up a table (an Excel table with a header row, as the guidance asks) at row
    ``top``; a table of no rows gets its header row only (Excel needs one row of data).
    Long headers wrap."""
    if not header:
        return
    if n_rows == 0:
        for c, text in enumerate(header):
            sheet.write_string(top, c, text, formats.header)
        return
    columns = [{"header": text, "header_format": formats.header} for text in _unique(header)]
    sheet.add_table(
        top,
        0,
        top + n_rows,
        len(header) - 1,
        {"name": name, "columns": columns, "style": "Table Style Light 1", "autofilter": False},
    )


def _unique(header: list[str]) -> list[str]:
    """Headers as an Excel table needs them: none empty, none repeated."""
    seen: dict[str, int] = {}
    out = []
    for c, text in enumerate(header, start=1):
        text = text or f"Column {c}"
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out
