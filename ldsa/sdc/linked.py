"""Protection across linked tables: each LA against its region and England, weekly against
cumulative, consistently over the whole batch."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Hashable, Mapping

import pandas as pd

from ldsa.errors import InvalidParameterError
from ldsa.sdc.additive import AdditiveSystem, protect
from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table, label_text
from ldsa.sdc.secondary import Equation

#: GSS code of England.
ENGLAND_CODE = "E92000001"
LEVELS = ("la", "region", "england")


@dataclasses.dataclass(frozen=True)
class LinkedPlan:
    """Released values of every LA, region and England, per period, protected together.

    Build with :func:`plan_linked_counts`; take one authority's comparator table with
    :meth:`table`. Holds released values only (``None`` where suppressed).
    """

    policy: Policy
    count_column: str
    period_column: str
    periods: tuple[str, ...]
    region_of: Mapping[str, str]
    cumulative: bool
    released: Mapping[Hashable, int | None]
    reasons: Mapping[Hashable, Rule]

    def for_authority(self, la_code: str) -> LinkedPlan:
        """The part of the plan one authority's table needs: it, its region and England.

        Its :meth:`table` for ``la_code`` is identical to the whole plan's; it is small
        enough for every report to load quickly.
        """
        if la_code not in self.region_of:
            raise InvalidParameterError(f"linked plan: unknown LA code {la_code!r}.")
        region = self.region_of[la_code]
        wanted = {("la", la_code), ("region", region), ("england", ENGLAND_CODE)}

        def keep(key: Hashable) -> bool:
            return isinstance(key, tuple) and (key[0], key[1]) in wanted

        return dataclasses.replace(
            self,
            region_of={la_code: region},
            released={k: v for k, v in self.released.items() if keep(k)},
            reasons={k: r for k, r in self.reasons.items() if keep(k)},
        )

    def to_json(self) -> str:
        """Serialise the plan (released values and reasons only) as canonical JSON."""
        document = {
            "count_column": self.count_column,
            "period_column": self.period_column,
            "periods": list(self.periods),
            "region_of": dict(self.region_of),
            "cumulative": self.cumulative,
            "released": sorted([*_key(k), v] for k, v in self.released.items()),
            "reasons": sorted([*_key(k), rule.value] for k, rule in self.reasons.items()),
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, policy: Policy) -> LinkedPlan:
        """Rebuild a plan written by :meth:`to_json` under the same policy."""
        document = json.loads(text)
        return cls(
            policy=policy,
            count_column=document["count_column"],
            period_column=document["period_column"],
            periods=tuple(document["periods"]),
            region_of=document["region_of"],
            cumulative=document["cumulative"],
            released={tuple(row[:4]): row[4] for row in document["released"]},
            reasons={tuple(row[:4]): Rule(row[4]) for row in document["reasons"]},
        )

    def table(self, la_code: str, *, output_id: str, description: str = "") -> SafeTable:
        """Return one authority's table: a row per period; the LA, its region and England.

        Parameters
        ----------
        la_code
            The authority.
        output_id
            Unique id of the output.
        description
            What the table shows, for the checker.

        Returns
        -------
        SafeTable
            Columns: the period, ``la_<count>``, ``region_<count>``, ``england_<count>``
            and, when cumulative, ``la_cumulative_<count>`` and so on.
        """
        if la_code not in self.region_of:
            raise InvalidParameterError(
                f"linked plan: unknown LA code {la_code!r}. "
                "How to fix: pass an la_code present in the plan's counts."
            )
        codes = {"la": la_code, "region": self.region_of[la_code], "england": ENGLAND_CODE}
        measures = ("period", "cumulative") if self.cumulative else ("period",)
        keys = [(level, codes[level], measure) for measure in measures for level in LEVELS]
        columns = [self.period_column] + [_column(k[0], k[2], self.count_column) for k in keys]
        released = CellStatus.ROUNDED if self.policy.rounds else CellStatus.RELEASED
        values: list[list[Value]] = []
        statuses: list[list[CellStatus]] = []
        cells: dict[Rule, list[tuple[int, int]]] = {}
        for row, period in enumerate(self.periods):
            values.append([period])
            statuses.append([CellStatus.RELEASED])
            for offset, (level, code, measure) in enumerate(keys):
                key = (level, code, row, measure)
                values[-1].append(self.released[key])
                reason = self.reasons.get(key)
                statuses[-1].append(
                    released if reason is None else CellStatus.SUPPRESSED_DISCLOSURE
                )
                if reason is not None:
                    cells.setdefault(reason, []).append((row, 1 + offset))
                elif self.policy.rounds:
                    cells.setdefault(Rule.ROUNDED, []).append((row, 1 + offset))
        record = make_record(
            uid=output_id,
            kind=OutputKind.TABLE,
            policy=self.policy,
            description=description,
            columns=columns,
            label_columns=columns[:1],
            row_labels=list(self.periods),
            cells=cells,
            properties={
                "method": "plan_linked_counts",
                "la_code": la_code,
                "region_code": codes["region"],
                "cumulative": self.cumulative,
            },
        )
        return issue_table(
            output_id=output_id,
            columns=columns,
            kinds=[ColumnKind.LABEL] + [ColumnKind.COUNT] * len(keys),
            values=values,
            statuses=statuses,
            record=record,
        )


def _key(key: Hashable) -> list[object]:
    """A plan key, (level, code, period position, measure), as a JSON list."""
    if not isinstance(key, tuple) or len(key) != 4:
        raise TypeError(f"linked plan: malformed key {key!r}")
    return list(key)


def _column(level: str, measure: str, count_column: str) -> str:
    """Name a comparator column: ``la_cases_count``, ``region_cumulative_cases_count``."""
    return (
        f"{level}_cumulative_{count_column}"
        if measure == "cumulative"
        else (f"{level}_{count_column}")
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
) -> LinkedPlan:
    """Protect the counts of every LA, region and England for every period together.

    Parameters
    ----------
    frame
        Raw counts of **every** authority: one row per (LA, period), with its region.
        A missing (LA, period) pair counts as 0.
    count_column
        The count (name ending in ``_count``).
    period_column
        The period label (e.g. ``period_start``); periods are taken in sorted order.
    policy
        The disclosure policy.
    la_column, region_column
        Geography columns.
    cumulative
        Also release running totals (weekly against cumulative).

    Returns
    -------
    LinkedPlan
        The same for every report of the batch, given the same counts: a suppressed LA
        value is not the only unknown in its region's sum, in England's sum of regions,
        or in ``cumulative(t) = cumulative(t - 1) + period(t)``.

    Notes
    -----
    Without rounding, regions and England are exact sums of the LA values. Under a
    rounding policy every value, totals included, is rounded from its own raw value:
    summing some 300 authorities' rounded weekly counts (most of them rounding to 0)
    would bias regional and national figures far below the truth, and independently
    rounded totals recover a suppressed LA value only to within many rounding bases.
    Every report must build its plan from the same
    frame (all authorities, from the store); the plan costs well under a second for
    309 authorities and two years of weeks. Complements are the smallest LA values first,
    so totals (region, England, running totals) are withheld only when no LA can be.

    References
    ----------
    .. [1] disclosure.md, "Across the whole batch".
    .. [2] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.3
       (linked tables).
    """
    if not count_column.endswith(COUNT_SUFFIX):
        raise ValueError(f"count column {count_column!r} must end in {COUNT_SUFFIX!r}.")
    region_of = _regions(frame, la_column, region_column)
    periods = sorted({label_text(p) for p in frame[period_column]})
    index = {p: i for i, p in enumerate(periods)}
    raw: dict[Hashable, int] = {
        ("la", la, t, "period"): 0 for la in region_of for t in range(len(periods))
    }
    for la, period, count in zip(
        frame[la_column], frame[period_column], frame[count_column], strict=True
    ):
        value = float(count)
        if not value >= 0 or value != int(value):
            raise ValueError(
                f"{count_column}: expected whole counts >= 0 for every LA and period. "
                "How to fix: fill missing counts with 0."
            )
        raw[("la", str(la), index[label_text(period)], "period")] += int(value)
    system = _system(region_of, len(periods), cumulative)
    result = protect(
        system, raw, policy, secondary_rule=Rule.LINKED, audit=False, independent_totals=True
    )
    released = {
        key: (None if key in result.reasons else value) for key, value in result.values.items()
    }
    return LinkedPlan(
        policy=policy,
        count_column=count_column,
        period_column=period_column,
        periods=tuple(periods),
        region_of=region_of,
        cumulative=cumulative,
        released=released,
        reasons=dict(result.reasons),
    )


def _regions(frame: pd.DataFrame, la_column: str, region_column: str) -> dict[str, str]:
    """Return each LA's region, sorted by LA code; raise if an LA has two regions."""
    pairs = frame[[la_column, region_column]].drop_duplicates()
    if pairs[la_column].duplicated().any():
        raise ValueError(f"{la_column}: an LA appears in more than one region.")
    return {str(la): str(region) for la, region in sorted(zip(*pairs.T.values, strict=True))}


def _system(region_of: Mapping[str, str], n_periods: int, cumulative: bool) -> AdditiveSystem:
    """Return the additive system: regions and England per period, running totals."""
    by_region: dict[str, list[str]] = {}
    for la, region in region_of.items():
        by_region.setdefault(region, []).append(la)
    units = {
        "la": list(region_of),
        "region": sorted(by_region),
        "england": [ENGLAND_CODE],
    }
    leaves = tuple(("la", la, t, "period") for t in range(n_periods) for la in region_of)
    totals: dict[Hashable, tuple[Hashable, ...]] = {}
    extra: list[Equation] = []
    for t in range(n_periods):
        for measure in ("period", "cumulative") if cumulative else ("period",):
            for region in units["region"]:
                parts = tuple(("la", la, t, measure) for la in by_region[region])
                if measure == "period":
                    totals[("region", region, t, measure)] = parts
                else:
                    extra.append(Equation(("region", region, t, measure), parts))
            england_parts = tuple(("region", r, t, measure) for r in units["region"])
            if measure == "period":
                totals[("england", ENGLAND_CODE, t, measure)] = england_parts
            else:
                extra.append(Equation(("england", ENGLAND_CODE, t, measure), england_parts))
            if measure == "period":
                continue
            for level in LEVELS:
                for code in units[level]:
                    now = (level, code, t, "period")
                    before = (level, code, t - 1, "cumulative")
                    totals[(level, code, t, "cumulative")] = (before, now) if t else (now,)
    equations = tuple(Equation(total, parts) for total, parts in totals.items()) + tuple(extra)
    return AdditiveSystem(leaves=leaves, totals=totals, equations=equations)
