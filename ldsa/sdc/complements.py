"""Which cell to suppress next: the cheapest complement that protects a breached relation.

The costs (:func:`tiers`) prefer authorities' series cells, where a series loses the
smallest share of its points, to regions', England's, period totals and running totals; a
complement must lift the unknowns' sum to the threshold (the smallest value that does).
A known member of a relation is made unknown through the cell it was worked out from
(:func:`repair`); an authority's running total, by withheld cells on both sides of its end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ldsa.sdc.cellspace import CellSpace
from ldsa.sdc.intervals import Gap
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.relations import DEDUCED, Breach, Knowledge, RelationSystem, Violation, unsafe
from ldsa.sdc.timeline import Interval

#: Cost of cells never suppressed as complements, of the first region cell, and added for
#: a true zero (withheld only when nothing else will do: counts are never negative).
NEVER = 99_000
REGION_TIER = 3000
_ZERO_COST = 50_000


def tiers(space: CellSpace, suppressed: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Cost of suppressing each published cell (lower is cheaper).

    Authority series cells first, cheapest where the authority's series would lose the
    smallest share of its points (a week of a weekly series before a quarter of a
    quarterly one: readers keep a readable chart); then regions, then England; period
    totals after series cells; running totals last (withholding one is futile while the
    cells before it are released). Never a cell an earlier release published: it is known.
    """
    tiers = np.full(len(suppressed), NEVER, dtype=np.int64)
    kind = space.area_kind
    share = np.zeros(len(suppressed), dtype=np.int64)
    for cells in space.series_of:
        if cells:
            lost = int(suppressed[cells].sum()) + 1
            share[cells] = min(999, 1000 * lost // len(cells))
    series = space.published & space.is_series
    tiers[series & (kind == "la")] = 1000 + share[series & (kind == "la")]
    tiers[series & (kind == "region")] = 3000 + share[series & (kind == "region")]
    tiers[series & (kind == "england")] = 4000 + share[series & (kind == "england")]
    period = space.published & space.is_period
    tiers[period & (kind == "la")] = 5000
    tiers[period & (kind == "region")] = 6000
    tiers[period & (kind == "england")] = 7000
    tiers[space.published & ~series & ~period & (tiers == NEVER)] = 8000
    tiers[space.prior_known | space.is_earlier] = NEVER  # withholding them hides nothing
    return tiers


def expanded_violations(
    space: CellSpace, system: RelationSystem, knowledge: Knowledge, policy: Policy
) -> list[Violation]:
    """Breaches of parent relations once each unknown child is split into its own cells.

    A region's month less its authorities' known months leaves the unknown months; but an
    attacker also knows the released weeks inside those months, so what is really left is
    the sum of the suppressed weeks. Each unknown part is replaced by its area's series
    cells (:meth:`CellSpace.atoms`), and the relation is judged on those.
    """
    known = knowledge.known
    relations = np.asarray(space.parent_relations, dtype=np.int64)
    relations = relations[known[system.totals[relations]]]
    hidden = sparse.diags((~known).astype(np.int64), dtype=np.int64)
    atoms = (system.parts[relations] @ hidden @ space.atom_matrix() @ hidden).tocsr()
    count = np.asarray(atoms @ np.ones(space.n_cells, dtype=np.int64))
    amounts = np.asarray(atoms @ space.raw)
    which = np.asarray(atoms @ np.arange(1, space.n_cells + 1, dtype=np.int64)) - 1
    out = []
    for row in np.flatnonzero(count > 0):
        relation, amount = int(relations[row]), int(amounts[row])
        if count[row] == 1 and space.published[which[row]]:
            out.append(Violation(Breach.PINNED, relation, int(which[row]), amount))
        elif is_unsafe_count(amount, policy):
            out.append(Violation(Breach.SMALL_SUM, relation, -1, amount))
    return out


def by_cause(
    space: CellSpace, system: RelationSystem, violations: Sequence[Violation]
) -> list[Violation]:
    """Violations in repair order: causes (series cells, sums) before consequences (running
    totals worked out because of them), then by relation."""

    def key(violation: Violation) -> tuple[bool, int, int]:
        cell = subject(system, violation)
        derived = bool(space.published[cell] and not space.is_series[cell])
        return (derived, violation.relation, violation.cell)

    return sorted(violations, key=key)


def subject(system: RelationSystem, violation: Violation) -> int:
    """The cell a violation is about: the one worked out, or its relation's total."""
    if violation.cell >= 0:
        return violation.cell
    if violation.relation >= 0:
        return int(system.totals[violation.relation])
    return violation.options[0] if violation.options else 0


def repair(
    space: CellSpace,
    system: RelationSystem,
    knowledge: Knowledge,
    released: npt.NDArray[np.bool_],
    tiers: npt.NDArray[np.int64],
    violation: Violation,
    policy: Policy,
) -> tuple[int, ...] | None:
    """The published cells whose suppression adds enough unknown to the violated relation.

    Candidates: each known member (made unknown by suppressing the cheapest released cell
    it rests on) and, in a parent relation, each released cell inside an unknown child.
    The cheapest cell to suppress whose value lifts the unknowns' sum to the threshold
    goes first (the smallest such value); otherwise the largest value.
    """
    # An unsafe amount needs partners that lift the sum to the threshold; a safe one (a
    # complement, or a zero where zeros are not disclosive) only needs any partner.
    amount = violation.amount
    needed = policy.threshold - amount if bool(unsafe([amount], policy)[0]) else 0
    options: list[tuple[int, int]] = [(int(space.raw[c]), c) for c in violation.options]
    members: list[int] = (
        [int(m) for m in system.members_of(violation.relation)] if violation.relation >= 0 else []
    )
    regions = space.via_regions.get(violation.relation)
    if regions is not None:  # England as all authorities: only where a region is unknown
        open_parts = [
            p
            for p, r in zip(system.parts_of(violation.relation), regions, strict=True)
            if not knowledge.known[r]
        ]
        members = [system.totals[violation.relation], *open_parts]
    straddle = violation.relation in space.parent_relations and space.is_running_total(
        int(system.totals[violation.relation])
    )
    pairs: list[tuple[int, tuple[int, ...]]] = []
    for member in members:
        if member == violation.cell:
            continue
        if knowledge.known[member] and straddle and member != system.totals[violation.relation]:
            # A child's running total stays unknown only with withheld cells on both
            # sides of its end (else it follows from the total before or after it).
            around = space.around_end(int(member), released)
            if around:
                pairs.append((int(space.raw[around[0]]), around))
        elif knowledge.known[member]:
            hide = _hide(system, knowledge, released, tiers, int(member), depth=0)
            target = None if hide is None else space.series_target(hide, released)
            if target is not None:
                options.append((int(system.raw[member]), target))
        else:  # an unknown part (a relation's total is always known)
            options += [(int(space.raw[a]), a) for a in space.atoms(int(member)) if released[a]]
    pairs += [(value, (target,)) for value, target in options]
    best: tuple[tuple[int, int, int, int], tuple[int, ...]] | None = None
    for value, targets in pairs:
        if any(tiers[t] >= NEVER for t in targets) or (needed and value == 0):
            continue  # a zero adds nothing to an unsafe sum
        fits = value >= needed
        cost = max(int(tiers[t]) for t in targets)
        if not policy.zeros_are_disclosive and any(space.raw[t] == 0 for t in targets):
            cost += _ZERO_COST  # a true zero withheld only when nothing else will do
        key = (cost, 0 if fits else 1, value if fits else -value, targets[0])
        if best is None or key < best[0]:
            best = (key, targets)
    return None if best is None else best[1]


def _hide(
    system: RelationSystem,
    knowledge: Knowledge,
    released: npt.NDArray[np.bool_],
    tiers: npt.NDArray[np.int64],
    cell: int,
    depth: int,
) -> int | None:
    """The released cell to suppress so that ``cell`` is no longer known (or None)."""
    if released[cell]:
        return cell
    relation = int(knowledge.revealed_by[cell])
    if relation < 0 or depth > 3:
        return None
    options = []
    for member in system.members_of(relation):
        if member == cell or not knowledge.known[member]:
            continue
        target = _hide(system, knowledge, released, tiers, int(member), depth + 1)
        if target is not None and tiers[target] < NEVER:
            value = int(system.raw[target])
            options.append((int(tiers[target]), value == 0, value, target))
    return min(options)[3] if options else None


def wide_repair(
    space: CellSpace,
    system: RelationSystem,
    released: npt.NDArray[np.bool_],
    violations: Sequence[Violation],
    policy: Policy,
) -> list[int]:
    """Every released series cell behind the first violation that has any: the last resort
    when no single complement protects a relation (rare, in tiny batches)."""
    behind = (_cells_behind(space, system, released, v, policy) for v in violations)
    return next((cells for cells in behind if cells), [])


def _cells_behind(
    space: CellSpace,
    system: RelationSystem,
    released: npt.NDArray[np.bool_],
    violation: Violation,
    policy: Policy,
) -> list[int]:
    """The released series cells that make up a violation's members (true zeros left out
    when zeros are released: withholding them adds nothing)."""
    members = (
        list(system.members_of(violation.relation))
        if violation.relation >= 0
        else list(violation.options)
    )
    cells = set()
    for member in members:
        inside = space.atoms(int(member)) if not released[member] else [int(member)]
        cells |= {c for c in inside if released[c]}
        if released[member]:
            cells |= {space.series_target(int(member), released) or int(member)}
    return sorted(
        c
        for c in cells
        if (policy.zeros_are_disclosive or space.raw[c] > 0) and not space.prior_known[c]
    )


def with_options(
    space: CellSpace,
    system: RelationSystem,
    knowledge: Knowledge,
    violation: Violation,
    gaps: dict[int, Gap],
    released: npt.NDArray[np.bool_],
) -> Violation:
    """A violation from a deduction, with the cells that could protect it."""
    if violation.relation != DEDUCED:
        return violation
    gap = gaps[violation.cell]
    options = gap_options(space, gap, released, system, knowledge)
    return dataclasses.replace(violation, options=options)


def gap_options(
    space: CellSpace,
    gap: Gap,
    released: npt.NDArray[np.bool_],
    system: RelationSystem,
    knowledge: Knowledge,
) -> tuple[int, ...]:
    """Cells that could protect a gap: released series cells of its area inside it (more
    unknown weeks in it) or next to it, and the cells that make its ends known (a released
    cell of the area ending there, or a released member of the relation that revealed one)."""
    areas = [gap.area, *space.children_of.get(gap.area, [])]
    options = [
        c
        for area in areas
        for c in space.series_of[area]
        if released[c] and _overlaps(space.cell_interval[c], (gap.start, gap.end))
    ]
    # The area's released series cells just outside it: withheld, one joins the gap (its
    # end known from a cell an earlier release published, which nothing can hide now).
    options += [
        c
        for c in space.series_of[gap.area]
        if released[c]
        and (space.cell_interval[c][1] == gap.start or space.cell_interval[c][0] == gap.end)
    ]
    for interval, cell in space.index[gap.area].items():
        if not knowledge.known[cell] or (interval[0] != gap.start and interval[1] != gap.end):
            continue
        if released[cell]:
            options.append(cell)
            continue
        relation = int(knowledge.revealed_by[cell])
        if relation >= 0:
            options += [int(m) for m in system.members_of(relation) if released[m] and m != cell]
    found = [t for c in options if (t := space.series_target(c, released)) is not None]
    if not any(space.raw[c] > 0 for c in found):  # derived through England: any area's cell
        touching = (gap.start, gap.end)
        found = [
            t
            for c in np.flatnonzero(released)
            if _overlaps(space.cell_interval[c], touching)
            or set(space.cell_interval[c]) & set(touching)
            if (t := space.series_target(int(c), released)) is not None
        ]
    return tuple(dict.fromkeys(found))


def _overlaps(first: Interval, second: Interval) -> bool:
    return first[0] < second[1] and second[0] < first[1]
