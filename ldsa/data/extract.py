"""Read and validate a record-level extract: one Parquet file per table plus extract.json.

Validation is lazy: every failure in every table is collected, then all are raised at once
as an :class:`~ldsa.errors.InvalidInputError` naming file, column, reason and the number of
failing rows. Values are never quoted, since they may be record-level data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow_lib
import pyarrow.parquet as pq

from ldsa.data.schemas import SCHEMA_VERSION, TABLES, table_schema
from ldsa.errors import InputFailure, InvalidInputError

EXTRACT_INFO = "extract.json"
#: Rows validated at a time in the big tables; bounds memory on England-sized extracts.
BATCH_ROWS = 4_000_000
#: Tables small enough to validate whole, so that unique keys are checked across all rows.
WHOLE_TABLES = ("geography", "deprivation", "population", "tests", "survey")


def table_path(extract_dir: Path, table: str) -> Path:
    """Return where a table of the extract lives."""
    return extract_dir / f"{table}.parquet"


def read_extract_info(extract_dir: Path) -> dict[str, Any]:
    """Return extract.json (kind, seed, scale, schema version, row counts), or {} if absent."""
    path = extract_dir / EXTRACT_INFO
    if not path.is_file():
        return {}
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            [InputFailure(EXTRACT_INFO, "*", f"not valid JSON ({type(error).__name__})", -1)]
        ) from None
    return info


def read_table(extract_dir: Path, table: str) -> pd.DataFrame:
    """Read a whole table into pandas with dates as datetime64[ms] and plain strings."""
    return _to_pandas(pq.read_table(table_path(extract_dir, table)))


def iter_batches(extract_dir: Path, table: str, rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """Yield a table in pandas batches of at most ``rows`` rows."""
    parquet = pq.ParquetFile(table_path(extract_dir, table))
    for batch in parquet.iter_batches(batch_size=rows):
        yield _to_pandas(pyarrow_lib.Table.from_batches([batch]))


def _to_pandas(table: pyarrow_lib.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(str)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            frame[name] = frame[name].astype("datetime64[ms]")
    return frame


def validate_extract(extract_dir: Path) -> dict[str, int]:
    """Validate every table of an extract against its schema and return row counts.

    Raises
    ------
    InvalidInputError
        With every failure found in every table, when any table fails.
    """
    failures = _check_info(extract_dir)
    missing = [t for t in TABLES if not table_path(extract_dir, t).is_file()]
    failures += [InputFailure(f"{t}.parquet", "*", "file missing", -1) for t in missing]
    if "geography" in missing:
        raise InvalidInputError(failures)
    geography = read_table(extract_dir, "geography")
    failures += _validate_frame("geography", geography, table_schema("geography"))
    la_codes = set(geography["la_code"].astype(str)) if "la_code" in geography else None
    cis_areas = set(geography["cis_area"].astype(str)) if "cis_area" in geography else None
    row_counts = {"geography": len(geography)}
    for table in TABLES[1:]:
        if table in missing:
            continue
        schema = table_schema(table, la_codes=la_codes, cis_areas=cis_areas)
        row_counts[table], table_failures = _validate_table(extract_dir, table, schema)
        failures += table_failures
    failures += [
        InputFailure(f"{table}.parquet", "*", "no rows (expected at least one)", -1)
        for table, rows in row_counts.items()
        if rows == 0 and not any(f.file == f"{table}.parquet" and f.column == "*" for f in failures)
    ]
    if failures:
        raise InvalidInputError(sorted(set(failures), key=_failure_order))
    return row_counts


def _failure_order(failure: InputFailure) -> tuple[int, str, str, str]:
    table = failure.file.removesuffix(".parquet")
    position = TABLES.index(table) if table in TABLES else -1
    return (position, failure.column, failure.reason, failure.file)


def _check_info(extract_dir: Path) -> list[InputFailure]:
    if not extract_dir.is_dir():
        return [InputFailure(str(extract_dir), "*", "extract folder not found", -1)]
    info = read_extract_info(extract_dir)
    version = info.get("schema_version", SCHEMA_VERSION)
    if str(version) != SCHEMA_VERSION:
        reason = f"schema version {version!r}, expected {SCHEMA_VERSION!r}"
        return [InputFailure(EXTRACT_INFO, "schema_version", reason, -1)]
    return []


def _validate_table(
    extract_dir: Path, table: str, schema: pa.DataFrameSchema
) -> tuple[int, list[InputFailure]]:
    file = f"{table}.parquet"
    try:
        if table in WHOLE_TABLES:
            frame = read_table(extract_dir, table)
            return len(frame), _validate_frame(table, frame, schema)
        rows, per_batch = 0, []
        for batch in iter_batches(extract_dir, table):
            per_batch += _validate_frame(table, batch, schema)
            rows += len(batch)
        return rows, _merge_batches(per_batch)
    except (pyarrow_lib.ArrowException, OSError) as error:
        reason = f"not a readable Parquet file ({type(error).__name__})"
        return 0, [InputFailure(file, "*", reason, -1)]


def _merge_batches(failures: list[InputFailure]) -> list[InputFailure]:
    """Add up the failing-row counts of the same failure found in several batches."""
    totals: dict[tuple[str, str, str], int] = {}
    for failure in failures:
        key = (failure.file, failure.column, failure.reason)
        previous = totals.get(key, 0)
        totals[key] = -1 if -1 in (previous, failure.rows) else previous + failure.rows
    return [InputFailure(*key, rows) for key, rows in totals.items()]


def _validate_frame(
    table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema
) -> list[InputFailure]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _summarise(f"{table}.parquet", errors.failure_cases)
    return []


def _summarise(file: str, cases: pd.DataFrame) -> list[InputFailure]:
    """Turn pandera's failure cases into counted failures, dropping the failing values."""
    failures = []
    for (context, column, check), group in cases.groupby(
        ["schema_context", "column", "check"], dropna=False, sort=True
    ):
        failures.append(_describe(file, str(context), str(column), str(check), group))
    return sorted(set(failures))


def _describe(
    file: str, context: str, column: str, check: str, group: pd.DataFrame
) -> InputFailure:
    rows = int(group["index"].nunique()) if group["index"].notna().any() else -1
    names = sorted(str(v) for v in group["failure_case"].dropna().unique())
    if check == "column_in_schema":
        return InputFailure(file, ", ".join(names), "column not in the schema (remove it)", -1)
    if check == "column_in_dataframe":
        return InputFailure(file, ", ".join(names), "required column missing", -1)
    if check.startswith("dtype("):
        expected = check.removeprefix("dtype(").rstrip(")").strip("'")
        # failure_case holds the column's actual dtype, not a row value.
        return InputFailure(
            file, column, f"wrong type: expected {expected}, got {', '.join(names)}", -1
        )
    if check in ("field_uniqueness", "multiple_fields_uniqueness", "unique"):
        return InputFailure(file, column, "duplicate key", rows)
    if check == "not_nullable":
        return InputFailure(file, column, "missing values (nulls)", rows)
    if context == "DataFrameSchema" and rows >= 0:
        return InputFailure(file, "(row check)", f"expected {check}", rows)
    return InputFailure(file, column, f"expected {check}", rows)
