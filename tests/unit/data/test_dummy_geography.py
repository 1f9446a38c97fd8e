"""Realism of the dummy country: authorities, regions, populations, CIS areas, names, IMD."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.data.dummy import generate_extract

REGIONS = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dummy extract (geography and population do not depend on scale)."""
    out_dir = tmp_path_factory.mktemp("dummy_geography")
    generate_extract(out_dir, seed=11, scale=0.002)
    return out_dir


def read(out_dir: Path, table: str) -> pd.DataFrame:
    """Read one table into pandas."""
    return pq.read_table(out_dir / f"{table}.parquet").to_pandas(date_as_object=False)


@pytest.fixture(scope="module")
def geography(extract: Path) -> pd.DataFrame:
    """The geography table."""
    return read(extract, "geography")


@pytest.fixture(scope="module")
def population(extract: Path) -> pd.DataFrame:
    """The population table."""
    return read(extract, "population")


def test_authority_counts_by_type(geography: pd.DataFrame) -> None:
    """309 authorities: 59 unitary, 181 districts, 36 metropolitan districts, 33 boroughs."""
    assert len(geography) == 309
    assert Counter(geography["la_type"]) == {
        "unitary": 59,
        "non_metropolitan_district": 181,
        "metropolitan_district": 36,
        "london_borough": 33,
    }
    prefix = geography["la_code"].str[:3]
    expected = {"unitary": "E06", "non_metropolitan_district": "E07"}
    expected |= {"metropolitan_district": "E08", "london_borough": "E09"}
    assert (prefix == geography["la_type"].map(expected)).all()


def test_regions_are_englands(geography: pd.DataFrame) -> None:
    """Nine real region codes and names; every London borough is in London."""
    pairs = dict(zip(geography["region_code"], geography["region_name"], strict=True))
    assert pairs == REGIONS
    boroughs = geography[geography["la_type"] == "london_borough"]
    assert set(boroughs["region_code"]) == {"E12000007"}
    assert set(geography.loc[geography["region_code"] == "E12000007", "la_type"]) == {
        "london_borough"
    }


def test_districts_sit_in_counties(geography: pd.DataFrame) -> None:
    """Districts share E10 county UTLAs within one region; other LAs are their own UTLA."""
    districts = geography[geography["la_type"] == "non_metropolitan_district"]
    assert districts["utla_code"].str.startswith("E10").all()
    assert 18 <= districts["utla_code"].nunique() <= 26
    assert (districts.groupby("utla_code")["region_code"].nunique() == 1).all()
    others = geography[geography["la_type"] != "non_metropolitan_district"]
    assert (others["utla_code"] == others["la_code"]).all()


def test_cis_areas_group_one_to_five_neighbours(geography: pd.DataFrame) -> None:
    """About 116 CIS areas of 1 to 5 consecutive LAs, each within one region."""
    sizes = geography.groupby("cis_area").size()
    assert 110 <= len(sizes) <= 120
    assert sizes.between(1, 5).all()
    assert (geography.groupby("cis_area")["region_code"].nunique() == 1).all()
    runs = (geography["cis_area"] != geography["cis_area"].shift()).sum()
    assert runs == len(sizes)


def test_population_sizes(population: pd.DataFrame) -> None:
    """LA populations run from about 2,000 to about 1.1 million; England about 56.5 million."""
    totals = population[population["year"] == 2020].groupby("la_code")["population"].sum()
    assert 1_500 <= totals.min() <= 3_000
    assert 1_000_000 <= totals.max() <= 1_200_000
    assert totals.sum() == pytest.approx(56.5e6, rel=0.02)
    assert (totals < 15_000).sum() == 2  # an island unitary and a "square mile" borough


def test_population_grows_modestly(population: pd.DataFrame) -> None:
    """Every year 2015..2022 is present and England grows by well under 1% a year."""
    by_year = population.groupby("year")["population"].sum()
    assert list(by_year.index) == list(range(2015, 2023))
    growth = by_year.pct_change().dropna()
    assert growth.between(0.0, 0.012).all()


def test_pyramids_differ(population: pd.DataFrame, geography: pd.DataFrame) -> None:
    """London is young, districts older; shares aged 65+ spread from under 12% to over 25%."""
    year = population[population["year"] == 2020]
    old = year[year["age"] >= 65].groupby("la_code")["population"].sum()
    share = old / year.groupby("la_code")["population"].sum()
    la_type = geography.set_index("la_code")["la_type"]
    by_type = share.groupby(la_type).mean()
    assert by_type["london_borough"] < 0.14 < by_type["non_metropolitan_district"]
    assert share.min() < 0.12
    assert share.max() > 0.25
    england = share.mul(year.groupby("la_code")["population"].sum()).sum()
    assert england / year["population"].sum() == pytest.approx(0.185, abs=0.02)


def test_single_years_of_age_to_90_plus(population: pd.DataFrame) -> None:
    """Ages run 0..90, with the open 90+ group larger than age 89, women the majority there."""
    assert set(population["age"]) == set(range(91))
    year = population[population["year"] == 2020]
    by_age = year.groupby("age")["population"].sum()
    assert by_age[90] > by_age[89]
    top = year[year["age"] == 90].groupby("sex")["population"].sum()
    assert top["F"] > 1.5 * top["M"]


def test_deprivation_ranks_and_deciles(extract: Path, geography: pd.DataFrame) -> None:
    """Scores in 5..50, ranks 1..309 unique (1 most deprived), deciles 1..10 by rank."""
    imd = read(extract, "deprivation")
    assert imd["imd_score"].between(5, 50).all()
    assert sorted(imd["imd_rank"]) == list(range(1, 310))
    assert np.all(np.diff(imd.sort_values("imd_rank")["imd_score"].to_numpy()) <= 0)
    assert sorted(set(imd["imd_decile"])) == list(range(1, 11))
    assert imd.groupby("imd_decile").size().between(30, 31).all()
    la_type = geography.set_index("la_code")["la_type"]
    mean = imd.set_index("la_code")["imd_score"].groupby(la_type).mean()
    assert mean["metropolitan_district"] > mean["non_metropolitan_district"]
