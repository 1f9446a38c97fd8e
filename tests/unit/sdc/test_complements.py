"""Violations that show once each unknown part of a relation is split into its cells."""

from __future__ import annotations

import numpy as np

from ldsa.sdc import Policy, TimeStep
from ldsa.sdc.cellspace import CellSpace
from ldsa.sdc.complements import expanded_violations
from ldsa.sdc.relations import Breach, Knowledge
from ldsa.sdc.timeline import Timeline

WEEKS = Timeline.of(["2021-01-04", "2021-01-11", "2021-01-18"])


def test_a_single_hidden_cell_behind_a_relation_is_pinned(default_policy: Policy) -> None:
    """Region R's week less authority B's leaves A's one hidden week: pinned (3), from the
    region relation alone, before any other deduction."""
    counts = np.array([[12, 3, 20], [30, 40, 50]], dtype=np.int64)
    weekly = np.vstack([counts, counts.sum(axis=0), counts.sum(axis=0)])
    areas = [("la", "A"), ("la", "B"), ("region", "R"), ("england", "E92000001")]
    space = CellSpace(weekly, areas, [[TimeStep.WEEK]] * 4, WEEKS, False)
    system = space.relations([(2, [0, 1]), (3, [2])])
    hidden = space.index[0][(1, 2)]  # A's second week
    known = space.published.copy()
    known[hidden] = False
    knowledge = Knowledge(
        known=known,
        revealed_by=np.full(system.n_cells, -1, dtype=np.int64),
        unknown_parts=np.zeros(system.n_relations, dtype=np.int64),
        violations=(),
    )
    found = expanded_violations(space, system, knowledge, default_policy)
    assert {(v.breach, v.cell, v.amount) for v in found} == {(Breach.PINNED, hidden, 3)}
