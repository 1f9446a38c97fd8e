"""Release of values already published elsewhere (ONS population estimates, IMD scores)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ldsa.sdc.counts import COUNT_SUFFIX
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, make_record
from ldsa.sdc.safetable import (
    CellStatus,
    ColumnKind,
    SafeTable,
    Value,
    issue_table,
    label_text,
    row_labels,
)


def release_public(
    frame: pd.DataFrame,
    value_columns: Sequence[str],
    *,
    source: str,
    policy: Policy,
    output_id: str,
    decimals: int | Mapping[str, int] = 0,
    description: str = "",
) -> SafeTable:
    """Release values that are public already, without disclosure rules, on the record.

    Parameters
    ----------
    frame
        Label columns and the public values.
    value_columns
        The public values. Their names must not end in ``_count``: released counts of
        people are checked by the scanner, and public figures are not counts of the
        extract's people.
    source
        Where the values are published (e.g. "ONS mid-year population estimates 2020");
        recorded for the checker.
    policy
        The policy (stamped on the record).
    output_id
        Unique id of the output.
    decimals
        Decimal places shown, for all values or per column (rounded half up).
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Every value released, with ``public_source`` in the record's properties.

    Notes
    -----
    Use it only for inputs taken from published files, never for anything computed from
    the TRE extract: the checker sees the source named in the pack.

    References
    ----------
    .. [1] ONS SRS output checking: published data need no further disclosure control.
    """
    if not source:
        raise ValueError(f"{output_id}: release_public needs the public source named.")
    misnamed = [c for c in value_columns if c.endswith(COUNT_SUFFIX) or c not in frame.columns]
    if misnamed:
        raise ValueError(
            f"{output_id}: public column(s) {', '.join(misnamed)} are missing or end in "
            f"{COUNT_SUFFIX!r}. How to fix: name public figures without the suffix "
            "(e.g. 'population')."
        )
    labels = [str(c) for c in frame.columns if c not in value_columns]
    columns = [*labels, *value_columns]
    places = [decimals if isinstance(decimals, int) else decimals.get(c, 0) for c in value_columns]
    values: list[list[Value]] = []
    for row in range(len(frame)):
        cells: list[Value] = [label_text(frame[c].iloc[row]) for c in labels]
        for column, digits in zip(value_columns, places, strict=True):
            number = float(frame[column].iloc[row])
            cells.append(int(number) if digits == 0 and number.is_integer() else number)
        values.append(cells)
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=labels,
        row_labels=row_labels(frame, labels),
        cells={},
        properties={"method": "release_public", "public_source": source},
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] * len(labels) + [ColumnKind.STATISTIC] * len(value_columns),
        values=values,
        statuses=[[CellStatus.RELEASED] * len(columns) for _ in values],
        record=record,
        decimals=[0] * len(labels) + places,
    )
