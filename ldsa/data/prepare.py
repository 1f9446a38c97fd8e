"""Prepare: validate an extract, aggregate it out of core with DuckDB, write a store.

The whole-country work happens here once; each report then reads one authority's small
slice. The store is written under a temporary name and renamed into place only when
complete, so a failed or killed prepare never leaves a store that looks usable.

Prepare never deletes anything it did not write: the store folder must be absent, empty,
or an earlier ldsa store (which is replaced atomically), and it may not be, lie inside or
contain the input folder (:func:`check_destination`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ldsa import __version__
from ldsa.ageband import AGE_BANDS
from ldsa.data.extract import has_small_areas, read_extract_info, table_path, validate_extract
from ldsa.data.schemas import OPTIONAL_TABLES, SCHEMA_VERSION, TABLES
from ldsa.data.store import MANIFEST, STORE_FORMAT, file_sha256
from ldsa.data.survey_groups import ALL_AGES, age_group_sql
from ldsa.errors import InvalidParameterError, StoreError
from ldsa.geography import GEOGRAPHY_VINTAGE

_BANDS_SQL = "[" + ", ".join(f"'{band}'" for band in AGE_BANDS) + "]"
_AGE_BAND = f"list_extract({_BANDS_SQL}, CAST(least(age // 5, 18) AS INTEGER) + 1)"
_CAUSE_GROUP = """CASE
    WHEN underlying_cause IN ('U07.1', 'U07.2') THEN 'covid'
    WHEN underlying_cause LIKE 'C%' THEN 'cancer'
    WHEN underlying_cause LIKE 'I%' THEN 'circulatory'
    WHEN underlying_cause LIKE 'J%' THEN 'respiratory'
    WHEN underlying_cause LIKE 'F01%' OR underlying_cause LIKE 'F03%'
         OR underlying_cause LIKE 'G30%' THEN 'dementia'
    ELSE 'other' END"""

#: Record-level queries behind each area table: keys (besides the area) and measures.
_AREA_QUERIES: dict[str, tuple[str, str, str]] = {
    "cases": (
        "cases",
        f"specimen_date AS date, {_AGE_BAND} AS age_band, sex",
        "count(*) AS cases",
    ),
    "tests": ("tests", "date", "sum(tests) AS tests, sum(positive_tests) AS positive_tests"),
    "deaths": (
        "deaths",
        "CAST(date_trunc('week', date_of_registration) AS DATE) AS week_registered, "
        "CAST(date_trunc('week', date_of_death) AS DATE) AS week_of_death, "
        f"{_AGE_BAND} AS age_band, sex, {_CAUSE_GROUP} AS cause_group, covid_mentioned, "
        "place_of_death",
        "count(*) AS deaths",
    ),
    "population": ("population", "year, sex, age", "sum(population) AS population"),
    "population_bands": (
        "population",
        f"year, sex, {_AGE_BAND} AS age_band",
        "sum(population) AS population",
    ),
}
#: What every survey row counts: valid swabs, positive ones, and the distinct participants
#: and households with a valid swab (people: the disclosure rules need them, and distinct
#: counts cannot be added up across rows).
_SURVEY_MEASURES = """count(*) FILTER (WHERE result <> 'void') AS swabs,
    count(*) FILTER (WHERE result = 'positive') AS positives,
    count(DISTINCT participant_id) FILTER (WHERE result <> 'void') AS participants,
    count(DISTINCT household_id) FILTER (WHERE result <> 'void') AS households"""
_SURVEY_WEEK = "CAST(date_trunc('week', visit_date) AS DATE)"
#: Survey cells: CIS area, week (Monday), age band and sex.
_SURVEY_CELLS = f"""SELECT cis_area, {_SURVEY_WEEK} AS week_start, {_AGE_BAND} AS age_band,
    sex, {_SURVEY_MEASURES} FROM survey GROUP BY ALL ORDER BY ALL"""
#: The sample of each CIS area and week, for every age and per survey age group.
_SURVEY_SAMPLES = f"""SELECT cis_area, week_start, coalesce(age_group, '{ALL_AGES}') AS age_group,
    {_SURVEY_MEASURES}
    FROM (SELECT *, {_SURVEY_WEEK} AS week_start, {age_group_sql()} AS age_group FROM survey)
    GROUP BY GROUPING SETS ((cis_area, week_start), (cis_area, week_start, age_group))
    ORDER BY cis_area, week_start, age_group"""
#: Daily cases per small area of each authority (days without a case have no row).
_SMALL_AREA_CASES = """SELECT c.la_code, specimen_date AS date, msoa_code, count(*) AS cases
    FROM cases c GROUP BY ALL ORDER BY ALL"""
#: Quantiles of small areas by deprivation within their authority.
QUINTILES = 5
_SOURCE_KEYS = frozenset({"kind", "seed", "scale", "period_start", "period_end"})
_AREA_KEYS = {"la": "t.la_code", "region": "g.region_code", "england": None}


def prepare_store(extract_dir: Path, store_dir: Path, memory_limit: str = "6GB") -> dict[str, Any]:
    """Validate an extract and write its prepared store; return the store manifest.

    Parameters
    ----------
    extract_dir
        Folder with one ``<table>.parquet`` per extract table (and ``extract.json``).
    store_dir
        Folder to write: absent, empty, or an earlier store (replaced atomically).
    memory_limit
        DuckDB's memory limit; it spills to disk beyond it.

    Raises
    ------
    InvalidInputError
        When the extract fails validation (nothing is written).
    InvalidParameterError, StoreError
        When ``store_dir`` may not be written (see :func:`check_destination`); nothing is
        written or deleted.
    """
    check_destination(extract_dir, store_dir)
    store_dir = store_dir.resolve()  # "." has no name to put the partial folder beside
    row_counts = validate_extract(extract_dir)
    partial = store_dir.with_name(f".{store_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with duckdb.connect(config={"threads": 2, "memory_limit": memory_limit}) as con:
            _register(con, extract_dir)
            outputs = _write_tables(con, partial)
            if has_small_areas(extract_dir):
                outputs |= _write_small_areas(con, partial)
        manifest = _manifest(extract_dir, row_counts, partial, outputs)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _swap_into_place(partial, store_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _register(con: duckdb.DuckDBPyConnection, extract_dir: Path) -> None:
    present = [t for t in OPTIONAL_TABLES if table_path(extract_dir, t).is_file()]
    for table in (*TABLES, *present):
        path = str(table_path(extract_dir, table)).replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")


def _write_tables(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    la_codes = [
        str(code)
        for (code,) in con.sql("SELECT la_code FROM geography ORDER BY la_code").fetchall()
    ]
    for name in ("geography", "deprivation"):
        rows[name] = _write(
            _query(con, f"SELECT * FROM {name} ORDER BY la_code"), out / f"{name}.parquet"
        )
    survey = _query(con, _SURVEY_CELLS)
    rows["survey"] = _write(survey, out / "survey.parquet")
    samples = _query(con, _SURVEY_SAMPLES)
    rows["survey_samples"] = _write(samples, out / "survey_samples.parquet")
    for table in _AREA_QUERIES:
        for level in ("region", "england"):
            frame = _query(con, _area_sql(table, level))
            rows[f"{level}/{table}"] = _write(frame, out / level / f"{table}.parquet")
        per_la = _query(con, _area_sql(table, "la"))
        rows[f"la/{table}"] = _write_per_la(per_la, out / "la", table, la_codes)
    return rows


def _write_small_areas(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    """The small-area lookup (population, score and quintile within the authority) and
    each authority's daily cases per small area."""
    la_codes = [
        str(code)
        for (code,) in con.sql("SELECT la_code FROM geography ORDER BY la_code").fetchall()
    ]
    lookup = con.sql(
        "SELECT msoa_code, msoa_name, la_code, population, imd_score FROM small_areas "
        "ORDER BY la_code, msoa_code"
    ).df()
    lookup["imd_quintile"] = within_quintiles(lookup)
    rows = {"small_areas": _write(_plain_types(pa.Table.from_pandas(lookup, preserve_index=False)),
                                  out / "small_areas.parquet")}  # fmt: skip
    cases = _query(con, _SMALL_AREA_CASES)
    rows["la/cases_small_area"] = _write_per_la(cases, out / "la", "cases_small_area", la_codes)
    return rows


def within_quintiles(lookup: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Each small area's deprivation quintile within its authority (1 = most deprived).

    Population-based, as OHID assigns deprivation categories: areas in order of score
    (most deprived first) fill the quintiles by their people, an area falling in the
    quintile that holds the mid-point of its people; areas of equal score stay together.

    References
    ----------
    .. [1] OHID, Fingertips: assigning deprivation categories.
    """
    quintile = np.zeros(len(lookup), dtype=np.int64)
    for _, areas in lookup.groupby("la_code", sort=False):
        ties = areas.groupby("imd_score", sort=True)["population"].sum()[::-1]
        total = max(float(ties.sum()), 1.0)
        middle = (ties.cumsum() - ties / 2) / total
        by_score = np.minimum(np.floor(middle * QUINTILES).astype(np.int64) + 1, QUINTILES)
        positions = lookup.index.get_indexer(areas.index)
        quintile[positions] = by_score.reindex(areas["imd_score"]).to_numpy()
    return quintile


def _area_sql(table: str, level: str) -> str:
    source, keys, measures = _AREA_QUERIES[table]
    area = _AREA_KEYS[level]
    area_column = f"{area} AS {area.split('.')[1]}, " if area else ""
    join = "JOIN geography g ON g.la_code = t.la_code" if level == "region" else ""
    return (
        f"SELECT {area_column}{keys}, {measures} FROM {source} t {join} GROUP BY ALL ORDER BY ALL"
    )


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    table: pa.Table = con.sql(sql).to_arrow_table()
    return _plain_types(table)


def _plain_types(table: pa.Table) -> pa.Table:
    """Cast DuckDB's result types to the store's: int64 counts, plain strings."""
    fields = []
    for field in table.schema:
        type_ = field.type
        if pa.types.is_integer(type_) or pa.types.is_decimal(type_):
            type_ = pa.int64()
        elif pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
            type_ = pa.string()
        fields.append(pa.field(field.name, type_))
    return table.cast(pa.schema(fields))


def _write(table: pa.Table, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return int(table.num_rows)


def _write_per_la(table: pa.Table, la_root: Path, name: str, la_codes: list[str]) -> int:
    """Write one file per authority (empty where it has no rows) from a table sorted by la_code."""
    codes = table.column("la_code").to_numpy(zero_copy_only=False)
    starts = np.searchsorted(codes, la_codes, side="left")
    ends = np.searchsorted(codes, la_codes, side="right")
    body = table.drop_columns(["la_code"])
    for code, start, end in zip(la_codes, starts, ends, strict=True):
        _write(body.slice(int(start), int(end - start)), la_root / code / f"{name}.parquet")
    return int(table.num_rows)


def _manifest(
    extract_dir: Path, row_counts: dict[str, int], store: Path, outputs: dict[str, int]
) -> dict[str, Any]:
    files = sorted(p for p in store.rglob("*.parquet"))
    return {
        "store_format": STORE_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "geography_vintage": GEOGRAPHY_VINTAGE,
        "ldsa_version": __version__,
        "source": _source(extract_dir),
        "input_rows": row_counts,
        "input_sha256": {
            t: file_sha256(table_path(extract_dir, t))
            for t in (*TABLES, *OPTIONAL_TABLES)
            if t in TABLES or table_path(extract_dir, t).is_file()
        },
        "output_rows": outputs,
        "files_sha256": {str(p.relative_to(store)): file_sha256(p) for p in files},
    }


def _source(extract_dir: Path) -> dict[str, Any]:
    info = read_extract_info(extract_dir)
    return {key: value for key, value in sorted(info.items()) if key in _SOURCE_KEYS}


def check_destination(source_dir: Path, store_dir: Path) -> None:
    """Refuse a store folder that prepare would damage, before anything is read or written.

    Parameters
    ----------
    source_dir
        The input folder (extract or published files), which prepare never touches.
    store_dir
        The folder to write.

    Raises
    ------
    InvalidParameterError
        When ``store_dir`` is ``source_dir``, lies inside it or contains it.
    StoreError
        When ``store_dir`` is a file, a symbolic link, or a folder that holds anything but
        an earlier ldsa store.
    """
    source, store = source_dir.resolve(), store_dir.resolve()
    if store == source or source in store.parents or store in source.parents:
        raise InvalidParameterError(
            f"{store_dir}: the store folder would overlap the input folder {source_dir} "
            "(expected a store folder outside the input, not containing it). How to fix: "
            "give a STORE path elsewhere; prepare never writes into its input."
        )
    _check_replaceable(store_dir)


def _check_replaceable(store_dir: Path) -> None:
    """Raise StoreError unless ``store_dir`` is absent, an empty folder or an ldsa store."""
    how = (
        "How to fix: give a new or empty folder as STORE (prepare replaces only an empty "
        "folder or an earlier store, and never deletes other files)."
    )
    if store_dir.is_symlink():
        raise StoreError(
            f"{store_dir}: a symbolic link (expected a folder, got a link). How to fix: "
            "give the folder the link points to, or a new folder."
        )
    if not store_dir.exists():
        return
    if not store_dir.is_dir():
        raise StoreError(f"{store_dir}: not a folder (expected a folder, got a file). {how}")
    foreign = _foreign_entries(store_dir)
    if foreign is None:
        raise StoreError(
            f"{store_dir}: not empty and not an ldsa store (no readable {MANIFEST} "
            f"listing its files). {how}"
        )
    if foreign:
        raise StoreError(
            f"{store_dir}: an ldsa store that also holds {foreign} file(s) or link(s) "
            f"prepare did not write (expected only the files its {MANIFEST} lists). {how}"
        )


def _foreign_entries(folder: Path) -> int | None:
    """Count what in ``folder`` is not part of the store its manifest lists.

    Returns 0 for an empty folder, ``None`` when a non-empty folder has no readable store
    manifest, else the number of files and links the manifest does not list (folders that
    hold only listed files are part of the store).
    """
    entries = list(folder.rglob("*"))
    if not entries:
        return 0
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    listed = manifest.get("files_sha256") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or "store_format" not in manifest:
        return None
    known = {MANIFEST, *map(str, listed)}
    return sum(
        path.is_symlink()
        or (not path.is_dir() and path.relative_to(folder).as_posix() not in known)
        for path in entries
    )


def _swap_into_place(partial: Path, store_dir: Path) -> None:
    """Replace ``store_dir`` (absent, empty or an earlier store) with the complete ``partial``.

    The destination is checked again here, since it may have changed while the input was
    validated and aggregated; if the final rename fails, the earlier store is put back.
    """
    _check_replaceable(store_dir)
    old = store_dir.with_name(f".{store_dir.name}.old-{os.getpid()}")
    if store_dir.exists():
        store_dir.rename(old)
    try:
        partial.rename(store_dir)
    except BaseException:
        if old.exists():
            old.rename(store_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
