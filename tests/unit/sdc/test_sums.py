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


def _weeks_of_days(counts: list[int], policy: Policy) -> tuple[sdc.SafeTable, sdc.SafeTable]:
    """Fourteen days in two weeks (released day by day) and the two weeks' totals."""
    weeks = ["2021-01-04"] * 7 + ["2021-01-11"] * 7
    frame = pd.DataFrame({"week": weeks, "day": range(14), "cases_count": counts})
    days = sdc.release_counts(frame, ["cases_count"], policy=policy, output_id="E1/t/days",
                              label_columns=["week", "day"])  # fmt: skip
    totals = pd.DataFrame({"week": ["2021-01-04", "2021-01-11"],
                           "week_count": [sum(counts[:7]), sum(counts[7:])]})  # fmt: skip
    return days, sdc.release_counts(totals, ["week_count"], policy=policy, output_id="E1/t/w")


def test_sums_the_released_totals_determine_are_released(default_policy: Policy) -> None:
    """A 7-day sum holding every withheld day of a week whose total is released is that
    total's share, so it is released; one holding only some of them stays withheld."""
    counts = [20, 3, 4, 30, 25, 22, 21, 40, 41, 5, 6, 43, 44, 45]
    days, weeks = _weeks_of_days(counts, default_policy)
    sums = release_sums(days, "cases_count", window=7, name="s_count", policy=default_policy,
                        output_id="E1/t/s",
                        totals=sdc.GroupTotals(weeks, "week_count", key="week"))  # fmt: skip
    texts = [sums.text(r, "s_count") for r in range(sums.n_rows)]
    running = [sum(counts[k : k + 7]) for k in range(8)]
    # Days 1-2 and 9-10 are withheld, two in each week, as a breakdown withholds them.
    assert texts[0] == str(running[0]) == str(sum(counts[:7]))  # the first week: its total
    assert texts[1] == str(running[1])  # both of the first week's withheld days inside
    assert texts[2:4] == ["[c]", "[c]"]  # one of a week's two withheld days inside
    assert texts[4:] == [str(v) for v in running[4:]]
    assert texts[7] == str(sum(counts[7:]))
    plain = release_sums(days, "cases_count", window=7, name="s_count", policy=default_policy,
                         output_id="E1/t/p")  # fmt: skip
    assert [plain.text(r, "s_count") for r in range(8)] == ["[c]"] * 8


def test_a_running_total_the_period_total_determines(default_policy: Policy) -> None:
    """Running totals after the last withheld period are the period total less the later
    released periods: released; those between withheld periods stay withheld."""
    frame = pd.DataFrame({"week": ["a", "b", "c", "d"], "n_count": [20, 3, 4, 30]})
    weekly = sdc.release_counts(frame, ["n_count"], policy=default_policy, output_id="E1/t/n")
    whole = sdc.release_counts(pd.DataFrame({"all": ["all"], "n_count": [57]}), ["n_count"],
                               policy=default_policy, output_id="E1/t/all")  # fmt: skip
    sums = release_sums(weekly, "n_count", window=None, name="s_count", policy=default_policy,
                        output_id="E1/t/s", totals=sdc.GroupTotals(whole, "n_count"))  # fmt: skip
    assert [sums.text(r, "s_count") for r in range(4)] == ["20", "[c]", "27", "57"]


def test_totals_must_be_released_counts(default_policy: Policy) -> None:
    """Totals are a released table's count column, with a key unless they are one row."""
    days, weeks = _weeks_of_days([20] * 14, default_policy)
    arguments = {"window": 7, "name": "s_count", "policy": default_policy, "output_id": "x"}
    with pytest.raises(ValueError, match="exactly one row"):
        release_sums(days, "cases_count", totals=sdc.GroupTotals(weeks, "week_count"), **arguments)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count column"):
        release_sums(days, "cases_count", totals=sdc.GroupTotals(weeks, "week", key="week"),  # type: ignore[arg-type]
                     **arguments)  # fmt: skip
    with pytest.raises(DisclosureError):
        release_sums(days, "cases_count",  # type: ignore[arg-type]
                     totals=sdc.GroupTotals(weeks.released_frame(), "week_count", key="week"),  # type: ignore[arg-type]
                     **arguments)  # fmt: skip
    missing = release_sums(days, "cases_count", totals=sdc.GroupTotals(
        weeks.select(output_id="one", rows=[0]), "week_count", key="week"), **arguments)  # type: ignore[arg-type]  # fmt: skip
    assert missing.text(7, "s_count") == "140"
