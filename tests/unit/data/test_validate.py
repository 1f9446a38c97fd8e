"""Extract validation: a valid extract passes; each failure mode is named, counted, value-free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from ldsa.data import extract
from ldsa.data.extract import validate_extract
from ldsa.errors import ExitCode, InputFailure, InvalidInputError
from ldsa.testing import tiny_tables, write_tiny_extract

Tables = dict[str, pa.Table]


def _set(
    table: str, column: str, values: list[object], type_: pa.DataType | None = None
) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        frame = tables[table]
        index = frame.column_names.index(column)
        array = pa.array(values, type_ or frame.schema.field(column).type)
        tables[table] = frame.set_column(index, column, array)

    return mutate


def _drop_column(table: str, column: str) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table] = tables[table].drop_columns([column])

    return mutate


def _add_column(table: str, column: str) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table] = tables[table].append_column(column, pa.array([1] * tables[table].num_rows))

    return mutate


def _keep_rows(table: str, rows: int) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table] = tables[table].slice(0, rows)

    return mutate


def _drop_table(table: str) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        del tables[table]

    return mutate


D = pa.date32()
#: A value no file name, hash or message text can contain: a failure must never quote it.
PLANTED = "PLANTED-Mr-J-Smith-12-High-St-7Q"

# One fixture per failure mode: (mutation, expected failure).
FAILURE_MODES = {
    "la_code_malformed": (
        _set("cases", "la_code", ["E07000901", "X9"]),
        InputFailure(
            "cases.parquet", "la_code", "expected GSS-shaped LA code (E06-E09 + 6 digits)", 1
        ),
    ),
    "la_code_not_in_geography": (
        _set("cases", "la_code", ["E07000901", "E08000999"]),
        InputFailure("cases.parquet", "la_code", "expected LA code present in geography", 1),
    ),
    "date_out_of_range": (
        _set("cases", "specimen_date", [dt.date(2019, 12, 1), dt.date(2020, 4, 1)], D),
        InputFailure(
            "cases.parquet", "specimen_date", "expected date in 2020-03-01..2022-03-31", 1
        ),
    ),
    "negative_count": (
        _set("tests", "tests", [40, -5, 70]),
        InputFailure("tests.parquet", "tests", "expected integer >= 0", 1),
    ),
    "count_not_integer": (
        _set("tests", "tests", [40.0, 55.5, 70.0], pa.float64()),
        InputFailure("tests.parquet", "tests", "wrong type: expected int64, got float64", -1),
    ),
    "positives_exceed_tests": (
        _set("tests", "positive_tests", [0, 1, 71]),
        InputFailure("tests.parquet", "(row check)", "expected positive_tests <= tests", 1),
    ),
    "category_unknown": (
        _set("deaths", "place_of_death", ["hospital", "garden"]),
        InputFailure(
            "deaths.parquet",
            "place_of_death",
            "expected one of home, care_home, hospital, hospice, other",
            1,
        ),
    ),
    "icd10_malformed": (
        _set("deaths", "underlying_cause", ["I21", "covid"]),
        InputFailure("deaths.parquet", "underlying_cause", "expected ICD-10 code such as U07.1", 1),
    ),
    "registered_before_death": (
        _set("deaths", "date_of_registration", [dt.date(2015, 1, 1), dt.date(2020, 4, 7)], D),
        InputFailure(
            "deaths.parquet",
            "(row check)",
            "expected date_of_registration on or after date_of_death",
            1,
        ),
    ),
    "age_out_of_range": (
        _set("cases", "age", [34, 130]),
        InputFailure("cases.parquet", "age", "expected age in 0..120", 1),
    ),
    "duplicate_key": (
        _set("geography", "la_code", ["E06000901", "E06000901", "E09000901"]),
        InputFailure("geography.parquet", "la_code", "duplicate key", 2),
    ),
    "duplicate_multi_column_key": (
        _set("tests", "la_code", ["E06000901", "E06000901", "E09000901"]),
        InputFailure("tests.parquet", "date", "duplicate key", 2),
    ),
    "missing_column": (
        _drop_column("survey", "result"),
        InputFailure("survey.parquet", "result", "required column missing", -1),
    ),
    "extra_column": (
        _add_column("deprivation", "nhs_number"),
        InputFailure(
            "deprivation.parquet", "nhs_number", "column not in the schema (remove it)", -1
        ),
    ),
    "missing_values": (
        _set("cases", "sex", ["M", None]),
        InputFailure("cases.parquet", "sex", "missing values (nulls)", 1),
    ),
    "missing_table": (
        _drop_table("tests"),
        InputFailure("tests.parquet", "*", "file missing", -1),
    ),
    "la_code_trailing_newline": (
        _set("geography", "la_code", ["E06000901\n", "E07000901", "E09000901"]),
        InputFailure(
            "geography.parquet", "la_code", "expected GSS-shaped LA code (E06-E09 + 6 digits)", 1
        ),
    ),
    "la_code_fullwidth_digit": (
        _set("geography", "la_code", ["E06000901", "E07000901", "E0\uff19000901"]),
        InputFailure(
            "geography.parquet", "la_code", "expected GSS-shaped LA code (E06-E09 + 6 digits)", 1
        ),
    ),
    "la_code_arabic_indic_digits": (
        _set(
            "deprivation",
            "la_code",
            ["E06000901", "E07000901", "E09\u0660\u0660\u06609\u06600\u0661"],
        ),
        InputFailure(
            "deprivation.parquet", "la_code", "expected GSS-shaped LA code (E06-E09 + 6 digits)", 1
        ),
    ),
    "region_code_trailing_newline": (
        _set("geography", "region_code", ["E12000001", "E12000006\n", "E12000007"]),
        InputFailure(
            "geography.parquet", "region_code", "expected GSS-shaped region code (E12)", 1
        ),
    ),
    "cis_area_unicode_digit": (
        _set("geography", "cis_area", ["J06000901", "J06000902", "J0600090\u0663"]),
        InputFailure("geography.parquet", "cis_area", "expected CIS area code (J06 + 6 digits)", 1),
    ),
    "icd10_trailing_newline": (
        _set("deaths", "underlying_cause", ["I21", "U07.1\n"]),
        InputFailure("deaths.parquet", "underlying_cause", "expected ICD-10 code such as U07.1", 1),
    ),
    "free_text_in_count": (
        _set(
            "population", "population", ["500", "480", PLANTED, "870", "1200", "1150"], pa.string()
        ),
        InputFailure("population.parquet", "population", "wrong type: expected int64, got text", 1),
    ),
    "nan_in_count": (
        _set("tests", "tests", [40.0, float("nan"), 70.0], pa.float64()),
        InputFailure("tests.parquet", "tests", "wrong type: expected int64, got float64", 1),
    ),
    "timezone_aware_dates": (
        _set("cases", "specimen_date", [dt.datetime(2020, 4, 1)] * 2, pa.timestamp("us", "UTC")),
        InputFailure(
            "cases.parquet",
            "specimen_date",
            "wrong type: expected dates without a time zone, got timestamps with a time zone "
            "(datetime64[us, UTC])",
            -1,
        ),
    ),
    "empty_cases_table": (
        _keep_rows("cases", 0),
        InputFailure("cases.parquet", "*", "no rows (expected at least one)", -1),
    ),
}


def test_valid_tiny_extract_passes(tmp_path: Path) -> None:
    """The hand-made tiny extract passes validation and its row counts are returned."""
    counts = validate_extract(write_tiny_extract(tmp_path / "x"))
    assert counts == {name: table.num_rows for name, table in tiny_tables().items()}


@pytest.mark.parametrize("mode", sorted(FAILURE_MODES))
def test_failure_mode_is_reported(tmp_path: Path, mode: str) -> None:
    """Each planted failure is reported with its file, column, reason and failing-row count."""
    mutate, expected = FAILURE_MODES[mode]
    tables = tiny_tables()
    mutate(tables)
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / mode, tables))
    assert expected in caught.value.failures, caught.value.failures
    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_all_failures_collected_together(tmp_path: Path) -> None:
    """Failures in different tables are reported in one error, not one at a time."""
    tables = tiny_tables()
    for mode in ("negative_count", "icd10_malformed", "missing_column"):
        FAILURE_MODES[mode][0](tables)
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / "x", tables))
    files = {failure.file for failure in caught.value.failures}
    assert files == {"tests.parquet", "deaths.parquet", "survey.parquet"}


def test_messages_never_quote_values(tmp_path: Path) -> None:
    """Error text names columns and reasons but never the failing values themselves."""
    tables = tiny_tables()
    _set("cases", "la_code", ["E07000901", "E08012345"])(tables)
    _set("deaths", "underlying_cause", ["I21", "SECRET"])(tables)
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / "x", tables))
    message = str(caught.value)
    assert "la_code" in message
    assert "E08012345" not in message
    assert "SECRET" not in message


def test_unreadable_parquet_reported(tmp_path: Path) -> None:
    """A table that is not Parquet is reported as unreadable rather than crashing."""
    folder = write_tiny_extract(tmp_path / "x")
    (folder / "cases.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(folder)
    assert caught.value.failures == [
        InputFailure("cases.parquet", "*", "not a readable Parquet file (ArrowInvalid)", -1)
    ]


def test_missing_folder_reported(tmp_path: Path) -> None:
    """A missing extract folder is a clear input error."""
    with pytest.raises(InvalidInputError, match="extract folder not found"):
        validate_extract(tmp_path / "nowhere")


def test_wrong_schema_version_reported(tmp_path: Path) -> None:
    """An extract written for another schema version is refused."""
    folder = write_tiny_extract(tmp_path / "x")
    (folder / "extract.json").write_text(f'{{"schema_version": "{PLANTED}"}}')
    with pytest.raises(InvalidInputError, match="another schema version") as caught:
        validate_extract(folder)
    assert "PLANTED" not in str(caught.value)


@pytest.mark.parametrize("table", sorted(tiny_tables()))
def test_every_empty_table_refused(tmp_path: Path, table: str) -> None:
    """A table with no rows (any table, with its columns and types) is refused."""
    tables = tiny_tables()
    _keep_rows(table, 0)(tables)
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / table, tables))
    expected = InputFailure(f"{table}.parquet", "*", "no rows (expected at least one)", -1)
    assert expected in caught.value.failures


def test_messages_never_quote_planted_values(tmp_path: Path) -> None:
    """Free text planted in numeric, date, flag, category and code columns (and NaN) is
    reported by column, reason, count and row numbers, never quoted."""
    tables = tiny_tables()
    for mutate in (
        _set("cases", "age", ["34", PLANTED], pa.string()),
        _set("deaths", "covid_mentioned", ["no", PLANTED], pa.string()),
        _set("deaths", "date_of_death", ["2015-01-02", PLANTED], pa.string()),
        _set("tests", "tests", [40.0, float("nan"), 70.0], pa.float64()),
        _set("survey", "result", ["negative", PLANTED]),
        _set("geography", "la_code", ["E06000901", PLANTED, "E09000901"]),
        _set("deprivation", "imd_score", [30.5, float("nan"), 22.0]),
    ):
        mutate(tables)
    folder = write_tiny_extract(tmp_path / "x", tables)
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(folder)
    message = str(caught.value)
    assert "PLANTED" not in message
    assert "got  " not in message  # NaN used to show as a blank value
    assert "got text (1 row(s)); failing rows 2" in message
    assert "cases.parquet: column 'age': wrong type: expected int64, got text" in message


def test_failing_row_numbers_count_from_one_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big table validated in batches names its failing rows by their place in the file."""
    tables = tiny_tables()
    cases = tables["cases"]
    tables["cases"] = pa.concat_tables([cases] * 4)  # 8 rows
    _set("cases", "age", [34, 61, 34, 61, 34, 130, 34, 131])(tables)
    batches = extract.iter_batches
    monkeypatch.setattr(extract, "iter_batches", lambda d, t: batches(d, t, rows=3))
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / "x", tables))
    (failure,) = [f for f in caught.value.failures if f.column == "age"]
    assert (failure.rows, failure.first_rows) == (2, (6, 8))
    assert str(failure).endswith("(2 row(s)); failing rows 6, 8")


def test_at_most_five_failing_rows_are_named(tmp_path: Path) -> None:
    """Beyond five failing rows the message names the first five and says there are more."""
    tables = tiny_tables()
    tables["cases"] = pa.concat_tables([tables["cases"]] * 4)
    _set("cases", "age", [-1] * 8)(tables)
    with pytest.raises(
        InvalidInputError, match=r"\(8 row\(s\)\); failing rows 1, 2, 3, 4, 5, \.\.\."
    ):
        validate_extract(write_tiny_extract(tmp_path / "x", tables))


@pytest.mark.parametrize("table", ["geography", "cases", "tests"])
def test_folder_in_place_of_a_table_reported(tmp_path: Path, table: str) -> None:
    """A folder where a table file should be is reported as such, not as a missing file."""
    folder = write_tiny_extract(tmp_path / "x")
    (folder / f"{table}.parquet").unlink()
    (folder / f"{table}.parquet").mkdir()
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(folder)
    reason = "a folder, not a file (expected one Parquet file per table)"
    assert InputFailure(f"{table}.parquet", "*", reason, -1) in caught.value.failures


def test_unreadable_geography_reported(tmp_path: Path) -> None:
    """A geography table that is not Parquet is an input error, not a crash."""
    folder = write_tiny_extract(tmp_path / "x")
    (folder / "geography.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(folder)
    assert caught.value.failures == [
        InputFailure("geography.parquet", "*", "not a readable Parquet file (ArrowInvalid)", -1)
    ]


def test_extract_info_not_an_object_reported(tmp_path: Path) -> None:
    """An extract.json that is valid JSON but not an object is an input error."""
    folder = write_tiny_extract(tmp_path / "x")
    (folder / "extract.json").write_text('["PLANTED"]')
    with pytest.raises(InvalidInputError, match="expected a JSON object, got list") as caught:
        validate_extract(folder)
    assert "PLANTED" not in str(caught.value)
