"""Property tests of the protection rule on random batches: every published relation.

Random regions, authorities and weeks, counts with many zeros and small values; under
each preset the release of every authority (series, running totals, period totals, the
region and England beside each) must give nothing away: by ldsa's own cross-file scan,
by the independent differencing attack in ``tests/acceptance``, and by an exact linear
audit of which withheld cells the released ones determine.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldsa.sdc import LinkedPlan, Policy, check_release, load_policy, plan_linked_counts
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.rounding import is_rounded
from ldsa.testing import write_linked_release

from .linear_audit import determined

POLICIES = {"default": load_policy("default"), "strict": load_policy("strict")}
_ATTACK = Path(__file__).resolve().parents[2] / "acceptance" / "differencing_attack.py"


def _attack():  # type: ignore[no-untyped-def]
    """The independent attack script (not a package module)."""
    if "differencing_attack" not in sys.modules:
        spec = importlib.util.spec_from_file_location("differencing_attack", _ATTACK)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["differencing_attack"] = module
        spec.loader.exec_module(module)
    return sys.modules["differencing_attack"]


@st.composite
def batches(draw: st.DrawFn) -> pd.DataFrame:
    """2-7 authorities in 1-3 regions over 1-20 weeks; each authority small or large."""
    n_las = draw(st.integers(2, 7))
    n_regions = draw(st.integers(1, 3))
    n_weeks = draw(st.integers(1, 20))
    first = dt.date(2020, 3, 2) + dt.timedelta(weeks=draw(st.integers(0, 60)))
    weeks = [(first + dt.timedelta(weeks=i)).isoformat() for i in range(n_weeks)]
    rows = []
    for la in range(n_las):
        size = draw(st.sampled_from([3, 12, 40, 300]))
        counts = draw(st.lists(st.integers(0, size), min_size=n_weeks, max_size=n_weeks))
        zeros = draw(st.lists(st.booleans(), min_size=n_weeks, max_size=n_weeks))
        for week, count, zero in zip(weeks, counts, zeros, strict=True):
            rows.append((f"E0690000{la}", f"E1200000{la % n_regions}", week, 0 if zero else count))
    return pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])


@pytest.mark.parametrize("name", list(POLICIES))
@settings(max_examples=40)
@given(frame=batches(), cumulative=st.booleans())
def test_random_batches_give_nothing_away(name: str, frame: pd.DataFrame, cumulative: bool) -> None:
    """No released count is unsafe or off the rounding grid, no relation across the files
    pins a withheld cell or an unsafe sum, and no withheld cell with an unsafe value is
    determined exactly by any combination of released cells (a complement, whose value is
    safe, may rarely be: revealing it discloses nothing)."""
    policy = POLICIES[name]
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=policy,
        cumulative=cumulative,
    )  # fmt: skip
    for area, cells in plan.cells.items():
        for outcome in cells.values():
            if outcome.value is not None:
                assert not is_unsafe_count(outcome.value, policy), area
                assert is_rounded(outcome.value, policy), area
    assert_nothing_given_away(plan, policy)


def assert_nothing_given_away(plan: LinkedPlan, policy: Policy) -> None:
    """The plan's release passes ldsa's scan, the independent attack and the exact linear
    audit (no unsafe value determined)."""
    with tempfile.TemporaryDirectory() as folder:
        release = write_linked_release({"cases": plan}, Path(folder))
        assert check_release(release, policy).findings == ()
        attack = _attack().scan(
            release,
            threshold=policy.threshold,
            zeros_disclosive=policy.zeros_are_disclosive,
            round_base=policy.round_base,
        )
        assert attack.findings == []
    assert determined(plan, unsafe_only=True) == []
