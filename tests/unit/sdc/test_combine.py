"""Two released tables of the same rows side by side, and statistics of several counts."""

from __future__ import annotations

import pandas as pd
import pytest

from ldsa import sdc
from ldsa.errors import DisclosureError
from ldsa.sdc import CellStatus, Policy, Rule
from ldsa.sdc.combine import beside

WEEKS = ["2021-01-04", "2021-01-11", "2021-01-18"]


def _counts(column: str, values: list[int], policy: Policy, weeks: list[str] = WEEKS):
    frame = pd.DataFrame({"week": weeks, column: values})
    return sdc.release_counts(frame, [column], policy=policy, output_id=f"E1/t/{column}")


def test_side_by_side_keeps_statuses_and_rules(default_policy: Policy) -> None:
    """Positive tests beside tests: every cell keeps its status and its rule's position."""
    positives = _counts("positive_count", [12, 4, 30], default_policy)
    tests = _counts("tests_count", [400, 380, 5], default_policy)
    both = beside(positives, tests, policy=default_policy, output_id="E1/t/both",
                  columns=["tests_count"])  # fmt: skip
    assert both.columns == ("week", "positive_count", "tests_count")
    assert [both.text(r, "positive_count") for r in range(3)] == ["12", "[c]", "30"]
    assert [both.text(r, "tests_count") for r in range(3)] == ["400", "380", "[c]"]
    assert dict(both.record.cells)[Rule.THRESHOLD] == ((1, 1), (2, 2))


def test_positivity_withheld_where_either_count_is(default_policy: Policy) -> None:
    """A statistic of two counts is withheld when either is, and judged reliable on the
    first (the numerator)."""
    both = beside(
        _counts("positive_count", [12, 4, 30], default_policy),
        _counts("tests_count", [400, 380, 5], default_policy),
        policy=default_policy, output_id="E1/t/both", columns=["tests_count"],
    )  # fmt: skip
    frame = pd.DataFrame({"positivity": [3.0, 1.05, 600.0]})
    rates = sdc.release_rates(
        both, frame, {"positivity": ("positive_count", "tests_count")},
        policy=default_policy, output_id="E1/t/positivity", unreliable_below=20,
    )  # fmt: skip
    assert [rates.text(r, "positivity") for r in range(3)] == ["[u]", "[c]", "[c]"]
    assert rates.status(2, "positivity") is CellStatus.SUPPRESSED_DISCLOSURE
    assert rates.columns == ("week", "positive_count", "tests_count", "positivity")


def test_refusals(default_policy: Policy) -> None:
    """Raw frames, different rows, label columns or columns already present are refused."""
    positives = _counts("positive_count", [12, 14, 30], default_policy)
    tests = _counts("tests_count", [400, 380, 50], default_policy)
    other = _counts("tests_count", [400, 380, 50], default_policy, ["a", "b", "c"])
    with pytest.raises(DisclosureError):
        beside(positives, tests.released_frame(), policy=default_policy, output_id="x",  # type: ignore[arg-type]
               columns=["tests_count"])  # fmt: skip
    with pytest.raises(ValueError, match="same label columns and rows"):
        beside(positives, other, policy=default_policy, output_id="x", columns=["tests_count"])
    with pytest.raises(ValueError, match="non-label columns"):
        beside(positives, tests, policy=default_policy, output_id="x", columns=["week"])
    with pytest.raises(ValueError, match="not a count column"):
        sdc.release_rates(positives, pd.DataFrame({"p": [1.0, 2.0, 3.0]}),
                          {"p": ("positive_count", "nope_count")}, policy=default_policy,
                          output_id="x")  # fmt: skip
