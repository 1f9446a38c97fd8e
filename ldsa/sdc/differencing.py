"""``ldsa check`` across files: every published relation of a batch, read from its CSVs.

An attacker holds every released CSV of a batch. Each count cell is the number of events
of one area (an authority, its region, England) over one period; the cells of one area
come in tilings (an authority's series, a region at the step of each of its authorities)
and chains of running totals, and a region's cell is the sum of its authorities' over the
same period. This module rebuilds those relations from the files alone (never the
records) and reports each one that pins a suppressed cell or leaves unknowns whose sum is
unsafe: it does not trust the layer it checks.

Conventions read (the render functions follow them): a row with ``period_start`` and
``period_end`` (ISO dates, inclusive) holds counts in columns ``la_<measure>_count``,
``region_<measure>_count`` and ``england_<measure>_count`` (``cumulative_`` may follow the
level); a table of several measures names each row's in a ``measure_id`` column and its
counts ``la_count`` and so on. A table of an authority with a ``region_code`` column names
its region; a row with an ``la_code`` column holds that authority's counts (tables of
every authority: ``<measure>_count`` is the authority's own count, its ``region_code`` its
region); ``authorities.csv`` at the top of the release lists every authority of the batch
with its region (without it, the release is taken to hold every authority).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import itertools
from pathlib import Path

from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count

_LEVELS = ("la", "region", "england")
#: The list of every authority of a batch and its region, at the top of a release.
AUTHORITIES = "authorities.csv"
_SUPPRESSED = "[c]"
_ENGLAND = "E92000001"

Span = tuple[dt.date, dt.date]  # first day, day after the last
Key = tuple[str, str, str]  # measure, level, code


class Breach(enum.Enum):
    """What a cross-file relation gives away."""

    PINNED = "pinned-by-relation"  # a suppressed cell is the only unknown of a relation
    SMALL_SUM = "unsafe-sum-by-relation"  # unknowns of a relation sum to an unsafe value
    INCONSISTENT = "inconsistent-copies"  # one cell published with two values
    NO_REGION = "region-unknown"  # an authority's region cannot be read: not checked


@dataclasses.dataclass(frozen=True, order=True)
class RelationFinding:
    """One breach: the file of the relation's total, the cell, and what it reveals."""

    file: str
    measure: str
    area: str
    period: str
    breach: Breach
    unknowns: int


class _Area:
    """The published cells of one area and measure: values, tilings, running totals."""

    def __init__(self) -> None:
        self.values: dict[Span, int | None] = {}
        self.files: dict[Span, str] = {}
        self.tilings: set[tuple[Span, ...]] = set()
        self.pinned: set[Span] = set()

    def add(self, span: Span, value: int | None, file: str) -> bool:
        """Record a cell; False when it was published before with another value."""
        if span in self.values:
            return self.values[span] == value
        self.values[span], self.files[span] = value, file
        return True

    def known(self, span: Span) -> bool:
        return self.values.get(span) is not None

    def cover(self, span: Span) -> list[list[Span]]:
        """Every way this area's published cells make up ``span`` exactly."""
        out = [[span]] if span in self.values else []
        for tiling in self.tilings:
            parts = [s for s in tiling if span[0] <= s[0] and s[1] <= span[1]]
            if parts and parts[0][0] == span[0] and parts[-1][1] == span[1] and parts != [span]:
                out.append(parts)
        return out

    def value_over(self, span: Span) -> tuple[int, list[Span], int] | None:
        """Known part, suppressed cells and number of published terms of this area's value
        over ``span`` (the way with fewest unknowns, then fewest rounded terms), or None when
        its published cells do not make it up."""
        ways = []
        for parts in self.cover(span):
            hidden = [p for p in parts if not self.known(p)]
            known = sum(int(self.values[p] or 0) for p in parts)
            ways.append((len(hidden), len(parts) - len(hidden), known, hidden))
        origin = min(s[0] for s in self.values)
        before, after = (origin, span[0]), (origin, span[1])
        if span[0] > origin and self.known(before) and self.known(after):
            difference = int(self.values[after] or 0) - int(self.values[before] or 0)
            ways.append((0, 2, difference, []))
        if not ways:
            return None
        _, terms, known, hidden = min(ways, key=lambda way: way[:2])
        return known, hidden, terms

    def relations(self) -> list[tuple[Span, list[Span]]]:
        """(total, parts): each published cell as a union of another tiling's cells, and
        each running total as the one before plus the cells between."""
        out = [(span, parts) for span in self.values for parts in self.cover(span)[1:]]
        origin = min(s[0] for s in self.values)  # an area holds at least the cell that made it
        prefixes = sorted(s for s in self.values if s[0] == origin)
        for before, after in itertools.pairwise(prefixes):
            for parts in self.cover((before[1], after[1])):
                out.append((after, [before, *parts]))
        return out


@dataclasses.dataclass
class RelationScan:
    """The outcome of :func:`scan_relations`."""

    findings: list[RelationFinding]
    relations: int


def scan_relations(reports_dir: str | Path, policy: Policy) -> RelationScan:
    """Check every published relation among the released CSVs of a batch.

    Parameters
    ----------
    reports_dir
        The released folder (``<la_code>/tables/*.csv``).
    policy
        The policy the release must meet.

    Returns
    -------
    RelationScan
        The breaches (sorted) and the number of relations checked.

    Notes
    -----
    Relations: within an area and measure, every published cell that another published
    tiling makes up (a quarter and its months, a headline and its series), and every pair
    of consecutive running totals with the cells between them; a region's cell and its
    authorities' values over the same period; England's and its regions', and England's
    and all its authorities'. An authority's value over a period is known when its
    released cells, or two released running totals, make it up; otherwise its suppressed
    cells in the period, or its whole unpublished value, are unknowns. A cell pinned
    exactly counts as known in the next pass, until nothing changes. Under rounding every
    published term is known to within half a base, and a sum is flagged only when all of
    its possible values are unsafe; a pinned cell is always flagged.
    """
    areas, regions, findings = _read(Path(reports_dir))
    while True:  # every pass keeps its findings; the relations checked are the last pass's
        relations, pins = _check(areas, regions, policy, findings)
        if not pins:
            return RelationScan(sorted(set(findings)), relations)
        for key, span, value in pins:
            areas[key].values[span] = value
            areas[key].pinned.add(span)


def _read(root: Path) -> tuple[dict[Key, _Area], dict[str, str], list[RelationFinding]]:
    files = []
    regions = _authorities(root)
    for path in sorted(root.glob("*/tables/*.csv")):
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            rows = list(csv.DictReader(handle))
        folder = path.parent.parent.name
        files.append((folder, path.relative_to(root).as_posix(), rows))
        for row in rows:
            if (row.get("region_code") or "").strip():
                regions[_row_authority(row, folder)] = row["region_code"].strip()
    areas: dict[Key, _Area] = {}
    findings: list[RelationFinding] = []
    for folder, name, rows in files:
        runs: dict[Key, list[Span]] = {}
        for row in rows:
            la_code = _row_authority(row, folder)
            for measure, level, span, value in _cells(row):
                code = {"la": la_code, "england": _ENGLAND}.get(level, regions.get(la_code))
                if code is None:
                    findings.append(
                        RelationFinding(name, measure, la_code, "", Breach.NO_REGION, 0)
                    )
                    continue
                key = (measure, level, code)
                area = areas.setdefault(key, _Area())
                if not area.add(span, value, name):
                    period = _period(span)
                    findings.append(
                        RelationFinding(name, measure, code, period, Breach.INCONSISTENT, 0)
                    )
                runs.setdefault(key, []).append(span)
        for key, spans in runs.items():
            if _is_tiling(spans):
                areas[key].tilings.add(tuple(spans))
    return areas, regions, findings


def _row_authority(row: dict[str, str], folder: str) -> str:
    """The authority a row's counts belong to: its ``la_code`` column (tables of every
    authority), else the authority whose folder holds the file."""
    return (row.get("la_code") or "").strip() or folder


def _authorities(root: Path) -> dict[str, str]:
    """Every authority of the batch and its region, from ``authorities.csv`` when the
    release has one (authorities without files are then unknown parts of their region)."""
    path = root / AUTHORITIES
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return {
            row["la_code"].strip(): row["region_code"].strip()
            for row in csv.DictReader(handle)
            if (row.get("la_code") or "").strip() and (row.get("region_code") or "").strip()
        }


def _cells(row: dict[str, str]) -> list[tuple[str, str, Span, int | None]]:
    try:
        first = dt.date.fromisoformat(row["period_start"].strip())
        last = dt.date.fromisoformat(row["period_end"].strip())
    except (KeyError, ValueError, AttributeError):
        return []
    span = (first, last + dt.timedelta(days=1))
    out = []
    for column, text in row.items():
        level, _, rest = (column or "").partition("_")
        if level not in _LEVELS and (row.get("la_code") or "").strip():
            level, rest = "la", column or ""  # a table of every authority: its own counts
        if level not in _LEVELS or not rest.endswith("count"):
            continue
        rest = rest.removeprefix("cumulative_")
        if rest == "count":
            if not (row.get("measure_id") or "").strip():
                continue
            rest = f"{row['measure_id'].strip()}_count"
        out.append((rest, level, span, _parse(text)))
    return out


def _is_tiling(spans: list[Span]) -> bool:
    return len(spans) > 1 and all(a[1] == b[0] for a, b in itertools.pairwise(spans))


def _parse(text: str | None) -> int | None:
    cleaned = (text or "").strip().replace(",", "")
    if cleaned == _SUPPRESSED or not cleaned.isdigit():
        return None
    return int(cleaned)


def _period(span: Span) -> str:
    return f"{span[0].isoformat()} to {(span[1] - dt.timedelta(days=1)).isoformat()}"


_Pin = tuple[Key, Span, int]


def _check(
    areas: dict[Key, _Area],
    regions: dict[str, str],
    policy: Policy,
    findings: list[RelationFinding],
) -> tuple[int, list[_Pin]]:
    """One pass over every relation; the number checked and the cells pinned exactly."""
    relations, pins = 0, []
    for key, area in sorted(areas.items()):
        for total, parts in area.relations():
            value = area.values[total]
            if value is None:
                continue
            relations += 1
            hidden = [p for p in parts if not area.known(p)]
            known = sum(int(area.values[p] or 0) for p in parts if area.known(p))
            terms = 1 + len(parts) - len(hidden)
            what = (area.files[total], key, total)
            pins += _verdict(
                what, value - known, [(key, s) for s in hidden], 0, terms, policy, findings
            )
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for la_code, region in sorted(regions.items()):
        children.setdefault(("region", region), []).append(("la", la_code))
        children.setdefault(("england", _ENGLAND), []).append(("la", la_code))
    for region in sorted(set(regions.values())):
        children.setdefault(("england-regions", _ENGLAND), []).append(("region", region))
    for (parent_level, parent_code), kids in sorted(children.items()):
        level = parent_level.removesuffix("-regions")
        for measure in sorted({k[0] for k in areas if k[1:] == (level, parent_code)}):
            area = areas[(measure, level, parent_code)]
            for span, value in sorted(area.values.items()):
                if value is None:
                    continue
                relations += 1
                left, parts_hidden, missing, terms = value, [], 0, 1
                for kid in kids:
                    found = areas.get((measure, *kid))
                    over = found.value_over(span) if found is not None else None
                    if over is None:
                        missing += 1
                        continue
                    left -= over[0]
                    parts_hidden += [((measure, *kid), s) for s in over[1]]
                    terms += over[2]
                what = (area.files[span], (measure, level, parent_code), span)
                pins += _verdict(what, left, parts_hidden, missing, terms, policy, findings)
    return relations, pins


def _verdict(
    what: tuple[str, Key, Span],
    residual: int,
    hidden: list[tuple[Key, Span]],
    missing: int,
    terms: int,
    policy: Policy,
    findings: list[RelationFinding],
) -> list[_Pin]:
    """Judge one relation: the unknowns' sum is ``residual``, each known term within half a
    rounding base; return the cell it pins, if any (only without rounding)."""
    unknowns = len(hidden) + missing
    if not unknowns:
        return []
    file, (measure, _, code), span = what
    slack = policy.round_base // 2 * terms if policy.rounds else 0
    if len(hidden) == 1 and not missing:
        if residual != 0 or slack or policy.zeros_are_disclosive:  # a true 0 tells nothing
            findings.append(RelationFinding(file, measure, code, _period(span), Breach.PINNED, 1))
        return [] if slack else [(hidden[0][0], hidden[0][1], residual)]
    low, high = max(residual - slack, 0), max(residual + slack, 0)
    if high < policy.threshold and all(is_unsafe_count(v, policy) for v in range(low, high + 1)):
        findings.append(
            RelationFinding(file, measure, code, _period(span), Breach.SMALL_SUM, unknowns)
        )
    return []
