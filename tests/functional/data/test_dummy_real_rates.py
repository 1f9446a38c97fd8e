"""The default dummy extract has real-world rates: England's peak weekly case rate, deaths
and Covid deaths per 100,000 are within 20% of the real ones (issue 10, item 4).

Real figures come from the published files in ../shared/data where they hold them, and
otherwise from ONS bulletins, cited where they are used. Each rate divides England's count
by England's population: the dummy's own population table, or ONS mid-year estimates.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from ldsa.data.dummy import EXTRACT_INFO, generate_extract

TOLERANCE = 0.2
PER = 100_000
ENGLAND, ENGLAND_AND_WALES = "E92000001", "K04000001"
#: The dummy extract's case period.
PERIOD = ("2020-03-01", "2022-03-31")


@pytest.fixture(scope="session")
def default_extract(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The extract ``ldsa dummy`` writes with its default seed and scale: generated once per
    run, by the first test worker that needs it, under pytest's shared temporary folder."""
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent
    out = root / "default-extract"
    with (root / "default-extract.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait, then reuse it
        if not (out / EXTRACT_INFO).is_file():
            generate_extract(out)
    return out


def test_peak_weekly_case_rate(default_extract: Path, shared_dir: Path) -> None:
    """England's highest 7-day case rate per 100,000 is the real one, a fortnight at most
    from the real peak."""
    # UKHSA dashboard cases by specimen date per LTLA (ai4ci/ukc19's archive copy), over
    # ONS's mid-2020 estimate, the denominator the dashboard used in 2021-22.
    folder = shared_dir / "data" / "cases_ltla_specimen_date"
    real = pd.concat(
        pd.read_csv(folder / f"cases_ltla_england_{year}.csv") for year in (2020, 2021, 2022)
    )
    real = real[real["areaCode"] != "E09000001"]  # an artefact, says PROVENANCE.md
    real_day, real_peak = _peak_week(
        real.groupby("date")["newCasesBySpecimenDate"].sum(),
        _ons_population(shared_dir, 2020, ENGLAND),
    )
    dummy = _query(default_extract, "cases", "SELECT specimen_date, count(*) FROM {} GROUP BY 1")
    dummy_day, dummy_peak = _peak_week(
        pd.Series({str(day): count for day, count in dummy}),
        _dummy_population(default_extract, 2020),
    )
    assert dummy_peak == pytest.approx(real_peak, rel=TOLERANCE), (dummy_peak, real_peak)
    assert abs((dummy_day - real_day).days) <= 14, (dummy_day, real_day)


#: England's death registrations, from ONS "Death registration summary statistics, England
#: and Wales: 2021" (2022): 549,349 in 2021, "20,351 fewer deaths than 2020", and "10.4%
#: above the five-year average" of 2015 to 2019 (so about 549,349 / 1.104 a year).
#: https://www.ons.gov.uk/peoplepopulationandcommunity/birthsdeathsandmarriages/deaths/articles/deathregistrationsummarystatisticsenglandandwales/2021
#: ../shared has no mid-2021 or pre-2019 estimates: 2021 is over mid-2020 and the
#: 2015-2019 average over mid-2019 (England grew by about 0.6% a year).
ANNUAL_DEATHS = {
    "2015-2019": ((2015, 2016, 2017, 2018, 2019), 549_349 / 1.104, 2019),
    "2020": ((2020,), 549_349 + 20_351, 2020),
    "2021": ((2021,), 549_349, 2020),
}


@pytest.mark.parametrize("label", list(ANNUAL_DEATHS))
def test_annual_deaths_per_100000(default_extract: Path, shared_dir: Path, label: str) -> None:
    """Deaths registered a year per 100,000 people in England match ONS's."""
    years, deaths, population_year = ANNUAL_DEATHS[label]
    real = deaths / _ons_population(shared_dir, population_year, ENGLAND) * PER
    dummy = _dummy_yearly_rate(default_extract, years, "TRUE")
    assert dummy == pytest.approx(real, rel=TOLERANCE), (dummy, real)


#: Deaths due to Covid (underlying cause U07.1 or U07.2) registered in England and Wales,
#: from ONS "Deaths registered due to COVID-19" 2020 (73,766) and 2021 (67,350):
#: https://www.ons.gov.uk/peoplepopulationandcommunity/birthsdeathsandmarriages/deaths/articles/deathsregisteredduetocovid19/2020
#: https://www.ons.gov.uk/peoplepopulationandcommunity/birthsdeathsandmarriages/deaths/articles/deathsregisteredduetocovid19/2021
#: These articles give no England-only count; England is 95% of England and Wales and its
#: Covid mortality close to Wales's (ASMR 2020: 126.9 England and Wales, 129.7 Wales), so
#: the England and Wales rate over its mid-2020 population stands in for England's.
COVID_DEATHS = {2020: 73_766, 2021: 67_350}


@pytest.mark.parametrize("year", list(COVID_DEATHS))
def test_covid_deaths_per_100000(default_extract: Path, shared_dir: Path, year: int) -> None:
    """Covid-underlying deaths registered a year per 100,000 people match ONS's."""
    real = COVID_DEATHS[year] / _ons_population(shared_dir, 2020, ENGLAND_AND_WALES) * PER
    dummy = _dummy_yearly_rate(default_extract, (year,), "underlying_cause = 'U07.1'")
    assert dummy == pytest.approx(real, rel=TOLERANCE), (dummy, real)


def _occurred_mar_jun_2020(data: Path, covid: bool) -> int:
    """ONS "Deaths involving COVID-19 by local area and socioeconomic deprivation" (July
    2020), table 1: England's deaths occurring 1 March to 30 June 2020."""
    folder = data / "ons_deaths_local_area_deprivation_mar_jun_2020"
    table = pd.read_csv(folder / "table1_regions_asmr.csv")
    row = table[
        (table["Cause of death"] == ("COVID-19" if covid else "All causes"))
        & (table["Sex"] == "Persons")
        & (table["Area of usual residence code"] == ENGLAND)
    ]
    return int(row["4 month - March to June: Deaths"].iloc[0])


def _registered_2021_weeks_1_13(data: Path, covid: bool) -> int:
    """ONS weekly death registrations by local authority (odileeds/covid-19's copy):
    England's deaths registered in weeks 1 to 13 of 2021 (2 January to 2 April)."""
    folder = data / "ons_weekly_deaths_la_2021"
    table = pd.read_csv(folder / "ons_weekly_deaths_la_cause_place_2021.csv")
    england = table["area_code"].str.startswith("E") & (
        table["geography_type"] == "Local Authority"
    )
    cause = table["cause_of_death"] == ("COVID 19" if covid else "All causes")
    return int(table.loc[england & cause, "number_of_deaths"].sum())


#: Windows of England's deaths in ../shared/data: the reader of the published count, the
#: same window in the dummy's deaths, and the year of the ONS mid-year estimate under the
#: rate. Covid deaths there are those involving Covid (mentioned on the certificate).
WINDOWS: dict[str, tuple[Callable[[Path, bool], int], str, int]] = {
    "occurred-mar-jun-2020": (
        _occurred_mar_jun_2020,
        "date_of_death BETWEEN '2020-03-01' AND '2020-06-30'"
        " AND date_of_registration <= '2020-07-11'",
        2019,
    ),
    "registered-2021-weeks-1-13": (
        _registered_2021_weeks_1_13,
        "date_of_registration BETWEEN '2021-01-02' AND '2021-04-02'",
        2020,
    ),
}


@pytest.mark.parametrize("covid", [False, True], ids=["all-causes", "covid-mentioned"])
@pytest.mark.parametrize("window", list(WINDOWS))
def test_deaths_in_published_windows(
    default_extract: Path, shared_dir: Path, window: str, covid: bool
) -> None:
    """All-cause and Covid-involving deaths per 100,000 in the published windows match."""
    read, where, population_year = WINDOWS[window]
    real_deaths = read(shared_dir / "data", covid)
    real = real_deaths / _ons_population(shared_dir, population_year, ENGLAND) * PER
    covid_only = " AND covid_mentioned" if covid else ""
    deaths = _count(default_extract, "deaths", where + covid_only)
    dummy = deaths / _dummy_population(default_extract, population_year) * PER
    assert dummy == pytest.approx(real, rel=TOLERANCE), (dummy, real)


def _peak_week(daily: pd.Series, population: int) -> tuple[dt.date, float]:
    """Last day and value of the highest 7-day sum per 100,000 of daily counts (keyed by
    ISO date) in the dummy's case period; days without a count are zeros."""
    days = (
        daily.set_axis(pd.to_datetime(daily.index))
        .sort_index()
        .asfreq("D", fill_value=0)
        .loc[PERIOD[0] : PERIOD[1]]
    )
    weekly = days.rolling(7).sum()
    return weekly.idxmax().date(), float(weekly.max()) / population * PER


def _ons_population(shared_dir: Path, year: int, code: str) -> int:
    """ONS mid-year estimate (MYE2, persons) of England or of England and Wales."""
    folder = shared_dir / "data" / f"ons_mye_mid{year}_la_sex_single_year_age"
    table = pd.read_csv(folder / f"mye2_persons_mid{year}.csv", usecols=["Code", "All ages"])
    return int(table.loc[table["Code"] == code, "All ages"].iloc[0])


def _dummy_population(extract: Path, year: int) -> int:
    (row,) = _query(extract, "population", f"SELECT sum(population) FROM {{}} WHERE year = {year}")
    return int(row[0])


def _dummy_yearly_rate(extract: Path, years: tuple[int, ...], where: str) -> float:
    """Deaths registered in ``years`` (and matching ``where``) per 100,000 a year."""
    listed = ", ".join(map(str, years))
    deaths = _count(extract, "deaths", f"year(date_of_registration) IN ({listed}) AND {where}")
    return deaths / sum(_dummy_population(extract, year) for year in years) * PER


def _count(extract: Path, table: str, where: str) -> int:
    (row,) = _query(extract, table, f"SELECT count(*) FROM {{}} WHERE {where}")
    return int(row[0])


def _query(extract: Path, table: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, in which ``{}`` stands for the extract's ``table``."""
    return duckdb.connect().execute(sql.format(f"'{extract / table}.parquet'")).fetchall()
