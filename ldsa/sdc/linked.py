"""The batch-wide plan of one measure: every authority, region and England, protected together.

:func:`plan_linked_counts` protects the weekly counts of every authority at once
(:mod:`ldsa.sdc.protection`): each authority's series at its own time step, its running
totals and its period total, and its region's and England's at the same step. Reports cut
their tables from the plan with :meth:`LinkedPlan.table`, :meth:`LinkedPlan.cumulative_table`
and :meth:`LinkedPlan.period_table`. A plan is made only here; a cached one is refused
unless its digest matches the key it was written under and its values match the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.errors import DisclosureError, InvalidParameterError
from ldsa.sdc.cellspace import Area
from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.protection import (
    ENGLAND_CODE,
    CellOutcome,
    StepChoice,
    StepReason,
    primary_unsafe,
    protect_measure,
)
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_counts
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table, label_text
from ldsa.sdc.timeline import SERIES_STEPS, Interval, Timeline, TimeStep

LEVELS = ("la", "region", "england")
#: Label columns of every table cut from a plan.
LABELS = ("period_start", "period_end", "weeks", "time_step")
_FORMAT = 3
#: What earlier releases showed of an authority's breakdowns of the measure: per authority,
#: per part (``"<category column>=<category>"``, as ``ldsa check`` names it), per period:
#: known, or withheld.
EarlierParts = Mapping[str, Mapping[str, Mapping[Interval, bool]]]


@dataclasses.dataclass(frozen=True)
class LinkedPlan:
    """Released values of one measure for every authority, its region and England.

    Made only by :func:`plan_linked_counts` and :meth:`from_json` (constructing one
    directly, or with ``dataclasses.replace``, raises). Holds released values only:
    suppressed cells are ``None`` with the rule that withheld them.
    """

    policy: Policy
    count_column: str
    timeline: Timeline
    cumulative: bool
    region_of: Mapping[str, str]
    steps: Mapping[str, StepChoice]
    cells: Mapping[Area, Mapping[Interval, CellOutcome]]
    earlier_parts: EarlierParts = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        raise DisclosureError(
            "LinkedPlan: only the disclosure layer can make one. "
            "How to fix: call ldsa.sdc.plan_linked_counts on every authority's raw counts."
        )

    def __reduce__(self) -> tuple[object, ...]:
        raise DisclosureError("LinkedPlan: cannot be pickled; cache it with to_json.")

    def step(self, la_code: str) -> TimeStep:
        """The time step of an authority's series."""
        return self._choice(la_code).step

    def step_note(self, la_code: str) -> str:
        """Why the authority's series is at its step, in one or two plain sentences."""
        return step_note(self._choice(la_code), self.policy)

    def _choice(self, la_code: str) -> StepChoice:
        if la_code not in self.steps:
            raise InvalidParameterError(
                f"linked plan: unknown LA code {la_code!r}. "
                "How to fix: pass an la_code present in the plan's counts."
            )
        return self.steps[la_code]

    def _areas(self, la_code: str) -> dict[str, Area]:
        self._choice(la_code)
        return {
            "la": ("la", la_code),
            "region": ("region", self.region_of[la_code]),
            "england": ("england", ENGLAND_CODE),
        }

    def table(self, la_code: str, *, output_id: str, description: str = "") -> SafeTable:
        """The authority's series at its step, with its region's and England's.

        Columns: ``period_start``, ``period_end`` (ISO dates, inclusive), ``weeks``,
        ``time_step``, then ``la_<count>``, ``region_<count>``, ``england_<count>``.
        """
        step = self.step(la_code)
        intervals = list(self.timeline.intervals(step))
        return self._issue(la_code, intervals, step, "", output_id, description)

    def cumulative_table(self, la_code: str, *, output_id: str, description: str = "") -> SafeTable:
        """Running totals from the period's start to the end of each period of the step.

        Columns as :meth:`table`, counts named ``la_cumulative_<count>`` and so on.
        """
        if not self.cumulative:
            raise InvalidParameterError(f"{output_id}: this plan releases no running totals.")
        step = self.step(la_code)
        intervals = [(0, end) for end in self.timeline.ends(step)]
        return self._issue(la_code, intervals, step, "cumulative_", output_id, description)

    def period_table(self, la_code: str, *, output_id: str, description: str = "") -> SafeTable:
        """One row: the period totals of the authority, its region and England."""
        whole = [(0, self.timeline.n_weeks)]
        return self._issue(la_code, whole, TimeStep.PERIOD, "", output_id, description)

    def _issue(
        self,
        la_code: str,
        intervals: list[Interval],
        step: TimeStep,
        prefix: str,
        output_id: str,
        description: str,
    ) -> SafeTable:
        areas = self._areas(la_code)
        counts = [f"{level}_{prefix}{self.count_column}" for level in LEVELS]
        released = CellStatus.ROUNDED if self.policy.rounds else CellStatus.RELEASED
        values: list[list[Value]] = []
        statuses: list[list[CellStatus]] = []
        cells: dict[Rule, list[tuple[int, int]]] = {}
        for row, interval in enumerate(intervals):
            start, end = interval
            values.append(
                [
                    self.timeline.first_day(start).isoformat(),
                    self.timeline.last_day(end).isoformat(),
                    str(end - start),
                    step.value,
                ]
            )
            statuses.append([CellStatus.RELEASED] * len(LABELS))
            for offset, level in enumerate(LEVELS):
                outcome = self.cells[areas[level]][interval]
                position = (row, len(LABELS) + offset)
                values[-1].append(outcome.value)
                if outcome.rule is None:
                    statuses[-1].append(released)
                    if self.policy.rounds:
                        cells.setdefault(Rule.ROUNDED, []).append(position)
                else:
                    statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                    cells.setdefault(outcome.rule, []).append(position)
        columns = [*LABELS, *counts]
        record = make_record(
            uid=output_id,
            kind=OutputKind.TABLE,
            policy=self.policy,
            description=description,
            columns=columns,
            label_columns=LABELS[:2],
            row_labels=[f"{v[0]} to {v[1]}" for v in values],
            cells=cells,
            properties={
                "method": "plan_linked_counts",
                "la_code": la_code,
                "region_code": areas["region"][1],
                "time_step": step.value,
                "time_step_reason": self.step_note(la_code) or "weekly: no coarser step needed",
            },
        )
        return issue_table(
            output_id=output_id,
            columns=columns,
            kinds=[ColumnKind.LABEL] * len(LABELS) + [ColumnKind.COUNT] * len(LEVELS),
            values=values,
            statuses=statuses,
            record=record,
        )

    def for_authority(self, la_code: str) -> LinkedPlan:
        """The part of the plan one authority's tables need: it, its region and England at
        its step (its tables are the same as the whole plan's)."""
        areas = self._areas(la_code)
        step = self.step(la_code)
        wanted = set(self.timeline.intervals(step)) | {(0, self.timeline.n_weeks)}
        if self.cumulative:
            wanted |= {(0, end) for end in self.timeline.ends(step)}
        cells = {
            area: {i: o for i, o in self.cells[area].items() if i in wanted}
            for area in areas.values()
        }
        return _issue_plan(
            self,
            region_of={la_code: areas["region"][1]},
            steps={la_code: self.steps[la_code]},
            cells=cells,
            earlier_parts={la_code: self.earlier_parts.get(la_code, {})},
        )

    def to_json(self, key: str) -> str:
        """Serialise the plan as canonical JSON with a digest tied to ``key``.

        ``key`` names everything the plan depends on (store, policy, code, period); the
        digest covers it and the content, so :meth:`from_json` refuses a file written for
        other inputs or edited since.
        """
        content = {
            "format": _FORMAT,
            "count_column": self.count_column,
            "weeks": [w.isoformat() for w in self.timeline.weeks],
            "cumulative": self.cumulative,
            "region_of": dict(sorted(self.region_of.items())),
            "steps": {
                code: [c.step.value, {s.value: v for s, v in c.shares.items()}, c.reason.value]
                for code, c in sorted(self.steps.items())
            },
            "cells": sorted(
                [*area, start, end, o.value, o.rule.value if o.rule else None]
                for area, found in self.cells.items()
                for (start, end), o in found.items()
            ),
            "earlier_parts": sorted(
                [code, part, start, end, known]
                for code, parts in self.earlier_parts.items()
                for part, periods in parts.items()
                for (start, end), known in periods.items()
            ),
        }
        body = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return json.dumps(
            {"key": key, "digest": _digest(key, body), "content": content},
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(
        cls,
        text: str,
        policy: Policy,
        *,
        key: str,
        raw: Mapping[str, npt.ArrayLike] | None = None,
    ) -> LinkedPlan:
        """Rebuild a plan written by :meth:`to_json`, refusing anything it cannot verify.

        Parameters
        ----------
        text
            The cached JSON.
        policy
            The policy the plan was made under (part of ``key``).
        key
            The key the caller would write the plan under now.
        raw
            Optionally, the raw weekly counts of an authority (``"la"``), its region and
            England, as ``la_code`` plus arrays: every released value is checked against
            them and against the policy's threshold.

        Raises
        ------
        DisclosureError
            When the file is not a plan, was written under another key, its digest does
            not match its content, or a released value differs from the raw counts.
        """
        try:
            document = json.loads(text)
            content = document["content"]
            body = json.dumps(content, sort_keys=True, separators=(",", ":"))
            valid = (
                document["key"] == key
                and document["digest"] == _digest(key, body)
                and content["format"] == _FORMAT
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise DisclosureError(
                "cached disclosure plan: refused (written for other inputs, or changed since "
                "it was written). How to fix: delete the plan cache folder (under "
                "LDSA_CACHE_DIR or ~/.cache/ldsa/plans) and run again."
            )
        plan = _from_content(content, policy)
        if raw is not None:
            _verify(plan, raw)
        return plan


def _digest(key: str, body: str) -> str:
    return hashlib.sha256(f"ldsa-linked-plan\n{key}\n{body}".encode()).hexdigest()


def _issue_plan(base: LinkedPlan | None = None, **fields: object) -> LinkedPlan:
    """Make a plan without calling ``__init__``, which refuses everyone."""
    plan = object.__new__(LinkedPlan)
    names = [f.name for f in dataclasses.fields(LinkedPlan)]
    for name in names:
        value = fields[name] if name in fields else getattr(base, name)
        object.__setattr__(plan, name, value)
    return plan


def _from_content(content: Mapping[str, object], policy: Policy) -> LinkedPlan:
    document = dict(content)
    cells: dict[Area, dict[Interval, CellOutcome]] = {}
    for kind, code, start, end, value, rule in document["cells"]:  # type: ignore[attr-defined]
        outcome = CellOutcome(value, None if rule is None else Rule(rule))
        cells.setdefault((str(kind), str(code)), {})[(int(start), int(end))] = outcome
    steps = {
        str(code): StepChoice(
            TimeStep(step), {TimeStep(k): float(v) for k, v in shares.items()}, StepReason(reason)
        )
        for code, (step, shares, reason) in document["steps"].items()  # type: ignore[attr-defined]
    }
    earlier: dict[str, dict[str, dict[Interval, bool]]] = {}
    for code, part, start, end, known in document["earlier_parts"]:  # type: ignore[attr-defined]
        found = earlier.setdefault(str(code), {}).setdefault(str(part), {})
        found[(int(start), int(end))] = bool(known)
    return _issue_plan(
        policy=policy,
        count_column=str(document["count_column"]),
        timeline=Timeline.of(list(document["weeks"])),  # type: ignore[call-overload]
        cumulative=bool(document["cumulative"]),
        region_of={str(k): str(v) for k, v in document["region_of"].items()},  # type: ignore[attr-defined]
        steps=steps,
        cells=cells,
        earlier_parts=earlier,
    )


def _verify(plan: LinkedPlan, raw: Mapping[str, npt.ArrayLike]) -> None:
    """Check every released value of one authority's part against its raw weekly counts."""
    la_code = str(raw["la_code"])
    areas = plan._areas(la_code)
    for level, area in areas.items():
        weekly = np.asarray(raw[level], dtype=np.int64)
        running = np.concatenate([[0], np.cumsum(weekly)])
        for (start, end), outcome in plan.cells[area].items():
            if outcome.value is None:
                continue
            total = int(running[end] - running[start])
            expected = int(round_counts([total], plan.policy)[0])
            if outcome.value != expected or bool(primary_unsafe([total], plan.policy)[0]):
                raise DisclosureError(
                    f"cached disclosure plan for {la_code}: a released {level} value does not "
                    "match the store. How to fix: delete the plan cache folder and run again."
                )


def step_note(choice: StepChoice, policy: Policy) -> str:
    """Why a series is released at its step (empty for weekly series)."""
    if choice.step is TimeStep.WEEK:
        return ""
    finer = [s for s in SERIES_STEPS if s.rank < choice.step.rank]
    shares = ", ".join(f"{s.noun} {choice.shares[s]:.0%}" for s in finer)
    limit = f"{policy.max_withheld_share:.0%}"
    shown = (
        "Shown as one total for the whole period"
        if choice.step is TimeStep.PERIOD
        else f"Shown {choice.step.adjective}"
    )
    if choice.reason is StepReason.EARLIER:
        return (
            f"{shown}, as in the earlier release, so that the two agree (a finer step now "
            "would show parts of periods withheld then)."
        )
    if choice.reason is StepReason.GROUPED:
        return (
            f"{shown}, like the smaller authorities of its region: at a finer step, the "
            "region's totals less this authority's would reveal their small numbers."
        )
    whose = {
        StepReason.OWN: "the values",
        StepReason.REGION: "the region's values, drawn beside it,",
        StepReason.ENGLAND: "England's values, drawn beside it,",
    }[choice.reason]
    return (
        f"{shown} because at a finer step more than {limit} of {whose} would be withheld "
        f"to protect confidentiality ({shares})."
    )


def plan_linked_counts(
    frame: pd.DataFrame,
    *,
    count_column: str,
    period_column: str,
    policy: Policy,
    la_column: str = "la_code",
    region_column: str = "region_code",
    cumulative: bool = False,
    earlier: Mapping[Area, Mapping[tuple[dt.date, dt.date], bool]] | None = None,
) -> LinkedPlan:
    """Protect the weekly counts of every LA, region and England over every relation.

    Parameters
    ----------
    frame
        Raw counts of **every** authority: one row per (LA, week), with its region. The
        weeks (``period_column``, ISO dates of Mondays) must be consecutive; a missing
        (LA, week) pair counts as 0.
    count_column
        The count (name ending in ``_count``).
    period_column
        The week label.
    policy
        The disclosure policy.
    la_column, region_column
        Geography columns.
    cumulative
        Also release running totals.
    earlier
        What earlier releases published of this measure (:func:`~ldsa.sdc.ledger.earlier_cells`,
        read from a release ledger), per area and span of days (first day, day after the
        last): known, or withheld. The plan keeps each authority's earlier step, keeps
        withheld what was withheld, and protects against this release and the earlier ones
        together (:func:`~ldsa.sdc.protection.protect_measure`). Parts of an authority's
        breakdowns (areas ``("<column>=<category>", la_code)``) go with its part of the
        plan (:attr:`LinkedPlan.earlier_parts`), for :mod:`ldsa.sdc.breakdown` to keep.

    Returns
    -------
    LinkedPlan
        The same for every report of the batch, given the same counts (and earlier
        releases).

    Notes
    -----
    Each authority is released at the finest step (week, month, quarter, whole period)
    that loses at most ``max_withheld_share`` of its points; small authorities of a region
    may be moved together to a coarser step so that the region less the others does not
    reveal them. Regions and England follow each authority's step; their coarser values
    are withheld wherever a finer value inside is. Cells below the threshold (and zeros,
    when the policy says) are suppressed; running totals are released only where the
    suppressed cells since the last released one are none, or at least two with a safe sum;
    complements are then added (:func:`~ldsa.sdc.protection.protect_measure`) until no
    published relation pins a suppressed cell or leaves unknowns with an unsafe sum.
    Under rounding, every released value is rounded from its own raw value.

    References
    ----------
    .. [1] disclosure.md, "Protection over every published relation" and "Across the
       whole batch".
    .. [2] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.3-4.4.
    """
    if not count_column.endswith(COUNT_SUFFIX):
        raise ValueError(f"count column {count_column!r} must end in {COUNT_SUFFIX!r}.")
    region_of = _regions(frame, la_column, region_column)
    weeks = sorted({label_text(p) for p in frame[period_column]})
    timeline = Timeline.of(weeks)
    codes = list(region_of)
    values = pd.to_numeric(frame[count_column], errors="coerce").astype("float64").to_numpy()
    if not np.all(np.isfinite(values) & (values >= 0) & (values == np.floor(values))):
        raise ValueError(
            f"{count_column}: expected whole counts >= 0 for every LA and period. "
            "How to fix: fill missing counts with 0."
        )
    rows = pd.Index(codes).get_indexer(pd.Index(frame[la_column].astype(str)))
    cols = pd.Index(weeks).get_indexer(pd.Index([label_text(p) for p in frame[period_column]]))
    counts = np.zeros((len(codes), len(weeks)), dtype=np.int64)
    np.add.at(counts, (rows, cols), values.astype(np.int64))
    shown = _on_timeline(earlier or {}, timeline)
    protected = protect_measure(
        counts,
        codes,
        [region_of[c] for c in codes],
        timeline,
        policy,
        cumulative=cumulative,
        prior={a: p for a, p in shown.items() if a[0] in LEVELS},
    )
    parts: dict[str, dict[str, dict[Interval, bool]]] = {}
    for (part, code), periods in shown.items():
        if part not in LEVELS and code in region_of:
            parts.setdefault(code, {})[part] = periods
    return _issue_plan(
        policy=policy,
        count_column=count_column,
        timeline=timeline,
        cumulative=cumulative,
        region_of=region_of,
        steps=dict(protected.steps),
        cells={area: dict(found) for area, found in protected.cells.items()},
        earlier_parts=parts,
    )


def _on_timeline(
    earlier: Mapping[Area, Mapping[tuple[dt.date, dt.date], bool]], timeline: Timeline
) -> dict[Area, dict[Interval, bool]]:
    """Earlier spans of days as runs of this timeline's weeks; spans that do not begin and
    end on its week boundaries are left out (the ledger check reads them all)."""
    position = {week: i for i, week in enumerate(timeline.weeks)}
    position[timeline.weeks[-1] + dt.timedelta(days=7)] = timeline.n_weeks
    out: dict[Area, dict[Interval, bool]] = {}
    for area, spans in earlier.items():
        for (first, after), known in spans.items():
            start, end = position.get(first), position.get(after)
            if start is not None and end is not None and start < end:
                out.setdefault(area, {})[(start, end)] = known
    return out


def _regions(frame: pd.DataFrame, la_column: str, region_column: str) -> dict[str, str]:
    """Return each LA's region, sorted by LA code; raise if an LA has two regions."""
    pairs = frame[[la_column, region_column]].drop_duplicates()
    if pairs[la_column].duplicated().any():
        raise ValueError(f"{la_column}: an LA appears in more than one region.")
    return {str(la): str(region) for la, region in sorted(zip(*pairs.T.values, strict=True))}
