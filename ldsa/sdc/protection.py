"""Protection of one measure over every relation a batch publishes.

Every authority's series (at its own time step), its running totals and its period total,
and the same for its region and England, are one system of published linear relations
(:mod:`ldsa.sdc.relations`). :func:`protect_measure` chooses each authority's time step
(adaptive time resolution), suppresses unsafe cells, derives where running totals can be
released, and then adds complementary suppressions until an attacker holding every file
of the batch can pin down no suppressed cell and no sum of unknowns below the threshold.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ldsa.errors import DisclosureError
from ldsa.sdc.cellspace import Area, CellSpace
from ldsa.sdc.complements import (
    REGION_TIER,
    by_cause,
    expanded_violations,
    gap_options,
    repair,
    tiers,
    wide_repair,
    with_options,
)
from ldsa.sdc.intervals import Gap, IntervalGraphs
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import Rule
from ldsa.sdc.relations import DEDUCED, Breach, Knowledge, RelationSystem, Violation, audit, unsafe
from ldsa.sdc.rounding import round_counts
from ldsa.sdc.running_totals import complete_series, withheld_running_totals
from ldsa.sdc.timeline import SERIES_STEPS, Interval, Timeline, TimeStep, aggregate

#: GSS code of England.
ENGLAND_CODE = "E92000001"
#: Rounds of complementary suppression before giving up (never reached in practice).
MAX_ROUNDS = 500


class StepReason(enum.Enum):
    """What set an authority's time step."""

    OWN = "own"  #: its own series: the finest step that loses at most the allowed share
    GROUPED = "grouped"  #: grouped with its region's small authorities (see below)
    REGION = "region"  #: its region's series, drawn beside it, would lose too much
    ENGLAND = "england"  #: England's series, drawn beside it, would lose too much
    EARLIER = "earlier"  #: an earlier release showed it at this step (kept, so they agree)


@dataclasses.dataclass(frozen=True)
class StepChoice:
    """An authority's time step and why: the share of points each step would lose.

    ``shares`` are those of the series that set the step: the authority's own, or its
    region's or England's when a comparator drawn beside it needs the coarser step.
    ``GROUPED``: the authority was moved to a coarser step than its own numbers need,
    with other small authorities of its region, so that its region's totals less the
    other authorities cannot reveal theirs.
    """

    step: TimeStep
    shares: Mapping[TimeStep, float]
    reason: StepReason


@dataclasses.dataclass(frozen=True)
class CellOutcome:
    """A published cell: its released (rounded) value, or ``None`` and the reason."""

    value: int | None
    rule: Rule | None


@dataclasses.dataclass(frozen=True)
class ProtectedMeasure:
    """Every published cell of one measure, with the steps and the effort it took."""

    timeline: Timeline
    steps: Mapping[str, StepChoice]
    cells: Mapping[Area, Mapping[Interval, CellOutcome]]
    relations: int
    rounds: int


def primary_unsafe(values: npt.ArrayLike, policy: Policy) -> npt.NDArray[np.bool_]:
    """Counts unsafe on their own, before or after rounding."""
    array = np.asarray(values, dtype=np.int64)
    return unsafe(array, policy) | unsafe(round_counts(array, policy), policy)


def choose_steps(
    counts: npt.NDArray[np.int64], timeline: Timeline, policy: Policy
) -> list[StepChoice]:
    """Each row's finest step that loses at most ``max_withheld_share`` of its points.

    The share is of the points that say anything: a week released as a true zero (when
    zeros are not disclosive) is neither lost nor informative, so a series of zeros with a
    few small weeks is coarsened rather than shown as zeros and gaps.
    """
    shares = {}
    for step in SERIES_STEPS:
        values = aggregate(counts, timeline, step)
        lost = primary_unsafe(values, policy)
        telling = (lost | (values > 0)).sum(axis=-1)
        shares[step] = lost.sum(axis=-1) / np.maximum(telling, 1)
    choices = []
    for row in range(counts.shape[0]):
        mine = {step: float(share[row]) for step, share in shares.items()}
        fine = [s for s in SERIES_STEPS if mine[s] <= policy.max_withheld_share]
        choices.append(StepChoice(fine[0] if fine else TimeStep.PERIOD, mine, StepReason.OWN))
    return choices


def follow_comparators(
    counts: npt.NDArray[np.int64],
    region_index: npt.NDArray[np.intp],
    steps: list[StepChoice],
    timeline: Timeline,
    policy: Policy,
) -> None:
    """Coarsen an authority to its region's step, and to England's, where those are coarser.

    Each authority's chart and table show its region and England at its own step, so a
    step at which a comparator loses more than ``max_withheld_share`` of its points would
    draw that comparator as fragments (an authority of true zeros is released weekly on
    its own numbers, beside a region with mostly small weeks). ``steps`` is updated in
    place.
    """
    regions = np.unique(region_index)
    sums = np.vstack([counts[region_index == r].sum(axis=0) for r in regions])
    region_steps = choose_steps(sums, timeline, policy)
    (england,) = choose_steps(counts.sum(axis=0, keepdims=True), timeline, policy)
    for la, region in enumerate(region_index):
        mine = region_steps[int(np.searchsorted(regions, region))]
        for comparator, reason in ((mine, StepReason.REGION), (england, StepReason.ENGLAND)):
            if comparator.step.rank > steps[la].step.rank:
                steps[la] = StepChoice(comparator.step, comparator.shares, reason)


def group_small_authorities(
    counts: npt.NDArray[np.int64],
    region_index: npt.NDArray[np.intp],
    steps: list[StepChoice],
    timeline: Timeline,
    policy: Policy,
) -> None:
    """Move authorities to coarser steps where a region's coarse group would be revealed.

    At a step some authorities of a region publish, the others (released only at coarser
    steps) are worked out together as the region less the published ones. When that sum
    would be unsafe at more than ``max_withheld_share`` of the step's periods, either the
    smallest authority still published at the step joins the coarse group (``steps`` is
    updated in place), or complementary suppression covers each unsafe period: whichever
    costs fewer released points (a complement costs one point, spread over the larger
    authorities, which keep their finer step).
    """
    totals = counts.sum(axis=1)
    for region in np.unique(region_index):
        members = np.flatnonzero(region_index == region)
        for step in SERIES_STEPS:
            while True:
                fine = [m for m in members if steps[m].step.rank <= step.rank]
                coarse = [m for m in members if steps[m].step.rank > step.rank]
                if not fine or not coarse:
                    break
                residual = aggregate(counts[coarse].sum(axis=0), timeline, step)
                bad = int(primary_unsafe(residual, policy).sum())
                if bad <= policy.max_withheld_share * len(residual):
                    break
                smallest = min(fine, key=lambda m: (totals[m], m))
                lost = len(timeline.intervals(steps[smallest].step)) - len(
                    timeline.intervals(step.coarser)
                )
                if lost > bad:
                    break  # cheaper to suppress a complement in each unsafe period
                old = steps[smallest]
                steps[smallest] = StepChoice(step.coarser, old.shares, StepReason.GROUPED)


def earlier_step(periods: Mapping[Interval, bool], timeline: Timeline) -> TimeStep | None:
    """The step an earlier release showed an authority's series at: the finest whose
    periods (two or more, after the first) it published; None when it showed no series
    (its whole-period total alone, as in the table of every authority, says nothing of
    the step its own report would have had)."""
    for step in SERIES_STEPS:
        shown = sum(1 for i in timeline.intervals(step)[1:] if i in periods)
        if shown >= 2:
            return step
    return None


def keep_earlier_steps(
    steps: list[StepChoice], earlier: Sequence[Mapping[Interval, bool]], timeline: Timeline
) -> None:
    """Keep each authority at least at the step an earlier release showed it at: a finer
    step now would show periods inside ones withheld before (``steps`` updated in place)."""
    for la, periods in enumerate(earlier):
        step = earlier_step(periods, timeline)
        if step is not None and step.rank > steps[la].step.rank:
            steps[la] = StepChoice(step, steps[la].shares, StepReason.EARLIER)


def protect_measure(
    counts: npt.NDArray[np.int64],
    la_codes: Sequence[str],
    region_codes: Sequence[str],
    timeline: Timeline,
    policy: Policy,
    *,
    cumulative: bool,
    prior: Mapping[Area, Mapping[Interval, bool]] | None = None,
) -> ProtectedMeasure:
    """Choose steps and suppress cells so that no published relation gives anything away.

    Parameters
    ----------
    counts
        Raw weekly counts, one row per authority (in ``la_codes`` order).
    la_codes, region_codes
        Each authority's code and its region's.
    timeline
        The weeks of the period.
    policy
        The disclosure policy.
    cumulative
        Whether running totals are released.
    prior
        What earlier releases of the measure published, per area and period: known
        (released in one of them) or withheld (in all). Each authority keeps at least the
        step it had; a period withheld before stays withheld and protected; a period
        known from before counts as known to the attacker (published now or not) and is
        never a complement; what the earlier releases give away among themselves alone is
        theirs, not this release's.

    Returns
    -------
    ProtectedMeasure
        Every published cell of every authority, region and England.
    """
    regions = sorted(set(region_codes))
    region_index = np.array([regions.index(r) for r in region_codes], dtype=np.intp)
    steps = choose_steps(counts, timeline, policy)
    follow_comparators(counts, region_index, steps, timeline, policy)
    group_small_authorities(counts, region_index, steps, timeline, policy)
    prior = prior or {}
    keep_earlier_steps(steps, [prior.get(("la", code), {}) for code in la_codes], timeline)
    n_la = len(la_codes)
    own: list[list[TimeStep]] = [[c.step] for c in steps]
    region_levels = [
        sorted({steps[m].step for m in np.flatnonzero(region_index == r)}, key=lambda s: s.rank)
        for r in range(len(regions))
    ]
    england_levels = sorted({s for levels in region_levels for s in levels}, key=lambda s: s.rank)
    weekly = np.vstack(
        [
            counts,
            np.vstack([counts[region_index == r].sum(axis=0) for r in range(len(regions))]),
            counts.sum(axis=0, keepdims=True),
        ]
    ).astype(np.int64)
    areas: list[Area] = [("la", c) for c in la_codes] + [("region", r) for r in regions]
    areas.append(("england", ENGLAND_CODE))
    position = {area: i for i, area in enumerate(areas)}
    by_position = {position[area]: found for area, found in prior.items() if area in position}
    levels = [*own, *region_levels, england_levels]
    space = CellSpace(weekly, areas, levels, timeline, cumulative, by_position)
    space.region_of_area = {la: n_la + int(r) for la, r in enumerate(region_index)}
    kids = {
        n_la + r: [int(k) for k in np.flatnonzero(region_index == r)] for r in range(len(regions))
    }
    england = len(areas) - 1
    # Whose cells can protect a gap of an area: its own, its children's, its siblings'.
    space.children_of = {
        **kids,
        england: [*kids, *range(n_la)],
        **{la: [n_la + int(r), *kids[n_la + int(r)]] for la, r in enumerate(region_index)},
    }
    parents: list[tuple[int, Sequence[int]]] = [
        (n_la + r, list(np.flatnonzero(region_index == r))) for r in range(len(regions))
    ]
    parents.append((len(areas) - 1, [n_la + r for r in range(len(regions))]))
    if len(regions) > 1:  # England as the sum of every authority: regions may be withheld
        parents.append((len(areas) - 1, list(range(n_la))))
    system = space.relations(parents)
    outcome, rounds = _suppress(space, system, IntervalGraphs(space, parents), policy)
    return ProtectedMeasure(
        timeline=timeline,
        steps=dict(zip(la_codes, steps, strict=True)),
        cells=outcome,
        relations=system.n_relations,
        rounds=rounds,
    )


@dataclasses.dataclass
class _Release:
    """The suppression state of one measure while complements are added."""

    suppressed: npt.NDArray[np.bool_]
    reasons: npt.NDArray[np.object_]
    withheld: npt.NDArray[np.bool_]
    released: npt.NDArray[np.bool_]

    def withhold(self, cells: Sequence[int]) -> None:
        self.suppressed[list(cells)] = True
        self.released[list(cells)] = False
        self.reasons[list(cells)] = Rule.LINKED.value


def _suppress(
    space: CellSpace, system: RelationSystem, graphs: IntervalGraphs, policy: Policy
) -> tuple[dict[Area, dict[Interval, CellOutcome]], int]:
    """Primary suppression (and what earlier releases withheld), then complements until
    the audit finds nothing new."""
    unsafe_now = space.published_now & primary_unsafe(space.raw, policy)
    suppressed = unsafe_now | space.prior_withheld
    reasons = np.full(system.n_cells, "", dtype=object)
    reasons[suppressed] = Rule.LINKED.value
    reasons[unsafe_now] = np.where(
        space.raw[unsafe_now] == 0, Rule.ZEROS.value, Rule.THRESHOLD.value
    )
    state = _Release(suppressed, reasons, suppressed.copy(), ~suppressed)
    before = _earlier_breaches(space, system, graphs, policy)
    by_cell = system.members.tocsc()
    rounds = 0
    while True:
        rounds += 1
        knowledge, violations = _assess(space, system, graphs, state, policy, before)
        if not violations:
            return _outcomes(space, state, policy), rounds
        if rounds > MAX_ROUNDS:  # pragma: no cover  # each round adds a suppression
            raise DisclosureError("linked protection did not converge. This is a bug in ldsa.")
        if not _repair_round(space, system, knowledge, violations, state, by_cell, policy):
            cells = wide_repair(space, system, state.released, violations, policy)
            if not cells:  # pragma: no cover  # a breach always rests on a released cell
                raise DisclosureError(
                    "linked protection: no cell can protect a published relation. "
                    "This is a bug in ldsa; please report it."
                )
            state.withhold(cells)


def _earlier_breaches(
    space: CellSpace, system: RelationSystem, graphs: IntervalGraphs, policy: Policy
) -> frozenset[tuple[object, ...]]:
    """What earlier releases give away among themselves (empty without any): no choice of
    this release can take it back, so it is theirs to answer for, not a breach of this."""
    if not (space.prior_known.any() or space.prior_withheld.any()):
        return frozenset()
    state = _Release(
        space.prior_withheld.copy(),
        np.full(system.n_cells, "", dtype=object),
        np.zeros(system.n_cells, dtype=bool),
        space.prior_known.copy(),
    )
    keys: set[tuple[object, ...]] = set()
    _audit(space, system, graphs, state, policy, frozenset(), keys)
    return frozenset(keys)


def _assess(
    space: CellSpace,
    system: RelationSystem,
    graphs: IntervalGraphs,
    state: _Release,
    policy: Policy,
    before: frozenset[tuple[object, ...]],
) -> tuple[Knowledge, list[Violation]]:
    """Complete each series, derive running totals and coarser cells, and audit."""
    for cell in complete_series(space, state.suppressed, policy):
        state.withhold([cell])
    space.unify(state.suppressed)
    state.withheld = withheld_running_totals(space, state.suppressed, policy)
    space.unify(state.withheld)
    hidden = state.suppressed | space.derived_suppressed(state.suppressed, state.withheld)
    state.released = space.published_now & ~hidden & ~state.withheld
    return _audit(space, system, graphs, state, policy, before)


def _audit(
    space: CellSpace,
    system: RelationSystem,
    graphs: IntervalGraphs,
    state: _Release,
    policy: Policy,
    before: frozenset[tuple[object, ...]],
    keys: set[tuple[object, ...]] | None = None,
) -> tuple[Knowledge, list[Violation]]:
    """What an attacker holding this release and the earlier ones works out, and every
    breach not already given away by the earlier ones alone."""
    gaps: dict[int, Gap] = {}

    def deduce(known: npt.NDArray[np.bool_]) -> list[int]:
        more = graphs.deduce(known)
        gaps.update(more)
        return list(more)

    knowledge = audit(system, state.released | space.prior_known, policy, deduce)
    released = state.released
    found = [
        (_breach_key(v), with_options(space, system, knowledge, v, gaps, released))
        for v in knowledge.violations
        if v.amount > 0 or policy.zeros_are_disclosive  # a zero worked out discloses nothing
    ]
    found += [(_breach_key(v), v) for v in expanded_violations(space, system, knowledge, policy)]
    found += [
        (
            ("gap", gap.area, gap.start, gap.end, gap.amount),
            Violation(
                Breach.SMALL_SUM, DEDUCED, -1, gap.amount,
                gap_options(space, gap, released, system, knowledge),
            ),
        )
        for gap in graphs.breaches(knowledge.known, policy)
    ]  # fmt: skip
    if before:
        found = [(key, v) for key, v in found if key not in before]
    if keys is not None:
        keys.update(key for key, _ in found)
    return knowledge, [v for _, v in found]


def _breach_key(violation: Violation) -> tuple[object, ...]:
    """What a breach gives away: a cell, or the sum of a relation's unknowns."""
    if violation.cell >= 0:
        return ("cell", violation.cell)
    return ("sum", violation.relation, violation.amount)


def _repair_round(
    space: CellSpace,
    system: RelationSystem,
    knowledge: Knowledge,
    violations: list[Violation],
    state: _Release,
    by_cell: sparse.csc_matrix,
    policy: Policy,
) -> int:
    """One complement per breached relation and area (what a round changes can make further
    ones needless); a region's or England's only when no authority's cell was taken for
    a relation sharing its members. Returns how many relations were repaired."""
    costs = tiers(space, state.suppressed)
    repaired = 0
    touched = np.zeros(system.n_relations, dtype=bool)
    done = np.zeros(len(space.areas), dtype=bool)
    for violation in by_cause(space, system, violations):
        if violation.relation >= 0 and touched[violation.relation]:
            continue
        targets = repair(space, system, knowledge, state.released, costs, violation, policy)
        if targets is None or done[space.cell_area[targets[0]]]:
            continue  # its members changed this round: audited again in the next
        members = (
            system.members_of(violation.relation)
            if violation.relation >= 0
            else np.array(violation.options, dtype=np.int64)
        )
        if costs[targets[0]] >= REGION_TIER and done[space.owner[members]].any():
            continue  # an authority's cell may do once this round's changes are seen
        repaired += 1
        done[space.cell_area[targets[0]]] = True
        state.withhold(targets)
        for cell in targets:
            touched[by_cell.indices[by_cell.indptr[cell] : by_cell.indptr[cell + 1]]] = True
    return repaired


def _outcomes(
    space: CellSpace, state: _Release, policy: Policy
) -> dict[Area, dict[Interval, CellOutcome]]:
    """Every published cell's released (rounded) value, or the rule that withheld it."""
    derived = space.derived_suppressed(state.suppressed, state.withheld)
    values = round_counts(space.raw, policy)
    out: dict[Area, dict[Interval, CellOutcome]] = {area: {} for area in space.areas}
    for cell in np.flatnonzero(space.published_now):
        area = space.areas[space.cell_area[cell]]
        if state.released[cell]:
            result = CellOutcome(int(values[cell]), None)
        elif state.reasons[cell]:
            result = CellOutcome(None, Rule(state.reasons[cell]))
        elif derived[cell]:
            result = CellOutcome(None, Rule.LINKED)
        else:
            result = CellOutcome(None, Rule.RUNNING_TOTAL)
        out[area][space.cell_interval[cell]] = result
    return out
