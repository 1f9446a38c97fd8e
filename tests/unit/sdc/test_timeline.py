"""Time steps built from whole weeks: months by their Thursday, quarters, labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ldsa.sdc.timeline import Timeline, TimeStep, aggregate


def _weeks(first: str, n: int) -> Timeline:
    start = dt.date.fromisoformat(first)
    return Timeline.of([start + dt.timedelta(weeks=i) for i in range(n)])


def test_months_follow_the_thursday() -> None:
    """A week belongs to the month of its Thursday: 30 March 2020 counts in April."""
    timeline = _weeks("2020-03-02", 10)
    assert timeline.intervals(TimeStep.MONTH) == ((0, 4), (4, 9), (9, 10))
    assert timeline.intervals(TimeStep.QUARTER) == ((0, 4), (4, 10))
    assert timeline.intervals(TimeStep.PERIOD) == ((0, 10),)
    assert timeline.ends(TimeStep.MONTH) == (4, 9, 10)
    assert list(timeline.starts(TimeStep.MONTH)) == [0, 4, 9]


def test_labels() -> None:
    """Periods in words; a month or quarter cut by the period's edge says its weeks."""
    timeline = _weeks("2020-03-02", 10)
    assert timeline.label((0, 1), TimeStep.WEEK) == "week starting 2 March 2020"
    assert timeline.label((4, 9), TimeStep.MONTH) == "April 2020"
    assert timeline.label((9, 10), TimeStep.MONTH) == "May 2020 (1 week)"
    assert timeline.label((0, 4), TimeStep.QUARTER) == "January to March 2020 (4 weeks)"
    assert timeline.label((0, 10), TimeStep.PERIOD) == "2 March 2020 to 10 May 2020"
    full = _weeks("2021-03-29", 13)
    assert full.label((0, 13), TimeStep.QUARTER) == "April to June 2021"
    assert full.first_day(0) == dt.date(2021, 3, 29)
    assert full.last_day(13) == dt.date(2021, 6, 27)


def test_step_properties() -> None:
    """Steps are ordered, each names its coarser step, a plural noun and an adjective."""
    assert [s.rank for s in TimeStep] == [0, 1, 2, 3]
    assert TimeStep.WEEK.coarser is TimeStep.MONTH
    assert TimeStep.PERIOD.coarser is TimeStep.PERIOD
    assert TimeStep.QUARTER.noun == "quarters"
    assert TimeStep.PERIOD.noun == "whole period"
    assert TimeStep.MONTH.adjective == "monthly"
    assert TimeStep.PERIOD.adjective == "whole-period"


def test_aggregate_sums_weeks_into_periods() -> None:
    """Weekly counts (last axis) sum exactly into the periods of a step."""
    timeline = _weeks("2020-03-02", 10)
    counts = np.arange(20, dtype=np.int64).reshape(2, 10)
    months = aggregate(counts, timeline, TimeStep.MONTH)
    assert months.tolist() == [[6, 30, 9], [46, 80, 19]]
    assert aggregate(counts, timeline, TimeStep.PERIOD).tolist() == [[45], [145]]


@pytest.mark.parametrize(
    "weeks",
    [[], ["2020-03-02", "2020-03-16"], ["2020-03-03"]],
    ids=["empty", "gap", "not-monday"],
)
def test_timeline_refuses_bad_weeks(weeks: list[str]) -> None:
    """A timeline needs consecutive Mondays."""
    with pytest.raises(ValueError, match="Timeline"):
        Timeline.of(weeks)
