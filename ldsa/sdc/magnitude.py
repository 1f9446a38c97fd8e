"""Release of magnitude tables: threshold, dominance (N-K) and p% rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_count
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table, label_text


def dominance_rule(contributions: Sequence[float], policy: Policy) -> Rule | None:
    """Return the magnitude rule a cell fails (N-K, then p%), or None if it passes.

    Parameters
    ----------
    contributions
        Non-negative contributions of each unit (person, home, practice) to the cell.
    policy
        The disclosure policy (``nk_n``, ``nk_k``, ``p_ratio``).

    Returns
    -------
    Rule or None
        ``Rule.NK`` when the largest ``nk_n`` contributions exceed ``nk_k`` of the
        total; ``Rule.P_RATIO`` when the total less the two largest is below
        ``p_ratio`` times the largest (the second largest could then estimate the
        largest to within p%); None otherwise, and for a zero total.

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, 4.2
       (dominance and p% rules).
    .. [2] AI-SDC ACRO, ``agg_nk`` and ``agg_p_percent`` (``safe_nk_n``, ``safe_nk_k``,
       ``safe_pratio_p``).
    """
    ordered = sorted((float(c) for c in contributions), reverse=True)
    total = sum(ordered)
    if total <= 0:
        return None
    if sum(ordered[: policy.nk_n]) > policy.nk_k * total:
        return Rule.NK
    if len(ordered) < 3 or total - ordered[0] - ordered[1] < policy.p_ratio * ordered[0]:
        return Rule.P_RATIO
    return None


def release_magnitudes(
    contributions: pd.DataFrame,
    *,
    group_columns: Sequence[str],
    value_column: str,
    policy: Policy,
    output_id: str,
    count_column: str = "contributors_count",
    decimals: int = 1,
    description: str = "",
) -> SafeTable:
    """Release sums of a magnitude per group, with the number of contributors.

    Parameters
    ----------
    contributions
        One row per contributing unit: the group columns and its (non-negative) value.
    group_columns
        Columns defining the cells.
    value_column
        The magnitude summed in each cell.
    policy
        The disclosure policy.
    output_id
        Unique id of the output.
    count_column
        Name of the contributor-count column (ending in ``_count``).
    decimals
        Decimal places shown for the sums.
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Per group: the contributor count (threshold, rounding) and the sum, suppressed
        when the count is unsafe or the cell fails N-K or p%.

    Notes
    -----
    A dominated cell's count stays released (it is a safe count); its sum does not.

    References
    ----------
    .. [1] Hundepool A. et al. (2012), Statistical Disclosure Control, Wiley, ch. 4.
    .. [2] AI-SDC ACRO, ``pivot_table`` magnitude checks.
    """
    if not count_column.endswith(COUNT_SUFFIX):
        raise ValueError(
            f"{output_id}: count_column {count_column!r} must end in {COUNT_SUFFIX!r}."
        )
    values_all = pd.to_numeric(contributions[value_column], errors="coerce").to_numpy(float)
    if not np.all(np.isfinite(values_all)) or np.any(values_all < 0):
        raise ValueError(
            f"{output_id}: column {value_column!r}: expected finite values >= 0. "
            "How to fix: drop missing contributions; magnitude rules need non-negative values."
        )
    grouped = contributions.groupby(list(group_columns), sort=True, dropna=False)[value_column]
    columns = [*group_columns, count_column, value_column]
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    rows: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    n_labels = len(group_columns)
    for row, (key, series) in enumerate(grouped):
        keys = key if isinstance(key, tuple) else (key,)
        count = len(series)
        total = float(series.sum())
        rows.append([*(label_text(k) for k in keys), round_count(count, policy), total])
        count_unsafe = is_unsafe_count(count, policy)
        rule = Rule.THRESHOLD if count_unsafe else dominance_rule(series.tolist(), policy)
        count_status = CellStatus.SUPPRESSED_DISCLOSURE if count_unsafe else released
        total_status = CellStatus.RELEASED if rule is None else CellStatus.SUPPRESSED_DISCLOSURE
        statuses.append([CellStatus.RELEASED] * n_labels + [count_status, total_status])
        if count_unsafe:
            cells.setdefault(Rule.THRESHOLD, []).append((row, n_labels))
        if rule is not None:
            cells.setdefault(rule, []).append((row, n_labels + 1))
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=group_columns,
        row_labels=[" / ".join(str(v) for v in r[:n_labels]) for r in rows],
        cells=cells,
        properties={"method": "release_magnitudes", "nk_n": policy.nk_n, "nk_k": policy.nk_k},
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * n_labels + [ColumnKind.COUNT, ColumnKind.STATISTIC],
        values=rows,
        statuses=statuses,
        record=record,
        decimals=[0] * (n_labels + 1) + [decimals],
    )
