"""The released CSVs of a batch read as cells: each count is an area's over a span of days.

:mod:`ldsa.sdc.differencing` (``ldsa check``) checks the relations among these cells; its
docstring lists the file conventions read here. Nothing here trusts the records: a cell is
what a file says, where it says it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from pathlib import Path

_LEVELS = ("la", "region", "england")
#: Areas other than an authority's that a row names in a label column: a survey's CIS area
#: (``cis_<measure>_count`` with ``cis_area``), shared by its authorities.
_NAMED_AREAS = {"cis": "cis_area"}
#: The list of every authority of a batch and its region, at the top of a release.
AUTHORITIES = "authorities.csv"
ENGLAND = "E92000001"
_SUPPRESSED = "[c]"
#: A count as released: ASCII digits only.
_DIGITS = re.compile(r"[0-9]+")
_DAY = dt.timedelta(days=1)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Label columns of a row's period; a breakdown's categories follow them.
_PERIOD = ("period_start", "period_end", "weeks", "time_step")
#: Label columns that never hold a breakdown's category.
_NOT_CATEGORIES = frozenset({*_PERIOD, "la_code", "la_name", "region_code", "measure_id"})
_ROLLING = re.compile(r"^seven_day_(?:(?P<measure>.+)_)?count$")
_ROLLING_DAYS = 7

Span = tuple[dt.date, dt.date]  # first day, day after the last
Key = tuple[str, str, str]  # measure, level ("la", "region", "england" or a part), code


@dataclasses.dataclass(frozen=True)
class Cell:
    """One published count: whose, over which days, its value (None: withheld) and how
    many published terms it adds up (1; the days or rows of a sum released beside them)."""

    key: Key
    span: Span
    value: int | None
    weight: int
    file: str
    run: str  #: the file and column: the cells of one area in a run, in order, may tile


@dataclasses.dataclass(frozen=True, order=True)
class Breakdown:
    """Parts that sum to an authority's count of a measure, period by period."""

    parent: Key
    parts: tuple[Key, ...]


@dataclasses.dataclass
class BatchCells:
    """Every cell of a release, every authority's region, the breakdowns and where each
    breakdown's periods are published, and the authorities whose region is unknown."""

    cells: list[Cell]
    regions: dict[str, str]
    breakdowns: dict[Breakdown, dict[Span, str]]
    unplaced: set[tuple[str, str, str]]  #: file, measure, authority


@dataclasses.dataclass(frozen=True)
class _Column:
    """How a count column of a file is read."""

    name: str
    level: str  #: "la", "region", "england", "cis" or "own" (the row's authority, unprefixed)
    measure: str  #: e.g. "cases_count"; "" to take the row's ``measure_id``
    kind: str = "cell"  #: "cell", "running" (from the first row) or "rolling" (seven days)


def read_batch(root: Path) -> BatchCells:
    """Read every ``<folder>/tables/*.csv`` of a release (and ``authorities.csv``)."""
    regions = _authorities(root)
    files = []
    for path in sorted(root.glob("*/tables/*.csv")):
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            rows = [dict(zip(header, row, strict=False)) for row in reader]
        folder = path.parent.parent.name
        files.append((folder, path.relative_to(root).as_posix(), header, rows))
        for row in rows:
            if _text(row, "region_code"):
                regions[_row_authority(row, folder)] = _text(row, "region_code")
    batch = BatchCells([], regions, {}, set())
    for folder, name, header, rows in files:
        _read_file(batch, folder, name, header, rows)
    _nest(batch)
    return batch


def _nest(batch: BatchCells) -> None:
    """Add the relations of nested breakdowns: where one breakdown of an authority's
    measure has category columns that begin with all of another's (small areas named with
    their quintile, beside quintiles), each coarser part is the sum of the finer parts
    that share its categories, over every span both publish."""
    found = list(batch.breakdowns.items())
    for fine, fine_spans in found:
        for coarse, coarse_spans in found:
            names = _part_names(coarse)
            if coarse.parent != fine.parent or names is None:
                continue
            spans = {s: f for s, f in fine_spans.items() if s in coarse_spans}
            nested = _nested_parts(fine, names)
            if not spans or nested is None:
                continue
            for part in coarse.parts:
                kids = nested.get(part[1].partition("=")[2], ())
                if kids:
                    relation = Breakdown(part, tuple(sorted(kids)))
                    for span, file in spans.items():
                        batch.breakdowns.setdefault(relation, {}).setdefault(span, file)


def _part_names(breakdown: Breakdown) -> tuple[str, ...] | None:
    """The category columns of a breakdown's parts (None when they differ)."""
    names = {part[1].partition("=")[0] for part in breakdown.parts}
    return tuple(names.pop().split("/")) if len(names) == 1 else None


def _nested_parts(fine: Breakdown, names: tuple[str, ...]) -> dict[str, list[Key]] | None:
    """The parts of ``fine`` by their values of the columns ``names``, when its category
    columns begin with them and are more (None otherwise)."""
    own = _part_names(fine)
    if own is None or len(own) <= len(names) or own[: len(names)] != names:
        return None
    by_value: dict[str, list[Key]] = {}
    for part in fine.parts:
        values = part[1].partition("=")[2].split("/")
        if len(values) != len(own):
            return None  # a category holding "/": not read as nested
        by_value.setdefault("/".join(values[: len(names)]), []).append(part)
    return by_value


def _authorities(root: Path) -> dict[str, str]:
    """Every authority of the batch and its region, from ``authorities.csv`` when the
    release has one (authorities without files are then unknown parts of their region)."""
    path = root / AUTHORITIES
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return {
            _text(row, "la_code"): _text(row, "region_code")
            for row in csv.DictReader(handle)
            if _text(row, "la_code") and _text(row, "region_code")
        }


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _row_authority(row: dict[str, str], folder: str) -> str:
    """The authority a row's counts belong to: its ``la_code`` column (tables of every
    authority), else the authority whose folder holds the file."""
    return _text(row, "la_code") or folder


def _columns(header: list[str]) -> tuple[list[_Column], list[str]]:
    """The count columns of a header and the category columns of a breakdown (the labels
    between the period's and the first count without a level; none in a table that names
    each row's authority)."""
    columns, first_own = [], None
    for index, name in enumerate(header):
        level, _, rest = name.partition("_")
        if level in _NAMED_AREAS and rest.endswith("_count"):
            columns.append(_Column(name, level, rest))
        elif level in _LEVELS and rest.endswith("count"):
            measure = rest.removeprefix("cumulative_")
            columns.append(_Column(name, level, "" if measure == "count" else measure))
        elif name.endswith("_count"):
            rolling = _ROLLING.match(name)
            if rolling:
                measure = f"{rolling['measure']}_count" if rolling["measure"] else ""
                columns.append(_Column(name, "own", measure, "rolling"))
            elif name.startswith("cumulative_"):
                columns.append(_Column(name, "own", name.removeprefix("cumulative_"), "running"))
            else:
                columns.append(_Column(name, "own", name))
                first_own = index if first_own is None else first_own
    labels = [i for i, name in enumerate(header) if name in _PERIOD]
    if first_own is None or "la_code" in header or not labels:
        return columns, []
    between = header[max(labels) + 1 : first_own]
    return columns, [name for name in between if name not in _NOT_CATEGORIES]


def _read_file(
    batch: BatchCells, folder: str, name: str, header: list[str], rows: list[dict[str, str]]
) -> None:
    """Read one file's cells into ``batch``, and the breakdowns it publishes."""
    columns, categories = _columns(header)
    own = {c.measure for c in columns if c.level == "own" and c.kind == "cell"}
    daily = categories == ["weekday"]  # a day's count is the authority's own
    categories = [] if daily else categories
    firsts: dict[tuple[str, Key], tuple[dt.date, int]] = {}
    groups: dict[tuple[Key, Span], list[Key]] = {}
    for row in rows:
        span = _span(row)
        if span is not None and daily:
            span = _weekday(span, _text(row, "weekday"))
        if span is None:
            continue
        authority = _row_authority(row, folder)
        for column in columns:
            measure = column.measure
            if not measure and column.kind == "rolling" and len(own) == 1:
                measure = next(iter(own))  # the seven-day sum of the table's one count
            elif not measure and _text(row, "measure_id"):
                measure = f"{_text(row, 'measure_id')}_count"
            key = _key(batch, name, column, measure, authority, categories, row)
            if key is None:
                continue
            cell_span, weight = span, 1
            if column.kind == "rolling":
                cell_span, weight = (span[1] - _ROLLING_DAYS * _DAY, span[1]), _ROLLING_DAYS
            elif column.kind == "running":  # from the first row of the same area
                origin, weight = firsts.get((column.name, key), (span[0], 0))
                firsts[(column.name, key)] = (origin, weight + 1)
                cell_span, weight = (origin, span[1]), weight + 1
            elif key[1] not in _LEVELS and key[1] not in _NAMED_AREAS:
                groups.setdefault(((measure, "la", authority), cell_span), []).append(key)
            value = _parse(row.get(column.name))
            batch.cells.append(Cell(key, cell_span, value, weight, name, f"{name}:{column.name}"))
    for (parent, span), parts in groups.items():
        found = batch.breakdowns.setdefault(Breakdown(parent, tuple(sorted(parts))), {})
        found.setdefault(span, name)


def _key(
    batch: BatchCells,
    file: str,
    column: _Column,
    measure: str,
    authority: str,
    categories: list[str],
    row: dict[str, str],
) -> Key | None:
    """Whose count a cell is: an authority's, its region's, England's, or a part of the
    authority's (a breakdown's category); None without a measure, or a region."""
    if not measure:
        return None
    if column.level in _NAMED_AREAS:  # the row's named area: no authority's, no region's
        code = _text(row, _NAMED_AREAS[column.level])
        return (measure, column.level, code) if code else None
    if column.level == "own" and categories:
        part = "/".join(categories) + "=" + "/".join(_text(row, c) for c in categories)
        return (measure, part, authority)
    if column.level == "england":
        return (measure, "england", ENGLAND)
    region = batch.regions.get(authority)
    if region is None:
        batch.unplaced.add((file, measure, authority))
    if column.level != "region":
        return (measure, "la", authority)
    return None if region is None else (measure, "region", region)


def _span(row: dict[str, str]) -> Span | None:
    try:
        first = dt.date.fromisoformat(_text(row, "period_start"))
        last = dt.date.fromisoformat(_text(row, "period_end"))
    except ValueError:
        return None
    return (first, last + _DAY)


def _weekday(span: Span, name: str) -> Span | None:
    """The day of the row's period named by its ``weekday`` (None when none is)."""
    days = (span[0] + n * _DAY for n in range((span[1] - span[0]).days))
    found = [day for day in days if _WEEKDAYS[day.weekday()] == name.lower()]
    return (found[0], found[0] + _DAY) if len(found) == 1 else None


def _parse(text: str | None) -> int | None:
    """A cell's count; None when withheld or not a count written in ASCII digits (``str.isdigit``
    is true of "²", which ``int`` refuses, and ``int`` reads fullwidth digits)."""
    cleaned = (text or "").strip().replace(",", "")
    if cleaned == _SUPPRESSED or not _DIGITS.fullmatch(cleaned):
        return None
    return int(cleaned)
