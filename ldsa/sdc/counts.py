"""Release of tables of counts: primary and secondary suppression, rounding, margins."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from ldsa.sdc.additive import margin_system, protect
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import (
    CellStatus,
    ColumnKind,
    SafeTable,
    Value,
    issue_table,
    label_text,
    row_labels,
)

#: Suffix that marks a count column in released CSVs (the scanner relies on it).
COUNT_SUFFIX = "_count"
#: First-cell text of a total row.
TOTAL_LABEL = "Total"


def release_counts(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    policy: Policy,
    output_id: str,
    label_columns: Sequence[str] | None = None,
    total_row: bool = False,
    total_column: str | None = None,
    force_suppress: Iterable[tuple[int, str]] = (),
    description: str = "",
) -> SafeTable:
    """Release a table of counts of people or events under a policy.

    Parameters
    ----------
    frame
        One row per table row: label columns and whole, non-negative raw counts.
    count_columns
        The count columns; names must end in ``_count`` (the scanner's convention).
    policy
        The disclosure policy.
    output_id
        Unique id of the output, ``<la_code>/<template>/<name>`` by convention.
    label_columns
        Columns released as labels (default: every column that is not a count).
    total_row
        Append a row of column totals, labelled ``Total`` in the first label column.
    total_column
        Append a column of row totals with this name (ending in ``_count``).
    force_suppress
        ``(row, column)`` cells to suppress whatever their value (rows count from 0; the
        total row is ``len(frame)``).
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Released counts; suppressed cells show ``[c]``.

    Raises
    ------
    ValueError
        When a column is missing or misnamed, or a count is missing, negative or not whole.

    Notes
    -----
    Totals are computed here, never taken from the caller, so that they agree with the
    cells. Cells below the threshold (and zeros, when the policy says) are suppressed,
    then complementary cells (the smallest inner cells first) until no suppressed cell is
    the only unknown in a published row, column or grand total. Under a rounding policy
    every released count is rounded half up and totals are recomputed from the rounded
    cells; the status ``ROUNDED`` marks every released count, whether or not rounding
    changed it (a status must not reveal that a raw value was a multiple of the base).

    References
    ----------
    .. [1] AI-SDC ACRO, ``crosstab`` with ``suppress=True`` (threshold, zeros).
    .. [2] ONS SRS output checking rules of thumb; GSS guidance on the ``[c]`` marker.
    .. [3] OpenSAFELY, "Updated disclosure control guidance" (redact 7 or fewer, round 5).
    """
    counts = _check_counts(frame, count_columns, output_id)
    labels = _label_columns(frame, count_columns, label_columns, output_id)
    if total_column is not None and (
        not total_column.endswith(COUNT_SUFFIX) or total_column in frame.columns
    ):
        raise ValueError(
            f"{output_id}: total_column {total_column!r} must be a new name ending in "
            f"{COUNT_SUFFIX!r}. How to fix: pass e.g. total_column='total_count'."
        )
    if total_row and not labels:
        raise ValueError(
            f"{output_id}: a total row needs a label column to say 'Total'. "
            "How to fix: keep a label column (e.g. the age band) in the frame."
        )
    n_rows = len(frame)
    system = margin_system(
        n_rows, list(count_columns), total_row=total_row, total_column=total_column
    )
    raw: dict[Hashable, int] = {
        (row, column): int(counts[column][row]) for row in range(n_rows) for column in count_columns
    }
    result = protect(system, raw, policy, forced=set(force_suppress))

    value_columns = [*count_columns, *([total_column] if total_column else [])]
    columns = [*labels, *value_columns]
    kinds = [ColumnKind.LABEL] * len(labels) + [ColumnKind.COUNT] * len(value_columns)
    label_rows = [[label_text(v) for v in row] for row in frame[labels].itertuples(index=False)]
    if total_row:
        label_rows.append([TOTAL_LABEL] + [""] * (len(labels) - 1))
    released = CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for row, label_cells in enumerate(label_rows):
        values.append([*label_cells])
        statuses.append([CellStatus.RELEASED] * len(labels))
        for offset, column in enumerate(value_columns):
            key = (row, column)
            position = (row, len(labels) + offset)
            reason = result.reasons.get(key)
            if reason is None:
                values[-1].append(result.values[key])
                statuses[-1].append(released)
                if policy.rounds:
                    cells.setdefault(Rule.ROUNDED, []).append(position)
            else:
                values[-1].append(None)
                statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                cells.setdefault(reason, []).append(position)
    frame_labels = row_labels(frame, labels)
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=labels,
        row_labels=[*frame_labels, TOTAL_LABEL] if total_row else frame_labels,
        cells=cells,
        properties={"method": "release_counts", "round_base": policy.round_base},
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=kinds,
        values=values,
        statuses=statuses,
        record=record,
        total_row=n_rows if total_row else None,
        total_column=total_column,
    )


def _check_counts(
    frame: pd.DataFrame, count_columns: Sequence[str], output_id: str
) -> dict[str, list[int]]:
    """Return the count columns as lists of ints, or raise ValueError saying what is wrong."""
    if not count_columns:
        raise ValueError(f"{output_id}: no count columns given. How to fix: name at least one.")
    out: dict[str, list[int]] = {}
    for column in count_columns:
        if column not in frame.columns:
            raise ValueError(
                f"{output_id}: no column {column!r} in the frame "
                f"(columns: {', '.join(map(str, frame.columns))})."
            )
        if not column.endswith(COUNT_SUFFIX):
            raise ValueError(
                f"{output_id}: count column {column!r} must end in {COUNT_SUFFIX!r} so that "
                f"released files mark it as a count. How to fix: rename it "
                f"{column + COUNT_SUFFIX!r}."
            )
        series = frame[column]
        numeric = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
        bad = int(np.sum(~np.isfinite(numeric) | (numeric < 0) | (numeric != np.floor(numeric))))
        if bad:
            raise ValueError(
                f"{output_id}: column {column!r}: expected whole counts >= 0, "
                f"{bad} row(s) are missing, negative or fractional. "
                "How to fix: fill structural zeros with 0 and pass raw integer counts."
            )
        out[column] = [int(v) for v in numeric]
    return out


def _label_columns(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    label_columns: Sequence[str] | None,
    output_id: str,
) -> list[str]:
    """Return the label columns (default: every non-count column), checking they exist."""
    if label_columns is None:
        return [str(c) for c in frame.columns if c not in count_columns]
    missing = [c for c in label_columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{output_id}: label column(s) {', '.join(missing)} not in the frame.")
    return list(label_columns)
