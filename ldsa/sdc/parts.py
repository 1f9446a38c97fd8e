"""The parts of a breakdown, summed per period and category and withheld group by group.

:func:`protect_parts` reads an authority's raw parts, sums them per period of a time step
and category, works out which periods' totals (the parents) the authority's released
cells in a :class:`~ldsa.sdc.LinkedPlan` determine, and withholds parts against that one
relation per period. :mod:`ldsa.sdc.breakdown` releases the outcome.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.errors import InvalidParameterError
from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.linked import LinkedPlan
from ldsa.sdc.policy import Policy
from ldsa.sdc.protection import primary_unsafe
from ldsa.sdc.records import Rule
from ldsa.sdc.safetable import label_text
from ldsa.sdc.timeline import Interval, Timeline, TimeStep

#: Column names the scanners read as periods or geography: never a category column.
_RESERVED = frozenset(
    {"period_start", "period_end", "time_step", "weeks", "la_code", "region_code", "measure_id"}
)
#: Count columns so named are read by ``ldsa check`` as an area's series, not as parts.
_LEVEL_PREFIXES = ("la_", "region_", "england_")


@dataclasses.dataclass(frozen=True)
class PartColumns:
    """The columns of a parts frame, and the name used in error messages."""

    date: str
    category: str
    count: str
    where: str


@dataclasses.dataclass(frozen=True, eq=False)
class ProtectedParts:
    """Raw parts (periods x categories) and the rule withholding each (``None``: released)."""

    intervals: tuple[Interval, ...]
    categories: tuple[str, ...]
    raw: npt.NDArray[np.int64]
    reasons: list[list[Rule | None]]

    @property
    def withheld(self) -> npt.NDArray[np.bool_]:
        """True where a part is withheld."""
        flags = [[reason is not None for reason in row] for row in self.reasons]
        return np.array(flags, dtype=bool).reshape(self.raw.shape)


def protect_parts(
    plan: LinkedPlan,
    la_code: str,
    parts: pd.DataFrame,
    step: TimeStep,
    spec: PartColumns,
    policy: Policy,
    categories: Sequence[str] | None,
) -> ProtectedParts:
    """Check the arguments, sum the parts per period and category, and withhold."""
    own = plan.step(la_code)
    if step.rank < own.rank:
        raise InvalidParameterError(
            f"{spec.where}: step {step.value!r} is finer than {la_code}'s series in the plan "
            f"({own.value!r}): its parts would reveal totals the plan withholds. "
            f"How to fix: pass step=TimeStep.{own.name} or a coarser step."
        )
    if policy != plan.policy:
        raise InvalidParameterError(
            f"{spec.where}: the policy differs from the plan's ({plan.policy.name!r}). "
            "How to fix: pass the policy the plan was made under."
        )
    intervals = plan.timeline.intervals(step)
    found, raw = _aggregate(parts, plan.timeline, intervals, spec, categories)
    known = _known_parents(plan, la_code, intervals, raw.sum(axis=1), spec.where)
    before = earlier_withheld(plan, la_code, spec.category, intervals, found)
    return ProtectedParts(intervals, found, raw, _withhold(raw, known, policy, before))


def earlier_withheld(
    plan: LinkedPlan,
    la_code: str,
    column: str,
    intervals: Sequence[Interval],
    categories: Sequence[str],
) -> npt.NDArray[np.bool_]:
    """Parts (periods x categories) an earlier release withheld: withheld again, so that
    this release and that one together pin none of them (:attr:`LinkedPlan.earlier_parts`)."""
    earlier = plan.earlier_parts.get(la_code, {})
    return np.array(
        [
            [
                earlier.get(f"{column}={category}", {}).get(interval) is False
                for category in categories
            ]
            for interval in intervals
        ],
        dtype=bool,
    ).reshape(len(intervals), len(categories))


def protect_nested(
    plan: LinkedPlan,
    la_code: str,
    parts: pd.DataFrame,
    step: TimeStep,
    spec: PartColumns,
    policy: Policy,
    categories: Sequence[str],
    groups: Mapping[str, str],
    group_order: Sequence[str],
) -> tuple[ProtectedParts, ProtectedParts]:
    """Protect the groups' sums against the plan's totals, then each group's parts against
    its own sum: the groups (quintiles) first, the parts (neighbourhoods) within them.

    A part of a withheld group is withheld (rule ``linked``): its group's sum is unknown.
    Within a released group the parts are withheld as a breakdown of a known, safe parent.
    """
    lacking = [c for c in categories if c not in groups]
    members = [[i for i, c in enumerate(categories) if groups.get(c) == g] for g in group_order]
    if lacking or not all(members) or {groups[c] for c in categories} - set(group_order):
        raise ValueError(
            f"{spec.where}: {len(lacking)} categories lack a group, or groups and group_order "
            "disagree. How to fix: give every category a group, and list each group that "
            "holds a category (and no other) in group_order."
        )
    fine = protect_parts(plan, la_code, parts, step, spec, policy, categories)
    labels = [groups[label_text(value)] for value in parts[spec.category]]
    coarse = protect_parts(
        plan, la_code, parts.assign(**{spec.category: labels}), step, spec, policy, group_order
    )
    unsafe = primary_unsafe(fine.raw, policy)
    reasons: list[list[Rule | None]] = []
    for p, values in enumerate(fine.raw):
        row: list[Rule | None] = [None] * len(categories)
        for g, inside in enumerate(members):
            if coarse.reasons[p][g] is not None:
                within: list[Rule | None] = [Rule.LINKED] * len(inside)
            else:
                within = [
                    (Rule.ZEROS if values[i] == 0 else Rule.THRESHOLD) if unsafe[p, i] else None
                    for i in inside
                ]
                _complete([int(values[i]) for i in inside], within, policy)
            for i, reason in zip(inside, within, strict=True):
                row[i] = reason
        reasons.append(row)
    return coarse, dataclasses.replace(fine, reasons=reasons)


def _aggregate(
    parts: pd.DataFrame,
    timeline: Timeline,
    intervals: tuple[Interval, ...],
    spec: PartColumns,
    categories: Sequence[str] | None,
) -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
    """The categories and the raw parts (periods x categories); every problem in one error."""
    _check_names(parts, spec)
    counts = pd.to_numeric(parts[spec.count], errors="coerce").astype("float64").to_numpy()
    labels = [label_text(value) for value in parts[spec.category]]
    found = tuple(sorted(set(labels) - {""})) if categories is None else tuple(categories)
    lookup = {category: index for index, category in enumerate(found)}
    weeks = _week_positions(parts[spec.date], timeline)
    problems = [
        (~np.isfinite(counts) | (counts < 0) | (counts != np.floor(counts)), spec.count,
         "are missing, negative or fractional (expected whole counts >= 0)"),
        (np.isnan(weeks), spec.date, "are not dates"),
        ((weeks < 0) | (weeks >= timeline.n_weeks), spec.date,
         f"fall outside the plan's weeks ({timeline.first_day(0)} to "
         f"{timeline.last_day(timeline.n_weeks)})"),
        (np.array([label == "" for label in labels], dtype=bool), spec.category,
         "have no category"),
        (np.array([label not in lookup and label != "" for label in labels], dtype=bool),
         spec.category, "hold a category not in `categories`"),
    ]  # fmt: skip
    found_problems = [
        f"column {column!r}: {int(bad.sum())} row(s) {what}"
        for bad, column, what in problems
        if bad.any()
    ]
    if len(set(found)) != len(found) or not found:
        found_problems.append("categories: expected distinct categories, at least one")
    if found_problems:
        raise ValueError(
            f"{spec.where}: parts: " + "; ".join(found_problems) + ". How to fix: pass the "
            "authority's raw counts over the plan's weeks, with every category listed."
        )
    keep = counts > 0
    starts = np.array([start for start, _ in intervals], dtype=np.int64)
    rows = np.searchsorted(starts, weeks[keep].astype(np.int64), side="right") - 1
    cols = np.array([lookup[label] for label, k in zip(labels, keep, strict=True) if k])
    raw = np.zeros((len(intervals), len(found)), dtype=np.int64)
    np.add.at(raw, (rows, cols.astype(np.intp)), counts[keep].astype(np.int64))
    return found, raw


def _check_names(parts: pd.DataFrame, spec: PartColumns) -> None:
    """Refuse missing columns and names the scanners would misread."""
    problems = [
        f"no column {name!r} in parts (columns: {', '.join(map(str, parts.columns))})"
        for name in dict.fromkeys((spec.date, spec.category, spec.count))
        if name not in parts.columns
    ]
    if not spec.count.endswith(COUNT_SUFFIX) or spec.count.startswith(_LEVEL_PREFIXES):
        problems.append(
            f"count column {spec.count!r} must end in {COUNT_SUFFIX!r} and not start with "
            f"{', '.join(_LEVEL_PREFIXES)} (ldsa check reads those as an area's series)"
        )
    word = spec.count.split("_", 1)[0]
    if (
        spec.category in _RESERVED
        or spec.category.endswith(COUNT_SUFFIX)
        or spec.category.split("_", 1)[0] == word
    ):
        problems.append(
            f"category column {spec.category!r} must not be one of {', '.join(sorted(_RESERVED))}, "
            f"end in {COUNT_SUFFIX!r} or start with {word + '_'!r} (ldsa check would read it "
            "as a period, a count or a statistic of the count)"
        )
    if problems:
        raise ValueError(
            f"{spec.where}: " + "; ".join(problems) + ". How to fix: rename the columns."
        )


def _week_positions(column: pd.Series, timeline: Timeline) -> npt.NDArray[np.float64]:
    """Each row's week position in the timeline (may be outside it); NaN where not a date."""
    try:
        days = pd.to_datetime(column, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):  # aware and naive dates mixed in the column
        days = pd.Series(pd.NaT, index=column.index, dtype="datetime64[s]")
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        days = days.dt.tz_localize(None)  # the wall-clock date, as recorded
    offsets = (days.dt.normalize() - pd.Timestamp(timeline.first_day(0))).dt.days
    return np.floor(offsets.to_numpy(dtype="float64", na_value=np.nan) / 7)


def _known_parents(
    plan: LinkedPlan,
    la_code: str,
    intervals: tuple[Interval, ...],
    totals: npt.NDArray[np.int64],
    where: str,
) -> npt.NDArray[np.bool_]:
    """Which periods' totals the authority's released cells determine, checked against the
    parts' sums.

    Released cells are edges between week boundaries (a running total joins 0 and its
    end); a period is determined exactly when its two boundaries are connected. Along a
    path each released value is off its raw value by at most half a rounding base.
    """
    links: dict[int, list[tuple[int, int]]] = {}
    for (start, end), outcome in plan.cells[("la", la_code)].items():
        if outcome.value is not None:
            links.setdefault(start, []).append((end, outcome.value))
            links.setdefault(end, []).append((start, -outcome.value))
    size = plan.timeline.n_weeks + 1
    root = np.full(size, -1, dtype=np.int64)
    level = np.zeros(size, dtype=np.int64)
    depth = np.zeros(size, dtype=np.int64)
    for node in range(size):
        if root[node] >= 0:
            continue
        root[node], queue = node, [node]
        for here in queue:  # breadth first; the queue grows as it is read
            for there, value in links.get(here, []):
                if root[there] < 0:
                    root[there], level[there] = node, level[here] + value
                    depth[there] = depth[here] + 1
                    queue.append(there)
    starts = np.array([start for start, _ in intervals], dtype=np.intp)
    ends = np.array([end for _, end in intervals], dtype=np.intp)
    known = root[starts] == root[ends]
    slack = plan.policy.round_base // 2 * (depth[starts] + depth[ends])
    off = known & (np.abs(totals - (level[ends] - level[starts])) > slack)
    if off.any():
        raise ValueError(
            f"{where}: the parts of {int(off.sum())} period(s) do not add up to {la_code}'s "
            f"{plan.count_column} in the plan. How to fix: pass the records the plan was "
            "counted from (the same authority, measure and weeks)."
        )
    # A known parent is safe unless the plan is wrong; withholding its parts then costs
    # nothing and keeps the guarantee.
    return np.asarray(known & ~primary_unsafe(totals, plan.policy), dtype=bool)


def _withhold(
    raw: npt.NDArray[np.int64],
    known: npt.NDArray[np.bool_],
    policy: Policy,
    before: npt.NDArray[np.bool_],
) -> list[list[Rule | None]]:
    """The rule withholding each part (``None``: released), group by group; parts withheld
    by an earlier release (``before``) are withheld again."""
    reasons: list[list[Rule | None]] = []
    unsafe_parts = primary_unsafe(raw, policy)
    for values, parent_known, unsafe, kept in zip(raw, known, unsafe_parts, before, strict=True):
        if not parent_known:
            reasons.append([Rule.LINKED] * len(values))
            continue
        primary = [Rule.ZEROS if v == 0 else Rule.THRESHOLD for v in values]
        group = [
            rule if bad else (Rule.LINKED if again else None)
            for rule, bad, again in zip(primary, unsafe, kept, strict=True)
        ]
        _complete([int(v) for v in values], group, policy)
        reasons.append(group)
    return reasons


def _complete(values: list[int], reasons: list[Rule | None], policy: Policy) -> None:
    """Withhold complements in one group (``reasons`` in place), smallest non-zero first,
    until its withheld parts are none, or several whose sum is safe. Withholding every
    part is always safe: their sum is the known, safe parent."""
    spare = [index for index, reason in enumerate(reasons) if reason is None]
    for pick in sorted(spare, key=lambda index: (values[index] == 0, values[index], index)):
        hidden = [v for v, reason in zip(values, reasons, strict=True) if reason is not None]
        if not hidden or (len(hidden) > 1 and not primary_unsafe([sum(hidden)], policy)[0]):
            return
        reasons[pick] = Rule.SECONDARY
