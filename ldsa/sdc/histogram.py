"""Release of histograms: no bin below the threshold (small bins merged with neighbours)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.rounding import round_count
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table


def release_histogram(
    values: Sequence[float] | pd.Series,
    bins: Sequence[float],
    *,
    policy: Policy,
    output_id: str,
    count_column: str = "people_count",
    description: str = "",
) -> SafeTable:
    """Release a histogram of record-level values with no bin below the threshold.

    Parameters
    ----------
    values
        Record-level values (one per person); NaN and values outside the bins are left out.
    bins
        Increasing bin edges; bins are ``[edge_i, edge_i+1)``, the last one closed.
    policy
        The disclosure policy.
    output_id
        Unique id of the output.
    count_column
        Name of the count column (ending in ``_count``).
    description
        What the histogram shows, for the checker.

    Returns
    -------
    SafeTable
        Columns ``bin_start``, ``bin_end`` and the count: unsafe bins merged with their
        smaller neighbour until every bin is safe; a single unsafe bin left is suppressed.

    Notes
    -----
    Merging keeps every person in the figure, where suppression would leave gaps that the
    total reveals. The smallest unsafe bin is merged first (ties: the leftmost), with the
    smaller of its neighbours (ties: the left). Counts are then rounded as the policy says.

    References
    ----------
    .. [1] disclosure.md: histograms have no bin below the threshold.
    .. [2] AI-SDC ACRO, ``hist`` (threshold check of every bin).
    """
    if not count_column.endswith(COUNT_SUFFIX):
        raise ValueError(
            f"{output_id}: count_column {count_column!r} must end in {COUNT_SUFFIX!r}."
        )
    edges = [float(e) for e in bins]
    if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError(f"{output_id}: bins must be at least two increasing edges.")
    data = np.asarray(pd.Series(values, dtype="float64").dropna().to_numpy())
    raw_counts, _ = np.histogram(data, bins=np.asarray(edges))
    groups: list[tuple[int, int, int]] = [(i, i + 1, int(c)) for i, c in enumerate(raw_counts)]
    merged = False
    while len(groups) > 1:
        unsafe = [i for i, g in enumerate(groups) if is_unsafe_count(g[2], policy)]
        if not unsafe:
            break
        target = min(unsafe, key=lambda i: (groups[i][2], i))
        left = groups[target - 1][2] if target > 0 else None
        right = groups[target + 1][2] if target + 1 < len(groups) else None
        other = target - 1 if right is None or (left is not None and left <= right) else target + 1
        low, high = sorted((target, other))
        groups[low : high + 1] = [
            (groups[low][0], groups[high][1], groups[low][2] + groups[high][2])
        ]
        merged = True
    rows: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    for row, (start, end, count) in enumerate(groups):
        rows.append([f"{edges[start]:g}", f"{edges[end]:g}", round_count(count, policy)])
        unsafe_bin = is_unsafe_count(count, policy)
        statuses.append(
            [CellStatus.RELEASED] * 2
            + [CellStatus.SUPPRESSED_DISCLOSURE if unsafe_bin else released]
        )
        if unsafe_bin:
            cells.setdefault(Rule.THRESHOLD, []).append((row, 2))
        if end - start > 1:
            cells.setdefault(Rule.HISTOGRAM, []).append((row, 2))
    columns = ["bin_start", "bin_end", count_column]
    record = make_record(
        uid=output_id,
        kind=OutputKind.HISTOGRAM,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=columns[:2],
        row_labels=[f"{r[0]} to {r[1]}" for r in rows],
        cells=cells,
        properties={"method": "release_histogram", "bins_merged": merged},
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL, ColumnKind.LABEL, ColumnKind.COUNT],
        values=rows,
        statuses=statuses,
        record=record,
    )
