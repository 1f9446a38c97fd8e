"""Realism of dummy cases and tests: waves, regional timing, weekdays, ages, testing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.data.dummy import generate_extract

SCALE = 0.02


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dummy extract at 2% of England's volumes."""
    out_dir = tmp_path_factory.mktemp("dummy_cases")
    generate_extract(out_dir, seed=5, scale=SCALE)
    return out_dir


def read(out_dir: Path, table: str) -> pd.DataFrame:
    """Read one table into pandas."""
    return pq.read_table(out_dir / f"{table}.parquet").to_pandas(date_as_object=False)


@pytest.fixture(scope="module")
def cases(extract: Path) -> pd.DataFrame:
    """Cases with each LA's region."""
    geography = read(extract, "geography")[["la_code", "region_name"]]
    return read(extract, "cases").merge(geography, on="la_code")


@pytest.fixture(scope="module")
def weekly(cases: pd.DataFrame) -> pd.Series:
    """England's cases per week (Monday to Sunday)."""
    return cases.groupby(pd.Grouper(key="specimen_date", freq="W-SUN")).size()


def peak_week(weekly: pd.Series, start: str, end: str) -> pd.Timestamp:
    """Week ending date of the biggest week between two dates."""
    return pd.Timestamp(weekly[start:end].idxmax())


def test_total_is_england_sized_times_scale(cases: pd.DataFrame) -> None:
    """About 20 million cases at scale 1."""
    assert len(cases) == pytest.approx(20e6 * SCALE, rel=0.02)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (("2020-03-01", "2020-07-31"), ("2020-04-01", "2020-05-10")),  # spring 2020
        (("2020-12-01", "2021-03-31"), ("2020-12-28", "2021-01-24")),  # Alpha
        (("2021-06-01", "2021-08-31"), ("2021-07-05", "2021-08-01")),  # Delta
        (("2021-12-01", "2022-02-28"), ("2021-12-20", "2022-01-16")),  # Omicron
    ],
)
def test_wave_peaks_in_the_right_weeks(
    weekly: pd.Series, window: tuple[str, str], expected: tuple[str, str]
) -> None:
    """Each wave peaks when England's did."""
    assert pd.Timestamp(expected[0]) <= peak_week(weekly, *window) <= pd.Timestamp(expected[1])


def test_omicron_is_the_largest_and_spring_2020_small(weekly: pd.Series) -> None:
    """Omicron's peak is the highest; spring 2020 (little testing) is far below Alpha."""
    assert weekly.idxmax() == peak_week(weekly, "2021-12-01", "2022-02-28")
    assert weekly["2021-12-01":"2022-02-28"].max() > 2 * weekly["2020-12-01":"2021-03-31"].max()
    assert weekly[:"2020-07-31"].max() < 0.2 * weekly["2020-12-01":"2021-03-31"].max()


def test_regions_peak_at_different_times(cases: pd.DataFrame) -> None:
    """Omicron reached London a week or more before the North East; regions differ by days."""
    winter = cases[cases["specimen_date"].between("2021-12-01", "2022-02-15")]
    daily = winter.groupby(["specimen_date", "region_name"]).size().unstack()
    peaks = daily.rolling(7, center=True).mean().idxmax()
    assert (peaks["North East"] - peaks["London"]).days >= 7
    assert 7 <= (peaks.max() - peaks.min()).days <= 40


def test_fewer_cases_at_weekends(cases: pd.DataFrame) -> None:
    """Saturdays and Sundays have fewer specimens than Mondays."""
    by_day = cases["specimen_date"].dt.day_of_week.value_counts()
    assert by_day[5] < 0.8 * by_day[0]
    assert by_day[6] < 0.85 * by_day[0]


def test_age_specific_attack_rates(cases: pd.DataFrame, extract: Path) -> None:
    """Young adults have higher case rates than the over-80s; spring 2020 cases were older."""
    population = read(extract, "population")
    people = population[population["year"] == 2020].groupby(population["age"] // 10)
    rate = cases.groupby(cases["age"].clip(upper=90) // 10).size() / people["population"].sum()
    assert rate[2] > 1.5 * rate[8]
    old = cases["age"] >= 80
    spring = cases["specimen_date"] < "2020-07-01"
    assert old[spring].mean() > 2 * old[~spring].mean()
    delta = cases["specimen_date"].between("2021-06-01", "2021-09-30")
    school = cases["age"].between(5, 17)
    assert school[delta].mean() > school[cases["specimen_date"] < "2021-01-31"].mean()


def test_testing_expands_through_2020(cases: pd.DataFrame, extract: Path) -> None:
    """Tests grow many-fold from spring to autumn 2020; pillar 1 fades; LFDs start in 2021."""
    tests = read(extract, "tests").groupby(pd.Grouper(key="date", freq="MS"))["tests"].sum()
    assert tests["2020-11-01"] > 5 * tests["2020-04-01"]
    assert tests["2021-03-01"] > 2 * tests["2020-11-01"]
    pillar_1 = cases["pillar"] == "pillar_1"
    assert pillar_1[cases["specimen_date"] < "2020-05-01"].mean() > 0.7
    assert pillar_1[cases["specimen_date"] >= "2021-01-01"].mean() < 0.1
    lfd = cases["test_type"] == "LFD"
    assert not lfd[cases["specimen_date"] < "2021-01-01"].any()
    assert lfd[cases["specimen_date"] >= "2022-01-15"].mean() > 0.3
    assert not (lfd & pillar_1).any()


def test_tests_consistent_with_cases(cases: pd.DataFrame, extract: Path) -> None:
    """One row per LA and day; positive tests cover each day's cases; positivity plausible."""
    tests = read(extract, "tests")
    geography = read(extract, "geography")
    assert len(tests) == len(geography) * 761
    counted = cases.groupby(["la_code", "specimen_date"]).size()
    keyed = tests.set_index(["la_code", "date"])["positive_tests"]
    assert (keyed.reindex(counted.index) >= counted).all()
    assert tests["positive_tests"].sum() / len(cases) == pytest.approx(1.08, abs=0.05)
    monthly = tests.groupby(pd.Grouper(key="date", freq="MS"))[["tests", "positive_tests"]].sum()
    positivity = monthly["positive_tests"] / monthly["tests"]
    assert positivity.between(0.001, 0.3).all()
    assert positivity["2021-01-01"] > 5 * positivity["2020-07-01"]


def test_deprived_areas_have_more_cases(cases: pd.DataFrame, extract: Path) -> None:
    """LA case rates rise with the deprivation score."""
    population = read(extract, "population")
    people = population[population["year"] == 2020].groupby("la_code")["population"].sum()
    rate = cases.groupby("la_code").size() / people
    score = read(extract, "deprivation").set_index("la_code")["imd_score"]
    assert rate.corr(score[rate.index], method="spearman") > 0.3
