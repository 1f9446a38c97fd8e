"""Breakdowns of a linked plan's totals: parts of each period that sum to a total it released.

Cases by age band per week, cases per day of each week, deaths by place of death per
month: each breakdown's parts sum to an authority's count of the same measure over the
same period, a total the batch-wide :class:`~ldsa.sdc.LinkedPlan` has already released or
withheld (its *parent*). :func:`release_breakdown` protects the parts of every period
against that one relation; :func:`breakdown_withheld_share` is its dry run, and
:func:`choose_breakdown` takes the finest of several groupings (categories and time step)
that withholds at most ``max_withheld_share`` of the parts.

Security properties
-------------------
- A parent is *known* when the authority's released cells in the plan (its series, its
  running totals, its period total) determine it exactly: the plan's own cell, a sum of
  released cells, a difference of released running totals. Its breakdown then adds one
  relation, "parts sum to a known value", among new numbers only, so it tells nothing
  new about any cell of the plan. A parent withheld by the plan, or not determined by its
  released cells, has every part withheld: the parts then tell nothing about it.
- No released part is in ``(0, threshold)`` (nor 0 when zeros are disclosive), before or
  after rounding.
- In each group of parts of a known parent, the withheld parts are none, or at least two
  whose sum (the parent less the released parts) is safe: no withheld part is pinned and
  no sum of withheld parts is small. Under rounding the relation is treated as exact.
- These hold for **one** breakdown of a measure by one set of categories. The caller must
  release no other sum of the same parts: not the same categories at a second time step
  (monthly and whole-period deaths by place: each place's period count is the sum of its
  months), not a grouping of them (20-year bands beside 10-year bands), not per-category
  totals. Breakdowns by unrelated categories (age, and separately sex) of the same totals
  may be released together: the only sum they share is the parent. Take one grouping per
  dimension with :func:`choose_breakdown`.
- A nested breakdown (:func:`release_nested_breakdown`) releases one grouping and its
  parts together: the groups are a breakdown of the plan's totals and each released
  group's parts a breakdown of it, so every relation between the two tables is one of
  the relations above; a withheld group's parts are all withheld.
- ``ldsa check`` reads a breakdown's CSV cell by cell (no part unsafe, none off the
  rounding grid), not its relation to the plan's totals: that rests on this module and
  the record (method ``release_breakdown``, its parent count and step).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from ldsa.errors import InvalidParameterError
from ldsa.sdc.linked import LinkedPlan
from ldsa.sdc.parts import PartColumns, ProtectedParts, protect_nested, protect_parts
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_counts
from ldsa.sdc.safetable import (
    CellStatus,
    ColumnKind,
    SafeTable,
    Value,
    issue_table,
    label_text,
)
from ldsa.sdc.timeline import SERIES_STEPS, TimeStep

#: Label columns of a breakdown, before its category column.
LABELS = ("period_start", "period_end", "time_step")


@dataclasses.dataclass(frozen=True, eq=False)
class BreakdownOption:
    """One candidate breakdown for :func:`choose_breakdown`.

    Attributes
    ----------
    name
        The grouping in words, for the note ("10-year age bands").
    parts
        Raw counts of the authority, as :func:`release_breakdown` takes them.
    step
        The time step of the periods.
    categories
        Every category in order (default: those found, sorted).
    groups, group_order
        For a nested breakdown (:func:`release_nested_breakdown`): each category's group
        and every group in order; None for a plain one. A nested option's share is the
        larger of its two tables' shares.
    """

    name: str
    parts: pd.DataFrame
    step: TimeStep
    categories: tuple[str, ...] | None = None
    groups: Mapping[str, str] | None = None
    group_order: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, eq=False)
class BreakdownChoice:
    """The option :func:`choose_breakdown` took, the shares it tried, and why in words.

    ``shares`` pairs each option tried (finest first, ``"name, weekly"``) with the share
    of its parts that would be withheld; ``note`` is empty when the first option served.
    """

    option: BreakdownOption
    shares: tuple[tuple[str, float], ...]
    note: str


def release_breakdown(
    plan: LinkedPlan,
    la_code: str,
    parts: pd.DataFrame,
    *,
    step: TimeStep,
    date_column: str,
    category_column: str,
    count_column: str,
    policy: Policy,
    output_id: str,
    description: str = "",
    categories: Sequence[str] | None = None,
) -> SafeTable:
    """Release the parts of an authority's totals in a linked plan, period by period.

    Parameters
    ----------
    plan
        The batch-wide plan of the measure the parts break down (or the authority's part).
    la_code
        The authority.
    parts
        Raw counts of the authority, one row per (day, category): rows are summed per
        period of ``step`` and category; a missing pair counts as 0.
    step
        The time step of the periods: the authority's step in the plan, or coarser.
    date_column
        Any day within the plan's weeks (a date, datetime or ISO text; an aware datetime
        counts on its own wall-clock date).
    category_column
        The category of each row, released as a label.
    count_column
        Whole counts >= 0 (name ending in ``_count``, not starting with ``la_``,
        ``region_`` or ``england_``).
    policy
        The plan's policy.
    output_id
        Unique id of the output.
    description
        What the table shows, for the checker.
    categories
        Every category in order (default: those found, sorted); rows of other
        categories are refused.

    Returns
    -------
    SafeTable
        Columns ``period_start``, ``period_end`` (ISO dates, inclusive), ``time_step``,
        the category and the count; one row per (period, category), periods in order.

    Raises
    ------
    InvalidParameterError
        For an unknown authority, a step finer than the authority's, another policy.
    ValueError
        For missing or misnamed columns, counts that are not whole, rows that are not
        dates, fall outside the plan's weeks or hold an unknown category, and parts that
        do not add up to the plan's totals; messages count rows, never quote values.

    Notes
    -----
    A period's parent is known when the authority's released cells in the plan determine
    it (see the module's security properties); otherwise every part is withheld (rule
    ``linked``). Under a known parent, parts below the threshold (and zeros, when the
    policy says) are withheld; then complements (rule ``secondary``), the smallest
    non-zero parts first (ties: the first category; a zero only when nothing else will
    do) until the group's withheld parts are none, or several whose sum is safe. Released
    parts are rounded from their own raw values under a rounding policy. Parts of
    different periods share no relation, so each group is protected on its own.

    References
    ----------
    .. [1] disclosure.md, "Protection over every published relation".
    .. [2] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.3
       (secondary suppression in hierarchical tables).
    """
    spec = PartColumns(date_column, category_column, count_column, output_id)
    protected = protect_parts(plan, la_code, parts, step, spec, policy, categories)
    properties = {
        "method": "release_breakdown",
        "relation": "the parts of each period sum to the authority's total in the plan",
    }
    return _issue(plan, la_code, protected, step, spec, policy, description, properties)


def release_nested_breakdown(
    plan: LinkedPlan,
    la_code: str,
    parts: pd.DataFrame,
    *,
    step: TimeStep,
    date_column: str,
    category_column: str,
    count_column: str,
    groups: Mapping[str, str],
    group_column: str,
    group_order: Sequence[str],
    categories: Sequence[str],
    policy: Policy,
    output_id: str,
    description: str = "",
) -> tuple[SafeTable, SafeTable]:
    """Release a breakdown and the sums of its groups: the groups first, then the parts
    within each group.

    Neighbourhoods nest in deprivation quintiles: the quintiles are protected as a
    breakdown of the plan's totals (as :func:`release_breakdown`), and each released
    quintile's neighbourhoods as a breakdown of that quintile. The sums of groups, the
    part a reader most often needs, thus lose no value to the parts' gaps.

    Parameters
    ----------
    plan, la_code, parts, step, date_column, category_column, count_column, policy
        As for :func:`release_breakdown`.
    groups
        The group of every category.
    group_column
        Name of the groups' label column (in both tables).
    group_order
        Every group that holds a category, in order.
    categories
        Every category, in order.
    output_id
        Id of the parts' table; the groups' table is ``output_id + "_groups"``.
    description
        What the parts show, for the checker.

    Returns
    -------
    tuple of SafeTable
        The groups (``period_start``, ``period_end``, ``time_step``, ``group_column``, the
        count) and the parts (the same with ``category_column`` after ``group_column``).

    Raises
    ------
    InvalidParameterError, ValueError
        As for :func:`release_breakdown`; ValueError also when a category lacks a group or
        ``group_order`` does not list exactly the groups holding categories.

    Notes
    -----
    Each period's groups hold withheld sums none, or several with a safe total; a
    released group's parts likewise, against the group's sum; every part of a withheld
    group is withheld (rule ``linked``). The parts of a period then sum to the
    authority's total through released and safely withheld values only, so the two
    tables add no relation the rules do not cover. Release no other grouping of the parts.

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.3
       (secondary suppression in hierarchical tables).
    """
    spec = PartColumns(date_column, category_column, count_column, output_id)
    coarse, fine = protect_nested(
        plan, la_code, parts, step, spec, policy, categories, groups, group_order
    )
    group_spec = PartColumns(date_column, group_column, count_column, f"{output_id}_groups")
    group_table = _issue(
        plan, la_code, coarse, step, group_spec, policy,
        f"{description}: sums by {group_column.replace('_', ' ')}",
        {"method": "release_nested_breakdown",
         "relation": "the groups of each period sum to the authority's total in the plan"},
    )  # fmt: skip
    parts_table = _issue(
        plan, la_code, fine, step, spec, policy, description,
        {"method": "release_nested_breakdown", "group_column": group_column,
         "relation": f"the parts of each period and {group_column.replace('_', ' ')} sum to "
         f"that group's value in {group_table.output_id}"},
        group=(group_column, [groups[c] for c in fine.categories]),
    )  # fmt: skip
    return group_table, parts_table


def _issue(
    plan: LinkedPlan,
    la_code: str,
    protected: ProtectedParts,
    step: TimeStep,
    spec: PartColumns,
    policy: Policy,
    description: str,
    properties: dict[str, str],
    group: tuple[str, list[str]] | None = None,
) -> SafeTable:
    """The table of protected parts, one row per period and category; with ``group`` (a
    column name and each category's group) a label column before the category."""
    rounded = round_counts(protected.raw, policy)
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    labels = [*LABELS, group[0]] if group else list(LABELS)
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for p, (start, end) in enumerate(protected.intervals):
        first, last = plan.timeline.first_day(start), plan.timeline.last_day(end)
        for c, category in enumerate(protected.categories):
            reason = protected.reasons[p][c]
            position = (len(values), len(labels) + 1)
            count = None if reason is not None else int(rounded[p, c])
            extra = [group[1][c]] if group else []
            values.append(
                [first.isoformat(), last.isoformat(), step.value, *extra, category, count]
            )
            statuses.append([CellStatus.RELEASED] * (len(labels) + 1))
            if reason is not None:
                statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                cells.setdefault(reason, []).append(position)
            else:
                statuses[-1].append(released)
                if policy.rounds:
                    cells.setdefault(Rule.ROUNDED, []).append(position)
    columns = [*labels, spec.category, spec.count]
    record = make_record(
        uid=spec.where,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=columns[:-1],
        row_labels=[f"{v[0]} to {v[1]} / {' / '.join(map(str, v[3:-1]))}" for v in values],
        cells=cells,
        properties={
            **properties,
            "la_code": la_code,
            "parent_count_column": plan.count_column,
            "time_step": step.value,
            "la_time_step": plan.step(la_code).value,
            "category_column": spec.category,
            "categories": ", ".join(protected.categories),
            "round_base": policy.round_base,
        },
    )
    return issue_table(
        output_id=spec.where,
        columns=columns,
        kinds=[ColumnKind.LABEL] * (len(labels) + 1) + [ColumnKind.COUNT],
        values=values,
        statuses=statuses,
        record=record,
    )


def breakdown_withheld_share(
    plan: LinkedPlan,
    la_code: str,
    parts: pd.DataFrame,
    *,
    step: TimeStep,
    date_column: str,
    category_column: str,
    count_column: str,
    policy: Policy,
    categories: Sequence[str] | None = None,
) -> float:
    """The share of parts :func:`release_breakdown` would withhold (a dry run).

    Parameters are those of :func:`release_breakdown`.

    Returns
    -------
    float
        Withheld parts over the parts that say anything: a part released as a true zero
        (when zeros are not disclosive) is neither lost nor informative, as in the plan's
        choice of time step. 0 when every part is a released zero.

    Notes
    -----
    Nothing is released: the share only chooses a grouping (:func:`choose_breakdown`).

    References
    ----------
    .. [1] disclosure.md: release a series at a coarser step rather than as gaps.
    """
    spec = PartColumns(date_column, category_column, count_column, f"breakdown of {la_code}")
    return _share(protect_parts(plan, la_code, parts, step, spec, policy, categories))


def _share(protected: ProtectedParts) -> float:
    withheld = protected.withheld
    telling = int((withheld | (protected.raw > 0)).sum())
    return float(withheld.sum() / max(telling, 1))


def _option_share(
    plan: LinkedPlan, la_code: str, option: BreakdownOption, spec: PartColumns, policy: Policy
) -> float:
    """An option's withheld share; a nested option's is the larger of its two tables'."""
    if option.groups is None:
        return _share(
            protect_parts(plan, la_code, option.parts, option.step, spec, policy, option.categories)
        )
    categories = option.categories or tuple(sorted(option.groups))
    protected = protect_nested(
        plan, la_code, option.parts, option.step, spec, policy, categories, option.groups,
        option.group_order,
    )  # fmt: skip
    return max(_share(table) for table in protected)


def choose_breakdown(
    plan: LinkedPlan,
    la_code: str,
    options: Sequence[BreakdownOption],
    *,
    date_column: str,
    category_column: str,
    count_column: str,
    policy: Policy,
) -> BreakdownChoice:
    """Take the first option (finest first) that withholds at most ``max_withheld_share``.

    Parameters
    ----------
    plan, la_code, date_column, category_column, count_column, policy
        As for :func:`release_breakdown`.
    options
        Candidate groupings and steps, finest first; options finer than the authority's
        step in the plan are skipped.

    Returns
    -------
    BreakdownChoice
        The option to release with :func:`release_breakdown`, the shares tried and a note
        for the caption (empty when the first option served); when none serves, the last.

    Raises
    ------
    InvalidParameterError
        When no option is at the authority's step or coarser.

    Notes
    -----
    Release only the option chosen: two groupings of the same parts (or the same
    categories at two steps) published together are further relations among them.

    References
    ----------
    .. [1] disclosure.md: release at a coarser step rather than as gaps, and say so.
    """
    own = plan.step(la_code)
    usable = [option for option in options if option.step.rank >= own.rank]
    if not usable:
        raise InvalidParameterError(
            f"choose_breakdown for {la_code}: no option at the authority's step in the plan "
            f"({own.noun}) or coarser. How to fix: add an option at that step or coarser."
        )
    spec = PartColumns(date_column, category_column, count_column, f"breakdown of {la_code}")
    kept = _as_before(plan, la_code, usable, category_column)
    if kept is not None:
        share = _option_share(plan, la_code, kept, spec, policy)
        return BreakdownChoice(
            kept,
            ((_describe(kept), share),),
            f"Shown by {_describe(kept)}, as in the earlier release, so that the two agree.",
        )
    tried: list[tuple[BreakdownOption, float]] = []
    for option in usable:
        share = _option_share(plan, la_code, option, spec, policy)
        tried.append((option, share))
        if share <= policy.max_withheld_share:
            break
    shares = tuple((_describe(option), share) for option, share in tried)
    return BreakdownChoice(tried[-1][0], shares, _choice_note(shares, policy))


def _as_before(
    plan: LinkedPlan, la_code: str, options: Sequence[BreakdownOption], column: str
) -> BreakdownOption | None:
    """The option an earlier release showed (its categories and step), if one did: another
    grouping or step now would add relations between the two releases' parts."""
    prefix = f"{column}="
    earlier = {
        part.removeprefix(prefix): periods
        for part, periods in plan.earlier_parts.get(la_code, {}).items()
        if part.startswith(prefix)
    }
    if not earlier:
        return None
    shown = {interval for periods in earlier.values() for interval in periods}
    step = next(
        (s for s in SERIES_STEPS if len(set(plan.timeline.intervals(s)[1:]) & shown) >= 2),
        TimeStep.PERIOD,
    )
    for option in options:
        labels = option.categories or {label_text(v) for v in option.parts[column]}
        if option.groups is None and option.step is step and set(earlier) <= set(labels):
            return option
    return None


def _describe(option: BreakdownOption) -> str:
    return f"{option.name}, {option.step.adjective}"


def _choice_note(shares: tuple[tuple[str, float], ...], policy: Policy) -> str:
    """Why the option chosen (the last tried), in one plain sentence."""
    (chosen, share), finer = shares[-1], shares[:-1]
    listed = "; ".join(f"{name}: {value:.0%}" for name, value in finer)
    if share > policy.max_withheld_share:
        return (
            f"Shown by {chosen}, the coarsest grouping available, with {share:.0%} of its "
            "values withheld to protect confidentiality" + (f" ({listed})." if finer else ".")
        )
    if not finer:
        return ""
    return (
        f"Shown by {chosen}, because with finer groupings more than "
        f"{policy.max_withheld_share:.0%} of the values would be withheld to protect "
        f"confidentiality ({listed})."
    )
