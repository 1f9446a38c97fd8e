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
- ``ldsa check`` reads a breakdown's CSV cell by cell (no part unsafe, none off the
  rounding grid), not its relation to the plan's totals: that rests on this module and
  the record (method ``release_breakdown``, its parent count and step).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from ldsa.errors import InvalidParameterError
from ldsa.sdc.linked import LinkedPlan
from ldsa.sdc.parts import PartColumns, protect_parts
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_counts
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table
from ldsa.sdc.timeline import TimeStep

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
    """

    name: str
    parts: pd.DataFrame
    step: TimeStep
    categories: tuple[str, ...] | None = None


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
    rounded = round_counts(protected.raw, policy)
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for p, (start, end) in enumerate(protected.intervals):
        first, last = plan.timeline.first_day(start), plan.timeline.last_day(end)
        for c, category in enumerate(protected.categories):
            reason = protected.reasons[p][c]
            position = (len(values), len(LABELS) + 1)
            count = None if reason is not None else int(rounded[p, c])
            values.append([first.isoformat(), last.isoformat(), step.value, category, count])
            statuses.append([CellStatus.RELEASED] * (len(LABELS) + 1))
            if reason is not None:
                statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                cells.setdefault(reason, []).append(position)
            else:
                statuses[-1].append(released)
                if policy.rounds:
                    cells.setdefault(Rule.ROUNDED, []).append(position)
    columns = [*LABELS, category_column, count_column]
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=columns[:-1],
        row_labels=[f"{v[0]} to {v[1]} / {v[3]}" for v in values],
        cells=cells,
        properties={
            "method": "release_breakdown",
            "la_code": la_code,
            "parent_count_column": plan.count_column,
            "time_step": step.value,
            "la_time_step": plan.step(la_code).value,
            "category_column": category_column,
            "categories": ", ".join(protected.categories),
            "round_base": policy.round_base,
            "relation": "the parts of each period sum to the authority's total in the plan",
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * (len(LABELS) + 1) + [ColumnKind.COUNT],
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
    protected = protect_parts(plan, la_code, parts, step, spec, policy, categories)
    withheld = protected.withheld
    telling = int((withheld | (protected.raw > 0)).sum())
    return float(withheld.sum() / max(telling, 1))


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
    tried: list[tuple[BreakdownOption, float]] = []
    for option in usable:
        share = breakdown_withheld_share(
            plan, la_code, option.parts, step=option.step, date_column=date_column,
            category_column=category_column, count_column=count_column, policy=policy,
            categories=option.categories,
        )  # fmt: skip
        tried.append((option, share))
        if share <= policy.max_withheld_share:
            break
    shares = tuple((_describe(option), share) for option, share in tried)
    return BreakdownChoice(tried[-1][0], shares, _choice_note(shares, policy))


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
