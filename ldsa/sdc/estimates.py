"""Release of model estimates that rest on a number of events: R, projections, scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import too_few_events
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_half_up
from ldsa.sdc.safetable import (
    CellStatus,
    ColumnKind,
    SafeTable,
    Value,
    issue_table,
    label_text,
    row_labels,
)


def release_estimates(
    frame: pd.DataFrame,
    value_columns: Sequence[str],
    *,
    events: Sequence[int],
    policy: Policy,
    output_id: str,
    decimals: int | Mapping[str, int] = 2,
    case_columns: Sequence[str] = (),
    method: str,
    description: str = "",
) -> SafeTable:
    """Release model estimates row by row, each withheld when it rests on too few events.

    Parameters
    ----------
    frame
        Label columns and the estimates, one row per estimate (a week's R, a projected
        week, a backtest summary).
    value_columns
        The estimates. Their names must not end in ``_count``: estimates are not counts
        of people, and the scanner checks columns so named as counts.
    events
        For each row, the events (cases) the estimate is computed from: a row whose
        events are an unsafe count under the policy (below the threshold, or 0) is
        withheld in full.
    policy
        The disclosure policy (threshold; ``round_base`` for ``case_columns``).
    output_id
        Unique id of the output.
    decimals
        Decimal places shown, for all estimates or per column (rounded half up).
    case_columns
        Estimates in units of cases (projected cases): under a rounding policy rounded to
        its base, like released counts.
    method
        The model, for the checker ("Cori et al. 2013 renewal equation, 7-day window").
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Every estimate of a row with enough events released, the others ``[c]``
        (rule ``group-size``); the record names the method and the fewest events of a
        released row.

    Notes
    -----
    An estimate of a handful of events is close to a function of them (a reproduction
    number over a window with its interval gives the window's cases back), so it is
    withheld like a small count. Where the events are themselves released counts that a
    batch-wide plan may withhold as complements, derive the estimates from those counts
    with :func:`~ldsa.sdc.release_rates` instead, so that they are withheld with them.

    References
    ----------
    .. [1] disclosure.md: no estimate from fewer events than the threshold.
    .. [2] AI-SDC ACRO, regression checks: a coefficient of a small group discloses like a
       small cell.
    """
    misnamed = [c for c in value_columns if c.endswith(COUNT_SUFFIX) or c not in frame.columns]
    if misnamed or not value_columns or len(events) != len(frame) or not method:
        raise ValueError(
            f"{output_id}: release_estimates needs existing estimate columns not ending in "
            f"{COUNT_SUFFIX!r} (got {', '.join(misnamed) or 'none wrong'}), one event count "
            f"per row ({len(events)} for {len(frame)} rows) and the method named. How to "
            "fix: name estimates without the suffix and give each row its events."
        )
    labels = [str(c) for c in frame.columns if c not in value_columns]
    columns = [*labels, *value_columns]
    places = [decimals if isinstance(decimals, int) else decimals.get(c, 2) for c in value_columns]
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    withheld: list[tuple[int, int]] = []
    # Published events (policy public): an estimate from few of them discloses nothing,
    # but is still too unreliable to show.
    published = policy.published_inputs
    status = CellStatus.SUPPRESSED_UNRELIABLE if published else CellStatus.SUPPRESSED_DISCLOSURE
    for row in range(len(frame)):
        unsafe = too_few_events(int(events[row]), policy)
        values.append([label_text(frame[c].iloc[row]) for c in labels])
        statuses.append([CellStatus.RELEASED] * len(labels))
        for offset, column in enumerate(value_columns):
            values[-1].append(_estimate(float(frame[column].iloc[row]), column in case_columns,
                                        policy))  # fmt: skip
            if unsafe:
                statuses[-1].append(status)
                withheld.append((row, len(labels) + offset))
            else:
                statuses[-1].append(CellStatus.RELEASED)
    shown = [int(n) for n, row in zip(events, statuses, strict=True) if not row[-1].suppressed]
    record = make_record(
        uid=output_id,
        kind=OutputKind.CUSTOM,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=labels,
        row_labels=row_labels(frame, labels),
        cells={Rule.UNRELIABLE if published else Rule.GROUP_SIZE: withheld},
        properties={
            "method": "release_estimates",
            "model": method,
            "fewest_events_released": min(shown) if shown else "none released",
            "case_columns_rounded_to": policy.round_base if case_columns else "not applicable",
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * len(labels) + [ColumnKind.STATISTIC] * len(value_columns),
        values=values,
        statuses=statuses,
        record=record,
        decimals=[0] * len(labels) + places,
    )


def _estimate(value: float, cases: bool, policy: Policy) -> float:
    """An estimate as released: estimated cases rounded to the policy's base, if any."""
    if cases and policy.round_base > 0 and value == value:  # NaN stays NaN
        return float(round_half_up(math.floor(value + 0.5), policy.round_base))
    return value
