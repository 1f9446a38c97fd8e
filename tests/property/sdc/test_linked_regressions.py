"""Random batches that once broke the protection (a crash, or a relation that gave a cell
away), kept as regressions: each must now plan, and give nothing away to ldsa's scan, the
independent attack or the exact linear audit.

They are drawn by the generator that found them (numpy's PCG64, seeded), so each case is
named by its seed and position: small regions (often of one authority), tiny authorities
beside large ones, runs of zeros, a few weeks.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ldsa.sdc import load_policy, plan_linked_counts

from .test_linked_properties import assert_nothing_given_away

# (seed, position, policy, running totals): found by the random search that grew the rule.
CASES = [
    (0, 1, "default", True),
    (0, 1, "default", False),
    (0, 17, "default", True),
    (0, 277, "default", True),
    (1, 285, "default", True),
    (2, 4, "default", False),
    (2, 13, "default", False),
    (3, 44, "default", True),
    (3, 67, "default", False),
    (3, 79, "default", True),
    (3, 120, "default", True),
    (3, 167, "default", True),
    (4, 89, "default", True),
    (7, 133, "default", False),
    (8, 94, "default", True),
    (101, 9, "strict", True),
]


def _batch(seed: int, position: int) -> pd.DataFrame:
    """The ``position``-th batch the search drew from ``seed``."""
    rng = np.random.default_rng(seed)
    for _ in range(position + 1):
        n_las, n_regions, n_weeks = rng.integers(2, 8), rng.integers(1, 4), rng.integers(1, 21)
        first = dt.date(2020, 3, 2) + dt.timedelta(weeks=int(rng.integers(0, 60)))
        weeks = [(first + dt.timedelta(weeks=i)).isoformat() for i in range(int(n_weeks))]
        rows = []
        for la in range(n_las):
            size = rng.choice([3, 12, 40, 300])
            for week in weeks:
                count = 0 if rng.random() < 0.4 else int(rng.integers(0, size + 1))
                rows.append((f"E0690000{la}", f"E1200000{la % n_regions}", week, count))
    return pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])


@pytest.mark.parametrize(("seed", "position", "name", "cumulative"), CASES)
def test_former_breach_is_protected(seed: int, position: int, name: str, cumulative: bool) -> None:
    """The batch plans, and neither scan nor the linear audit finds anything."""
    policy = load_policy(name)
    plan = plan_linked_counts(
        _batch(seed, position), count_column="cases_count", period_column="week",
        policy=policy, cumulative=cumulative,
    )  # fmt: skip
    assert_nothing_given_away(plan, policy)
