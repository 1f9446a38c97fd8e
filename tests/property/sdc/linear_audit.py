"""An exact linear audit of a linked plan, for tests: which withheld cells do the released
ones determine? Independent of the planner: it rebuilds every released table from the
plan's public methods and solves the linear system over the raw weekly counts."""

from __future__ import annotations

import numpy as np

from ldsa.sdc import LinkedPlan
from ldsa.sdc.primary import is_unsafe_count

LEVELS = ("la", "region", "england")


def released_tables(plan: LinkedPlan) -> dict[str, list]:
    """Every table a batch would publish: per authority its series, running totals and
    period totals, as (level, code, first week, end week, value or None) cells."""
    weeks = [w.isoformat() for w in plan.timeline.weeks]
    cells = {}
    for la_code in plan.region_of:
        tables = [plan.table(la_code, output_id="t"), plan.period_table(la_code, output_id="p")]
        if plan.cumulative:
            tables.append(plan.cumulative_table(la_code, output_id="c"))
        codes = {"la": la_code, "region": plan.region_of[la_code], "england": "E92000001"}
        for table in tables:
            frame = table.released_frame()
            counts = [c for c in table.columns if c.endswith("_count")]
            for row in range(table.n_rows):
                first = weeks.index(frame["period_start"][row])
                end = first + int(frame["weeks"][row])
                for column in counts:
                    level = column.split("_", 1)[0]
                    value = frame[column][row]
                    key = (level, codes[level], first, end)
                    cells[key] = (
                        None
                        if value is None or value is np.nan or str(value) == "<NA>"
                        else int(value)
                    )
    return cells


def determined(plan: LinkedPlan, *, unsafe_only: bool = False) -> list[tuple]:
    """Withheld cells whose value follows exactly from the released cells (a cell worked
    out as 0 only where the policy treats zeros as disclosive; with ``unsafe_only``, only
    those whose worked-out value the policy calls unsafe: true disclosures)."""
    zeros_count = plan.policy.zeros_are_disclosive
    cells = released_tables(plan)
    las = sorted(plan.region_of)
    n_weeks = plan.timeline.n_weeks
    column = {(la, w): i for i, (la, w) in enumerate((la, w) for la in las for w in range(n_weeks))}

    def support(key: tuple) -> np.ndarray:
        level, code, first, end = key
        members = [
            la
            for la in las
            if level == "england"
            or (level == "la" and la == code)
            or (level == "region" and plan.region_of[la] == code)
        ]
        vector = np.zeros(len(column))
        for la in members:
            for w in range(first, end):
                vector[column[(la, w)]] = 1
        return vector

    known = [(support(k), v) for k, v in cells.items() if v is not None]
    matrix = np.array([s for s, _ in known]) if known else np.zeros((0, len(column)))
    values = np.array([v for _, v in known], dtype=float)
    rank = np.linalg.matrix_rank(matrix) if known else 0
    solution = np.linalg.lstsq(matrix, values, rcond=None)[0] if known else None
    out = []
    for key, value in cells.items():
        if value is None:
            row = support(key)
            extended = np.vstack([matrix, row])
            if np.linalg.matrix_rank(extended) == rank:
                worked_out = round(float(row @ solution)) if solution is not None else 0
                if unsafe_only and not is_unsafe_count(worked_out, plan.policy):
                    continue
                if zeros_count or worked_out != 0:  # a true 0 is released anyway
                    out.append(key)
    return out
