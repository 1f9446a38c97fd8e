"""Read and validate a record-level extract: one Parquet file per table plus extract.json.

Validation is lazy: every failure in every table is collected, then all are raised at once
as an :class:`~ldsa.errors.InvalidInputError` naming file, column, reason, the number of
failing rows and the first failing rows' numbers. Values are never quoted, since they may
be record-level data: a wrong type is described by its kind ("text", "float64"), never by
the values that have it.
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

from ldsa.data.schemas import OPTIONAL_TABLES, SCHEMA_VERSION, TABLES, table_schema
from ldsa.errors import InputFailure, InvalidInputError

EXTRACT_INFO = "extract.json"
#: Rows validated at a time in the big tables; bounds memory on England-sized extracts.
BATCH_ROWS = 4_000_000
#: Tables small enough to validate whole, so that unique keys are checked across all rows.
WHOLE_TABLES = ("geography", "deprivation", "population", "tests", "survey", "small_areas")
#: How many failing row numbers a failure names.
FIRST_ROWS = 5
#: pandera checks about the table's shape rather than its values.
_STRUCTURAL_CHECKS = frozenset(
    {
        "column_in_schema",
        "column_in_dataframe",
        "not_nullable",
        "field_uniqueness",
        "multiple_fields_uniqueness",
        "unique",
    }
)


def table_path(extract_dir: Path, table: str) -> Path:
    """Return where a table of the extract lives."""
    return extract_dir / f"{table}.parquet"


def read_extract_info(extract_dir: Path) -> dict[str, Any]:
    """Return extract.json (kind, seed, scale, schema version, row counts), or {} if absent."""
    path = extract_dir / EXTRACT_INFO
    if not path.is_file():
        return {}
    try:
        info: object = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            [InputFailure(EXTRACT_INFO, "*", f"not valid JSON ({type(error).__name__})", -1)]
        ) from None
    if not isinstance(info, dict):
        reason = f"expected a JSON object, got {type(info).__name__}"
        raise InvalidInputError([InputFailure(EXTRACT_INFO, "*", reason, -1)])
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
    """Plain strings and naive datetime64[ms] dates; a timestamp with a time zone is kept as
    it is, so that validation reports its type (ldsa's dates have no time zone)."""
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(str)
        elif pd.api.types.is_datetime64_any_dtype(dtype) and not isinstance(
            dtype, pd.DatetimeTZDtype
        ):
            frame[name] = frame[name].astype("datetime64[ms]")
    return frame


def validate_extract(extract_dir: Path) -> dict[str, int]:
    """Validate every table of an extract against its schema and return row counts.

    Raises
    ------
    InvalidInputError
        With every failure found in every table, when any table fails.
    """
    if not extract_dir.is_dir():
        what = "a file, not a folder" if extract_dir.exists() else "extract folder not found"
        raise InvalidInputError(
            [InputFailure(str(extract_dir), "*", what, -1)],
            how_to_fix="How to fix: give the folder that holds the extract's <table>.parquet "
            "files and extract.json.",
        )
    failures = _check_info(extract_dir)
    missing = [t for t in TABLES if not table_path(extract_dir, t).is_file()]
    failures += [_missing(extract_dir, t) for t in missing]
    if "geography" in missing:
        raise InvalidInputError(failures)
    try:
        geography = read_table(extract_dir, "geography")
    except (pyarrow_lib.ArrowException, OSError) as error:
        raise InvalidInputError([*failures, _unreadable("geography", error)]) from None
    failures += _validate_frame("geography", geography, table_schema("geography"))
    la_codes = set(geography["la_code"].astype(str)) if "la_code" in geography else None
    cis_areas = set(geography["cis_area"].astype(str)) if "cis_area" in geography else None
    row_counts = {"geography": len(geography)}
    small_areas, area_failures = _small_areas(extract_dir, la_codes, row_counts)
    failures += area_failures
    for table in TABLES[1:]:
        if table in missing:
            continue
        schema = table_schema(
            table, la_codes=la_codes, cis_areas=cis_areas, small_areas=small_areas
        )
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


def has_small_areas(extract_dir: Path) -> bool:
    """Whether an extract carries small areas: a ``small_areas`` table and cases with a
    ``msoa_code`` (extracts from before small areas were carried have neither)."""
    if not table_path(extract_dir, "small_areas").is_file():
        return False
    try:
        names = pq.read_schema(table_path(extract_dir, "cases")).names
    except (pyarrow_lib.ArrowException, OSError):
        return False
    return "msoa_code" in names


def _small_areas(
    extract_dir: Path, la_codes: set[str] | None, row_counts: dict[str, int]
) -> tuple[dict[str, str] | None, list[InputFailure]]:
    """Validate the optional ``small_areas`` table; return each small area's authority
    (None when the table is absent or fails) and the failures.

    Cases with a ``msoa_code`` need the table: without it, their codes cannot be checked.
    """
    path = table_path(extract_dir, "small_areas")
    if not path.is_file():
        cases = table_path(extract_dir, "cases")
        try:
            coded = cases.is_file() and "msoa_code" in pq.read_schema(cases).names
        except (pyarrow_lib.ArrowException, OSError):
            coded = False  # reported when the cases table is validated
        if coded:
            reason = "file missing (cases carry msoa_code, which this table lists)"
            return None, [InputFailure("small_areas.parquet", "*", reason, -1)]
        return None, []
    schema = table_schema("small_areas", la_codes=la_codes)
    rows, failures = _validate_table(extract_dir, "small_areas", schema)
    row_counts["small_areas"] = rows
    if failures:
        return None, failures
    frame = read_table(extract_dir, "small_areas")
    return dict(zip(frame["msoa_code"], frame["la_code"], strict=True)), []


def _failure_order(failure: InputFailure) -> tuple[int, str, str, str]:
    table = failure.file.removesuffix(".parquet")
    order = (*TABLES, *OPTIONAL_TABLES)
    position = order.index(table) if table in order else -1
    return (position, failure.column, failure.reason, failure.file)


def _check_info(extract_dir: Path) -> list[InputFailure]:
    info = read_extract_info(extract_dir)
    version = info.get("schema_version", SCHEMA_VERSION)
    if str(version) != SCHEMA_VERSION:
        reason = f"another schema version (expected {SCHEMA_VERSION!r})"
        return [InputFailure(EXTRACT_INFO, "schema_version", reason, -1)]
    return []


def _missing(extract_dir: Path, table: str) -> InputFailure:
    """The failure for a table whose file is absent, or a folder in the file's place."""
    if table_path(extract_dir, table).is_dir():
        reason = "a folder, not a file (expected one Parquet file per table)"
    else:
        reason = "file missing"
    return InputFailure(f"{table}.parquet", "*", reason, -1)


def _unreadable(table: str, error: Exception) -> InputFailure:
    reason = f"not a readable Parquet file ({type(error).__name__})"
    return InputFailure(f"{table}.parquet", "*", reason, -1)


def _validate_table(
    extract_dir: Path, table: str, schema: pa.DataFrameSchema
) -> tuple[int, list[InputFailure]]:
    try:
        if table in WHOLE_TABLES:
            frame = read_table(extract_dir, table)
            return len(frame), _validate_frame(table, frame, schema)
        rows, per_batch = 0, []
        for batch in iter_batches(extract_dir, table):
            per_batch += _validate_frame(table, batch, schema, first_row=rows)
            rows += len(batch)
        return rows, _merge_batches(per_batch)
    except (pyarrow_lib.ArrowException, OSError) as error:
        return 0, [_unreadable(table, error)]


def _merge_batches(failures: list[InputFailure]) -> list[InputFailure]:
    """Add up the failing-row counts of the same failure found in several batches."""
    totals: dict[tuple[str, str, str], int] = {}
    first: dict[tuple[str, str, str], tuple[int, ...]] = {}
    for failure in failures:
        key = (failure.file, failure.column, failure.reason)
        previous = totals.get(key, 0)
        totals[key] = -1 if -1 in (previous, failure.rows) else previous + failure.rows
        first[key] = tuple(sorted({*first.get(key, ()), *failure.first_rows}))[:FIRST_ROWS]
    return [InputFailure(*key, rows, first[key]) for key, rows in totals.items()]


def _validate_frame(
    table: str, frame: pd.DataFrame, schema: pa.DataFrameSchema, first_row: int = 0
) -> list[InputFailure]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _summarise(f"{table}.parquet", errors.failure_cases, frame, first_row)
    return []


def _summarise(
    file: str, cases: pd.DataFrame, frame: pd.DataFrame | None = None, first_row: int = 0
) -> list[InputFailure]:
    """Turn pandera's failure cases into counted failures, dropping the failing values.

    Parameters
    ----------
    file
        Names the file in each failure.
    cases
        pandera's ``failure_cases``.
    frame
        The frame validated, to name a wrong column type by kind; None names it "another
        type".
    first_row
        Position of the frame's first row in its file (a batch of a big table).

    Notes
    -----
    When a column has the wrong type, the value checks that could not run on it (pandera
    reports their exception for the whole column) are left out: the type is the failure.
    """
    checks = cases["check"].astype(str)
    retyped = bool(checks.str.startswith("dtype(").any())
    failures = []
    for (context, column, check), group in cases.groupby(
        ["schema_context", "column", "check"], dropna=False, sort=True
    ):
        name, check = str(column), str(check)
        crashed = check not in _STRUCTURAL_CHECKS and group["index"].isna().all()
        if retyped and crashed and not check.startswith("dtype("):
            continue
        kind = _kind(frame[name]) if frame is not None and name in frame else None
        failures.append(_describe(file, str(context), name, check, group, kind, first_row))
    return sorted(set(failures))


def _kind(column: pd.Series) -> str:
    """A column's type in words, for a failure (never a value)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return f"timestamps with a time zone ({column.dtype})"
    if pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column):
        return "text"
    return str(column.dtype)


def _describe(
    file: str,
    context: str,
    column: str,
    check: str,
    group: pd.DataFrame,
    kind: str | None,
    first_row: int,
) -> InputFailure:
    indices = sorted({int(index) for index in group["index"].dropna()})
    rows = len(indices) if indices else -1
    first = tuple(first_row + index + 1 for index in indices[:FIRST_ROWS])
    if check in ("column_in_schema", "column_in_dataframe"):
        # failure_case holds column names here (the file's header), not row values.
        names = ", ".join(sorted(str(v) for v in group["failure_case"].dropna().unique()))
        if check == "column_in_schema":
            return InputFailure(file, names, "column not in the schema (remove it)", -1)
        return InputFailure(file, names, "required column missing", -1)
    if check.startswith("dtype("):
        expected = check.removeprefix("dtype(").rstrip(")").strip("'")
        if expected.startswith("datetime64"):
            expected = "dates without a time zone"
        return InputFailure(
            file,
            column,
            f"wrong type: expected {expected}, got {kind or 'another type'}",
            rows,
            first,
        )
    if check in ("field_uniqueness", "multiple_fields_uniqueness", "unique"):
        return InputFailure(file, column, "duplicate key", rows, first)
    if check == "not_nullable":
        return InputFailure(file, column, "missing values (nulls)", rows, first)
    if context == "DataFrameSchema" and rows >= 0:
        return InputFailure(file, "(row check)", f"expected {check}", rows, first)
    return InputFailure(file, column, f"expected {check}", rows, first)
