"""Prepare's small-area tables: the lookup and each authority's daily cases per small area,
against the extract's records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ldsa.data.prepare import within_quintiles
from ldsa.data.store import Store


def test_small_area_cases_sum_to_the_authority(small_extract: Path, small_store: Path) -> None:
    """Every authority's cases per small area and day add up to its cases per day, and
    match the records of each area."""
    store = Store(small_store)
    records = pq.read_table(small_extract / "cases.parquet").to_pandas()
    by_area = records.groupby(["la_code", "msoa_code"]).size()
    for la_code in store.geography.codes[::37]:
        areas = store.small_area_cases(la_code)
        daily = store.la_table(la_code, "cases").groupby("date")["cases"].sum()
        summed = areas.groupby("date")["cases"].sum()
        pd.testing.assert_series_equal(summed, daily, check_names=False)
        mine = by_area.loc[la_code]
        assert areas.groupby("msoa_code")["cases"].sum().to_dict() == mine.to_dict()


def test_lookup_nests_areas_in_authorities(small_extract: Path, small_store: Path) -> None:
    """Each authority's areas are the extract's, their people add up to its population,
    and quintile 1 holds its most deprived areas."""
    store = Store(small_store)
    extract = pq.read_table(small_extract / "small_areas.parquet").to_pandas()
    population = pq.read_table(small_extract / "population.parquet").to_pandas()
    people = population[population["year"] == 2020].groupby("la_code")["population"].sum()
    for la_code in store.geography.codes[::29]:
        areas = store.small_areas(la_code)
        assert set(areas["msoa_code"]) == set(
            extract.loc[extract["la_code"] == la_code, "msoa_code"]
        )
        assert areas["population"].sum() == people[la_code]
        by_quintile = areas.groupby("imd_quintile")["imd_score"]
        assert (by_quintile.min().diff().dropna() <= 0).all()


def test_within_quintiles_by_hand() -> None:
    """Quintiles by people: areas fill them in order of score, an area in the quintile of
    its people's mid-point, equal scores together; each authority on its own."""
    lookup = pd.DataFrame(
        {
            "la_code": ["A"] * 6 + ["B"],
            "imd_score": [50.0, 40.0, 30.0, 30.0, 20.0, 10.0, 5.0],
            "population": [100, 100, 100, 100, 300, 300, 10],
        }
    )
    # A: 1,000 people; mid-points 0.05, 0.15, (tie 0.2-0.4) 0.3, 0.55, 0.85 of the people.
    assert within_quintiles(lookup).tolist() == [1, 1, 2, 2, 3, 5, 3]
