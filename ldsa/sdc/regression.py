"""Release of model results: residual degrees of freedom and group sizes."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, Value, issue_table, label_text


def release_model(
    coefficients: pd.DataFrame,
    *,
    df_resid: float,
    policy: Policy,
    output_id: str,
    term_column: str = "term",
    group_sizes: Mapping[str, int] | None = None,
    decimals: int = 3,
    description: str = "",
) -> SafeTable:
    """Release a table of model coefficients (estimates, standard errors, intervals).

    Parameters
    ----------
    coefficients
        One row per term: ``term_column`` and numeric statistic columns.
    df_resid
        The model's residual degrees of freedom.
    policy
        The disclosure policy (``dof_threshold``, ``threshold``).
    output_id
        Unique id of the output.
    term_column
        The column naming each term.
    group_sizes
        For terms defined by a group of people (a category's indicator), the number of
        people in it; continuous terms are absent.
    decimals
        Decimal places shown (rounded half up).
    description
        What the model is, for the checker.

    Returns
    -------
    SafeTable
        Every statistic suppressed when ``df_resid < dof_threshold``; a term's row
        suppressed when its group is below the threshold (or empty).

    Notes
    -----
    A coefficient of an indicator for a handful of people is close to their mean outcome,
    so it discloses like a small cell.

    References
    ----------
    .. [1] AI-SDC ACRO, regression checks (``safe_dof_threshold``).
    .. [2] Ritchie F. (2014), "Operationalising safe statistics: the case of linear
       regression", Statistical Journal of the IAOS.
    """
    if term_column not in coefficients.columns:
        raise ValueError(f"{output_id}: no term column {term_column!r} in the coefficients.")
    stats = [str(c) for c in coefficients.columns if c != term_column]
    columns = [term_column, *stats]
    sizes = dict(group_sizes or {})
    too_few_dof = not (math.isfinite(df_resid) and df_resid >= policy.dof_threshold)
    values: list[list[Value]] = []
    statuses: list[list[CellStatus]] = []
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for row, raw_term in enumerate(coefficients[term_column]):
        term = label_text(raw_term)
        rule = None
        if too_few_dof:
            rule = Rule.DOF
        elif term in sizes and (sizes[term] == 0 or is_unsafe_count(sizes[term], policy)):
            rule = Rule.GROUP_SIZE
        values.append([term])
        statuses.append([CellStatus.RELEASED])
        for offset, stat in enumerate(stats):
            values[-1].append(float(coefficients[stat].iloc[row]))
            if rule is None:
                statuses[-1].append(CellStatus.RELEASED)
            else:
                statuses[-1].append(CellStatus.SUPPRESSED_DISCLOSURE)
                cells.setdefault(rule, []).append((row, 1 + offset))
    record = make_record(
        uid=output_id,
        kind=OutputKind.REGRESSION,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=columns[:1],
        row_labels=[str(v[0]) for v in values],
        cells=cells,
        properties={
            "method": "release_model",
            "dof": df_resid,
            "dof_threshold": policy.dof_threshold,
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=[ColumnKind.LABEL] + [ColumnKind.STATISTIC] * len(stats),
        values=values,
        statuses=statuses,
        record=record,
        decimals=[0] + [decimals] * len(stats),
    )
