"""Published linear relations among released cells, and what an attacker learns from them.

A :class:`RelationSystem` holds cells (each a count over a set of raw records: one area
over one period) and relations ``total = part + part + ...`` among them. Some cells are
published (released or suppressed); the others are *virtual*: sums an attacker may try to
work out (an authority's weekly count when it is released only monthly). :func:`audit`
plays the attacker: it works out every cell that some relation leaves as the only
unknown, repeatedly, then reads off the sum of the unknowns of every relation whose total
is known, and reports each way the release gives something away.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import unsafe_counts

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


#: ``revealed_by`` of a cell worked out by a deduction rather than one relation.
DEDUCED = -2


class Breach(enum.Enum):
    """How a relation gives something away."""

    PINNED = "pinned"  # a suppressed cell is the only unknown of a relation
    SMALL_PART = "small-part"  # an unpublished part worked out exactly is unsafe
    SMALL_SUM = "small-sum"  # the unknowns of a relation sum to an unsafe total


@dataclasses.dataclass(frozen=True)
class Violation:
    """One way a release gives something away: the relation, the cell, the amount."""

    breach: Breach
    relation: int  #: the relation that gives it away, or DEDUCED
    cell: int  #: the cell worked out (PINNED, SMALL_PART) or -1 (SMALL_SUM)
    amount: int  #: the raw value worked out: the cell's, or the unknowns' sum
    options: tuple[int, ...] = ()  #: for a deduction, the cells that could protect it


class RelationSystem:
    """Cells and the relations published among them.

    Parameters
    ----------
    raw
        Raw value of every cell.
    published
        Whether each cell appears in a released file (else it is virtual).
    totals
        The total cell of each relation.
    parts
        The part cells of each relation.
    """

    def __init__(
        self,
        raw: Ints,
        published: Bools,
        totals: Sequence[int],
        parts: Sequence[Sequence[int]],
    ) -> None:
        self.raw = np.asarray(raw, dtype=np.int64)
        self.published = np.asarray(published, dtype=bool)
        self.totals = np.asarray(totals, dtype=np.int64)
        n_cells, n_relations = len(self.raw), len(self.totals)
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=n_relations)
        flat = np.fromiter((c for p in parts for c in p), dtype=np.int64, count=int(lengths.sum()))
        pointer = np.concatenate([[0], np.cumsum(lengths)])
        self.parts = sparse.csr_matrix(
            (np.ones(len(flat), dtype=np.int64), flat, pointer), shape=(n_relations, n_cells)
        )
        total_matrix = sparse.csr_matrix(
            (np.ones(n_relations, dtype=np.int64), self.totals, np.arange(n_relations + 1)),
            shape=(n_relations, n_cells),
        )
        self.members = (self.parts + total_matrix).tocsr()
        self.members.data[:] = 1

    @property
    def n_cells(self) -> int:
        """Number of cells (published and virtual)."""
        return len(self.raw)

    @property
    def n_relations(self) -> int:
        """Number of relations."""
        return len(self.totals)

    def members_of(self, relation: int) -> Ints:
        """The cells of one relation: its total and its parts."""
        row = slice(self.members.indptr[relation], self.members.indptr[relation + 1])
        return np.asarray(self.members.indices[row], dtype=np.int64)

    def parts_of(self, relation: int) -> Ints:
        """The part cells of one relation."""
        row = slice(self.parts.indptr[relation], self.parts.indptr[relation + 1])
        return np.asarray(self.parts.indices[row], dtype=np.int64)


@dataclasses.dataclass(frozen=True)
class Knowledge:
    """What an attacker knows after :func:`audit`: cells known, and how."""

    known: Bools  #: released, or worked out from the relations
    revealed_by: Ints  #: the relation that gave each worked-out cell away (-1: none)
    unknown_parts: Ints  #: per relation, how many parts stay unknown
    violations: tuple[Violation, ...]


def unsafe(values: npt.ArrayLike, policy: Policy) -> Bools:
    """Vectorised primary rule: counts the policy calls unsafe on their own (none under a
    policy for published inputs; :func:`~ldsa.sdc.primary.unsafe_counts`)."""
    return unsafe_counts(values, policy)


def audit(
    system: RelationSystem,
    released: Bools,
    policy: Policy,
    deduce: Callable[[Bools], Iterable[int]] | None = None,
) -> Knowledge:
    """Work out everything the published relations give away, and list the breaches.

    Parameters
    ----------
    system
        The cells and relations.
    released
        Which cells are released (published and not suppressed).
    policy
        The disclosure policy (threshold, zeros).
    deduce
        Further deductions from what is known (cells it returns become known, with
        ``revealed_by`` -2), applied whenever the relations give nothing more.

    Returns
    -------
    Knowledge
        The cells known to an attacker and every violation: a suppressed cell pinned as
        the only unknown of a relation; an unpublished part worked out exactly with an
        unsafe value; the unknowns of a relation with a known total summing to an unsafe
        value (between 1 and the threshold less 1, or 0 when zeros are disclosive).

    Notes
    -----
    Cells pinned by one relation count as known for every other, until nothing changes;
    each round is one sparse product, so the cost is linear in the size of the relations
    times the length of the longest chain of deductions. Only single relations (after
    propagation) are read: a combination of several relations, none of which pins
    anything alone, is not searched for here (the tests audit small systems exactly).

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.3-4.4.
    .. [2] disclosure.md, "Protection over every published relation".
    """
    known = np.asarray(released, dtype=bool).copy()
    revealed_by = np.full(system.n_cells, -1, dtype=np.int64)
    index = np.arange(1, system.n_cells + 1, dtype=np.int64)
    while True:
        hidden = (~known).astype(np.int64)
        single = np.flatnonzero(system.members @ hidden == 1)
        if single.size:
            which = system.members[single] @ (hidden * index) - 1
            cells, first = np.unique(which, return_index=True)
            revealed_by[cells] = single[first]
            known[cells] = True
            continue
        more = [c for c in (deduce(known) if deduce else ()) if not known[c]]
        if not more:
            break
        revealed_by[more] = DEDUCED
        known[more] = True
    violations: list[Violation] = []
    worked_out = np.flatnonzero(revealed_by != -1)
    for cell in worked_out:
        if system.published[cell]:
            violations.append(
                Violation(Breach.PINNED, int(revealed_by[cell]), int(cell), int(system.raw[cell]))
            )
    virtual_unsafe = worked_out[~system.published[worked_out]]
    virtual_unsafe = virtual_unsafe[unsafe(system.raw[virtual_unsafe], policy)]
    for cell in virtual_unsafe:
        violations.append(
            Violation(Breach.SMALL_PART, int(revealed_by[cell]), int(cell), int(system.raw[cell]))
        )
    hidden = (~known).astype(np.int64)
    unknown_parts = np.asarray(system.parts @ hidden, dtype=np.int64)
    sums = np.asarray(system.parts @ (hidden * system.raw), dtype=np.int64)
    open_sums = np.flatnonzero(known[system.totals] & (unknown_parts > 0))
    for relation in open_sums[unsafe(sums[open_sums], policy)]:
        violations.append(Violation(Breach.SMALL_SUM, int(relation), -1, int(sums[relation])))
    return Knowledge(known, revealed_by, unknown_parts, tuple(violations))
