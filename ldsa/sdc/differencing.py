"""``ldsa check`` across files: every published relation of a batch, read from its CSVs.

An attacker holds every released CSV of a batch. Each count cell is the number of events
of one area (an authority, its region, England, or a part of an authority: an age group,
a place of death) over one span of days; the cells of one area come in tilings (an
authority's series, its days, a region at the step of each of its authorities) and chains
of running totals, a region's cell is the sum of its authorities' over the same span, and
the parts of an authority's period sum to its count over the period. This module rebuilds
those relations from the files alone (never the records) and reports each one that pins a
suppressed cell or leaves unknowns whose sum is unsafe: it does not trust the layer it
checks.

Conventions read (the render functions follow them), in ``<folder>/tables/*.csv``:

- A row with ``period_start`` and ``period_end`` (ISO dates, inclusive) holds counts over
  that span: ``la_<measure>_count``, ``region_<measure>_count`` and
  ``england_<measure>_count`` (``cumulative_`` may follow the level: a running total whose
  row spans from the start); a table of several measures names each row's in a
  ``measure_id`` column and its counts ``la_count`` and so on.
- A count without a level, ``<measure>_count``, is an authority's own: in a table with an
  ``la_code`` column (a table of every authority, or of some) the row's authority's, its
  ``region_code`` its region; otherwise the authority of the folder.
- A breakdown: label columns after the period's (``period_start``, ``period_end``,
  ``weeks``, ``time_step``) and before ``<measure>_count`` hold each row's category; the
  parts of a period sum to the authority's ``<measure>`` over it. A ``weekday`` category
  (Monday to Sunday) makes each row one day of its period: the authority's own count of
  that day, and the days of a week tile it.
- Sums released beside their terms, each a sum of published (so rounded) terms:
  ``seven_day_count`` (or ``seven_day_<measure>_count``), the authority's count of the
  table's measure over the seven days to the row's day (or its period's end);
  ``cumulative_<measure>_count`` without a level, the authority's running total from the
  first row's ``period_start`` to the row's ``period_end``. Every other count is one term.
- ``cis_<measure>_count`` is the count of the row's ``cis_area`` (a survey's CIS area,
  shared by several authorities): every copy in the batch must agree, and it is part of no
  authority's, region's or England's count (without a ``cis_area`` column it is not read).
- A table of an authority with a ``region_code`` column names its region;
  ``authorities.csv`` at the top of the release lists every authority of the batch with
  its region (without it, the release is taken to hold every authority).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from pathlib import Path

from ldsa.sdc.batch_cells import AUTHORITIES, ENGLAND, Breakdown, Key, Span, read_batch
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.spans import AreaCells

__all__ = ["AUTHORITIES", "Breach", "RelationFinding", "RelationScan", "scan_relations"]

_LEVELS = ("la", "region", "england")


class Breach(enum.Enum):
    """What a cross-file relation gives away."""

    PINNED = "pinned-by-relation"  # a suppressed cell is the only unknown of a relation
    SMALL_SUM = "unsafe-sum-by-relation"  # unknowns of a relation sum to an unsafe value
    INCONSISTENT = "inconsistent-copies"  # one cell published with two values
    NO_REGION = "region-unknown"  # an authority's region cannot be read: not checked


@dataclasses.dataclass(frozen=True, order=True)
class RelationFinding:
    """One breach: the file and the cell pinned (or the total of the relation whose unknowns
    sum to an unsafe value), and what it reveals."""

    file: str
    measure: str
    area: str
    period: str
    breach: Breach
    unknowns: int


@dataclasses.dataclass
class RelationScan:
    """The outcome of :func:`scan_relations`."""

    findings: list[RelationFinding]
    relations: int


@dataclasses.dataclass(frozen=True)
class _Family:
    """A total and the parts it sums over the same span: a region and its authorities,
    England and its regions or authorities, an authority and a breakdown's parts."""

    total: Key
    parts: tuple[Key, ...]
    spans: dict[Span, str] | None  #: where each span is published (None: the total's cells)


@dataclasses.dataclass
class _Side:
    """One side of a relation: its known sum, the weight of the terms known, the suppressed
    cells and the unknown values (not made up by published cells)."""

    known: int = 0
    weight: int = 0
    hidden: list[tuple[Key, Span]] = dataclasses.field(default_factory=list)
    missing: int = 0

    def take(self, key: Key, area: AreaCells | None, span: Span) -> None:
        over = area.value_over(span) if area is not None else None
        if over is None:
            self.missing += 1
            return
        self.known += over[0]
        self.hidden += [(key, s) for s in over[1]]
        self.weight += over[2]

    def own(self, key: Key, area: AreaCells, span: Span) -> None:
        """Take the area's own cell over ``span`` alone (in a relation among the area's
        cells: any other way of making it up is a relation of its own)."""
        value = area.values[span]
        if value is None:
            self.hidden.append((key, span))
        else:
            self.known += value
            self.weight += area.weights[span]

    @property
    def unknowns(self) -> int:
        return len(self.hidden) + self.missing


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
    tiling makes up (a quarter and its months, a week and its days, a headline and its
    series, a seven-day sum and its days), and every two totals from the same first day
    with the cells between them (running totals); a region's cell and its authorities'
    values over the same span; England's and its regions', and England's and all its
    authorities'; an authority's value over a breakdown's period and the parts of that
    period. An area's value over a span is known when a chain of its known cells, added or
    taken away, links the span's first day to the day after its last (its cells, a
    difference of totals, a week less its Monday plus the next); otherwise its suppressed
    cells in the span, or its whole unpublished value, are unknowns. A suppressed cell so
    linked is pinned, and known from then on (until nothing changes); a relation with
    unknowns on one side only is judged: one suppressed cell alone is pinned, several whose
    sum is unsafe are a small sum. Under rounding every published term is known to within
    half a base times its weight (the terms a released sum adds up), a sum is flagged only
    when all of its possible values are unsafe, and a pinned cell is always flagged (not
    propagated). A cell withheld in one file and released in another is pinned; two
    released copies are inconsistent when they differ by more than their rounding allows.
    """
    batch = read_batch(Path(reports_dir))
    areas: dict[Key, AreaCells] = {}
    findings = [
        RelationFinding(file, measure, code, "", Breach.NO_REGION, 0)
        for file, measure, code in batch.unplaced
    ]
    runs: dict[tuple[Key, str], list[Span]] = {}
    for cell in batch.cells:
        area = areas.setdefault(cell.key, AreaCells())
        withheld = cell.file if cell.value is None else area.files.get(cell.span, cell.file)
        copies = area.add(cell, policy.round_base // 2 if policy.rounds else 0)
        if copies is not None and copies[0] is not None:
            findings.append(_finding(cell.file, cell.key, cell.span, Breach.INCONSISTENT, 0))
        elif copies is not None and (copies[1] or policy.rounds or policy.zeros_are_disclosive):
            findings.append(_finding(withheld, cell.key, cell.span, Breach.PINNED, 0))
        runs.setdefault((cell.key, cell.run), []).append(cell.span)
    for (key, _), spans in runs.items():
        areas[key].add_run(spans)
    families = _families(areas, batch.regions, batch.breakdowns)
    dirty: set[Key] | None = None  # the first pass checks every relation
    checked = 0
    while dirty is None or dirty:  # each pass keeps its findings
        relations, dirty = _check(areas, families, policy, findings, dirty)
        checked = checked or relations
    return RelationScan(sorted(set(findings)), checked)


def _families(
    areas: dict[Key, AreaCells],
    regions: dict[str, str],
    breakdowns: dict[Breakdown, dict[Span, str]],
) -> list[_Family]:
    """Every region and its authorities, England and its regions and its authorities, for
    each measure; and every breakdown of an authority's measure into parts."""
    by_region: dict[str, list[str]] = {}
    for la_code, region in sorted(regions.items()):
        by_region.setdefault(region, []).append(la_code)
    everyone = sorted(set(regions) | {code for _, level, code in areas if level == "la"})
    families = []
    for measure in sorted({key[0] for key in areas}):
        for region, members in by_region.items():
            kids = tuple((measure, "la", la_code) for la_code in members)
            families.append(_Family((measure, "region", region), kids, None))
        kids = tuple((measure, "la", la_code) for la_code in everyone)
        families.append(_Family((measure, "england", ENGLAND), kids, None))
        kids = tuple((measure, "region", region) for region in by_region)
        families.append(_Family((measure, "england", ENGLAND), kids, None))
    for breakdown, spans in sorted(breakdowns.items()):
        families.append(_Family(breakdown.parent, breakdown.parts, spans))
    return families


def _period(span: Span) -> str:
    return f"{span[0].isoformat()} to {(span[1] - dt.timedelta(days=1)).isoformat()}"


def _finding(file: str, key: Key, span: Span, breach: Breach, unknowns: int) -> RelationFinding:
    return RelationFinding(file, *cell_label(key, span), breach, unknowns)


def cell_label(key: Key, span: Span) -> tuple[str, str, str]:
    """A cell as findings name it: its measure, its area (and part), its period."""
    measure, level, code = key
    area = code if level in _LEVELS else f"{code} {level}"
    return measure, area, _period(span)


_Pin = tuple[Key, Span, int]


def _check(
    areas: dict[Key, AreaCells],
    families: list[_Family],
    policy: Policy,
    findings: list[RelationFinding],
    dirty: set[Key] | None,
) -> tuple[int, set[Key]]:
    """One pass over every relation that involves an area in ``dirty`` (None: every
    relation); the number checked, and the areas with cells pinned exactly (known from
    then on: at once within an area, in the next pass across areas)."""
    relations, pinned = 0, set()
    for key, area in sorted(areas.items()):
        if dirty is not None and key not in dirty:
            continue
        relations += len(area.relations())
        if _within(key, area, areas, policy, findings):
            pinned.add(key)
    pins = []
    for family in families:
        if dirty is not None and dirty.isdisjoint((family.total, *family.parts)):
            continue
        parent = areas.get(family.total)
        spans = family.spans if family.spans is not None else parent.files if parent else {}
        for span, file in sorted(spans.items()):
            whole, pieces = _Side(), _Side()
            whole.take(family.total, parent, span)
            for kid in family.parts:
                pieces.take(kid, areas.get(kid), span)
            relations += 1
            pins += _judge((file, family.total, span), whole, pieces, areas, policy, findings)
    for key, span, value in pins:
        areas[key].pin(span, value)
        pinned.add(key)
    return relations, pinned


def _within(
    key: Key,
    area: AreaCells,
    areas: dict[Key, AreaCells],
    policy: Policy,
    findings: list[RelationFinding],
) -> bool:
    """Judge the area's own cells: each withheld one its known cells link (pinned, then
    known), and each relation among them (small sums); whether any cell was pinned."""
    pinned, withheld = False, [span for span, value in area.values.items() if value is None]
    while True:
        pins = []
        for span in withheld:
            linked = area.links.between(span)
            if area.values[span] is None and linked is not None:
                whole, pieces = _Side(hidden=[(key, span)]), _Side(*linked)
                pins += _judge(
                    (area.files[span], key, span), whole, pieces, areas, policy, findings
                )
        for _, span, value in pins:
            area.pin(span, value)
        if not pins:
            break
        pinned = True
    for total, parts in area.relations():
        whole, pieces = _Side(), _Side()
        whole.own(key, area, total)
        for part in parts:
            pieces.own(key, area, part)
        # No pins here: a relation's only withheld cell is linked by its known cells, above.
        _judge((area.files[total], key, total), whole, pieces, areas, policy, findings)
    return pinned


def _judge(
    where: tuple[str, Key, Span],
    whole: _Side,
    pieces: _Side,
    areas: dict[Key, AreaCells],
    policy: Policy,
    findings: list[RelationFinding],
) -> list[_Pin]:
    """Judge one relation ``whole = pieces``; return the cell it pins, if any (only without
    rounding). Unknowns on both sides bound nothing here; on one side, their sum is the
    other side less the known terms, each known to within half a rounding base."""
    if bool(whole.unknowns) == bool(pieces.unknowns):  # unknowns on both sides, or none
        return []
    side, residual = (pieces, whole.known - pieces.known)
    if whole.unknowns:
        side, residual = whole, pieces.known - whole.known
    slack = policy.round_base // 2 * (whole.weight + pieces.weight)
    if len(side.hidden) == 1 and not side.missing:
        key, span = side.hidden[0]
        if residual != 0 or slack or policy.zeros_are_disclosive:  # a true 0 tells nothing
            findings.append(_finding(areas[key].files[span], key, span, Breach.PINNED, 1))
        return [] if slack else [(key, span, residual)]
    low, high = max(residual - slack, 0), max(residual + slack, 0)
    if high < policy.threshold and all(is_unsafe_count(v, policy) for v in range(low, high + 1)):
        file, key, span = where
        findings.append(_finding(file, key, span, Breach.SMALL_SUM, side.unknowns))
    return []
