"""The cases-and-testing report: its numbers against independent computations from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa import sdc
from ldsa.data.store import Store
from ldsa.errors import DisclosureError
from ldsa.report import charts
from ldsa.report.cases_and_testing import REPORTING_LAG_DAYS, CasesAndTesting
from ldsa.report.cases_and_testing._common import UNRELIABLE_BELOW
from ldsa.report.comparators import K
from ldsa.report.figures import Notice
from ldsa.report.groupings import AGES
from ldsa.report.measures import CASES

PERIOD = ("2020-03-01", "2022-03-31")


@pytest.fixture(scope="module")
def largest(small_store: Path) -> CasesAndTesting:
    """The report of the small store's authority with the most people."""
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    return CasesAndTesting.open(str(small_store), str(people.idxmax()), *PERIOD)


@pytest.fixture(scope="module")
def weekly(small_store: Path, tmp_path_factory: pytest.TempPathFactory) -> CasesAndTesting:
    """The same authority under a test policy that releases every count weekly (threshold
    1): the small store's counts are too small for days under the default policy, and the
    daily arithmetic is what is tested here."""
    default = (Path(sdc.__file__).parent.parent / "policies" / "default.yaml").read_text()
    policy = tmp_path_factory.mktemp("policy") / "weekly.yaml"
    policy.write_text(
        default.replace("name: default", "name: weekly-test")
        .replace("threshold: 10", "threshold: 1")
        .replace("max_withheld_share: 0.2", "max_withheld_share: 1.0")
        + 'weaker_than_default: "tests the arithmetic of daily counts only"\n'
    )
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    report = CasesAndTesting.open(str(small_store), str(people.idxmax()), *PERIOD, str(policy))
    assert report.step(CASES) is sdc.TimeStep.WEEK
    return report


def _weekly(report: CasesAndTesting, table: str, column: str) -> pd.Series:
    """The authority's counts per week (Monday) from the store, by hand."""
    rows = report.context.store.la_table(report.la_code, table)
    days = pd.DatetimeIndex(rows["date"])
    mondays = days - pd.to_timedelta(days.day_of_week, unit="D")
    return rows.groupby(mondays)[column].sum()


def test_latest_periods_are_complete_and_match_the_store(largest: CasesAndTesting) -> None:
    """The latest two periods end before the incomplete days; released counts are the
    store's and the rate is cases per 100,000 people a week."""
    table = largest.latest.released_frame()
    assert len(table) == 2
    ends = pd.to_datetime(table["period_end"]).dt.date
    assert (ends < largest.incomplete_from).all()
    assert largest.incomplete_from == largest.data_end - dt.timedelta(days=REPORTING_LAG_DAYS - 1)
    weekly = _weekly(largest, "cases", "cases")
    for _, row in table.iterrows():
        if pd.isna(row["la_cases_count"]):
            continue
        span = weekly[(weekly.index >= row["period_start"]) & (weekly.index <= row["period_end"])]
        assert row["la_cases_count"] == span.sum()
        rate = row["la_cases_count"] / int(row["weeks"]) / largest.populations["la"] * 1e5
        assert row["la_rate"] == pytest.approx(rate, abs=0.051)
        assert row["la_lower"] <= row["la_rate"] <= row["la_upper"]


def test_change_in_words(largest: CasesAndTesting) -> None:
    """The change on the previous period is stated with its test, or said to be withheld."""
    words = largest.change()
    assert "exact test" in words or "not shown" in words or "not compared" in words


def test_positivity_is_positive_tests_over_tests(largest: CasesAndTesting) -> None:
    """Each released positivity is positive tests over tests in per cent, within its
    Wilson limits, for periods of the authority's released step."""
    table = largest.testing.released_frame()
    positives = _weekly(largest, "tests", "positive_tests")
    tests = _weekly(largest, "tests", "tests")
    shown = table["la_positivity"].notna()
    assert shown.any()
    for _, row in table[shown].iterrows():
        inside = (positives.index >= row["period_start"]) & (positives.index <= row["period_end"])
        share = positives[inside].sum() / tests[inside].sum() * 100
        assert row["la_positivity"] == pytest.approx(share, abs=0.051)
        assert row["la_positivity_lower"] <= row["la_positivity"] <= row["la_positivity_upper"]


def test_growth_rates_of_the_three_areas(largest: CasesAndTesting) -> None:
    """One growth rate for the authority, its region and England over the last complete
    four weeks; a doubling time only where the whole interval is growth, a halving time
    only where it is decline, and the trend in words says the same."""
    table = largest.growth.released_frame()
    assert list(table["area"]) == list(largest.names().values())
    for _, row in table.dropna(subset=["growth_percent"]).iterrows():
        assert row["growth_lower"] <= row["growth_percent"] <= row["growth_upper"]
        assert pd.notna(row["doubling_days"]) == (row["growth_lower"] > 0)
        assert pd.notna(row["halving_days"]) == (row["growth_upper"] < 0)
        if pd.notna(row["doubling_days"]):
            assert row["doubling_days"] == pytest.approx(
                np.log(2) / (row["growth_percent"] / 100), rel=0.01
            )
    words = largest.trend()
    first = table.iloc[0]
    if pd.notna(first["doubling_days"]):
        assert {"growing", "doubling"} <= set(words.replace(",", " ").split())
    elif pd.notna(first["halving_days"]):
        assert {"shrinking", "halving"} <= set(words.replace(",", " ").split())
    else:
        assert "no clear trend" in words or "not shown" in words


def test_smallest_authority_says_why_latest_weeks_are_missing(small_store: Path) -> None:
    """An authority whose cases are released only whole-period gets a notice instead of
    an empty table of latest weeks, and its key messages say why."""
    people = (
        Store(small_store).all_la_table("population_bands").groupby("la_code")["population"].sum()
    )
    report = CasesAndTesting.open(str(small_store), str(people.idxmin()), *PERIOD)
    assert report.step(CASES) is sdc.TimeStep.PERIOD
    assert isinstance(report.latest_table(), Notice)
    assert report.rolling_rate_figure() is None
    assert "whole period" in str(report.messages().lines[0])


def test_neighbours_first_row_is_the_authority(largest: CasesAndTesting) -> None:
    """The table lists the authority, then its k nearest neighbours with their names and
    released period totals; rates are cases per 100,000 in the denominator year."""
    table = largest.neighbours.released_frame()
    assert len(table) == K + 1
    assert table["la_code"].iloc[0] == largest.la_code
    assert list(table["la_code"].iloc[1:]) == list(largest.comparators.codes)
    assert list(table["la_name"].iloc[1:]) == list(largest.comparators.names)
    assert largest.la_code not in largest.comparators.codes
    assert "deprivation" in largest.comparators.method


def test_charts_refuse_raw_frames(largest: CasesAndTesting) -> None:
    """The report's charts take released tables only."""
    raw = largest.testing.released_frame()
    with pytest.raises(DisclosureError):
        charts.levels_with_interval(raw, names=largest.names(), value="positivity",  # type: ignore[arg-type]
                                    unit="%", title="t")  # fmt: skip


WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _daily(report: CasesAndTesting) -> pd.Series:
    """The authority's cases per day from the store, by hand."""
    rows = report.context.store.la_table(report.la_code, "cases")
    return rows.groupby(pd.DatetimeIndex(rows["date"]))["cases"].sum()


def test_daily_counts_seven_day_sums_and_rates(weekly: CasesAndTesting) -> None:
    """Each released day is the store's count, each 7-day count the sum of the store's
    seven days to it, and its rate that sum per 100,000 people; incomplete days, and
    sums too small for a reliable rate, have no rate."""
    table = weekly.daily.released_frame()
    monday = pd.to_datetime(table["period_start"])
    days = monday + pd.to_timedelta([WEEK.index(d) for d in table["weekday"]], unit="D")
    store = _daily(weekly).reindex(
        pd.date_range(days.min() - pd.Timedelta(days=6), days.max()), fill_value=0
    )
    sums = store.rolling(7).sum()
    checked = 0
    for day, (_, row) in zip(days, table.iterrows(), strict=True):
        if pd.notna(row["cases_count"]):
            assert row["cases_count"] == store[day]
        if pd.isna(row["seven_day_count"]):
            continue
        assert row["seven_day_count"] == sums[day]
        if day.date() >= weekly.incomplete_from or sums[day] < UNRELIABLE_BELOW:
            assert pd.isna(row["seven_day_rate"])
        else:
            rate = sums[day] / weekly.populations["la"] * 1e5
            assert float(row["seven_day_rate"]) == pytest.approx(rate, abs=0.051)
            assert (
                float(row["seven_day_lower"])
                <= float(row["seven_day_rate"])
                <= float(row["seven_day_upper"])
            )
            checked += 1
    assert checked > 300


def test_rates_by_age_are_cases_per_group_population(largest: CasesAndTesting) -> None:
    """Each released age group's cases are the store's in its period and its weekly rate
    is those cases per week per 100,000 people of the group."""
    table = largest.by_age.released_frame()
    rows = largest.context.store.la_table(largest.la_code, "cases")
    grouping = next(g for g in AGES if set(g.groups.values()) == set(table["age_group"]))
    groups = grouping.apply(rows["age_band"])
    bands = largest.population_bands("la")
    people = bands.groupby(grouping.apply(bands["age_band"]))["population"].sum()
    shown = table[table["cases_count"].notna()]
    assert len(shown) > 0
    for _, row in shown.sample(n=min(60, len(shown)), random_state=1).iterrows():
        start, end = pd.Timestamp(row["period_start"]), pd.Timestamp(row["period_end"])
        inside = (rows["date"] >= start) & (rows["date"] <= end) & (groups == row["age_group"])
        assert row["cases_count"] == rows.loc[inside, "cases"].sum()
        weeks = ((end - start).days + 1) / 7
        rate = row["cases_count"] / weeks / people[row["age_group"]] * 1e5
        assert float(row["weekly_rate"]) == pytest.approx(rate, abs=0.051)
