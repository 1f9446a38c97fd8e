"""Release of statistics derived from counts: rates, ratios and their intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.render import require_safe
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table, label_text


def release_rates(
    counts: SafeTable,
    rates: pd.DataFrame,
    derived_from: Mapping[str, str | tuple[str, ...]],
    *,
    policy: Policy,
    output_id: str,
    decimals: int | Mapping[str, int] = 1,
    unreliable_below: int | None = None,
    include_counts: bool = True,
    description: str = "",
) -> SafeTable:
    """Release rates and intervals, suppressed wherever the count they derive from is.

    Parameters
    ----------
    counts
        The released counts (from :func:`~ldsa.sdc.release_counts` or a linked plan).
    rates
        One row per row of ``counts`` (same order), holding the statistic columns; label
        columns it shares with ``counts`` must match.
    derived_from
        Each statistic column and the count column of ``counts`` it is computed from, or
        several (a positivity from positive tests and tests): the first is the one whose
        size decides reliability, and the statistic is withheld if any of them is.
    policy
        The disclosure policy (``derived_from: controlled`` means the caller computed the
        rates from ``counts.released_frame()``, the controlled counts).
    output_id
        Unique id of the output.
    decimals
        Decimal places shown, for all statistics or per column (rounded half up).
    unreliable_below
        Mark a statistic ``[u]`` (unreliable, not disclosive) when its released count is
        below this, e.g. 10 for a DSR; ``None`` never does.
    include_counts
        Put the label columns and the referenced count columns of ``counts`` first.
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Label columns, counts (if included) and statistics. A statistic is ``[c]`` where
        its count is suppressed, ``[u]`` where unreliable or not finite.

    Raises
    ------
    DisclosureError
        When ``counts`` is not a SafeTable.
    ValueError
        When rows or columns do not line up.

    Notes
    -----
    Reliability is judged on the released count, so a rounded count of 10 from 8 raw
    events is taken as 10. A statistic that is NaN or infinite (zero denominator) is
    shown as unreliable.

    References
    ----------
    .. [1] disclosure.md: a statistic derived from a suppressed count is suppressed.
    .. [2] OpenSAFELY, "Updated disclosure control guidance": rates recomputed from
       controlled counts.
    .. [3] ONS, "Deaths registered in England and Wales": rates from fewer than 10 deaths
       are marked unreliable ([u]).
    """
    counts = require_safe(counts, f"{output_id}: release_rates")
    _check_alignment(counts, rates, derived_from, output_id)
    sources = {stat: _sources(source) for stat, source in derived_from.items()}
    labels = list(counts.columns_of_kind(ColumnKind.LABEL)) if include_counts else []
    count_cols = (
        list(dict.fromkeys(c for found in sources.values() for c in found))
        if include_counts
        else []
    )
    stats = list(derived_from)
    places = {c: decimals if isinstance(decimals, int) else decimals.get(c, 1) for c in stats}
    columns = [*labels, *count_cols, *stats]
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for row in range(counts.n_rows):
        values.append([counts.value(row, c) for c in [*labels, *count_cols]])
        statuses.append([counts.status(row, c) for c in [*labels, *count_cols]])
        for offset, stat in enumerate(stats):
            position = (row, len(labels) + len(count_cols) + offset)
            withheld = [counts.status(row, c) for c in sources[stat]]
            count_value = counts.value(row, sources[stat][0])
            value = float(rates[stat].iloc[row])
            if any(s.suppressed for s in withheld):
                status, rule = next(s for s in withheld if s.suppressed), Rule.DERIVED
            elif not math.isfinite(value) or (
                unreliable_below is not None
                and isinstance(count_value, int)
                and count_value < unreliable_below
            ):
                status, rule = CellStatus.SUPPRESSED_UNRELIABLE, Rule.UNRELIABLE
            else:
                status, rule = CellStatus.RELEASED, None
            values[-1].append(value)
            statuses[-1].append(status)
            if rule is not None:
                cells.setdefault(rule, []).append(position)
    for rule, found in _carried_cells(counts, [*labels, *count_cols]).items():
        cells.setdefault(rule, []).extend(found)
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=labels,
        row_labels=counts.record.row_labels,
        cells=cells,
        properties={
            **dict(counts.record.properties),
            "method": "release_rates",
            "derived_from": policy.derived_from.value,
        },
    )
    kinds = (
        [ColumnKind.LABEL] * len(labels)
        + [ColumnKind.COUNT] * len(count_cols)
        + [ColumnKind.STATISTIC] * len(stats)
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=kinds,
        values=values,
        statuses=statuses,
        record=record,
        decimals=[0] * (len(labels) + len(count_cols)) + [places[c] for c in stats],
        total_row=counts.total_row,
    )


def _sources(source: str | tuple[str, ...]) -> tuple[str, ...]:
    return (source,) if isinstance(source, str) else tuple(source)


def _check_alignment(
    counts: SafeTable,
    rates: pd.DataFrame,
    derived_from: Mapping[str, str | tuple[str, ...]],
    output_id: str,
) -> None:
    """Raise ValueError unless ``rates`` lines up with ``counts``."""
    if len(rates) != counts.n_rows:
        raise ValueError(
            f"{output_id}: rates have {len(rates)} rows, the counts {counts.n_rows}. "
            "How to fix: compute one rate per row of the released counts, in order."
        )
    for stat, source in derived_from.items():
        if stat not in rates.columns:
            raise ValueError(f"{output_id}: no statistic column {stat!r} in the rates frame.")
        for count_column in _sources(source):
            if count_column not in counts.columns_of_kind(ColumnKind.COUNT):
                raise ValueError(
                    f"{output_id}: {stat!r} derives from {count_column!r}, which is not a "
                    f"count column of {counts.output_id!r}."
                )
    for label in counts.columns_of_kind(ColumnKind.LABEL):
        if label not in rates.columns:
            continue
        theirs = [label_text(v) for v in rates[label]]
        ours = [str(counts.value(row, label)) for row in range(counts.n_rows)]
        if theirs != ours:
            raise ValueError(
                f"{output_id}: label column {label!r} differs between the rates and the "
                "counts. How to fix: keep the rows of the rates in the order of the counts."
            )


def _carried_cells(counts: SafeTable, columns: list[str]) -> dict[Rule, list[tuple[int, int]]]:
    """Return the rule cells of ``counts`` that fall in the carried-over columns."""
    positions = {counts.column_index(c): i for i, c in enumerate(columns)}
    out: dict[Rule, list[tuple[int, int]]] = {}
    for rule, found in counts.record.cells:
        for row, col in found:
            if col in positions:
                out.setdefault(rule, []).append((row, positions[col]))
    return out
