"""Prepare: the store round trip, determinism, atomic writes and refusal of bad extracts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.data import prepare
from ldsa.data.extract import read_table
from ldsa.data.prepare import prepare_store
from ldsa.data.store import AREA_TABLES, MANIFEST, Store
from ldsa.errors import InvalidInputError, StoreError
from ldsa.testing import TINY_LA_CODES, tiny_tables, write_tiny_extract


@pytest.fixture
def tiny_extract(tmp_path: Path) -> Path:
    """A tiny valid extract."""
    return write_tiny_extract(tmp_path / "extract")


def test_aggregates_sum_to_record_counts(small_extract: Path, small_store: Path) -> None:
    """Every LA, region and England aggregate adds up to the records of the extract."""
    store = Store(small_store)
    cases, deaths = read_table(small_extract, "cases"), read_table(small_extract, "deaths")
    tests = read_table(small_extract, "tests")
    population = read_table(small_extract, "population")
    expected = {
        "cases": len(cases),
        "deaths": len(deaths),
        "tests": int(tests["tests"].sum()),
        "population": int(population["population"].sum()),
        "population_bands": int(population["population"].sum()),
    }
    measure = {"cases": "cases", "deaths": "deaths", "tests": "tests"}
    for table, total in expected.items():
        column = measure.get(table, "population")
        la_total = sum(
            int(store.la_table(code, table)[column].sum()) for code in store.geography.codes
        )
        assert la_total == total, table
        assert int(store.england_table(table)[column].sum()) == total, table
        regions = {a.region_code for a in store.geography}
        assert sum(int(store.region_table(r, table)[column].sum()) for r in regions) == total


def test_la_slice_matches_its_records(small_extract: Path, small_store: Path) -> None:
    """One authority's slice holds exactly that authority's case records."""
    store = Store(small_store)
    cases = read_table(small_extract, "cases")
    for code in store.geography.codes[:5]:
        assert int(store.la_table(code, "cases")["cases"].sum()) == int(
            (cases["la_code"] == code).sum()
        )


def test_survey_counts_exclude_voids(small_extract: Path, small_store: Path) -> None:
    """Survey aggregates count valid swabs and positives, leaving out void results."""
    survey = read_table(small_extract, "survey")
    stored = Store(small_store).survey()
    assert int(stored["swabs"].sum()) == int((survey["result"] != "void").sum())
    assert int(stored["positives"].sum()) == int((survey["result"] == "positive").sum())


def test_prepare_is_deterministic(tiny_extract: Path, tmp_path: Path) -> None:
    """Preparing the same extract twice gives byte-identical stores."""
    first = prepare_store(tiny_extract, tmp_path / "a")
    second = prepare_store(tiny_extract, tmp_path / "b")
    assert first == second
    assert (tmp_path / "a" / MANIFEST).read_bytes() == (tmp_path / "b" / MANIFEST).read_bytes()


def test_manifest_records_inputs(tiny_extract: Path, tmp_path: Path) -> None:
    """The manifest records schema version, input hashes, row counts and every file's hash."""
    manifest = prepare_store(tiny_extract, tmp_path / "store")
    assert manifest["schema_version"] == "1"
    assert set(manifest["input_sha256"]) == set(tiny_tables())
    assert manifest["input_rows"]["tests"] == 3
    files = {
        p.relative_to(tmp_path / "store").as_posix()
        for p in (tmp_path / "store").rglob("*.parquet")
    }
    assert set(manifest["files_sha256"]) == files


def test_every_authority_has_every_table(tiny_extract: Path, tmp_path: Path) -> None:
    """Authorities without records still get (empty) slices, so templates can run."""
    prepare_store(tiny_extract, tmp_path / "store")
    store = Store(tmp_path / "store")
    for code in TINY_LA_CODES:
        for table in AREA_TABLES:
            assert (tmp_path / "store" / "la" / code / f"{table}.parquet").is_file()
    assert store.la_table("E06000901", "cases").empty


def test_invalid_extract_writes_nothing(tiny_extract: Path, tmp_path: Path) -> None:
    """A failing extract leaves no store and no partial folder behind."""
    (tiny_extract / "tests.parquet").unlink()
    with pytest.raises(InvalidInputError):
        prepare_store(tiny_extract, tmp_path / "store")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract"]


def test_failed_prepare_keeps_previous_store(
    tiny_extract: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prepare that dies mid-way leaves the previous store untouched and no partial folder."""
    prepare_store(tiny_extract, tmp_path / "store")
    before = (tmp_path / "store" / MANIFEST).read_bytes()

    def broken(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(prepare, "_write_tables", broken)
    with pytest.raises(OSError, match="disk full"):
        prepare_store(tiny_extract, tmp_path / "store")
    assert (tmp_path / "store" / MANIFEST).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract", "store"]


def test_store_types_are_plain(tiny_extract: Path, tmp_path: Path) -> None:
    """Store tables use int64 counts, date32 dates and plain strings."""
    prepare_store(tiny_extract, tmp_path / "store")
    schema = pq.read_schema(tmp_path / "store" / "england" / "cases.parquet")
    assert str(schema.field("cases").type) == "int64"
    assert str(schema.field("date").type) == "date32[day]"
    assert str(schema.field("age_band").type) == "string"


def test_store_errors_are_clear(tiny_extract: Path, tmp_path: Path) -> None:
    """Opening a missing, stale or incomplete store raises StoreError with a fix."""
    with pytest.raises(StoreError, match="not a prepared store"):
        Store(tmp_path / "nowhere")
    prepare_store(tiny_extract, tmp_path / "store")
    shutil.rmtree(tmp_path / "store" / "la" / "E07000901")
    with pytest.raises(StoreError, match="incomplete"):
        Store(tmp_path / "store").la_table("E07000901", "cases")
    manifest = json.loads((tmp_path / "store" / MANIFEST).read_text())
    (tmp_path / "store" / MANIFEST).write_text(json.dumps({**manifest, "schema_version": "0"}))
    with pytest.raises(StoreError, match="prepare the store again"):
        Store(tmp_path / "store")


def test_survey_samples_are_distinct_counts(small_extract: Path, small_store: Path) -> None:
    """Per CIS area and week, the store's sample for all ages is the distinct participants
    and households with a valid swab, counted from the extract; the age groups' swabs add
    up to all ages' (their distinct counts need not), and so do the cells'."""
    survey = read_table(small_extract, "survey")
    valid = survey[survey["result"] != "void"]
    days = pd.to_datetime(valid["visit_date"])
    valid = valid.assign(week_start=(days - pd.to_timedelta(days.dt.day_of_week, unit="D")))
    by_hand = valid.groupby(["cis_area", "week_start"]).agg(
        participants=("participant_id", "nunique"), households=("household_id", "nunique")
    )
    store = Store(small_store)
    samples = store.survey_samples()
    everyone = samples[samples["age_group"] == "all"].set_index(["cis_area", "week_start"])
    everyone.index = everyone.index.set_levels(pd.to_datetime(everyone.index.levels[1]), level=1)
    stored = everyone.loc[everyone["swabs"] > 0, ["participants", "households"]]
    assert stored.sort_index().equals(by_hand.sort_index().astype("int64"))
    groups = samples[samples["age_group"] != "all"].groupby(["cis_area", "week_start"])["swabs"]
    assert groups.sum().equals(samples[samples["age_group"] == "all"].set_index(
        ["cis_area", "week_start"])["swabs"].sort_index())  # fmt: skip
    cells = store.survey()
    assert int(cells["swabs"].sum()) == int(everyone["swabs"].sum())
    assert (cells["households"] <= cells["participants"]).all()
