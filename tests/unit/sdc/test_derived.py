"""Unit tests of release_rates: derived statistics follow their counts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ldsa.sdc import CellStatus, Policy, Rule, SafeTable, release_counts, release_rates


@pytest.fixture
def counts(default_policy: Policy) -> SafeTable:
    """Weekly counts: one small (suppressed), one just above the threshold, one large."""
    frame = pd.DataFrame({"week": ["w1", "w2", "w3"], "cases_count": [4, 12, 400]})
    return release_counts(frame, ["cases_count"], policy=default_policy, output_id="c")


RATES = pd.DataFrame(
    {"week": ["w1", "w2", "w3"], "rate": [1.05, 2.25, 80.0], "lower": [0.1, 1.0, math.inf]}
)


def test_rates_follow_counts(counts: SafeTable, default_policy: Policy) -> None:
    """A rate is [c] where its count is, [u] below unreliable_below or when not finite."""
    table = release_rates(
        counts,
        RATES,
        {"rate": "cases_count", "lower": "cases_count"},
        policy=default_policy,
        output_id="r",
        unreliable_below=20,
        decimals={"rate": 1},
    )
    assert table.columns == ("week", "cases_count", "rate", "lower")
    assert table.to_csv_text().splitlines() == [
        "week,cases_count,rate,lower",
        "w1,[c],[c],[c]",
        "w2,12,[u],[u]",
        "w3,400,80.0,[u]",
    ]
    assert table.status(1, "rate") is CellStatus.SUPPRESSED_UNRELIABLE
    assert table.record.cells_for(Rule.DERIVED) == ((0, 2), (0, 3))
    assert table.record.cells_for(Rule.THRESHOLD) == ((0, 1),)
    assert dict(table.record.properties)["method"] == "release_rates"


def test_rates_without_counts(counts: SafeTable, default_policy: Policy) -> None:
    """With include_counts=False only the statistics are released, in default decimals."""
    table = release_rates(
        counts,
        RATES[["rate"]],
        {"rate": "cases_count"},
        policy=default_policy,
        output_id="r",
        include_counts=False,
    )
    assert table.columns == ("rate",)
    assert [table.text(r, "rate") for r in range(3)] == ["[c]", "2.3", "80.0"]


@pytest.mark.parametrize(
    ("rates", "derived", "message"),
    [
        (RATES.iloc[:2], {"rate": "cases_count"}, "rates have 2 rows"),
        (RATES, {"nope": "cases_count"}, "no statistic column"),
        (RATES, {"rate": "week"}, "not a count column"),
        (RATES.assign(week=["w3", "w2", "w1"]), {"rate": "cases_count"}, "label column 'week'"),
    ],
)
def test_misaligned(
    counts: SafeTable,
    rates: pd.DataFrame,
    derived: dict[str, str],
    message: str,
    default_policy: Policy,
) -> None:
    """Rates that do not line up with their counts are refused."""
    with pytest.raises(ValueError, match=message):
        release_rates(counts, rates, derived, policy=default_policy, output_id="r")
