"""Realism of dummy deaths: volumes, seasonality, registration, Covid waves, causes, places."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.calendar import BANK_HOLIDAYS, week_start
from ldsa.data.dummy import generate_extract

SCALE = 0.02


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dummy extract at 2% of England's volumes."""
    out_dir = tmp_path_factory.mktemp("dummy_deaths")
    generate_extract(out_dir, seed=9, scale=SCALE)
    return out_dir


def read(out_dir: Path, table: str) -> pd.DataFrame:
    """Read one table into pandas."""
    return pq.read_table(out_dir / f"{table}.parquet").to_pandas(date_as_object=False)


@pytest.fixture(scope="module")
def deaths(extract: Path) -> pd.DataFrame:
    """The deaths table."""
    return read(extract, "deaths")


@pytest.fixture(scope="module")
def covid(deaths: pd.DataFrame) -> pd.DataFrame:
    """Deaths with Covid (U07.1) as the underlying cause."""
    return deaths[deaths["underlying_cause"] == "U07.1"]


def test_deaths_per_year(deaths: pd.DataFrame) -> None:
    """About 500-535 thousand registrations a year at scale 1, and more in 2020."""
    per_year = deaths.groupby(deaths["date_of_registration"].dt.year).size() / SCALE
    assert per_year[2015:2019].between(490_000, 545_000).all()
    assert per_year[2020] > 1.08 * per_year[2019]
    assert deaths["date_of_registration"].min() >= pd.Timestamp("2015-01-01")
    assert deaths["date_of_registration"].max() <= pd.Timestamp("2022-03-31")


def test_winter_seasonality(deaths: pd.DataFrame) -> None:
    """Before Covid, January registrations exceed August's by more than 15%."""
    before = deaths[deaths["date_of_registration"] < "2020-01-01"]
    by_month = before.groupby(before["date_of_registration"].dt.month).size()
    assert by_month[1] > 1.15 * by_month[8]
    assert by_month.idxmin() in (6, 7, 8, 9)


def test_registration_delays(deaths: pd.DataFrame) -> None:
    """Most deaths are registered within 1-10 days, a few take months, none before death."""
    delay = (deaths["date_of_registration"] - deaths["date_of_death"]).dt.days
    assert delay.min() >= 1
    assert 2 <= delay.median() <= 8
    assert (delay <= 14).mean() > 0.85
    assert 0.003 < (delay > 60).mean() < 0.05
    assert (deaths["date_of_death"] >= pd.Timestamp("2014-01-01")).all()


def test_no_registrations_at_weekends_or_bank_holidays(deaths: pd.DataFrame) -> None:
    """Register offices are closed at weekends and on bank holidays."""
    registered = deaths["date_of_registration"]
    assert (registered.dt.day_of_week < 5).all()
    assert not registered.isin(pd.to_datetime(list(BANK_HOLIDAYS))).any()


def test_bank_holiday_weeks_dip(deaths: pd.DataFrame) -> None:
    """Weeks with a bank holiday (outside Christmas) register fewer deaths than neighbours."""
    weekly = deaths.groupby(week_start(deaths["date_of_registration"])).size()
    ratios = []
    for holiday in BANK_HOLIDAYS:
        if holiday.month == 12 or holiday.month == 1 or holiday.year > 2021:
            continue
        week = pd.Timestamp(holiday) - pd.Timedelta(days=holiday.weekday())
        neighbours = weekly[[week - pd.Timedelta(weeks=1), week + pd.Timedelta(weeks=1)]]
        ratios.append(weekly[week] / neighbours.mean())
    assert np.median(ratios) < 0.9


def test_covid_deaths_follow_the_waves(covid: pd.DataFrame) -> None:
    """U07.1 deaths start in 2020; spring 2020 spikes highest, Alpha next, later waves smaller."""
    assert covid["date_of_death"].min() >= pd.Timestamp("2020-02-15")
    monthly = covid.groupby(covid["date_of_death"].dt.to_period("M")).size()
    assert monthly.idxmax() == pd.Period("2020-04", "M")
    assert monthly["2021-01"] > 2 * monthly["2020-10"]
    assert monthly["2021-01"] > 3 * monthly["2021-07":"2022-03"].max()
    assert len(covid) / SCALE == pytest.approx(140_000, rel=0.15)


def test_covid_deaths_at_old_ages(covid: pd.DataFrame, deaths: pd.DataFrame) -> None:
    """Covid deaths are mostly of people over 75, and more often of men."""
    assert 78 <= covid["age"].median() <= 88
    assert (covid["age"] < 50).mean() < 0.03
    assert (covid["sex"] == "M").mean() > (deaths["sex"] == "M").mean()


def test_places_of_death(covid: pd.DataFrame, deaths: pd.DataFrame) -> None:
    """All five places occur; care homes are prominent among spring 2020 Covid deaths."""
    assert set(deaths["place_of_death"]) == {"home", "care_home", "hospital", "hospice", "other"}
    care_home = covid["place_of_death"] == "care_home"
    spring = covid["date_of_death"] < "2020-07-01"
    assert care_home[spring].mean() > 0.25
    assert care_home[spring].mean() > 2 * care_home[covid["date_of_death"] > "2021-06-01"].mean()
    assert (deaths["place_of_death"] == "hospital").mean() == pytest.approx(0.45, abs=0.08)


def test_causes_and_mentions(deaths: pd.DataFrame) -> None:
    """A realistic mix of ICD-10 causes with rare ones; Covid is mentioned on every U07.1."""
    causes = deaths["underlying_cause"].value_counts(normalize=True)
    assert {"I21.9", "I25.1", "I63.9", "C34.9", "J18.9", "F03", "G30.9", "J44.9"} <= set(
        causes.index
    )
    assert len(causes) >= 20
    assert causes.min() < 0.002
    covid = deaths["underlying_cause"] == "U07.1"
    assert deaths.loc[covid, "covid_mentioned"].all()
    mentioned_only = deaths["covid_mentioned"] & ~covid
    assert 0.05 < mentioned_only.sum() / covid.sum() < 0.3
    assert (deaths.loc[mentioned_only, "date_of_death"] >= "2020-02-15").all()


def test_deprived_areas_have_higher_covid_mortality(covid: pd.DataFrame, extract: Path) -> None:
    """Indirectly age-standardised Covid death ratios rise with the deprivation score."""
    population = read(extract, "population")
    people = population[population["year"] == 2020]
    band = people["age"] // 10
    by_la_band = people.groupby(["la_code", band])["population"].sum().unstack()
    rate = covid.groupby(covid["age"].clip(upper=90) // 10).size() / by_la_band.sum()
    expected = by_la_band.mul(rate.fillna(0), axis=1).sum(axis=1)
    ratio = covid.groupby("la_code").size().reindex(expected.index, fill_value=0) / expected
    score = read(extract, "deprivation").set_index("la_code")["imd_score"]
    assert ratio.corr(score[ratio.index], method="spearman") > 0.25
