"""Secondary suppression: no suppressed cell may be the only unknown in a published sum."""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable, Collection, Hashable, Sequence
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Equation:
    """A published identity: ``total`` equals the sum of ``parts``."""

    total: Hashable
    parts: tuple[Hashable, ...]


def complete_suppression(
    equations: Sequence[Equation],
    suppressed: set[Hashable],
    cost: Callable[[Hashable], Any],
) -> list[Hashable]:
    """Suppress complementary cells until no equation has exactly one unknown.

    Parameters
    ----------
    equations
        The published identities (row, column and grand totals; region = sum of its
        authorities; a cumulative total = the previous one + this period).
    suppressed
        The cells already suppressed; updated in place.
    cost
        Sort key of a candidate complement: the cheapest published member of an equation
        with a single unknown is suppressed next (callers rank inner cells before totals,
        then by value, so the next-smallest complementary cell goes first).

    Returns
    -------
    list
        The cells suppressed here, in the order chosen.

    Notes
    -----
    A worklist over equations: each cell added raises the unknown count of the equations
    it belongs to, and an equation is revisited only when its count becomes 1, so the run
    is linear in the total size of the equations plus the cells added. The result meets
    the rule in disclosure.md (no suppressed cell is the sole unknown in any published
    sum); it is not an interval (linear-programming) audit such as tau-ARGUS performs.

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, ch. 4
       (secondary cell suppression).
    .. [2] ONS SRS and GSS guidance on complementary suppression of tables with totals.
    """
    members = [(eq.total, *eq.parts) for eq in equations]
    where: dict[Hashable, list[int]] = {}
    for index, keys in enumerate(members):
        for key in keys:
            where.setdefault(key, []).append(index)
    unknown = [sum(key in suppressed for key in keys) for keys in members]
    heap = [index for index, count in enumerate(unknown) if count == 1]
    heapq.heapify(heap)
    added: list[Hashable] = []
    while heap:
        index = heapq.heappop(heap)
        if unknown[index] != 1:
            continue
        candidates = [key for key in members[index] if key not in suppressed]
        choice = min(candidates, key=cost)
        suppressed.add(choice)
        added.append(choice)
        for other in where[choice]:
            unknown[other] += 1
            if unknown[other] == 1:
                heapq.heappush(heap, other)
    return added


def determined_cells(
    equations: Sequence[Equation], suppressed: Collection[Hashable]
) -> list[Hashable]:
    """Return the suppressed cells whose exact value follows from the published sums.

    Parameters
    ----------
    equations
        The published identities.
    suppressed
        The cells withheld; every other cell of the equations is published.

    Returns
    -------
    list
        Withheld cells that a linear combination of the equations pins down, in the
        order of ``suppressed`` (empty when every withheld cell keeps a free direction).

    Notes
    -----
    Writes the equations as ``A x = b`` over the withheld cells ``x``; a cell ``x_k`` is
    determined exactly when every vector of the null space of ``A`` has a zero in place
    ``k``. One singular value decomposition gives the null space. This catches what the
    sole-unknown rule misses (in a two-way table, a withheld cell joining two otherwise
    separate blocks of withheld cells), but not bounds from non-negativity.

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.4
       (auditing a suppression pattern).
    """
    unknown = list(suppressed)
    column = {key: index for index, key in enumerate(unknown)}
    rows = []
    for eq in equations:
        row = np.zeros(len(unknown))
        for key, sign in [(eq.total, -1.0)] + [(part, 1.0) for part in eq.parts]:
            if key in column:
                row[column[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix)
    tolerance = max(matrix.shape) * np.finfo(float).eps * (singular[0] if singular.size else 0)
    rank = int(np.sum(singular > tolerance))
    null_space = vt[rank:]
    free = np.abs(null_space).max(axis=0) > 1e-9 if null_space.size else np.zeros(len(unknown))
    return [key for key, is_free in zip(unknown, free, strict=True) if not is_free]
