"""Contract of the dummy extract: files, types, schemas, metadata, atomic and repeatable."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ldsa.data.dummy as dummy
from ldsa.data.dummy import EXTRACT_INFO, ExtractInfo, generate_extract
from ldsa.data.schemas import (
    OPTIONAL_TABLES,
    PERIOD_END,
    PERIOD_START,
    SCHEMA_VERSION,
    TABLES,
    table_schema,
)

SCALE = 0.01
SEED = 7
#: The dummy writes the optional tables too (small areas).
WRITTEN = (*TABLES, *OPTIONAL_TABLES)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExtractInfo]:
    """A small dummy extract shared by this module's tests."""
    out_dir = tmp_path_factory.mktemp("dummy_contract")
    return out_dir, generate_extract(out_dir, seed=SEED, scale=SCALE)


def read(out_dir: Path, table: str) -> pd.DataFrame:
    """Read a table as the loader does: pandas with dates as datetime64[ms]."""
    frame = pq.read_table(out_dir / f"{table}.parquet").to_pandas(date_as_object=False)
    for name in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name]):
            frame[name] = frame[name].astype("datetime64[ms]")
    return frame


def digests(out_dir: Path) -> dict[str, str]:
    """SHA-256 of every file in a folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out_dir.iterdir())}


def test_writes_every_table_and_nothing_partial(extract: tuple[Path, ExtractInfo]) -> None:
    """Every table has its Parquet file, and no temporary file is left behind."""
    out_dir, _ = extract
    expected = {f"{table}.parquet" for table in WRITTEN} | {EXTRACT_INFO}
    assert {p.name for p in out_dir.iterdir()} == expected


@pytest.mark.parametrize("table", WRITTEN)
def test_every_table_passes_its_schema(extract: tuple[Path, ExtractInfo], table: str) -> None:
    """Each table validates against its pandera schema with geography's codes."""
    out_dir, _ = extract
    geography = read(out_dir, "geography")
    schema = table_schema(
        table, la_codes=set(geography["la_code"]), cis_areas=set(geography["cis_area"])
    )
    schema.validate(read(out_dir, table), lazy=True)


def test_parquet_types(extract: tuple[Path, ExtractInfo]) -> None:
    """Dates are date32, integers int64, strings string and booleans bool."""
    out_dir, _ = extract
    allowed = {pa.date32(), pa.int64(), pa.string(), pa.bool_(), pa.float64()}
    for table in WRITTEN:
        schema = pq.read_schema(out_dir / f"{table}.parquet")
        assert {field.type for field in schema} <= allowed, table
    deaths = pq.read_schema(out_dir / "deaths.parquet")
    assert deaths.field("date_of_death").type == pa.date32()
    assert deaths.field("covid_mentioned").type == pa.bool_()


def test_extract_json(extract: tuple[Path, ExtractInfo]) -> None:
    """extract.json holds kind, seed, scale, schema version, period and row counts."""
    out_dir, info = extract
    text = (out_dir / EXTRACT_INFO).read_text(encoding="utf-8")
    content = json.loads(text)
    assert list(content) == sorted(content)
    assert content == {
        "kind": "dummy",
        "seed": SEED,
        "scale": SCALE,
        "schema_version": SCHEMA_VERSION,
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "row_counts": {t: pq.read_metadata(out_dir / f"{t}.parquet").num_rows for t in WRITTEN},
    }
    assert info.row_counts == content["row_counts"]


def test_same_seed_and_scale_give_the_same_bytes(tmp_path: Path) -> None:
    """Two runs with one seed and scale write byte-identical files."""
    generate_extract(tmp_path / "a", seed=3, scale=0.004)
    generate_extract(tmp_path / "b", seed=3, scale=0.004)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    """A different seed changes the records."""
    generate_extract(tmp_path / "a", seed=3, scale=0.004)
    generate_extract(tmp_path / "b", seed=4, scale=0.004)
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert first["cases.parquet"] != second["cases.parquet"]


def test_volumes_follow_scale(extract: tuple[Path, ExtractInfo], tmp_path: Path) -> None:
    """Doubling the scale about doubles cases, deaths and survey visits, not the population."""
    _, small = extract
    large = generate_extract(tmp_path, seed=SEED, scale=2 * SCALE)
    for table in ("cases", "deaths", "survey"):
        assert large.row_counts[table] / small.row_counts[table] == pytest.approx(2, rel=0.1)
    for table in ("geography", "population", "tests"):
        assert large.row_counts[table] == small.row_counts[table]


def test_rerun_replaces_and_stale_info_is_removed_first(tmp_path: Path) -> None:
    """A stale extract.json is deleted before tables are rewritten, then written afresh."""
    (tmp_path / EXTRACT_INFO).write_text('{"kind": "stale"}', encoding="utf-8")
    (tmp_path / "cases.parquet").write_bytes(b"not parquet")
    generate_extract(tmp_path, seed=1, scale=0.002)
    assert json.loads((tmp_path / EXTRACT_INFO).read_text(encoding="utf-8"))["kind"] == "dummy"
    assert pq.read_metadata(tmp_path / "cases.parquet").num_rows > 0


@pytest.mark.parametrize(
    ("seed", "scale"), [(-1, 0.1), (1, 0.0), (1, -0.5), (1, float("nan")), (1, 2.5)]
)
def test_bad_arguments_are_refused(tmp_path: Path, seed: int, scale: float) -> None:
    """A negative seed or a scale outside (0, 2] raises ValueError and writes nothing."""
    with pytest.raises(ValueError, match=r"^(seed|scale): "):
        generate_extract(tmp_path / "out", seed=seed, scale=scale)
    assert not (tmp_path / "out").exists()


def test_interrupted_run_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a table fails mid-write, no extract.json and no partial file remain."""

    def fail(write: object, *args: object) -> None:
        write({"visit_date": [], "participant_id": [], "household_id": [], "la_code": []})

    monkeypatch.setattr(dummy, "write_survey", fail)
    with pytest.raises(KeyError):
        generate_extract(tmp_path, seed=1, scale=0.002)
    names = {p.name for p in tmp_path.iterdir()}
    assert EXTRACT_INFO not in names
    assert "survey.parquet" not in names
    assert not any(name.endswith(".partial") for name in names)
