"""The public store: opens with Store, reproduces the published totals, says what it lacks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ldsa.data.public.cases import SOURCES
from ldsa.data.store import AREA_TABLES, Store, file_sha256
from ldsa.errors import StoreError


@pytest.fixture(scope="session")
def store(public_store: Path) -> Store:
    """The public store, opened."""
    return Store(public_store)


def test_store_opens_with_the_extract_layout(store: Store) -> None:
    """Geography, deprivation and every area table the public data allow are readable."""
    assert len(store.geography) == 294
    assert not store.is_dummy
    assert store.manifest["geography_vintage"] == "LAD23 (April 2023)"
    for table in ("cases", "deaths", "population", "population_bands"):
        la = store.la_table("E06000065", table)
        assert not la.empty
        assert list(la.columns) == list(store.england_table(table).columns)
    assert set(store.deprivation()["la_code"]) == set(store.geography.codes)


def test_each_authoritys_cases_equal_the_source_sum(public_dir: Path, store: Store) -> None:
    """Cases of every authority over Nov 2020 to Feb 2021 equal the source rows summed
    through the manifest's merges."""
    raw = pd.concat(pd.read_csv(s.path(public_dir)) for s in SOURCES[:2])
    raw = raw[raw["date"].between("2020-11-01", "2021-02-28")]
    to = {code: m["la_code"] for m in store.manifest["crosswalk"]["merges"] for code in m["merged"]}
    expected = raw.groupby(raw["areaCode"].map(lambda c: to.get(c, c)))[
        "newCasesBySpecimenDate"
    ].sum()
    rows = store.all_la_table("cases")
    rows = rows[rows["date"].between("2020-11-01", "2021-02-28")]
    got = rows.groupby("la_code")["cases"].sum()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    assert store.la_table("E06000001", "cases")["age_band"].unique().tolist() == ["all"]


def test_region_and_england_add_up_to_authorities(store: Store) -> None:
    """Every comparator table is the sum of its authorities."""
    for table, measure in (("cases", "cases"), ("deaths", "deaths"), ("population", "population")):
        total = store.all_la_table(table)[measure].sum()
        assert store.england_table(table)[measure].sum() == total
    population = store.england_table("population")
    assert population.groupby("year")["population"].sum().to_dict() == {
        2019: 56_286_961,
        2020: 56_550_138,
    }


def test_missing_tables_are_declared_not_faked(store: Store) -> None:
    """Tests and survey swabs are absent, with the reason, and reading them says so."""
    assert set(store.missing_tables) == {"tests", "survey"}
    written = {t for t in AREA_TABLES if f"la/{t}" in store.manifest["output_rows"]}
    assert written == set(AREA_TABLES) - {"tests"}
    with pytest.raises(StoreError, match="no tests table: tests and positive tests"):
        store.la_table("E06000001", "tests")
    with pytest.raises(StoreError, match="no survey table"):
        store.survey()
    assert store.manifest["totals_only"]["deaths"]["week_of_death"].startswith("registrations")


def test_manifest_records_every_source_file(public_dir: Path, store: Store) -> None:
    """Each source's hash, publisher, title, vintage and licence are in the manifest."""
    sources = store.manifest["sources"]
    assert len(sources) == 26
    for record in sources:
        assert record["sha256"] == file_sha256(public_dir / record["file"])
        assert all(record[key] for key in ("publisher", "title", "vintage", "licence"))
    assert store.manifest["crosswalk"]["authorities"] == 294


def test_survey_estimates_are_readable(store: Store) -> None:
    """The published modelled positivity is in the store, one row per source, area, week."""
    estimates = store.survey_estimates()
    assert not estimates.duplicated(["source", "cis_area", "week_start"]).any()
    assert set(estimates["cis_area"]) == {a.cis_area for a in store.geography}
