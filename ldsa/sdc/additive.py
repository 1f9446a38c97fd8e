"""Protection of an additive system of counts: primary, secondary and rounding together."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence

from ldsa.sdc.policy import Policy, Rounding
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import Rule
from ldsa.sdc.rounding import round_count, round_midpoint
from ldsa.sdc.secondary import Equation, complete_suppression, determined_cells


@dataclasses.dataclass(frozen=True)
class AdditiveSystem:
    """Cells of one or more linked tables and the sums published among them.

    Attributes
    ----------
    leaves
        Inner cells, holding raw counts.
    totals
        Each total cell and its parts (leaves or totals defined earlier), in order.
    equations
        The published identities an attacker can use (the totals' definitions and any
        implied ones).
    """

    leaves: tuple[Hashable, ...]
    totals: Mapping[Hashable, tuple[Hashable, ...]]
    equations: tuple[Equation, ...]


@dataclasses.dataclass(frozen=True)
class Protection:
    """The outcome of :func:`protect`: values after rounding, and why cells are withheld."""

    values: Mapping[Hashable, int]
    reasons: Mapping[Hashable, Rule]


def protect(
    system: AdditiveSystem,
    raw: Mapping[Hashable, int],
    policy: Policy,
    *,
    forced: Collection[Hashable] = (),
    secondary_rule: Rule = Rule.SECONDARY,
    audit: bool = True,
) -> Protection:
    """Apply primary suppression, secondary suppression and rounding to a system.

    Parameters
    ----------
    system
        The cells and published sums.
    raw
        Raw count of every leaf.
    policy
        The disclosure policy.
    forced
        Cells the caller wants suppressed whatever their value.
    secondary_rule
        Rule recorded for complementary suppressions.
    audit
        Also make sure that no suppressed cell is pinned down by a combination of the
        published sums (:func:`~ldsa.sdc.secondary.determined_cells`); the batch-wide
        linked system skips it (the sole-unknown rule only), as its size makes the
        decomposition too slow.
    Returns
    -------
    Protection
        ``values`` of every cell after rounding (suppressed cells included: callers must
        drop them) and the ``reasons`` of every suppressed cell.

    Notes
    -----
    Primary suppression and the choice of complements use raw values. Rounding then
    applies to the leaves; totals are recomputed from the rounded leaves (nearest) or
    rounded from the raw total (midpoint-6, as OpenSAFELY advises). A published total that
    rounds into the unsafe range is suppressed in turn, and secondary suppression runs
    again, until nothing changes.

    References
    ----------
    .. [1] OpenSAFELY, "Updated disclosure control guidance" (round, then recompute totals).
    .. [2] ONS SRS output checking rules of thumb.
    """
    values_raw = _evaluate(system, raw)
    reasons: dict[Hashable, Rule] = {}
    for key, value in values_raw.items():
        if is_unsafe_count(value, policy):
            reasons[key] = Rule.ZEROS if value == 0 else Rule.THRESHOLD
    for key in forced:
        reasons.setdefault(key, Rule.FORCED)
    order = {key: index for index, key in enumerate(values_raw)}

    def cost(key: Hashable) -> tuple[bool, int, int]:
        return (key in system.totals, values_raw[key], order[key])

    while True:
        suppressed = set(reasons)
        for key in complete_suppression(system.equations, suppressed, cost):
            reasons[key] = secondary_rule
        extra = _complement_of_determined(system, reasons, order, cost) if audit else None
        if extra is not None:
            reasons[extra] = secondary_rule
            continue
        values = _rounded(system, values_raw, policy)
        late = [
            key
            for key in system.totals
            if key not in reasons and is_unsafe_count(values[key], policy)
        ]
        if not late:
            return Protection(values=values, reasons=reasons)
        for key in late:
            reasons[key] = Rule.ZEROS if values[key] == 0 else Rule.THRESHOLD


def _complement_of_determined(
    system: AdditiveSystem,
    reasons: Mapping[Hashable, Rule],
    order: Mapping[Hashable, int],
    cost: Callable[[Hashable], tuple[bool, int, int]],
) -> Hashable | None:
    """Return a cell to suppress so that a determined cell is no longer pinned down.

    The cheapest published cell sharing an equation with a determined cell goes first,
    then the cheapest published cell sharing an equation with any suppressed cell.
    """
    withheld = sorted(reasons, key=order.__getitem__)
    determined = set(determined_cells(system.equations, withheld))
    if not determined:
        return None
    ranked: list[tuple[int, tuple[bool, int, int], Hashable]] = []
    for eq in system.equations:
        members = (eq.total, *eq.parts)
        touched = [m for m in members if m in reasons]
        if not touched:
            continue
        near = 0 if any(m in determined for m in touched) else 1
        ranked += [(near, cost(m), m) for m in members if m not in reasons]
    if not ranked:  # pragma: no cover  # a determined cell always reaches a published one
        return None
    return min(ranked, key=lambda item: item[:2])[2]


def _evaluate(system: AdditiveSystem, raw: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """Return raw values of leaves and totals (totals summed in definition order)."""
    values = {key: raw[key] for key in system.leaves}
    for total, parts in system.totals.items():
        values[total] = sum(values[part] for part in parts)
    return values


def _rounded(
    system: AdditiveSystem, raw: Mapping[Hashable, int], policy: Policy
) -> dict[Hashable, int]:
    """Return values after rounding: leaves rounded; totals recomputed from them, or (when
    ``independent``) rounded from their own raw values."""
    if not policy.rounds:
        return dict(raw)
    values = {key: round_count(raw[key], policy) for key in system.leaves}
    for total, parts in system.totals.items():
        if policy.rounding is Rounding.MIDPOINT:
            values[total] = round_midpoint(raw[total], policy.round_base)
        else:
            values[total] = sum(values[part] for part in parts)
    return values


def margin_system(
    n_rows: int,
    columns: Sequence[str],
    *,
    total_row: bool,
    total_column: str | None,
) -> AdditiveSystem:
    """Return the system of a two-way table of counts with optional margins.

    Cells are ``(row, column)``; the total row is row ``n_rows`` and the total column is
    ``total_column``.
    """
    leaves = tuple((row, column) for row in range(n_rows) for column in columns)
    totals: dict[Hashable, tuple[Hashable, ...]] = {}
    equations: list[Equation] = []
    if total_column is not None:
        for row in range(n_rows):
            totals[(row, total_column)] = tuple((row, column) for column in columns)
    if total_row:
        for column in columns:
            totals[(n_rows, column)] = tuple((row, column) for row in range(n_rows))
    if total_row and total_column is not None:
        totals[(n_rows, total_column)] = tuple((n_rows, column) for column in columns)
        column_of_totals = tuple((row, total_column) for row in range(n_rows))
        equations.append(Equation((n_rows, total_column), column_of_totals))
    equations[:0] = [Equation(total, parts) for total, parts in totals.items()]
    return AdditiveSystem(leaves=leaves, totals=totals, equations=tuple(equations))
