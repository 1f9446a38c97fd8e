"""The cells of one measure across a batch, published and virtual, and their relations.

Every area (each authority, each region, England) has a cell for every period of every
step any authority uses and, with running totals, for every running total: virtual unless
a released file shows it. An area's *series* is its finest published step; its coarser
published steps (a region shown monthly beside a monthly authority, weekly beside a
weekly one) are derived from it: withheld wherever a series cell inside is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ldsa.sdc.relations import RelationSystem
from ldsa.sdc.timeline import Interval, Timeline, TimeStep

Area = tuple[str, str]  # ("la" | "region" | "england", code)
#: What earlier releases published of one measure, per area (by position): each period's
#: cell known (True: released in one of them) or withheld (False: in every one).
Prior = Mapping[int, Mapping[Interval, bool]]


class CellSpace:
    """The cells (published and virtual) and relations of one measure.

    Every area has a cell for every period of every step any authority uses, and (with
    running totals) a cell for every running total: virtual unless a released file shows
    it. An area's *series* is its finest published step; its coarser published steps (a
    region shown monthly beside a monthly authority, weekly beside a weekly one) are
    derived: withheld wherever a series cell inside is.

    With ``prior`` (earlier releases of the measure), the periods they published are
    cells too: *earlier* cells (a whole period that ended earlier, a month then partial)
    are added where their ends are week boundaries of the finest step, each the sum of the
    weeks in it. ``prior_known`` marks every cell an attacker holds from before,
    ``prior_withheld`` every cell they withheld (both published: they are in files).
    """

    def __init__(
        self,
        weekly: npt.NDArray[np.int64],
        areas: Sequence[Area],
        own_levels: Sequence[Sequence[TimeStep]],
        timeline: Timeline,
        cumulative: bool,
        prior: Prior | None = None,
    ) -> None:
        self.timeline = timeline
        self.areas = list(areas)
        self.cumulative = cumulative
        used = {s for own in own_levels for s in own} | {TimeStep.PERIOD}
        self.levels = sorted(used, key=lambda s: s.rank)
        self.index: list[dict[Interval, int]] = [{} for _ in areas]
        self.cell_area: list[int] = []
        self.cell_interval: list[Interval] = []
        for area in range(len(areas)):
            for step in self.levels:
                for interval in timeline.intervals(step):
                    self._cell(area, interval)
            if cumulative:
                for end in timeline.ends(self.levels[0]):
                    self._cell(area, (0, end))
        n_regular = len(self.cell_area)
        earlier = self._earlier_cells(prior or {})
        n_cells = len(self.cell_area)
        running = np.concatenate([np.zeros((len(areas), 1), np.int64), weekly.cumsum(1)], 1)
        starts = np.array([i[0] for i in self.cell_interval], dtype=np.int64)
        ends = np.array([i[1] for i in self.cell_interval], dtype=np.int64)
        self.owner = np.array(self.cell_area, dtype=np.int64)
        self.raw = running[self.owner, ends] - running[self.owner, starts]
        self.raw_values: list[int] = self.raw.tolist()
        self.is_period = ends - starts == timeline.n_weeks
        self.published = np.zeros(n_cells, dtype=bool)
        self.is_series = np.zeros(n_cells, dtype=bool)
        self.series_of: list[list[int]] = []
        self.prefixes_of: list[list[int]] = []
        self.coarse: list[tuple[int, list[int]]] = []  # derived cell, series cells inside
        self.prefix_parts: list[tuple[int, list[int]]] = []  # running total, cells before
        self.aliases: list[tuple[int, int]] = []  # cells with the same numbers
        self.region_of_area: dict[int, int] = {}  # each authority's region (areas)
        self.children_of: dict[int, list[int]] = {}  # each region's authorities (areas)
        self.parent_relations: list[int] = []  # relations of a parent and its children
        for area, own in enumerate(own_levels):
            self._publish(area, sorted(set(own) - {TimeStep.PERIOD}, key=lambda s: s.rank))
        self.is_earlier = np.arange(n_cells) >= n_regular
        self.prior_known = np.zeros(n_cells, dtype=bool)
        self.prior_withheld = np.zeros(n_cells, dtype=bool)
        for cell, known in earlier.items():
            (self.prior_known if known else self.prior_withheld)[cell] = True
        self.published_now = self.published.copy()  # in this release's files
        self.published |= self.prior_known | self.prior_withheld
        self.area_kind = np.array([self.areas[a][0] for a in self.cell_area])

    def _cell(self, area: int, interval: Interval) -> int:
        found = self.index[area].get(interval)
        if found is None:
            found = len(self.cell_area)
            self.index[area][interval] = found
            self.cell_area.append(area)
            self.cell_interval.append(interval)
        return found

    def _earlier_cells(self, prior: Prior) -> dict[int, bool]:
        """The cell of each period an earlier release published, and whether it is known.

        A period that is no cell yet is added for every area (virtual unless an earlier
        release published it), so that parents stay the sums of their children; periods
        whose ends are not boundaries of the finest step are left out (the ledger check
        still reads them).
        """
        leaves = self.timeline.intervals(self.levels[0])
        bounds = {start for start, _ in leaves} | {self.timeline.n_weeks}
        periods = {i for found in prior.values() for i in found}
        for interval in sorted(periods):
            if interval not in self.index[0] and {*interval} <= bounds:
                for area in range(len(self.areas)):
                    self._cell(area, interval)
        return {
            self.index[area][interval]: known
            for area, found in sorted(prior.items())
            for interval, known in sorted(found.items())
            if interval in self.index[area]
        }

    def _publish(self, area: int, steps: list[TimeStep]) -> None:
        cells = self.index[area]
        self.published[cells[(0, self.timeline.n_weeks)]] = True
        if not steps:
            self.series_of.append([])
            self.prefixes_of.append([])
            return
        finest = self.timeline.intervals(steps[0])
        series = [cells[i] for i in finest]
        self.series_of.append(series)
        self.published[series] = True
        self.is_series[series] = True
        for step in steps[1:]:
            position = 0
            for interval in self.timeline.intervals(step):
                inside = []
                while position < len(finest) and finest[position][1] <= interval[1]:
                    inside.append(series[position])
                    position += 1
                self.published[cells[interval]] = True
                self.coarse.append((cells[interval], inside))
        ends = self.timeline.ends(steps[0]) if self.cumulative else ()
        prefixes = [cells[(0, end)] for end in ends]
        self.prefixes_of.append(prefixes)
        self.published[prefixes] = True
        for position, prefix in enumerate(prefixes[1:-1], start=2):
            self.prefix_parts.append((prefix, series[:position]))

    def relations(self, parents: Sequence[tuple[int, Sequence[int]]]) -> RelationSystem:
        """Time relations of every area, and each parent area as the sum of its children
        (a region of its authorities; England of its regions, and of all authorities)."""
        totals: list[int] = []
        parts: list[list[int]] = []
        for area in range(len(self.areas)):
            self._time_relations(self.index[area], totals, parts)
        self.parent_relations = []
        self.via_regions: dict[int, list[int]] = {}  # relation: each part's region cell
        self._earlier_relations(totals, parts)
        for parent, kids in parents:
            for interval, cell in self.index[parent].items():
                self.parent_relations.append(len(totals))
                if kids and self.areas[kids[0]][0] == "la" and self.areas[parent][0] == "england":
                    self.via_regions[len(totals)] = [
                        self.index[self.region_of_area[k]][interval] for k in kids
                    ]
                totals.append(cell)
                parts.append([self.index[kid][interval] for kid in kids])
                if len(kids) == 1:  # a region of one authority: the same numbers
                    self.aliases.append((cell, self.index[kids[0]][interval]))
        return RelationSystem(self.raw, self.published, totals, parts)

    def _earlier_relations(self, totals: list[int], parts: list[list[int]]) -> None:
        """Each added earlier cell as the sum of its area's finest cells inside it."""
        leaves = self.timeline.intervals(self.levels[0])
        for cell in np.flatnonzero(self.is_earlier):
            area, (start, end) = self.cell_area[cell], self.cell_interval[cell]
            inside = [self.index[area][leaf] for leaf in leaves if start <= leaf[0] < end]
            totals.append(int(cell))
            parts.append(inside)

    def atoms(self, cell: int) -> list[int]:
        """The cell as a sum of its area's series cells, or itself when they do not make it
        up (a week of an authority released monthly)."""
        area = self.cell_area[cell]
        start, end = self.cell_interval[cell]
        bounds = self._bounds[area]
        if start in bounds and end in bounds:
            return self.series_of[area][bounds[start] : bounds[end]]
        return [cell]

    @property
    def n_cells(self) -> int:
        """Number of cells, published and virtual."""
        return len(self.cell_area)

    def atom_matrix(self) -> sparse.csr_matrix:
        """Row ``c`` marks the cells :meth:`atoms` splits cell ``c`` into."""
        if not hasattr(self, "_atom_cache"):
            rows, cols = [], []
            for cell in range(self.n_cells):
                for atom in self.atoms(cell):
                    rows.append(cell)
                    cols.append(atom)
            ones = np.ones(len(rows), dtype=np.int64)
            shape = (self.n_cells, self.n_cells)
            self._atom_cache = sparse.csr_matrix((ones, (rows, cols)), shape=shape)
        return self._atom_cache

    @property
    def _bounds(self) -> list[dict[int, int]]:
        """Per area, the position in its series of each boundary week."""
        if not hasattr(self, "_bounds_cache"):
            self._bounds_cache = []
            for series in self.series_of:
                bounds = {self.cell_interval[c][0]: i for i, c in enumerate(series)}
                if series:
                    bounds[self.cell_interval[series[-1]][1]] = len(series)
                self._bounds_cache.append(bounds)
        return self._bounds_cache

    def unify(self, hidden: npt.NDArray[np.bool_]) -> None:
        """Withhold a cell wherever an identical one (a one-authority region) is withheld."""
        changed = bool(self.aliases)
        while changed:
            changed = False
            for first, second in self.aliases:
                if hidden[first] != hidden[second]:
                    hidden[first] = hidden[second] = True
                    changed = True

    def _time_relations(
        self, cells: dict[Interval, int], totals: list[int], parts: list[list[int]]
    ) -> None:
        """Each coarser period as the sum of every finer step's periods in it; each running
        total as the previous one plus the period between them."""
        for fine_i, fine in enumerate(self.levels):
            fine_intervals = self.timeline.intervals(fine)
            for coarse in self.levels[fine_i + 1 :]:
                position = 0
                for start, end in self.timeline.intervals(coarse):
                    inside = []
                    while position < len(fine_intervals) and fine_intervals[position][1] <= end:
                        inside.append(cells[fine_intervals[position]])
                        position += 1
                    if len(inside) > 1:
                        totals.append(cells[(start, end)])
                        parts.append(inside)
            if self.cumulative and fine is not TimeStep.PERIOD:
                for start, end in fine_intervals[1:]:
                    totals.append(cells[(0, end)])
                    parts.append([cells[(0, start)], cells[(start, end)]])

    def series_target(self, cell: int, released: npt.NDArray[np.bool_]) -> int | None:
        """The series cell to suppress in order to withhold ``cell``: itself, or for a
        derived cell or a running total the released series cell inside it with the
        smallest positive value (a running total alone is derivable from them; a zero,
        withheld, is worked out again since counts are never negative)."""
        inside = self._inside.get(cell)
        if inside is None:
            return cell
        options = [(int(self.raw[c]), c) for c in inside if released[c] and self.raw[c] > 0]
        if options:
            return min(options)[1]
        # Its cells are all withheld (or zero): only the running total itself can go.
        return cell if cell in self._running_totals else None

    def is_running_total(self, cell: int) -> bool:
        """Whether a cell is a running total (from the period's start, not all of it)."""
        start, end = self.cell_interval[cell]
        return self.cumulative and start == 0 and end < self.timeline.n_weeks

    def around_end(self, cell: int, released: npt.NDArray[np.bool_]) -> tuple[int, ...]:
        """The released series cells just before and just after a cell's end (empty when
        either is missing or withheld), whose suppression leaves its running total open."""
        area = self.cell_area[cell]
        position = self._bounds[area].get(self.cell_interval[cell][1])
        series = self.series_of[area]
        if position is None or not 0 < position < len(series):
            return ()
        pair = (series[position - 1], series[position])
        return pair if all(released[c] for c in pair) else ()

    @property
    def _running_totals(self) -> set[int]:
        if not hasattr(self, "_totals_cache"):
            self._totals_cache = {cell for cell, _ in self.prefix_parts}
        return self._totals_cache

    @property
    def _inside(self) -> dict[int, list[int]]:
        if not hasattr(self, "_inside_cache"):
            self._inside_cache = dict(self.prefix_parts) | dict(self.coarse)
        return self._inside_cache

    def derived_suppressed(
        self, suppressed: npt.NDArray[np.bool_], withheld: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.bool_]:
        """Cells of coarser published steps withheld because a series cell inside is,
        unless the running totals at both their ends are released (they give it anyway)."""
        out = np.zeros(len(suppressed), dtype=bool)
        for cell, inside in self.coarse:
            if not suppressed[inside].any():
                continue
            area = self.cell_area[cell]
            start, end = self.cell_interval[cell]
            ends = [self.index[area].get((0, point)) for point in (start, end) if point]
            shown = [
                c is not None and self.published[c] and not (suppressed[c] or withheld[c])
                for c in ends
            ]
            out[cell] = not (self.cumulative and all(shown))
        return out
