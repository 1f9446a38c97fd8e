#!/usr/bin/env python
"""Independent differencing attack on a folder of released ldsa CSV tables.

The scan reads only released CSV files (``REPORTS/<la_code>/tables/*.csv``, and the list of
authorities ``REPORTS/authorities.csv`` when there is one) and uses only the standard library,
numpy, pandas and scipy: it shares no code with the tool it audits.

An LA folder is a ``tables`` folder whose parent is named like an area code (a capital letter
and eight capitals or digits) or is listed in ``authorities.csv``. The list also gives the
regions; an authority it lists without any released cell is an unknown part of its region and
of England (the relations of that region and of England then have one more unknown).

Every count cell is the number of events of one *area* (a local authority, its region, or
England, or a *part* of an LA: one category of a breakdown) of one *measure* over a date
interval ``[period_start, period_end]``. Cells are read from column names:

- ``la_<measure>_count``, ``region_...``, ``england_...`` (``cumulative_`` may follow the
  level: the row then spans from the start), or ``la_count`` with the row's ``measure_id``;
- ``<measure>_count`` without a level: the LA's own count. The LA is the row's ``la_code``
  when the table has one (a table of every or several LAs), else the folder. In a table
  without ``la_code``, label columns after the period's (``period_start``, ``period_end``,
  ``weeks``, ``time_step``) and before the count are a breakdown's categories: each row is
  a part, and the parts of one period sum to the LA's count over it. A ``weekday`` category
  makes each row the LA's own count of that day of the period instead;
- ``seven_day_count`` (or ``seven_day_<measure>_count``): the LA's count of the table's
  measure over the seven days to the row's day (or period end), a sum of seven published
  terms; ``cumulative_<measure>_count`` without a level: the LA's running total from the
  first row's ``period_start`` to the row's ``period_end``, a sum of as many terms as rows.

Under rounding, a value that adds up published terms is off by half a base per term: copies
of a cell that differ by no more than that are consistent, and derivations weigh each cell
by its terms. All released cells together form a system of linear relations, which the scan
attacks as follows.

Within one area and measure (temporal relations)
    Each area's published intervals are the edges of a graph over the interval end points
    (breakpoints). A known cell ``[a, b)`` links breakpoints ``a`` and ``b`` with a known
    difference, so the area's count over any ``[x, y)`` with ``x`` and ``y`` in the same
    connected component is known: a union of published cells, a difference of two running
    totals, a headline minus the rest, a quarter minus its months, and any chain of these.
    This is exact for the interval system of one area. Findings: a ``[c]`` cell whose end
    points are linked (*pinned*), a gap between two linked breakpoints whose revealed sum of
    unknowns is unsafe (*unsafe_sum*), and a cycle of published cells that does not add up
    (*inconsistent_relation*).
Across areas (hierarchical relations)
    For every interval published by a parent or any of its children: region = sum of its
    LAs, England = sum of the regions, England = sum of all LAs; and for every period of a
    breakdown, LA = sum of its parts. A child's part is known when the child's own interval
    graph links the two end points (see above), otherwise it is an unknown (a ``[c]`` cell,
    or a part the child never published).
Propagation
    A relation with exactly one unknown determines it; the value becomes a *derived* edge of
    that area's graph, and everything is re-evaluated until nothing changes.
Published values
    A published count that is unsafe, or the same cell published with different values.

Under rounding (``round_base > 0``) every derived value carries a tolerance of
``round_base // 2`` (whole counts) per published term of the shortest derivation; a
revealed sum is flagged only when its upper end is unsafe, and a single ``[c]`` unknown is
always flagged.

The optional exact linear-algebra audit (``linear_audit=True``) builds the 0/1 incidence of
every published cell over LA x segment leaves (an LA broken down into parts: one leaf per
combination of categories) and reports every ``[c]`` cell whose incidence row lies in the
row space of the published cells (equivalently, is orthogonal to their null space). It is
exact but slow: use it on folders of a few LAs.

Run as a script::

    python tests/acceptance/differencing_attack.py REPORTS --threshold 10 \
        [--zeros-disclosive] [--round-base 5] [--linear-audit] [--incomplete]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse import csgraph

ENGLAND = "E92000001"
"""Area code used for England (the England columns carry no code of their own)."""

SUPPRESSED = "[c]"
LA_FOLDER = re.compile(r"^[A-Z][A-Z0-9]{8}$")
AUTHORITIES = "authorities.csv"
SERIES_COLUMN = re.compile(r"^(la|region|england)_(?:cumulative_)?(.+)_count$")
HEADLINE_COLUMN = re.compile(r"^(la|region|england)_count$")
ROLLING_COLUMN = re.compile(r"^seven_day(?:_(?P<measure>.+))?_count$")
RUNNING_COLUMN = re.compile(r"^cumulative_(?P<measure>.+)_count$")
ROLLING_DAYS = 7
PERIOD_LABELS = ("period_start", "period_end", "weeks", "time_step")
ROW_LABELS = frozenset({*PERIOD_LABELS, "la_code", "la_name", "region_code", "measure_id"})
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_PRINTED = 50
PSEUDO_REGION = "?region-of-"
PART = " | "
"""Between an LA's code and a breakdown's category in the area of a part."""
VALUE_EPS = 1e-6


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One place where the release discloses (or contradicts) a count.

    Attributes
    ----------
    kind : str
        ``unsafe_published``, ``inconsistent_duplicate``, ``inconsistent_relation``,
        ``pinned``, ``unsafe_sum`` or ``linear_determined``.
    measure : str
        Measure id (``cases``, ``covid_deaths``, ...).
    areas : tuple of str
        The area whose value is revealed first, then the other areas of the relation.
    period_start, period_end : str
        ISO dates of the revealed interval (inclusive).
    derived : float
        The revealed (or published) value.
    tolerance : float
        Half-width of the interval the true value lies in (0 without rounding).
    relation : str
        Which relation reveals it.
    unknowns : tuple of str
        The unknown terms whose sum is revealed.
    files : tuple of str
        Released files (relative to the reports folder) that hold the cells used.
    round : int
        Propagation round in which it was found (1 = directly from published values,
        0 = linear audit).
    """

    kind: str
    measure: str
    areas: tuple[str, ...]
    period_start: str
    period_end: str
    derived: float
    tolerance: float
    relation: str
    unknowns: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    round: int = 1

    def describe(self, max_files: int = 6) -> str:
        """Return a one-paragraph human-readable description.

        Parameters
        ----------
        max_files : int
            How many files to list before summarising the rest.

        Returns
        -------
        str
            The description.
        """
        value = _format_number(self.derived)
        if self.tolerance:
            value += f" ± {_format_number(self.tolerance)}"
        files = list(self.files[:max_files])
        if len(self.files) > max_files:
            files.append(f"... {len(self.files) - max_files} more")
        parts = [
            f"[{self.kind}] {self.measure} {'/'.join(self.areas)} "
            f"{self.period_start}..{self.period_end} = {value} (round {self.round})",
            f"    relation: {self.relation}",
        ]
        if self.unknowns:
            parts.append(f"    unknowns: {', '.join(self.unknowns[:8])}")
        if files:
            parts.append(f"    files: {', '.join(files)}")
        return "\n".join(parts)


@dataclass
class ScanReport:
    """Result of :func:`scan`.

    Attributes
    ----------
    relations_checked : int
        Independent relations evaluated in the final propagation round: temporal cycles and
        ``[c]``/gap checks within areas, plus hierarchical relations with a known side.
    findings : list of Finding
        Everything found, in the order found.
    files_read : int
        CSV files that held count columns.
    cells : int
        Distinct count cells (measure, area, interval).
    rounds : int
        Propagation rounds run.
    seconds : float
        Wall time of the scan.
    notes : list of str
        Format problems and assumptions met on the way (not findings).
    """

    relations_checked: int
    findings: list[Finding]
    files_read: int = 0
    cells: int = 0
    rounds: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def counts_by_kind(self) -> dict[str, int]:
        """Return the number of findings of each kind.

        Returns
        -------
        dict of str to int
            Kind to count, most frequent first.
        """
        return dict(Counter(f.kind for f in self.findings).most_common())


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Disclosure rule being checked.

    Attributes
    ----------
    threshold : int
        Smallest safe count ``T``.
    zeros_disclosive : bool
        Whether a (revealed) zero is unsafe too.
    round_base : int
        Rounding base of published counts (0: exact).
    """

    threshold: int
    zeros_disclosive: bool = False
    round_base: int = 0

    @property
    def half(self) -> float:
        """Tolerance contributed by one published term: a whole count rounded to base b is
        off by at most floor(b / 2) (2 for base 5; 0 for base 0 or 1, i.e. exact)."""
        return float(self.round_base // 2)

    def unsafe(self, value: np.ndarray | float) -> np.ndarray | bool:
        """Return whether a count whose largest possible value is ``value`` is unsafe.

        Parameters
        ----------
        value : float or ndarray
            Published or derived count, or the upper end (derived + tolerance) of the range
            a derived count lies in.

        Returns
        -------
        bool or ndarray of bool
            ``lo <= floor(value) <= T - 1``, with ``lo`` 0 when zeros are disclosive and 1
            otherwise (counts are whole numbers, so an upper end of 9.5 means at most 9;
            values within ``VALUE_EPS`` of an integer count as that integer).
        """
        low = 0 if self.zeros_disclosive else 1
        top = np.floor(np.asarray(value) + VALUE_EPS)
        return (top >= low) & (top <= self.threshold - 1)


# --------------------------------------------------------------------------------------------
# Reading the release
# --------------------------------------------------------------------------------------------


@dataclass
class Release:
    """Every count cell appearance read from the release.

    Attributes
    ----------
    root : Path
        The reports folder.
    files : list of str
        Files with count columns, relative to ``root``.
    appearances : pandas.DataFrame
        One row per cell appearance: ``measure``, ``level`` (``la``, ``region``, ``england``
        or ``part``), ``la`` (the folder, or the row's ``la_code``), ``part`` (a breakdown's
        category, else empty), ``a``, ``b`` (ordinal day of period start, and of the day
        after period end), ``value`` (NaN for ``[c]``), ``terms`` (published terms the value
        adds up: 1, or the days or rows of a released sum), ``file`` (index into ``files``).
    region_of : dict of str to str
        LA code to region code (from the tables, then from ``authorities.csv``).
    notes : list of str
        Problems met while reading.
    listed : dict of str to str
        LA code to region code of every authority ``authorities.csv`` lists (empty without
        the file), whether or not it has tables.
    partitions : dict
        Measure to the set of ``(la, parts)``: the categories of one breakdown of the LA's
        count, which sum to it period by period.
    """

    root: Path
    files: list[str]
    appearances: pd.DataFrame
    region_of: dict[str, str]
    notes: list[str]
    listed: dict[str, str] = field(default_factory=dict)
    partitions: dict[str, set[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)


class _Sink:
    """Column lists that appearances are appended to while reading."""

    def __init__(self) -> None:
        self.measure: list[str] = []
        self.level: list[str] = []
        self.la: list[str] = []
        self.part: list[str] = []
        self.a: list[int] = []
        self.b: list[int] = []
        self.value: list[float] = []
        self.terms: list[int] = []
        self.file: list[int] = []
        self.dates: dict[str, int] = {}
        self.notes: list[str] = []
        self.region_of: dict[str, str] = {}
        self.partitions: dict[str, set[tuple[str, tuple[str, ...]]]] = defaultdict(set)

    def ordinal(self, text: str) -> int:
        """Return the ordinal day of an ISO date (cached)."""
        try:
            return self.dates[text]
        except KeyError:
            day = date.fromisoformat(text.strip()).toordinal()
            self.dates[text] = day
            return day

    def add(self, cell: _Appearance, value: float, f: int) -> None:
        """Append one appearance."""
        self.measure.append(cell.measure)
        self.level.append(cell.level)
        self.la.append(cell.la)
        self.part.append(cell.part)
        self.a.append(cell.a)
        self.b.append(cell.b)
        self.value.append(value)
        self.terms.append(cell.terms)
        self.file.append(f)


@dataclass(frozen=True)
class _Appearance:
    """Whose count a cell is, over which days, and how many published terms it adds up."""

    measure: str
    level: str
    la: str
    a: int
    b: int
    part: str = ""
    terms: int = 1


@dataclass(frozen=True)
class _Column:
    """A count column: where, whose (``la``, ``region``, ``england``, or ``own``: the row's
    authority, named without a level), which measure (None: the row's ``measure_id``, or for
    a seven-day sum the table's one own count), and what it holds (``cell``, ``rolling``: the
    seven days to the row's day, ``running``: the total from the first row)."""

    index: int
    level: str
    measure: str | None
    kind: str = "cell"


def _parse_count(text: str) -> float | None:
    """Parse a count cell: a whole number, NaN for ``[c]``, None for anything else."""
    text = text.strip()
    if text == SUPPRESSED:
        return math.nan
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer():
        return None
    return number


def _count_columns(header: Sequence[str]) -> list[_Column]:
    """Return every count column of a header."""
    out: list[_Column] = []
    for i, name in enumerate(header):
        if not name.endswith("_count"):
            continue
        headline, series = HEADLINE_COLUMN.match(name), SERIES_COLUMN.match(name)
        rolling, running = ROLLING_COLUMN.match(name), RUNNING_COLUMN.match(name)
        if headline:
            out.append(_Column(i, headline.group(1), None))
        elif series:
            out.append(_Column(i, series.group(1), series.group(2)))
        elif rolling:
            out.append(_Column(i, "own", rolling.group("measure"), "rolling"))
        elif running:
            out.append(_Column(i, "own", running.group("measure"), "running"))
        else:
            out.append(_Column(i, "own", name.removesuffix("_count")))
    return out


def _categories(header: Sequence[str], columns: list[_Column]) -> list[int]:
    """Return the category columns of a breakdown: the labels after the period's and before
    the first count without a level (none in a table that names each row's authority)."""
    own = [c.index for c in columns if c.level == "own" and c.kind == "cell"]
    period = [i for i, h in enumerate(header) if h in PERIOD_LABELS]
    if not own or not period or "la_code" in header:
        return []
    return [i for i in range(max(period) + 1, min(own)) if header[i] not in ROW_LABELS]


def _the_day(a: int, b: int, name: str) -> int | None:
    """Return the day of ``[a, b)`` whose weekday is ``name`` (None if not exactly one)."""
    days = [d for d in range(a, b) if WEEKDAYS[date.fromordinal(d).weekday()] == name.lower()]
    return days[0] if len(days) == 1 else None


def _read_table(path: Path, la: str, file_index: int, name: str, sink: _Sink) -> bool:
    """Read one CSV into ``sink``; return whether it held count columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        columns = _count_columns(header)
        if not columns:
            return False
        if not {"period_start", "period_end"} <= set(header):
            sink.notes.append(f"{name}: count columns without period_start/period_end, skipped")
            return False
        table = _Table(header, columns, la, name, file_index, sink)
        for line, row in enumerate(reader, start=2):
            if row:
                table.read_row(line, row)
        for (measure, owner, _, _), found in table.parts.items():
            sink.partitions[measure].add((owner, tuple(sorted(found))))
    return True


class _Table:
    """The reading of one CSV: its columns, and the state of its running totals and parts."""

    def __init__(
        self, header: list[str], columns: list[_Column], la: str, name: str, f: int, sink: _Sink
    ) -> None:
        self.header, self.columns, self.la, self.name, self.f = header, columns, la, name, f
        self.sink = sink
        self.position = {h: i for i, h in enumerate(header)}
        self.categories = _categories(header, columns)
        self.daily = [header[i] for i in self.categories] == ["weekday"]
        own = {c.measure for c in columns if c.level == "own" and c.kind == "cell"}
        self.own_measure = next(iter(own)) if len(own) == 1 else None
        # A table naming each row's authority with counts of its own: a table of several LAs.
        self.several = "la_code" in self.position and any(c.level == "own" for c in columns)
        self.running: dict[tuple[int, str], tuple[int, int]] = {}
        self.parts: dict[tuple[str, str, int, int], set[str]] = defaultdict(set)

    def text(self, row: list[str], column: str) -> str:
        """Return the stripped text of a named column ('' when absent)."""
        i = self.position.get(column)
        return row[i].strip() if i is not None and i < len(row) else ""

    def read_row(self, line: int, row: list[str]) -> None:
        """Read every count of one row."""
        where = f"{self.name}:{line}"
        try:
            a = self.sink.ordinal(self.text(row, "period_start"))
            b = self.sink.ordinal(self.text(row, "period_end")) + 1
        except ValueError:
            self.sink.notes.append(f"{where}: unreadable period dates, row skipped")
            return
        weeks = self.text(row, "weeks")
        if weeks.isdigit() and (b - a) != 7 * int(weeks):
            self.sink.notes.append(f"{where}: weeks disagrees with the dates")
        owner = self.text(row, "la_code") or self.la
        if owner != self.la and not self.several:
            self.sink.notes.append(f"{self.name}: la_code {owner} in folder {self.la}")
        if self.text(row, "la_code") and self.text(row, "region_code"):
            self.sink.region_of.setdefault(owner, self.text(row, "region_code"))
        labels = [
            f"{self.header[i]}={row[i].strip() if i < len(row) else ''}" for i in self.categories
        ]
        if self.daily:  # each row is the LA's own count of one day of the period
            day = _the_day(a, b, self.text(row, "weekday"))
            if day is None:
                self.sink.notes.append(f"{where}: weekday not a day of the period, skipped")
                return
            a, b, labels = day, day + 1, []
        for column in self.columns:
            self.read_cell(where, row, column, _Appearance("", column.level, owner, a, b), labels)

    def read_cell(
        self, where: str, row: list[str], column: _Column, at: _Appearance, labels: list[str]
    ) -> None:
        """Read one count of a row (``at``: its level, owner and period; no measure yet)."""
        measure = column.measure
        if measure is None and column.kind == "rolling":
            measure = self.own_measure
            if measure is None:
                name = self.header[column.index]
                self.sink.notes.append(f"{where}: {name}: the measure summed is unknown, skipped")
                return
        elif measure is None:
            measure = self.text(row, "measure_id")
        if not measure:
            return
        value = _parse_count(row[column.index]) if column.index < len(row) else None
        if value is None:
            self.sink.notes.append(f"{where}: {self.header[column.index]} is not a count, skipped")
            return
        cell = _Appearance(measure, at.level, at.la, at.a, at.b)
        if column.kind == "rolling":
            cell = _Appearance(measure, "la", at.la, at.b - ROLLING_DAYS, at.b, terms=ROLLING_DAYS)
        elif column.kind == "running":
            origin, k = self.running.get((column.index, at.la), (at.a, 0))
            self.running[(column.index, at.la)] = (origin, k + 1)
            cell = _Appearance(measure, "la", at.la, origin, at.b, terms=k + 1)
        elif column.level == "own" and labels:
            cell = _Appearance(measure, "part", at.la, at.a, at.b, part="/".join(labels))
            self.parts[(measure, at.la, at.a, at.b)].add(cell.part)
        elif column.level == "own":
            cell = _Appearance(measure, "la", at.la, at.a, at.b)
        self.sink.add(cell, value, self.f)


def _read_authorities(root: Path, notes: list[str]) -> dict[str, str]:
    """Return LA code to region code from ``authorities.csv`` (empty when there is none)."""
    path = root / AUTHORITIES
    if not path.is_file():
        return {}
    listed: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not {"la_code", "region_code"} <= set(reader.fieldnames or ()):
            notes.append(f"{AUTHORITIES}: no la_code/region_code columns, ignored")
            return {}
        for row in reader:
            code = (row.get("la_code") or "").strip()
            region = (row.get("region_code") or "").strip()
            if code and region:
                listed.setdefault(code, region)
    return listed


def read_release(reports_dir: Path | str) -> Release:
    """Read every count cell of a reports folder.

    Parameters
    ----------
    reports_dir : Path or str
        Folder with one ``<la_code>/tables/*.csv`` folder per LA (a folder named like an area
        code, or listed in ``authorities.csv``); other folders are ignored.

    Returns
    -------
    Release
        All cell appearances.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist.
    """
    root = Path(reports_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no reports folder at {root}")
    sink = _Sink()
    listed = _read_authorities(root, sink.notes)
    files: list[str] = []
    for folder in sorted(root.iterdir()):
        tables = folder / "tables"
        if not ((LA_FOLDER.match(folder.name) or folder.name in listed) and tables.is_dir()):
            continue
        for path in sorted(tables.glob("*.csv")):
            name = path.relative_to(root).as_posix()
            if _read_table(path, folder.name, len(files), name, sink):
                files.append(name)
    frame = pd.DataFrame(
        {
            "measure": pd.Series(sink.measure, dtype="object"),
            "level": pd.Series(sink.level, dtype="object"),
            "la": pd.Series(sink.la, dtype="object"),
            "part": pd.Series(sink.part, dtype="object"),
            "a": np.asarray(sink.a, dtype=np.int64),
            "b": np.asarray(sink.b, dtype=np.int64),
            "value": np.asarray(sink.value, dtype=np.float64),
            "terms": np.asarray(sink.terms, dtype=np.int64),
            "file": np.asarray(sink.file, dtype=np.int64),
        }
    )
    region_of = dict(sink.region_of)
    for code, region in listed.items():
        own = region_of.setdefault(code, region)
        if own != region:
            sink.notes.append(
                f"{code}: region {own} in its tables but {region} in {AUTHORITIES}; {own} used"
            )
    notes = _dedupe(sink.notes)
    return Release(root, files, frame, region_of, notes, listed, dict(sink.partitions))


def _dedupe(notes: Iterable[str]) -> list[str]:
    """Return notes without repeats, in order."""
    return list(dict.fromkeys(notes))


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------


@dataclass
class Cells:
    """Distinct cells of one measure with the files they appear in.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct cell: ``area``, ``a``, ``b``, ``value`` (the published copy with
        the fewest terms, NaN when only ``[c]``), ``terms`` (its published terms), ``tmax``
        (the most terms of a copy), ``vmin``, ``vmax``, ``has_c``.
    appearances : pandas.DataFrame
        The measure's appearances (see :class:`Release`).
    order : ndarray of int
        Appearance rows sorted by cell.
    bounds : ndarray of int
        Cell ``i`` has appearances ``order[bounds[i]:bounds[i + 1]]``.
    where : dict
        ``(area, a, b)`` to row of ``table``.
    by_area : dict
        Area to the rows of ``table`` of that area.
    """

    table: pd.DataFrame
    appearances: pd.DataFrame
    order: np.ndarray
    bounds: np.ndarray
    where: dict[tuple[str, int, int], int]
    by_area: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        self.area = self.table["area"].to_numpy()
        self.a = self.table["a"].to_numpy()
        self.b = self.table["b"].to_numpy()
        self.value = self.table["value"].to_numpy()
        self.terms = self.table["terms"].to_numpy()
        self.file = self.appearances["file"].to_numpy()

    def appearance_rows(self, row: int) -> np.ndarray:
        """Return the appearance rows of cell ``row``."""
        return self.order[self.bounds[row] : self.bounds[row + 1]]

    def suppressed_rows(self, area: str) -> np.ndarray:
        """Return the rows of the cells of ``area`` that are only ever ``[c]``."""
        rows = self.by_area.get(area, np.zeros(0, dtype=np.int64))
        suppressed: np.ndarray = rows[np.isnan(self.value[rows])]
        return suppressed


def _infer_regions(release: Release) -> list[str]:
    """Give a region to every LA without la_code/region_code columns, where possible.

    An LA's region columns are its region's cells, which other LAs of that region also
    publish: the LA is put in the one region whose cells it matches (at least one shared
    cell, no disagreeing one). ``release.region_of`` is updated in place.

    Returns
    -------
    list of str
        What was inferred, and which LAs stay without a region.
    """
    frame = release.appearances
    missing = sorted(set(frame["la"]) - set(release.region_of))
    if not missing:
        return []
    rows = frame[frame["level"].eq("region")]
    key = list(zip(rows["measure"], rows["a"], rows["b"], strict=True))
    text = [_format_number(v) if v == v else SUPPRESSED for v in rows["value"]]
    published: dict[str, dict[tuple[str, int, int], set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )
    own: dict[str, dict[tuple[str, int, int], set[str]]] = defaultdict(lambda: defaultdict(set))
    for la, k, v in zip(rows["la"], key, text, strict=True):
        region = release.region_of.get(la)
        (published[region] if region else own[la])[k].add(v)
    notes: list[str] = []
    for la in missing:
        candidates = []
        for region, cells in published.items():
            shared = [k for k in own[la] if k in cells]
            if shared and all(own[la][k] == cells[k] for k in shared):
                candidates.append(region)
        if len(candidates) == 1:
            release.region_of[la] = candidates[0]
            notes.append(f"{la}: no la_code/region_code columns; region {candidates[0]} inferred")
        else:
            notes.append(
                f"{la}: no la_code/region_code columns and no single matching region; its "
                "region is unknown (regions treated as incomplete)"
            )
    return notes


def _resolve_areas(release: Release) -> pd.Series:
    """Return the area code of every appearance (LA, region or England)."""
    frame = release.appearances
    area = frame["la"].copy()
    region = frame["la"].map(release.region_of).astype(object)
    region = region.where(region.notna(), PSEUDO_REGION + frame["la"])
    is_region = frame["level"].eq("region")
    area[is_region] = region[is_region]
    area[frame["level"].eq("england")] = ENGLAND
    is_part = frame["level"].eq("part")
    area[is_part] = frame["la"][is_part] + PART + frame["part"][is_part]
    return area


@dataclass
class Hierarchy:
    """Which areas sum to which.

    Attributes
    ----------
    las : list of str
        Every LA (folder) of the release.
    regions : dict of str to list of str
        Region to its LAs (LAs whose region is known).
    pseudo : list of str
        Placeholder regions of LAs whose region is unknown.
    complete : bool
        Whether the folder holds every LA of England.
    absent : dict of str to list of str
        Region to the LAs ``authorities.csv`` lists in it that have no released cell (unknown
        parts of the region and of England).
    """

    las: list[str]
    regions: dict[str, list[str]]
    pseudo: list[str]
    complete: bool
    absent: dict[str, list[str]] = field(default_factory=dict)

    @property
    def regions_complete(self) -> bool:
        """Whether every region is exactly the sum of its known LAs."""
        return self.complete and not self.pseudo

    def region_has_rest(self, region: str) -> bool:
        """Whether the region has parts other than its LAs with cells."""
        return not self.regions_complete or region in self.absent

    @property
    def regions_have_rest(self) -> bool:
        """Whether England has parts other than the regions with cells."""
        return not self.complete or any(r not in self.regions for r in self.absent)

    @property
    def las_have_rest(self) -> bool:
        """Whether England has parts other than the LAs with cells."""
        return not self.complete or bool(self.absent)


def _hierarchy(release: Release, complete: bool) -> Hierarchy:
    """Return the hierarchy of the release's areas."""
    las = sorted(set(release.appearances["la"]))
    regions: dict[str, list[str]] = defaultdict(list)
    pseudo: list[str] = []
    for la in las:
        region = release.region_of.get(la)
        if region is None:
            pseudo.append(PSEUDO_REGION + la)
        else:
            regions[region].append(la)
    absent: dict[str, list[str]] = defaultdict(list)
    for la, region in sorted(release.listed.items()):
        if la not in las:
            absent[region].append(la)
    return Hierarchy(las, dict(sorted(regions.items())), pseudo, complete, dict(absent))


def _build_cells(frame: pd.DataFrame) -> Cells:
    """Group the appearances of one measure into distinct cells."""
    keys = pd.MultiIndex.from_arrays([frame["area"], frame["a"], frame["b"]])
    codes, uniques = pd.factorize(keys)
    values = frame["value"].to_numpy()
    published = ~np.isnan(values)
    terms = np.where(published, frame["terms"].to_numpy(), 0)
    data = pd.DataFrame({"code": codes, "value": values, "c": ~published, "terms": terms})
    grouped = data.groupby("code", sort=True)
    # The value of a cell is its published copy with the fewest terms (the most precise).
    best = data[published].sort_values(["code", "terms"], kind="stable").drop_duplicates("code")
    value = np.full(len(uniques), np.nan)
    value[best["code"].to_numpy()] = best["value"].to_numpy()
    cell_terms = np.ones(len(uniques), dtype=np.int64)
    cell_terms[best["code"].to_numpy()] = best["terms"].to_numpy()
    table = pd.DataFrame(
        {
            "area": np.asarray(uniques.get_level_values(0), dtype=object),
            "a": np.asarray(uniques.get_level_values(1), dtype=np.int64),
            "b": np.asarray(uniques.get_level_values(2), dtype=np.int64),
            "value": value,
            "terms": cell_terms,
            "tmax": grouped["terms"].max().to_numpy(),
            "vmin": grouped["value"].min().to_numpy(),
            "vmax": grouped["value"].max().to_numpy(),
            "has_c": grouped["c"].any().to_numpy(),
        }
    )
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(table) + 1))
    where = {
        (str(area), int(a), int(b)): i
        for i, (area, a, b) in enumerate(zip(table["area"], table["a"], table["b"], strict=True))
    }
    by_area = {str(k): np.asarray(v) for k, v in table.groupby("area").indices.items()}
    return Cells(table, frame, order, bounds, where, by_area)


# --------------------------------------------------------------------------------------------
# The interval graph of one area
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derived:
    """A value of an area over an interval that a relation determines.

    Attributes
    ----------
    value : float
        The value.
    terms : int
        Published terms used to derive it (tolerance weight).
    relation : str
        The relation that determined it.
    family : _Family
        Its relation family (the files are those of the family's cells over the interval).
    round : int
        Round in which it was derived.
    """

    value: float
    terms: int
    relation: str
    family: _Family
    round: int


class AreaGraph:
    """Known intervals of one area and measure, as a graph over breakpoints.

    Nodes are the area's breakpoints (period starts and days after period ends); every known
    cell (published or derived) is an edge whose weight is its number of published terms.
    Shortest paths give, for every pair of linked breakpoints, the value of the area over the
    interval between them and the fewest published terms it can be derived from.

    Parameters
    ----------
    nodes : ndarray of int
        Sorted breakpoints (ordinal days), including those of ``[c]`` cells.
    ea, eb : ndarray of int
        Edge end points (ordinal days, ``ea < eb``).
    values : ndarray of float
        Edge values.
    terms : ndarray of int
        Edge weights (published terms, at least 1).
    refs : list
        Per edge, what it is: ``("cell", row)`` or ``("derived", (a, b))``.
    """

    def __init__(
        self,
        nodes: np.ndarray,
        ea: np.ndarray,
        eb: np.ndarray,
        values: np.ndarray,
        terms: np.ndarray,
        refs: list[tuple[str, object]],
    ) -> None:
        self.nodes = nodes
        n = len(nodes)
        self.n = n
        ia = np.searchsorted(nodes, ea)
        ib = np.searchsorted(nodes, eb)
        # One edge per pair of nodes: the one with the fewest terms (published before derived).
        order = np.lexsort((np.arange(len(ia)), terms, ib, ia))
        keep: list[int] = []
        seen: set[tuple[int, int]] = set()
        for k in order:
            pair = (int(ia[k]), int(ib[k]))
            if pair not in seen:
                seen.add(pair)
                keep.append(int(k))
        sel = np.asarray(keep, dtype=np.int64)
        self.ia, self.ib = ia[sel], ib[sel]
        self.values = values[sel]
        self.terms = terms[sel]
        self.refs = [refs[k] for k in keep]
        self.edge_of = {
            (int(i), int(j)): k for k, (i, j) in enumerate(zip(self.ia, self.ib, strict=True))
        }
        weights = np.maximum(self.terms, 1).astype(np.float64)
        graph = sparse.csr_matrix((weights, (self.ia, self.ib)), shape=(n, n))
        if n:
            dist, pred = csgraph.shortest_path(
                graph, method="D", directed=False, return_predecessors=True
            )
            self.n_components, self.labels = csgraph.connected_components(graph, directed=False)
        else:
            dist, pred = np.zeros((0, 0)), np.zeros((0, 0), dtype=np.int32)
            self.n_components, self.labels = 0, np.zeros(0, dtype=np.int32)
        self.dist = dist
        self.pred = pred
        self.value = self._path_values(n, pred)

    def _path_values(self, n: int, pred: np.ndarray) -> np.ndarray:
        """Sum edge values along every shortest-path tree (pointer doubling)."""
        signed = np.zeros((n, n))
        signed[self.ia, self.ib] = self.values
        signed[self.ib, self.ia] = -self.values
        rows = np.broadcast_to(np.arange(n)[:, None], (n, n))
        ancestor = np.where(pred < 0, rows, pred).astype(np.int64)
        step = signed[ancestor, np.broadcast_to(np.arange(n)[None, :], (n, n))]
        step[pred < 0] = 0.0
        while n and not np.array_equal(ancestor, rows):
            step = step + np.take_along_axis(step, ancestor, axis=1)
            ancestor = np.take_along_axis(ancestor, ancestor, axis=1)
        return step

    def index(self, days: np.ndarray) -> np.ndarray:
        """Return local node indices of breakpoints (-1 where the area has no such node)."""
        if self.n == 0:
            return np.full(len(days), -1, dtype=np.int64)
        pos = np.searchsorted(self.nodes, days)
        pos_c = np.minimum(pos, self.n - 1)
        return np.where(self.nodes[pos_c] == days, pos_c, -1)

    def lookup(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return whether the area's value over each ``[a, b)`` is known, its value and terms.

        Parameters
        ----------
        a, b : ndarray of int
            Interval bounds (ordinal days, ``b`` exclusive).

        Returns
        -------
        known : ndarray of bool
        value : ndarray of float
            Value along the derivation with the fewest terms (0 where unknown).
        terms : ndarray of float
            Published terms of that derivation (0 where unknown).
        """
        ia, ib = self.index(a), self.index(b)
        ok = (ia >= 0) & (ib >= 0)
        known = np.zeros(len(a), dtype=bool)
        value = np.zeros(len(a))
        terms = np.zeros(len(a))
        if ok.any():
            d = self.dist[ia[ok], ib[ok]]
            finite = np.isfinite(d)
            idx = np.flatnonzero(ok)[finite]
            known[idx] = True
            value[idx] = self.value[ia[idx], ib[idx]]
            terms[idx] = d[finite]
        return known, value, terms

    def path(self, i: int, j: int) -> list[tuple[int, bool]]:
        """Return the shortest derivation from node ``i`` to node ``j``.

        Parameters
        ----------
        i, j : int
            Local node indices.

        Returns
        -------
        list of (int, bool)
            Edge indices in order, each with whether it is added (walked from its start to
            its end) rather than subtracted.
        """
        steps: list[tuple[int, bool]] = []
        current = j
        while current != i:
            parent = int(self.pred[i, current])
            if parent < 0:
                return []
            edge = self.edge_of[(min(parent, current), max(parent, current))]
            steps.append((edge, parent < current))
            current = parent
        return steps[::-1]


# --------------------------------------------------------------------------------------------
# The scan
# --------------------------------------------------------------------------------------------


def _iso(day: int) -> str:
    """Return the ISO date of an ordinal day."""
    return date.fromordinal(int(day)).isoformat()


def _format_number(x: float) -> str:
    """Format a value: as an integer when it is one."""
    if abs(x - round(x)) < VALUE_EPS:
        return str(round(x))
    return f"{x:.2f}"


@dataclass
class _Family:
    """A hierarchical relation family: parent = sum of children over shared intervals.

    ``rest`` says whether the parent also has an unknown remainder (areas not in the folder).
    """

    name: str
    parent: str
    children: list[str]
    rest: bool
    a: np.ndarray
    b: np.ndarray


class _MeasureScan:
    """State of the scan of one measure: cells, area graphs, derived values, findings.

    Parameters
    ----------
    measure : str
        Measure id.
    cells : Cells
        Distinct cells of the measure.
    files : list of str
        File names of the release (indexed by appearance ``file``).
    hierarchy : Hierarchy
        Which areas sum to which.
    rule : Rule
        Rule being checked.
    sink : dict
        Findings by key, shared by all measures (first finding of a key wins).
    partitions : iterable of (str, tuple of str)
        The breakdowns of the measure: an LA and the categories of its parts.
    """

    def __init__(
        self,
        measure: str,
        cells: Cells,
        files: list[str],
        hierarchy: Hierarchy,
        rule: Rule,
        sink: dict[tuple[object, ...], Finding],
        partitions: Iterable[tuple[str, tuple[str, ...]]] = (),
    ) -> None:
        self.measure = measure
        self.partitions = set(partitions)
        self.cells = cells
        self.file_names = files
        self.hierarchy = hierarchy
        self.rule = rule
        self.sink = sink
        self.derived: dict[str, dict[tuple[int, int], Derived]] = defaultdict(dict)
        self.graphs: dict[str, AreaGraph] = {}
        self.dirty: set[str] = set(cells.by_area)
        self.relations: dict[tuple[str, str], int] = {}
        self.families = self._families()
        self.round = 1

    # ---------------------------------------------------------------- helpers

    def files(self, row: int) -> list[str]:
        """Return the files holding cell ``row``."""
        idx = self.cells.file[self.cells.appearance_rows(row)]
        return [self.file_names[k] for k in np.unique(idx)]

    def cell_label(self, row: int) -> str:
        """Return a short label of a cell."""
        c = self.cells
        return f"{c.area[row]} {_iso(c.a[row])}..{_iso(c.b[row] - 1)}"

    def is_suppressed(self, area: str, a: int, b: int) -> bool:
        """Return whether ``area`` has a cell over exactly ``[a, b)`` that is only ``[c]``."""
        row = self.cells.where.get((area, a, b))
        return row is not None and math.isnan(self.cells.value[row])

    def part_label(self, area: str, a: int, b: int) -> str:
        """Return a label of an area's unknown part over ``[a, b)``."""
        span = f"{_iso(a)}..{_iso(b - 1)}"
        if self.is_suppressed(area, a, b):
            return f"[c] {area} {span}"
        return f"{area} {span} (not published as such)"

    def record(
        self,
        key: tuple[object, ...],
        kind: str,
        areas: Sequence[str],
        interval: tuple[int, int],
        derived: float,
        relation: str,
        *,
        tolerance: float = 0.0,
        unknowns: Iterable[str] = (),
        files: Iterable[str] = (),
    ) -> None:
        """Record a finding of this measure unless one with the same key exists.

        A ``[c]`` pinned to exactly 0 is not recorded when zeros are not disclosive: the
        policy releases true zeros, so learning that a withheld cell is 0 tells nothing
        it protects.
        """
        full_key = (self.measure, kind, *key)
        if full_key in self.sink:
            return
        exact_zero = abs(derived) + tolerance < 0.5
        if kind == "pinned" and exact_zero and not self.rule.zeros_disclosive:
            return
        self.sink[full_key] = Finding(
            kind=kind,
            measure=self.measure,
            areas=tuple(areas),
            period_start=_iso(interval[0]),
            period_end=_iso(interval[1] - 1),
            derived=float(derived),
            tolerance=float(tolerance),
            relation=relation,
            unknowns=tuple(unknowns),
            files=tuple(dict.fromkeys(files)),
            round=self.round,
        )

    def interval_of(self, row: int) -> tuple[str, int, int]:
        """Return the area and bounds of cell ``row``."""
        c = self.cells
        return str(c.area[row]), int(c.a[row]), int(c.b[row])

    # ---------------------------------------------------------------- published values

    def check_published(self) -> None:
        """Flag unsafe published counts, inconsistent duplicates and [c] published elsewhere
        (a copy within the rounding of its terms is consistent)."""
        t = self.cells.table
        published = t["value"].notna().to_numpy()
        vmin, vmax = t["vmin"].to_numpy(), t["vmax"].to_numpy()
        unsafe = published & (self.rule.unsafe(vmin) | self.rule.unsafe(vmax))
        for row in map(int, np.flatnonzero(unsafe)):
            area, a, b = self.interval_of(row)
            self.record(
                (area, a, b),
                "unsafe_published",
                [area],
                (a, b),
                vmin[row],
                "published count in the unsafe range",
                files=self.files(row),
            )
        # Copies differ by at most the rounding of both: each term of each off by half a base.
        slack = 2 * t["tmax"].to_numpy() * self.rule.half + VALUE_EPS
        for duplicate in map(int, np.flatnonzero(published & (vmax - vmin > slack))):
            self._duplicate(duplicate)
        for row in map(int, np.flatnonzero(published & t["has_c"].to_numpy())):
            area, a, b = self.interval_of(row)
            self.record(
                (area, a, b),
                "pinned",
                [area],
                (a, b),
                vmin[row],
                "the same cell is [c] in one file and published in another",
                tolerance=self.rule.half,
                unknowns=[f"[c] {self.cell_label(row)}"],
                files=self.files(row),
            )

    def _duplicate(self, row: int) -> None:
        """Record an inconsistent duplicate, listing the value in every file."""
        area, a, b = self.interval_of(row)
        sel = self.cells.appearances.iloc[self.cells.appearance_rows(row)]
        sel = sel[sel["value"].notna()]
        per_file = [
            f"{self.file_names[k]}={_format_number(v)}"
            for k, v in zip(sel["file"], sel["value"], strict=True)
        ]
        self.record(
            (area, a, b),
            "inconsistent_duplicate",
            [area],
            (a, b),
            float(self.cells.table["vmax"].to_numpy()[row]),
            "same cell published with different values: " + ", ".join(per_file),
            files=self.files(row),
        )

    # ---------------------------------------------------------------- graphs

    def build_graphs(self) -> None:
        """(Re)build the interval graph of every area whose known edges changed."""
        for area in sorted(self.dirty):
            rows = self.cells.by_area.get(area, np.zeros(0, dtype=np.int64))
            ca, cb, cv = self.cells.a[rows], self.cells.b[rows], self.cells.value[rows]
            ct = self.cells.terms[rows]
            known = ~np.isnan(cv)
            derived = self.derived.get(area, {})
            da = np.array([k[0] for k in derived], dtype=np.int64)
            db = np.array([k[1] for k in derived], dtype=np.int64)
            refs: list[tuple[str, object]] = [("cell", int(r)) for r in rows[known]]
            refs += [("derived", k) for k in derived]
            self.graphs[area] = AreaGraph(
                nodes=np.unique(np.concatenate([ca, cb, da, db])),
                ea=np.concatenate([ca[known], da]),
                eb=np.concatenate([cb[known], db]),
                values=np.concatenate([cv[known], [d.value for d in derived.values()]]),
                terms=np.concatenate([ct[known], [d.terms for d in derived.values()]]).astype(
                    np.int64
                ),
                refs=refs,
            )

    def path_files(self, area: str, i: int, j: int) -> tuple[list[str], list[str]]:
        """Return labels and files of the cells of the shortest derivation from node i to j."""
        graph = self.graphs[area]
        labels: list[str] = []
        files: list[str] = []
        for k, forward in graph.path(i, j):
            kind, ref = graph.refs[k]
            sign = "" if forward else "minus "
            if kind == "cell":
                assert isinstance(ref, int)
                labels.append(sign + self.cell_label(ref))
                files += self.files(ref)
            else:
                assert isinstance(ref, tuple)
                d = self.derived[area][ref]
                labels.append(f"{sign}{area} {_iso(ref[0])}..{_iso(ref[1] - 1)} [{d.relation}]")
                files += self._relation_files(d.family, *ref)
        return labels, files

    # ---------------------------------------------------------------- within one area

    def check_within(self, area: str) -> None:
        """Run the temporal checks of one area: pinned [c], unsafe gaps, cycles."""
        graph = self.graphs[area]
        suppressed = self.cells.suppressed_rows(area)
        known, value, terms = graph.lookup(self.cells.a[suppressed], self.cells.b[suppressed])
        for row, v, k in zip(suppressed[known], value[known], terms[known], strict=True):
            self._pinned_within(area, int(row), float(v), float(k))
        count = len(suppressed) + self._gaps(area) + self._cycles(area)
        self.relations[("within", area)] = count

    def _pinned_within(self, area: str, row: int, value: float, terms: float) -> None:
        """Record a [c] cell whose end points the area's known cells link."""
        _, a, b = self.interval_of(row)
        graph = self.graphs[area]
        i, j = (int(x) for x in graph.index(np.array([a, b])))
        labels, files = self.path_files(area, i, j)
        self.record(
            (area, a, b),
            "pinned",
            [area],
            (a, b),
            value,
            "within the area: " + " + ".join(labels),
            tolerance=terms * self.rule.half,
            unknowns=[f"[c] {self.cell_label(row)}"],
            files=[*self.files(row), *files],
        )

    def _gaps(self, area: str) -> int:
        """Check the revealed sum between consecutive linked breakpoints of each component."""
        graph = self.graphs[area]
        members: dict[int, list[int]] = defaultdict(list)
        for node, label in enumerate(graph.labels):
            members[int(label)].append(node)
        checked = 0
        for nodes in members.values():
            for u, w in itertools.pairwise(nodes):
                if w - u >= 2:
                    checked += 1
                    self._gap(area, u, w, members)
        return checked

    def _gap(self, area: str, u: int, w: int, members: dict[int, list[int]]) -> None:
        """Evaluate the gap ``[u, w)``: its known total minus the known spans inside it."""
        graph = self.graphs[area]
        total = float(graph.value[u, w])
        terms = float(graph.dist[u, w])
        uncovered: list[tuple[int, int]] = [(u, u + 1)]
        spans: list[tuple[int, int]] = []
        pos = u + 1
        while pos < w:
            group = members[int(graph.labels[pos])]
            far = group[bisect.bisect_left(group, w) - 1]
            if far > pos:
                spans.append((pos, far))
                total -= float(graph.value[pos, far])
                terms += float(graph.dist[pos, far])
                pos = far
            else:
                uncovered.append((pos, pos + 1))
                pos += 1
        tol = terms * self.rule.half
        a, b = int(graph.nodes[u]), int(graph.nodes[w])
        pieces = [(int(graph.nodes[p]), int(graph.nodes[q])) for p, q in _merge(uncovered)]
        suppressed = self._suppressed_in(area, pieces)
        if pieces == [(a, b)] and self.is_suppressed(area, a, b) and len(suppressed) == 1:
            return  # exactly one [c] cell: reported as pinned
        negative = total + tol < -VALUE_EPS
        if not (negative or self.rule.unsafe(total + tol)):
            return
        labels, files = self.path_files(area, u, w)
        for p, q in spans:
            inner, more = self.path_files(area, p, q)
            labels.append("minus (" + " + ".join(inner) + ")")
            files += more
        unknowns = suppressed or [f"{area} {_iso(p)}..{_iso(q - 1)}" for p, q in pieces]
        kind = "inconsistent_relation" if negative else "unsafe_sum"
        self.record(
            ("within", area, a, b),
            kind,
            [area],
            (a, b),
            total,
            "within the area: " + " + ".join(labels),
            tolerance=tol,
            unknowns=unknowns,
            files=files,
        )

    def _suppressed_in(self, area: str, pieces: list[tuple[int, int]]) -> list[str]:
        """Return labels of the [c] cells of ``area`` inside the pieces' hull that meet them."""
        rows = self.cells.suppressed_rows(area)
        ca, cb = self.cells.a[rows], self.cells.b[rows]
        inside = (ca >= pieces[0][0]) & (cb <= pieces[-1][1])
        return [
            f"[c] {self.cell_label(int(row))}"
            for row, x, y in zip(rows[inside], ca[inside], cb[inside], strict=True)
            if any(x < q and p < y for p, q in pieces)
        ]

    def _cycles(self, area: str) -> int:
        """Check that every cycle of known cells adds up (within the rounding tolerance)."""
        graph = self.graphs[area]
        if len(graph.ia) == 0:
            return 0
        root_of = np.zeros(graph.n_components, dtype=np.int64)
        for node in range(graph.n - 1, -1, -1):
            root_of[graph.labels[node]] = node
        r = root_of[graph.labels[graph.ia]]
        gap = graph.value[r, graph.ib] - graph.value[r, graph.ia] - graph.values
        tol = (graph.dist[r, graph.ia] + graph.dist[r, graph.ib] + graph.terms) * self.rule.half
        for k in np.flatnonzero(np.abs(gap) > tol + VALUE_EPS):
            i, j, root = int(graph.ia[k]), int(graph.ib[k]), int(r[k])
            to_j, files = self.path_files(area, root, j)
            to_i, more = self.path_files(area, root, i)
            ref = graph.refs[k][1]
            label = self.cell_label(ref) if isinstance(ref, int) else f"derived {ref}"
            a, b = int(graph.nodes[i]), int(graph.nodes[j])
            self.record(
                ("within", area, a, b),
                "inconsistent_relation",
                [area],
                (a, b),
                gap[k],
                f"{label} differs from ({' + '.join(to_j)}) minus ({' + '.join(to_i)})",
                tolerance=tol[k],
                files=files + more,
            )
        return int(len(graph.ia) - graph.n + graph.n_components)

    # ---------------------------------------------------------------- across areas

    def _families(self) -> list[_Family]:
        """Build the relation families of this measure: hierarchical, and breakdowns."""
        h = self.hierarchy
        groups = [
            (f"region {r} = sum of its LAs", r, las, h.region_has_rest(r))
            for r, las in h.regions.items()
        ]
        if not h.pseudo:
            groups.append(
                ("England = sum of the regions", ENGLAND, list(h.regions), h.regions_have_rest)
            )
        groups.append(("England = sum of all LAs", ENGLAND, h.las, h.las_have_rest))
        parts = [
            (
                f"{la} = sum of its parts by {labels[0].split('=')[0]}",
                la,
                [la + PART + p for p in labels],
            )
            for la, labels in sorted(self.partitions)
        ]
        parts += _nested_families(sorted(self.partitions))
        families: list[_Family] = []
        for name, parent, children, rest in [*groups, *((n, p, c, False) for n, p, c in parts)]:
            # A breakdown's relations hold over its parts' periods only.
            over = children if PART in children[0] else [parent, *children]
            rows = [self.cells.by_area[x] for x in over if x in self.cells.by_area]
            if not rows:
                continue
            sel = np.concatenate(rows)
            pairs = np.unique(np.stack([self.cells.a[sel], self.cells.b[sel]]), axis=1)
            families.append(_Family(name, parent, list(children), rest, pairs[0], pairs[1]))
        return families

    def check_across(self) -> None:
        """Evaluate every hierarchical relation; derive single unknowns."""
        for family in self.families:
            self._family(family)

    def _lookup(
        self, area: str, a: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Look an area's values up (all unknown when the area has no cells)."""
        graph = self.graphs.get(area)
        if graph is None:
            zeros = np.zeros(len(a))
            return np.zeros(len(a), dtype=bool), zeros, zeros
        return graph.lookup(a, b)

    def _family(self, family: _Family) -> None:
        """Evaluate one family: the parent over each interval minus the sum of its children."""
        a, b = family.a, family.b
        t_known, t_value, t_terms = self._lookup(family.parent, a, b)
        n = len(family.children)
        known = np.zeros((n, len(a)), dtype=bool)
        value = np.zeros((n, len(a)))
        terms = np.zeros((n, len(a)))
        for c, child in enumerate(family.children):
            known[c], value[c], terms[c] = self._lookup(child, a, b)
        n_unknown = n - known.sum(axis=0) + int(family.rest)
        part_sum = (value * known).sum(axis=0)
        part_terms = (terms * known).sum(axis=0)
        upward = (~t_known) & (n_unknown == 0)
        self.relations[("across", family.name)] = int(t_known.sum() + upward.sum())
        for q in np.flatnonzero(t_known):
            relation = _Relation(
                family,
                int(a[q]),
                int(b[q]),
                known[:, q],
                float(t_value[q] - part_sum[q]),
                int(t_terms[q] + part_terms[q]),
                int(n_unknown[q]),
            )
            self._judge(relation)
        for q in np.flatnonzero(upward):
            self._derive_parent(family, int(a[q]), int(b[q]), part_sum[q], int(part_terms[q]))

    def _relation_files(self, family: _Family, a: int, b: int) -> list[str]:
        """Return the files of the cells over exactly ``[a, b)`` of a family's areas."""
        files: list[str] = []
        for area in [family.parent, *family.children]:
            row = self.cells.where.get((area, a, b))
            if row is not None:
                files += self.files(row)
        return files

    def _judge(self, rel: _Relation) -> None:
        """Judge one hierarchical relation whose total is known."""
        family, a, b = rel.family, rel.a, rel.b
        tol = rel.terms * self.rule.half
        unknown = [family.children[c] for c in np.flatnonzero(~rel.known)]
        if rel.n_unknown == 0 or rel.revealed + tol < -VALUE_EPS:
            if abs(rel.revealed) > tol + VALUE_EPS:
                self._record_relation(rel, "inconsistent_relation", (family.name, a, b), unknown)
            return
        if rel.n_unknown == 1 and len(unknown) == 1:
            child = unknown[0]
            suppressed = self.is_suppressed(child, a, b)
            if suppressed or self.rule.unsafe(rel.revealed + tol):
                kind = "pinned" if suppressed else "unsafe_sum"
                self._record_relation(rel, kind, (child, a, b), unknown)
            relation = f"{family.name}: total minus the known parts"
            derived = Derived(rel.revealed, rel.terms, relation, family, self.round)
            self._add_derived(child, a, b, derived)
        elif self.rule.unsafe(rel.revealed + tol):
            self._record_relation(rel, "unsafe_sum", (family.name, a, b, *unknown), unknown)

    def _record_relation(
        self, rel: _Relation, kind: str, key: tuple[object, ...], unknown: list[str]
    ) -> None:
        """Record a finding of a hierarchical relation (labels and files built only now)."""
        if (self.measure, kind, *key) in self.sink:
            return
        family, a, b = rel.family, rel.a, rel.b
        labels = [self.part_label(c, a, b) for c in unknown]
        if family.rest:
            labels.append(f"LAs of {family.parent} not in the folder or of unknown region")
        what = "does not add up" if kind == "inconsistent_relation" else "minus the known parts"
        self.record(
            key,
            kind,
            [*unknown, family.parent],
            (a, b),
            rel.revealed,
            f"{family.name}: total {what}",
            tolerance=rel.terms * self.rule.half,
            unknowns=labels,
            files=self._relation_files(family, a, b),
        )

    def _derive_parent(self, family: _Family, a: int, b: int, total: float, terms: int) -> None:
        """The parent's value over ``[a, b)`` is the sum of its (all known) children."""
        relation = f"{family.name} (all parts known)"
        if self.is_suppressed(family.parent, a, b):
            self.record(
                (family.parent, a, b),
                "pinned",
                [family.parent],
                (a, b),
                total,
                relation,
                tolerance=terms * self.rule.half,
                unknowns=[self.part_label(family.parent, a, b)],
                files=self._relation_files(family, a, b),
            )
        self._add_derived(family.parent, a, b, Derived(total, terms, relation, family, self.round))

    def _add_derived(self, area: str, a: int, b: int, derived: Derived) -> None:
        """Make a derived value a known edge of the area's graph from the next round."""
        if (a, b) not in self.derived[area]:
            self.derived[area][(a, b)] = derived
            self.dirty.add(area)


@dataclass(frozen=True)
class _Relation:
    """One hierarchical relation with a known total.

    Attributes
    ----------
    family : _Family
        Its family.
    a, b : int
        Interval (ordinal days, ``b`` exclusive).
    known : ndarray of bool
        Per child, whether its part is known.
    revealed : float
        Total minus the known parts (the sum of the unknowns).
    terms : int
        Published terms used.
    n_unknown : int
        Unknown parts.
    """

    family: _Family
    a: int
    b: int
    known: np.ndarray
    revealed: float
    terms: int
    n_unknown: int


def _merge(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge adjacent ``(start, end)`` node ranges."""
    merged: list[tuple[int, int]] = []
    for p, q in pieces:
        if merged and merged[-1][1] == p:
            merged[-1] = (merged[-1][0], q)
        else:
            merged.append((p, q))
    return merged


# --------------------------------------------------------------------------------------------
# Exact linear-algebra audit
# --------------------------------------------------------------------------------------------


def exact_linear_audit(ms: _MeasureScan) -> list[Finding]:
    """Report every [c] cell of one measure that the published cells determine exactly.

    Leaves are LA x segment, segments being the intervals between consecutive breakpoints of
    the measure; an LA broken down into parts has a leaf per combination of its parts'
    categories (see :func:`split_by_parts`). A published cell of area ``X`` over ``[a, b)`` is
    the 0/1 row summing the leaves of ``X`` over the segments in ``[a, b)``. A ``[c]`` cell is
    determined when its row lies in the row space of the published rows, i.e. is orthogonal
    to their null space; this is tested by projecting on the row space spanned by the right
    singular vectors of an SVD. The value is the minimum-norm combination of published values.

    Parameters
    ----------
    ms : _MeasureScan
        Scan of the measure (cells, rule, hierarchy, file names).

    Returns
    -------
    list of Finding
        Kind ``linear_determined``, one per determined ``[c]`` cell.
    """
    t = ms.cells.table
    members = split_by_parts(leaf_groups(ms.hierarchy), ms.partitions)
    n_groups = 1 + max((g for groups in members.values() for g in groups), default=-1)
    breaks = np.unique(np.concatenate([t["a"].to_numpy(), t["b"].to_numpy()]))
    n_seg = len(breaks) - 1
    published = t["value"].notna().to_numpy()
    if n_seg <= 0 or published.all():
        return []
    rows = np.zeros((len(t), n_groups * n_seg))
    s0 = np.searchsorted(breaks, t["a"].to_numpy())
    s1 = np.searchsorted(breaks, t["b"].to_numpy())
    for r, (area, p, q) in enumerate(zip(t["area"], s0, s1, strict=True)):
        for g in members.get(str(area), []):
            rows[r, g * n_seg + p : g * n_seg + q] = 1.0
    K, k = rows[published], t["value"].to_numpy()[published]
    X = rows[~published]
    U, s, Vt = linalg.svd(K, full_matrices=False, lapack_driver="gesvd")
    rank = int((s > s.max() * max(K.shape) * np.finfo(float).eps).sum()) if len(s) else 0
    coords = X @ Vt[:rank].T
    residual = np.linalg.norm(X - coords @ Vt[:rank], axis=1)
    determined = residual < 1e-7 * np.maximum(np.linalg.norm(X, axis=1), 1.0)
    weights = (coords / s[:rank]) @ U[:, :rank].T
    values = weights @ k
    tolerance = np.abs(weights).sum(axis=1) * ms.rule.half
    findings: list[Finding] = []
    for target, row in enumerate(np.flatnonzero(~published)):
        if not determined[target]:
            continue
        area, a, b = ms.interval_of(int(row))
        findings.append(
            Finding(
                kind="linear_determined",
                measure=ms.measure,
                areas=(area,),
                period_start=_iso(a),
                period_end=_iso(b - 1),
                derived=float(values[target]),
                tolerance=float(tolerance[target]),
                relation="exact linear algebra: the [c] cell's row over LA x segment leaves "
                "lies in the row space of the published cells",
                unknowns=(f"[c] {ms.cell_label(int(row))}",),
                files=tuple(ms.files(int(row))),
                round=0,
            )
        )
    return findings


def leaf_groups(h: Hierarchy) -> dict[str, list[int]]:
    """Return, per area, the leaf groups it sums.

    There is one group per LA; when the folder may lack LAs (``h.complete`` False) or some
    LAs' regions are unknown, every region also has an unknown 'rest' group, and so does
    England (when LAs are missing) and every placeholder region. A region with LAs that
    ``authorities.csv`` lists but that have no cells has a rest group too (also in England),
    and England has one for the listed regions none of whose LAs has cells.

    Parameters
    ----------
    h : Hierarchy
        The release's hierarchy.

    Returns
    -------
    dict of str to list of int
        Area code to leaf-group indices.
    """
    members: dict[str, list[int]] = defaultdict(list)
    groups = itertools.count()
    for region, las in h.regions.items():
        for la in las:
            g = next(groups)
            members[la].append(g)
            members[region].append(g)
            members[ENGLAND].append(g)
        if h.region_has_rest(region):
            g = next(groups)
            members[region].append(g)
            if not h.complete or region in h.absent:
                members[ENGLAND].append(g)
    for pseudo in h.pseudo:
        la = pseudo.removeprefix(PSEUDO_REGION)
        g = next(groups)
        members[la].append(g)
        members[pseudo] += [g, next(groups)]
        members[ENGLAND].append(g)
    if h.regions_have_rest:
        members[ENGLAND].append(next(groups))
    return members


def _categories_of(part: str) -> dict[str, str]:
    """A part's categories: ``"a=1/b=2"`` gives ``{"a": "1", "b": "2"}``."""
    return dict(item.partition("=")[::2] for item in part.split("/"))


def _agree(combination: Sequence[str]) -> bool:
    """Whether parts of several breakdowns agree on every category they share."""
    seen: dict[str, str] = {}
    for part in combination:
        for name, value in _categories_of(part).items():
            if seen.setdefault(name, value) != value:
                return False
    return True


def _nested_families(
    partitions: Sequence[tuple[str, tuple[str, ...]]],
) -> list[tuple[str, str, list[str]]]:
    """Each part of a breakdown as the sum of the parts of another breakdown of the same LA
    whose categories include all of its own (areas within their quintile)."""
    out = []
    for la, coarse in partitions:
        for other, fine in partitions:
            names = set(_categories_of(coarse[0]))
            if other != la or set(_categories_of(fine[0])) <= names:
                continue
            if not names < set(_categories_of(fine[0])):
                continue
            for part in coarse:
                mine = _categories_of(part)
                kids = [
                    la + PART + f
                    for f in fine
                    if all(_categories_of(f).get(k) == v for k, v in mine.items())
                ]
                if kids:
                    out.append((f"{la} {part} = sum of its finer parts", la + PART + part, kids))
    return out


def split_by_parts(
    members: dict[str, list[int]], partitions: Iterable[tuple[str, tuple[str, ...]]]
) -> dict[str, list[int]]:
    """Split the leaf group of every LA broken down into parts, once per combination of
    categories (one from each of its breakdowns).

    Parameters
    ----------
    members : dict of str to list of int
        Area to leaf groups (see :func:`leaf_groups`).
    partitions : iterable of (str, tuple of str)
        An LA and the categories of one breakdown of its count.

    Returns
    -------
    dict of str to list of int
        Area to leaf groups: every area that held the LA's group holds all of its new
        groups; a part's area holds the groups of its category.
    """
    out = {area: list(groups) for area, groups in members.items()}
    fresh = itertools.count(1 + max((g for gs in members.values() for g in gs), default=-1))
    by_la: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for la, parts in sorted(set(partitions)):
        by_la[la].append(parts)
    for la, breakdowns in by_la.items():
        # Nested breakdowns (small areas named with their quintile, beside quintiles): only
        # combinations whose parts agree on the categories they share exist.
        combinations = [c for c in itertools.product(*breakdowns) if _agree(c)]
        new = [next(fresh) for _ in combinations]
        old = set(out.get(la, []))
        for area, groups in out.items():
            if old & set(groups):
                out[area] = [g for g in groups if g not in old] + new
        for group, combination in zip(new, combinations, strict=True):
            for part in combination:
                out.setdefault(la + PART + part, []).append(group)
    return out


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def scan(
    reports_dir: Path | str,
    threshold: int,
    zeros_disclosive: bool = False,
    round_base: int = 0,
    linear_audit: bool = False,
    complete: bool = True,
    max_rounds: int = 100,
    max_linear_entries: int = 20_000_000,
) -> ScanReport:
    """Run the differencing attack on a reports folder.

    Parameters
    ----------
    reports_dir : Path or str
        Folder with ``<la_code>/tables/*.csv``.
    threshold : int
        Smallest safe count ``T``.
    zeros_disclosive : bool
        Whether a (revealed) zero is unsafe.
    round_base : int
        Rounding base of published counts (0: published exactly).
    linear_audit : bool
        Also run the exact linear-algebra audit (slow; for folders of a few LAs).
    complete : bool
        Whether the folder holds every LA of every region (so that a region is exactly the
        sum of the LAs in the folder). If False, every region (and England) gets one more
        unknown part: the LAs not in the folder.
    max_rounds : int
        Safety limit on propagation rounds.
    max_linear_entries : int
        The linear audit of a measure is skipped (with a note) when its incidence matrix
        (cells x leaves) would be larger.

    Returns
    -------
    ScanReport
        Relations checked and findings.
    """
    began = time.perf_counter()
    rule = Rule(threshold, zeros_disclosive, round_base)
    release = read_release(reports_dir)
    notes = list(release.notes)
    frame = release.appearances
    notes += _infer_regions(release)
    frame["area"] = _resolve_areas(release)
    hierarchy = _hierarchy(release, complete)
    for region, absent in hierarchy.absent.items():
        notes.append(
            f"{AUTHORITIES} lists {len(absent)} LA(s) of {region} without released cells "
            f"({', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''}): unknown parts of "
            "the region and of England"
        )
    sink: dict[tuple[object, ...], Finding] = {}
    scans = [
        _MeasureScan(
            str(measure),
            _build_cells(part.reset_index(drop=True)),
            release.files,
            hierarchy,
            rule,
            sink,
            release.partitions.get(str(measure), ()),
        )
        for measure, part in frame.groupby("measure", sort=True)
    ]
    for ms in scans:
        ms.check_published()
    rounds = _propagate(scans, max_rounds)
    if rounds > max_rounds:
        notes.append(f"propagation stopped after {max_rounds} rounds")
    findings = list(sink.values())
    if linear_audit:
        for ms in scans:
            members = split_by_parts(leaf_groups(hierarchy), ms.partitions)
            n_groups = 1 + max(g for gs in members.values() for g in gs)
            n_seg = len(np.unique(np.concatenate([ms.cells.a, ms.cells.b]))) - 1
            size = len(ms.cells.table) * n_groups * n_seg
            if size > max_linear_entries:
                notes.append(
                    f"{ms.measure}: linear audit skipped ({len(ms.cells.table)} cells x "
                    f"{n_groups * n_seg} leaves is more than {max_linear_entries} entries)"
                )
                continue
            findings += exact_linear_audit(ms)
    return ScanReport(
        relations_checked=sum(sum(ms.relations.values()) for ms in scans),
        findings=findings,
        files_read=len(release.files),
        cells=sum(len(ms.cells.table) for ms in scans),
        rounds=min(rounds, max_rounds),
        seconds=time.perf_counter() - began,
        notes=_dedupe(notes),
    )


def _propagate(scans: Sequence[_MeasureScan], max_rounds: int) -> int:
    """Run rounds of checks until no relation derives anything new; return the rounds run."""
    for round_ in range(1, max_rounds + 1):
        active = [ms for ms in scans if ms.dirty]
        if not active:
            return round_ - 1
        for ms in active:
            ms.round = round_
            changed = sorted(ms.dirty)
            ms.build_graphs()
            ms.dirty.clear()
            for area in changed:
                ms.check_within(area)
            ms.check_across()
    return max_rounds + 1


def _parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        description="Differencing attack on released ldsa CSV tables (reads only the CSVs)."
    )
    parser.add_argument("reports", type=Path, help="reports folder (<la_code>/tables/*.csv)")
    parser.add_argument("--threshold", type=int, default=10, help="smallest safe count")
    parser.add_argument("--zeros-disclosive", action="store_true", help="zeros are unsafe too")
    parser.add_argument("--round-base", type=int, default=0, help="rounding base (0: exact)")
    parser.add_argument("--linear-audit", action="store_true", help="exact audit (few LAs)")
    parser.add_argument(
        "--incomplete",
        action="store_true",
        help="the folder lacks some LAs of its regions (regions are not sums of its LAs)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scan from the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when there are no findings, 1 otherwise.
    """
    args = _parser().parse_args(argv)
    report = scan(
        args.reports,
        args.threshold,
        zeros_disclosive=args.zeros_disclosive,
        round_base=args.round_base,
        linear_audit=args.linear_audit,
        complete=not args.incomplete,
    )
    print(
        f"files read: {report.files_read}, cells: {report.cells}, rounds: {report.rounds}, "
        f"seconds: {report.seconds:.1f}"
    )
    for note in report.notes[:20]:
        print(f"note: {note}")
    if len(report.notes) > 20:
        print(f"note: ... {len(report.notes) - 20} more notes")
    print(f"relations checked: {report.relations_checked}")
    print(f"findings: {len(report.findings)}")
    for finding in report.findings[:MAX_PRINTED]:
        print(finding.describe())
    if report.findings:
        print("findings by kind:")
        for kind, count in report.counts_by_kind().items():
            print(f"  {kind}: {count}")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
