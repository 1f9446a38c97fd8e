"""Complements within each area's series, and where its running totals can be released.

A series whose period total is released must have its suppressed cells in groups that
total a safe amount (:func:`complete_series`); a running total is released only where the
suppressed cells since the last released one are none, or two or more with a safe sum
(:func:`withheld_running_totals`), and is never withheld where its neighbours give it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ldsa.sdc.cellspace import CellSpace
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count


def complete_series(
    space: CellSpace, suppressed: npt.NDArray[np.bool_], policy: Policy
) -> list[int]:
    """Complements within each area's series so that its period total pins nothing.

    The suppressed cells of a series whose period total is released must be two or more
    with a safe sum; the complement is the released cell nearest to a suppressed one that
    makes the sum safe, the smallest on ties (the largest when none does): neighbours
    close the group at once, so few running totals are withheld.
    """
    added: list[int] = []
    for area, series in enumerate(space.series_of):
        if not series or suppressed[space.index[area][(0, space.timeline.n_weeks)]]:
            continue
        hidden = [cell for cell in series if suppressed[cell]]
        while hidden and not _safe_group(space.raw_values, hidden, policy):
            needed = policy.threshold - int(space.raw[hidden].sum())
            places = [series.index(h) for h in hidden]
            options = [
                (
                    _fit(int(space.raw[cell]), needed)[0],
                    min(abs(position - p) for p in places),
                    *_fit(int(space.raw[cell]), needed)[1:],
                    cell,
                )
                for position, cell in enumerate(series)
                if not suppressed[cell]
                and not space.prior_known[cell]  # known from an earlier release: hides nothing
                and (space.raw[cell] > 0 or policy.zeros_are_disclosive)
            ]
            if not options:
                break  # every cell hidden: the audit suppresses the total instead
            choice = min(options)[-1]
            suppressed[choice] = True
            hidden.append(choice)
            added.append(choice)
    return added


def _fit(value: int, needed: int) -> tuple[int, int]:
    """Sort key of a complement: values that lift the sum to the threshold first, the
    smallest of them; otherwise the largest value."""
    return (0, value) if value >= needed else (1, -value)


def withheld_running_totals(
    space: CellSpace, suppressed: npt.NDArray[np.bool_], policy: Policy
) -> npt.NDArray[np.bool_]:
    """Running totals that would give away the suppressed cells since the last one shown.

    A running total is released where the suppressed cells since the last released one
    are none, or two or more with a safe sum; at the end, earlier totals are withdrawn
    until the last group is safe too (the period total closes it), and the totals after
    its last suppressed cell are released (the period total gives them anyway).
    """
    withheld = np.zeros(len(suppressed), dtype=bool)
    flags = suppressed.tolist()
    raw = space.raw_values
    for area, prefixes in enumerate(space.prefixes_of):
        if not prefixes:
            continue
        series = space.series_of[area]
        shown: list[list[int]] = []  # the suppressed cells closed by each released total
        group: list[int] = []
        for position, cell in enumerate(series[:-1]):
            if flags[cell]:
                group.append(cell)
            if not group or _safe_group(raw, group, policy):
                shown.append(group)
                group = []
            else:
                withheld[prefixes[position]] = True
        if flags[prefixes[-1]]:
            continue
        last = [*group, *([series[-1]] if flags[series[-1]] else [])]
        points = [p for p, _ in enumerate(series[:-1]) if not withheld[prefixes[p]]]
        while last and not _safe_group(raw, last, policy) and points:
            position = points.pop()
            withheld[prefixes[position]] = True
            last = [*shown.pop(), *last]
        if last:
            after = max(series.index(cell) for cell in last)
            withheld[prefixes[after:-1]] = False
    return withheld


def _safe_group(raw: list[int], cells: list[int], policy: Policy) -> bool:
    """Two or more withheld cells whose sum is safe on its own."""
    return len(cells) >= 2 and not is_unsafe_count(sum(raw[c] for c in cells), policy)
