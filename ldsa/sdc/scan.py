"""``ldsa check``: an independent scan of released CSVs and HTML tables for breaches.

Reads the released files only, never the records: it is a second line of defence that
does not trust the layer it checks. Under a policy for published inputs (the ``public``
preset) a small count is no finding (it is published already), and every other check
runs as under any policy; such a policy is refused for a release whose run manifest does
not record a store of published files.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from ldsa.sdc.checker import published_sources
from ldsa.sdc.differencing import Breach, scan_relations
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.rounding import is_rounded

_MARKERS = ("[c]", "[u]")
#: Column names ending so are labels, never statistics derived from a count.
_LABEL_SUFFIXES = ("_code", "_name", "_id", "_start", "_end", "_step")
#: Column names of labels that may hold numbers.
_LABEL_NAMES = frozenset({"weeks", "week", "year", "years", "age"})
#: First words of a column of a region's or England's figures.
_COMPARATORS = ("region", "england")
# ASCII exactly: [0-9], not \d (any Unicode digit, such as fullwidth ones), and \Z, not $
# (which also matches before a final new line).
_INTEGER = re.compile(r"^-?[0-9]+(\.0+)?\Z")
_NUMBER = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?%?\Z")


class FindingRule(enum.Enum):
    """What a finding breaks."""

    BELOW_THRESHOLD = "below-threshold"  # a released count the policy calls unsafe
    RECOVERABLE = "recoverable-from-total"  # the only suppressed cell of a published sum
    NOT_ROUNDED = "not-rounded"  # a count off the rounding grid under a rounding policy
    UNMARKED = "unmarked-count"  # a count cell neither a whole number nor a marker
    DERIVED = "derived-from-suppressed"  # a statistic shown beside its suppressed count
    PINNED = "pinned-by-relation"  # a suppressed cell is the only unknown of a relation
    SMALL_SUM = "unsafe-sum-by-relation"  # unknowns of a relation sum to an unsafe value
    INCONSISTENT = "inconsistent-copies"  # one cell published with two values
    REGION_UNKNOWN = "region-unknown"  # an authority's region cannot be read: not checked


@dataclasses.dataclass(frozen=True, order=True)
class Finding:
    """One breach: where (file, table, cell) and which rule.

    ``cell`` is ``row N, column NAME`` (rows count data rows from 1); no values are quoted.
    """

    file: str
    table: str
    cell: str
    rule: FindingRule

    def __str__(self) -> str:
        return f"{self.file}: {self.table}: {self.cell}: {self.rule.value}"


@dataclasses.dataclass
class _Grid:
    """A parsed table: header, rows of cell texts, which columns and rows are special."""

    name: str
    header: list[str]
    rows: list[list[str]]
    count_columns: set[int]
    total_rows: set[int]
    total_column: int | None
    #: Column identifiers (CSV header names; HTML ``data-column``), for derived statistics.
    ids: list[str] = dataclasses.field(default_factory=list)
    #: Columns marked as labels (HTML ``data-kind="label"``); others are told by content.
    labels: set[int] = dataclasses.field(default_factory=set)


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """What :func:`check_release` found: breaches, and how many relations it checked."""

    findings: tuple[Finding, ...]
    relations: int


def check_release(reports_dir: str | os.PathLike[str], policy: Policy) -> CheckReport:
    """Scan every released table on its own and every relation across the batch's files.

    See :func:`scan_outputs` (each table) and
    :func:`~ldsa.sdc.differencing.scan_relations` (across files).

    Raises
    ------
    PolicyError
        Under a policy for published inputs, when the folder's run manifest does not
        record a store of published files (:func:`~ldsa.sdc.checker.published_sources`):
        its small counts must be judged under a policy that protects them.
    """
    published_sources(reports_dir, policy)
    tables = scan_outputs(reports_dir, policy, relations=False)
    across = scan_relations(Path(reports_dir), policy)
    rules = {breach: FindingRule(breach.value) for breach in Breach}
    found = [
        Finding(f.file, f"{f.measure} of {f.area}", f.period or "all periods", rules[f.breach])
        for f in across.findings
    ]
    return CheckReport(tuple(sorted(set(tables) | set(found))), across.relations)


def scan_outputs(
    reports_dir: str | os.PathLike[str], policy: Policy, *, relations: bool = True
) -> list[Finding]:
    """Scan released CSVs and HTML tables under ``reports_dir`` for disclosure breaches.

    Parameters
    ----------
    reports_dir
        The released folder: ``<la_code>/tables/*.csv`` and ``**/*.html`` are read.
    policy
        The policy the outputs must meet.
    relations
        Also check every relation across the files of the batch (differencing).

    Returns
    -------
    list of Finding
        Sorted; empty when clean (``ldsa check`` then exits 0, else
        :attr:`~ldsa.errors.ExitCode.DISCLOSURE`).

    Notes
    -----
    Count columns: CSV headers ending in ``_count`` (or named ``count``); in HTML, cells
    and headers with ``data-kind="count"`` and, in tables without that markup, headers
    ending in ``count``. Totals: a row whose first cell is ``Total`` (or HTML
    ``data-role="total"``), a column named ``total``/``total_count`` (or
    ``data-role="total"``). A suppressed cell is recoverable when it is the only marker
    among the cells of a row or column whose published total is a number. A statistic
    derives from the count whose column name starts with the same word (``la_rate`` and
    ``la_lower`` from ``la_count`` or ``la_cases_count``; HTML names come from
    ``data-column``): it must be withheld wherever that count is ``[c]``. Under a policy
    for published inputs no count is below the threshold
    (:func:`~ldsa.sdc.primary.is_unsafe_count`); negative, unmarked, unrounded,
    recoverable and derived cells are findings as under any policy.

    References
    ----------
    .. [1] AI-SDC ACRO / SACRO: automatic checks of research outputs.
    .. [2] OpenSAFELY output checking: most rejections are unrounded or badly redacted
       small counts.
    """
    if relations:
        return list(check_release(reports_dir, policy).findings)
    root = Path(reports_dir)
    findings: list[Finding] = []
    for path in sorted(root.glob("*/tables/*.csv")):
        name = path.relative_to(root).as_posix()
        findings += _check_grid(name, _csv_grid(path), policy)
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        for grid in _html_grids(path.read_text(encoding="utf-8", errors="replace")):
            findings += _check_grid(name, grid, policy)
    return sorted(findings)


def _csv_grid(path: Path) -> _Grid:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        lines = [row for row in csv.reader(handle) if row]
    header = lines[0] if lines else []
    rows = lines[1:]
    counts = {i for i, h in enumerate(header) if _is_count_header(h)}
    total_column = next((i for i, h in enumerate(header) if _is_total_header(h)), None)
    total_rows = {i for i, row in enumerate(rows) if row and row[0].strip().lower() == "total"}
    return _Grid(path.stem, header, rows, counts, total_rows, total_column, list(header))


def _is_count_header(text: str) -> bool:
    name = text.strip().lower()
    return name.endswith("_count") or name == "count"


def _is_total_header(text: str) -> bool:
    return text.strip().lower() in ("total", "total_count")


def _check_grid(file: str, grid: _Grid, policy: Policy) -> list[Finding]:
    """Return the findings of one table."""
    found: list[Finding] = []

    def where(row: int, col: int) -> str:
        column = grid.header[col] if col < len(grid.header) else str(col + 1)
        return f"row {row + 1}, column {column}"

    parsed: dict[tuple[int, int], int | None] = {}
    for r, row in enumerate(grid.rows):
        for c in sorted(grid.count_columns):
            text = row[c].strip().replace(",", "") if c < len(row) else ""
            if text in _MARKERS:
                parsed[(r, c)] = None
            elif _INTEGER.match(text):
                value = int(float(text))
                parsed[(r, c)] = value
                if value < 0 or is_unsafe_count(value, policy):
                    found.append(Finding(file, grid.name, where(r, c), FindingRule.BELOW_THRESHOLD))
                elif policy.rounds and not is_rounded(value, policy):
                    found.append(Finding(file, grid.name, where(r, c), FindingRule.NOT_ROUNDED))
            else:
                found.append(Finding(file, grid.name, where(r, c), FindingRule.UNMARKED))
    lines: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []
    inner_rows = [r for r in range(len(grid.rows)) if r not in grid.total_rows]
    for total_row in sorted(grid.total_rows):
        for c in sorted(grid.count_columns):
            lines.append(((total_row, c), [(r, c) for r in inner_rows]))
    if grid.total_column is not None and grid.total_column in grid.count_columns:
        parts = sorted(grid.count_columns - {grid.total_column})
        for r in range(len(grid.rows)):
            lines.append(((r, grid.total_column), [(r, c) for c in parts]))
    for total, cells in lines:
        if parsed.get(total) is None:
            continue
        hidden = [cell for cell in cells if cell in parsed and parsed[cell] is None]
        if len(hidden) == 1:
            found.append(Finding(file, grid.name, where(*hidden[0]), FindingRule.RECOVERABLE))
    for r, c in _derived_from_suppressed(grid):
        found.append(Finding(file, grid.name, where(r, c), FindingRule.DERIVED))
    return sorted(set(found))


def _derived_from_suppressed(grid: _Grid) -> list[tuple[int, int]]:
    """Statistic cells shown although a count they derive from is ``[c]``.

    A statistic derives from the counts whose names start with its first word (``la_rate``
    from ``la_cases_count``, ``cumulative_excess`` from ``cumulative_deaths_count``); one
    whose first word starts no count's name and is not ``region`` or ``england`` (``rate``,
    ``weekly_rate``, ``expected``, ``smr``) derives from the authority's own counts, those
    without a region's or England's prefix. Labels are not statistics.
    """

    def word(column: int) -> str:
        return grid.ids[column].strip().lower().split("_", 1)[0] if column < len(grid.ids) else ""

    counts = sorted(grid.count_columns)
    own = [c for c in counts if word(c) not in _COMPARATORS]
    statistics = []
    for c in range(len(grid.ids)):
        if c in grid.count_columns or not word(c) or _is_label(grid, c):
            continue
        sources = [s for s in counts if word(s) == word(c)]
        statistics.append((c, sources or ([] if word(c) in _COMPARATORS else own)))
    cells = []
    for r, row in enumerate(grid.rows):
        for c, sources in statistics:
            hidden = any(s < len(row) and row[s].strip() == _MARKERS[0] for s in sources)
            if hidden and c < len(row) and row[c].strip() not in _MARKERS:
                cells.append((r, c))
    return cells


def _is_label(grid: _Grid, column: int) -> bool:
    """A label column: marked as one, named as one, or holding text that is no number."""
    name = grid.ids[column].strip().lower()
    if column in grid.labels or name in _LABEL_NAMES or name.endswith(_LABEL_SUFFIXES):
        return True
    texts = (row[column].strip().replace(",", "") for row in grid.rows if column < len(row))
    return any(
        text and text not in _MARKERS and not _NUMBER.match(_decimal_digits(text)) for text in texts
    )


def _decimal_digits(text: str) -> str:
    """``text`` with digits of any script (fullwidth, Arabic-Indic) as ASCII ones: a value
    written in them is a statistic, not a label, though no count may be written so."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


class _TableParser(HTMLParser):
    """Collects every ``<table>``: header texts, cell texts and the ldsa data attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.grids: list[_Grid] = []
        self._table: dict[str, str | None] | None = None
        self._rows: list[list[tuple[str, dict[str, str | None]]]] = []
        self._row_attrs: list[dict[str, str | None]] = []
        self._cell: list[str] | None = None
        self._cell_attrs: dict[str, str | None] = {}
        self._in_head = False
        self._head_rows: set[int] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table, self._rows, self._row_attrs, self._head_rows = dict(attrs), [], [], set()
        elif self._table is None:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._rows.append([])
            self._row_attrs.append(dict(attrs))
            if self._in_head:
                self._head_rows.add(len(self._rows) - 1)
        elif tag in ("td", "th") and self._rows:
            self._cell, self._cell_attrs = [], dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(("".join(self._cell).strip(), self._cell_attrs))
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table" and self._table is not None:
            self.grids.append(self._grid())
            self._table = None

    def _grid(self) -> _Grid:
        table = self._table or {}
        name = table.get("data-output-id") or table.get("id") or f"table {len(self.grids) + 1}"
        head = sorted(self._head_rows)
        if not head and self._rows and self._rows[0]:
            head = [0]  # a table without <thead>: its first row is the header
        header_cells = self._rows[head[-1]] if head else []
        body = [i for i in range(len(self._rows)) if i not in head]
        header = [text for text, _ in header_cells]
        counts = {
            i
            for i, (text, attrs) in enumerate(header_cells)
            if attrs.get("data-kind") == "count"
            or ("data-kind" not in attrs and text.strip().lower().endswith("count"))
        }
        for i in body:
            counts |= {
                c for c, (_, attrs) in enumerate(self._rows[i]) if attrs.get("data-kind") == "count"
            }
        total_column = next(
            (
                i
                for i, (text, attrs) in enumerate(header_cells)
                if attrs.get("data-role") == "total" or _is_total_header(text)
            ),
            None,
        )
        rows = [[text for text, _ in self._rows[i]] for i in body]
        total_rows = {
            n
            for n, i in enumerate(body)
            if self._row_attrs[i].get("data-role") == "total"
            or (rows[n] and rows[n][0].strip().lower() == "total")
        }
        ids = [str(attrs.get("data-column") or "") for _, attrs in header_cells]
        labels = {
            i for i, (_, attrs) in enumerate(header_cells) if attrs.get("data-kind") == "label"
        }
        return _Grid(str(name), header, rows, counts, total_rows, total_column, ids, labels)


def _html_grids(text: str) -> list[_Grid]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return parser.grids
