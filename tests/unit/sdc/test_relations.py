"""The attacker's view of published relations: pinned cells, small parts, small sums."""

from __future__ import annotations

import numpy as np

from ldsa.sdc import Policy
from ldsa.sdc.relations import Breach, RelationSystem, audit, unsafe


def _system(raw: list[int], published: list[bool], relations: list[tuple[int, list[int]]]):
    totals = [t for t, _ in relations]
    parts = [p for _, p in relations]
    return RelationSystem(np.array(raw), np.array(published), totals, parts)


def test_sole_unknown_is_pinned(default_policy: Policy) -> None:
    """A suppressed cell that is the only unknown of a relation is pinned exactly."""
    system = _system([15, 12, 3], [True, True, True], [(0, [1, 2])])
    knowledge = audit(system, np.array([True, True, False]), default_policy)
    assert [(v.breach, v.cell, v.amount) for v in knowledge.violations] == [(Breach.PINNED, 2, 3)]
    assert knowledge.revealed_by[2] == 0


def test_unknowns_with_a_small_sum(default_policy: Policy) -> None:
    """Two suppressed cells whose known total leaves 1..9 give a small sum away."""
    system = _system([20, 14, 4, 2], [True] * 4, [(0, [1, 2, 3])])
    released = np.array([True, True, False, False])
    (violation,) = audit(system, released, default_policy).violations
    assert (violation.breach, violation.amount) == (Breach.SMALL_SUM, 6)
    safe = _system([30, 14, 9, 7], [True] * 4, [(0, [1, 2, 3])])
    assert audit(safe, released, default_policy).violations == ()


def test_propagation_reaches_further_relations(default_policy: Policy) -> None:
    """A cell worked out from one relation is known for the next (chains of deductions)."""
    # 0 = 1 + 2, 2 = 3 + 4; 1 and 3 released: 2 is pinned, then 4 is too.
    system = _system([40, 25, 15, 11, 4], [True] * 5, [(0, [1, 2]), (2, [3, 4])])
    released = np.array([True, True, False, True, False])
    found = {(v.breach, v.cell) for v in audit(system, released, default_policy).violations}
    assert found == {(Breach.PINNED, 2), (Breach.PINNED, 4)}


def test_unpublished_parts_worked_out(default_policy: Policy) -> None:
    """A virtual (unpublished) part worked out exactly is a breach only when unsafe."""
    system = _system([30, 27, 3], [True, True, False], [(0, [1, 2])])
    (violation,) = audit(system, np.array([True, True, False]), default_policy).violations
    assert (violation.breach, violation.cell) == (Breach.SMALL_PART, 2)
    large = _system([40, 27, 13], [True, True, False], [(0, [1, 2])])
    assert audit(large, np.array([True, True, False]), default_policy).violations == ()


def test_zeros_follow_the_policy(default_policy: Policy, strict_policy: Policy) -> None:
    """A revealed zero is safe by default and unsafe where zeros are disclosive."""
    assert unsafe([0, 1, 9, 10], default_policy).tolist() == [False, True, True, False]
    assert unsafe([0, 7, 8], strict_policy).tolist() == [True, True, False]
    system = _system([10, 10, 0], [True, True, False], [(0, [1, 2])])
    released = np.array([True, True, False])
    assert audit(system, released, default_policy).violations == ()
    assert audit(system, released, strict_policy).violations[0].breach is Breach.SMALL_PART


def test_members_and_parts() -> None:
    """A relation's members are its total and parts."""
    system = _system([5, 2, 3], [True] * 3, [(0, [1, 2])])
    assert sorted(system.members_of(0)) == [0, 1, 2]
    assert list(system.parts_of(0)) == [1, 2]
    assert (system.n_cells, system.n_relations) == (3, 1)
