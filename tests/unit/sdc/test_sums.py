"""Sums of released counts: rolling windows and running totals reveal no withheld count."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldsa import sdc
from ldsa.errors import DisclosureError
from ldsa.sdc import Policy
from ldsa.sdc.records import Rule
from ldsa.sdc.sums import release_sums

DAYS = [f"2021-01-{d:02d}" for d in range(1, 8)]


def _daily(counts: list[int], policy: Policy) -> sdc.SafeTable:
    frame = pd.DataFrame({"date": DAYS[: len(counts)], "cases_count": counts})
    return sdc.release_counts(frame, ["cases_count"], policy=policy, output_id="E1/t/daily")


def test_rolling_sums_only_from_released_days(default_policy: Policy) -> None:
    """3-day sums start on the third day; a window holding a withheld day is withheld,
    and the withheld day's own rule is carried into the record."""
    daily = _daily([12, 15, 3, 20, 11, 0, 14], default_policy)
    sums = release_sums(daily, "cases_count", window=3, name="rolling_cases_count",
                        policy=default_policy, output_id="E1/t/rolling")  # fmt: skip
    frame = sums.released_frame()
    assert list(frame["date"]) == DAYS[2:]
    assert list(frame["rolling_cases_count"].astype("Float64")) == [
        pd.NA, pd.NA, pd.NA, 31, 25,
    ]  # fmt: skip
    assert sums.text(0, "rolling_cases_count") == "[c]"
    cells = dict(sums.record.cells)
    assert cells[Rule.DERIVED] == ((0, 2), (1, 2), (2, 2))
    assert cells[Rule.THRESHOLD] == ((0, 1),)
    assert dict(sums.record.properties)["window"] == "3 rows"


def test_running_totals_stop_at_the_first_withheld_period(default_policy: Policy) -> None:
    """Running totals are released up to the first withheld count, never after it."""
    daily = _daily([12, 15, 3, 20], default_policy)
    sums = release_sums(daily, "cases_count", window=None, name="running_count",
                        policy=default_policy, output_id="E1/t/running")  # fmt: skip
    assert [sums.text(r, "running_count") for r in range(4)] == ["12", "27", "[c]", "[c]"]
    assert dict(sums.record.properties)["window"] == "running total"


def test_rounded_sums_under_strict(strict_policy: Policy) -> None:
    """Under rounding, a sum of rounded counts is marked rounded (and is not rounded again)."""
    daily = _daily([12, 16, 21], strict_policy)
    sums = release_sums(daily, "cases_count", window=2, name="pair_count",
                        policy=strict_policy, output_id="E1/t/pairs")  # fmt: skip
    assert [sums.value(r, "pair_count") for r in range(2)] == [25, 35]
    assert sums.status(0, "pair_count") is sdc.CellStatus.ROUNDED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"column": "date"}, "not a count column"),
        ({"name": "rolling"}, "must end in '_count'"),
        ({"window": 0}, "1 or more rows"),
    ],
)
def test_invalid_arguments(default_policy: Policy, kwargs: dict[str, object], message: str) -> None:
    """A label column, a sum column not named as a count, or an empty window is refused."""
    arguments: dict[str, object] = {"column": "cases_count", "window": 2, "name": "s_count"}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        release_sums(_daily([12, 15], default_policy), policy=default_policy,
                     output_id="E1/t/x", **arguments)  # type: ignore[arg-type]  # fmt: skip


def test_refuses_a_raw_frame(default_policy: Policy) -> None:
    """Only a released table can be summed."""
    raw = pd.DataFrame({"cases_count": [1, 2]})
    with pytest.raises(DisclosureError):
        release_sums(raw, "cases_count", window=2, name="s_count",  # type: ignore[arg-type]
                     policy=default_policy, output_id="E1/t/x")  # fmt: skip


@given(st.lists(st.integers(0, 30), min_size=1, max_size=12), st.integers(1, 5) | st.none())
def test_released_sums_add_up_released_terms_only(counts: list[int], window: int | None) -> None:
    """Every released sum equals the sum of its window's released counts, each of which is
    released; every withheld sum has a withheld count in its window."""
    policy = sdc.load_policy("default")
    frame = pd.DataFrame({"day": [f"d{i:02d}" for i in range(len(counts))], "n_count": counts})
    daily = sdc.release_counts(frame, ["n_count"], policy=policy, output_id="E1/t/d")
    sums = release_sums(daily, "n_count", window=window, name="s_count", policy=policy,
                        output_id="E1/t/s")  # fmt: skip
    span = len(counts) if window is None else window
    offset = 0 if window is None else window - 1
    assert sums.n_rows == max(0, len(counts) - offset)
    for row in range(sums.n_rows):
        end = row + offset
        terms = range(max(0, end - span + 1), end + 1)
        withheld = any(daily.status(t, "n_count").suppressed for t in terms)
        assert sums.status(row, "s_count").suppressed == withheld
        if not withheld:
            assert sums.value(row, "s_count") == sum(counts[t] for t in terms)
