"""What an attacker knows within one area: every period between two linked boundaries.

Within an area and measure every known cell is a known sum over a run of weeks. Two week
boundaries joined by a chain of known cells (added or subtracted) give the sum between
them: a quarter less its known months, a headline less its known series cells, two
running totals, a month of an authority worked out from its region. :class:`IntervalGraphs`
joins the boundaries of every area at once (one connected-components call) and reads off,
between consecutive linked boundaries, the unknown weeks and their sum: one unknown week
is worked out exactly, and several whose sum is unsafe (or zero, so each is zero) are a
breach or a deduction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ldsa.sdc.cellspace import CellSpace
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count

Bools = npt.NDArray[np.bool_]
#: Parents with at most this many children also pass links down to a child.
_ALL_BUT_ONE = 80


@dataclasses.dataclass(frozen=True)
class Gap:
    """Weeks ``[start, end)`` of one area whose sum is known, with unknown weeks in it."""

    area: int
    start: int  #: first week
    end: int  #: week after the last
    hidden: int  #: how many of its weeks are unknown
    amount: int  #: their raw sum


class IntervalGraphs:
    """Boundary graphs of every area of a :class:`CellSpace`."""

    def __init__(self, space: CellSpace, parents: Sequence[tuple[int, Sequence[int]]] = ()) -> None:
        self.space = space
        self.parents = [(p, np.asarray(k, dtype=np.int64)) for p, k in parents if len(k)]
        widest = max((len(k) for _, k in self.parents), default=0)
        rng = np.random.default_rng(20200301)  # fixed: the same release gives the same plan
        self._weights = rng.integers(1, 2**31, size=widest + 1, dtype=np.int64)
        n_weeks = space.timeline.n_weeks
        self.points = n_weeks + 1
        leaves = space.timeline.intervals(space.levels[0])  # the finest step any area uses
        self.week_cell = np.array(
            [[space.index[a][w] for w in leaves] for a in range(len(space.areas))],
            dtype=np.int64,
        )
        self.position = np.full(self.points, -1, dtype=np.int64)
        self.position[[start for start, _ in leaves]] = np.arange(len(leaves))
        self.position[n_weeks] = len(leaves)
        starts = np.array([i[0] for i in space.cell_interval], dtype=np.int64)
        ends = np.array([i[1] for i in space.cell_interval], dtype=np.int64)
        self.from_node = space.owner * self.points + starts
        self.to_node = space.owner * self.points + ends

    def labels(self, known: Bools) -> npt.NDArray[np.int64]:
        """Component of every (area, boundary) node, with links between areas followed.

        A parent's two boundaries are linked when every child's are (the parent's sum
        between them is the children's); a child's, when the parent's and every other
        child's are. Equal tuples of component labels are found by a weighted hash.
        """
        n_nodes = len(self.space.areas) * self.points
        chosen = np.flatnonzero(known)
        sources, targets = [self.from_node[chosen]], [self.to_node[chosen]]
        while True:
            graph = sparse.csr_matrix(
                (np.ones(sum(len(a) for a in sources)),
                 (np.concatenate(sources), np.concatenate(targets))),
                shape=(n_nodes, n_nodes),
            )  # fmt: skip
            _, labels = connected_components(graph, directed=False)
            grid = labels.reshape(len(self.space.areas), self.points).astype(np.int64)
            first, second = self._cross_links(grid)
            new = labels[first] != labels[second]
            if not new.any():
                return np.asarray(grid, dtype=np.int64)
            sources.append(first[new])
            targets.append(second[new])

    def _cross_links(self, grid: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
        empty = np.zeros(0, dtype=np.int64)
        firsts, seconds = [empty], [empty]
        boundary = np.flatnonzero(self.position >= 0)
        for parent, kids in self.parents:
            weights = self._weights[: len(kids) + 1]
            combined = weights[1:] @ grid[kids][:, boundary]
            rows = [(parent, combined)]
            if len(kids) <= _ALL_BUT_ONE:
                others = combined[None, :] - weights[1:, None] * grid[kids][:, boundary]
                mine = others + weights[0] * grid[parent, boundary][None, :]
                rows += list(zip(kids, mine, strict=True))
            for area, key in rows:
                order = np.argsort(key, kind="stable")
                equal = key[order[1:]] == key[order[:-1]]
                base = int(area) * self.points
                firsts.append(base + boundary[order[:-1][equal]])
                seconds.append(base + boundary[order[1:][equal]])
        return np.concatenate(firsts), np.concatenate(seconds)

    def gaps(self, known: Bools) -> list[Gap]:
        """Every run of weeks between consecutive linked boundaries that holds unknowns."""
        n_nodes = len(self.space.areas) * self.points
        labels = self.labels(known).ravel()
        order = np.lexsort((np.arange(n_nodes), labels))
        same = labels[order[1:]] == labels[order[:-1]]
        first, second = order[:-1][same], order[1:][same]
        area, start, end = first // self.points, first % self.points, second % self.points
        hidden = (~known[self.week_cell]).astype(np.int64)
        raw = self.space.raw[self.week_cell]
        zero = np.zeros((hidden.shape[0], 1), dtype=np.int64)
        count = np.hstack([zero, np.cumsum(hidden, axis=1)])
        total = np.hstack([zero, np.cumsum(hidden * raw, axis=1)])
        start_leaf, end_leaf = self.position[start], self.position[end]
        counts = count[area, end_leaf] - count[area, start_leaf]
        amounts = total[area, end_leaf] - total[area, start_leaf]
        keep = np.flatnonzero(counts > 0)
        return [
            Gap(int(area[i]), int(start[i]), int(end[i]), int(counts[i]), int(amounts[i]))
            for i in keep
        ]

    def hidden_weeks(self, gap: Gap, known: Bools) -> list[int]:
        """The unknown finest cells (weeks, where any area is weekly) of a gap."""
        cells = self.week_cell[gap.area, self.position[gap.start] : self.position[gap.end]]
        return [int(c) for c in cells if not known[c]]

    def deduce(self, known: Bools) -> dict[int, Gap]:
        """Week cells an attacker works out from the gaps, each with the gap that gives it:
        a lone unknown week, or every week of a gap whose unknown sum is 0 (counts are
        never negative)."""
        out: dict[int, Gap] = {}
        for gap in self.gaps(known):
            if gap.hidden == 1 or gap.amount == 0:
                out |= dict.fromkeys(self.hidden_weeks(gap, known), gap)
        return out

    def breaches(self, known: Bools, policy: Policy) -> list[Gap]:
        """Gaps of two or more unknown weeks whose sum is unsafe."""
        return [
            gap
            for gap in self.gaps(known)
            if gap.hidden > 1 and is_unsafe_count(gap.amount, policy)
        ]
