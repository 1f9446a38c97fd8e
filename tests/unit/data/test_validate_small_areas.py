"""Extract validation of small areas: optional, checked against their table, nested in
the case's authority, and never quoted in a failure."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from ldsa.data.extract import has_small_areas, validate_extract
from ldsa.errors import InputFailure, InvalidInputError
from ldsa.testing import TINY_LA_CODES, tiny_tables, write_tiny_extract

AREAS = ("E02900001", "E02900002", "E02900003")


def _with_areas(codes: list[str], area_las: tuple[str, ...] | None = None) -> dict[str, pa.Table]:
    """The tiny extract with a small_areas table (one area per authority, unless
    ``area_las`` says whose each is) and its two cases in the areas ``codes``."""
    tables = tiny_tables()
    las = area_las or TINY_LA_CODES
    tables["small_areas"] = pa.table(
        {
            "msoa_code": list(AREAS),
            "msoa_name": [f"Area {i}" for i in range(len(AREAS))],
            "la_code": list(las),
            "population": pa.array([7000, 8000, 6500], pa.int64()),
            "imd_score": pa.array([12.5, 30.0, 44.1], pa.float64()),
        }
    )
    cases = tables["cases"]
    tables["cases"] = cases.add_column(2, "msoa_code", pa.array(codes, pa.string()))
    return tables


def test_cases_in_their_authorities_areas_pass(tmp_path: Path) -> None:
    """Cases whose areas lie in their authorities pass, and the table's rows are counted."""
    folder = write_tiny_extract(tmp_path / "x", _with_areas(["E02900002", "E02900003"]))
    counts = validate_extract(folder)
    assert counts["small_areas"] == len(AREAS)
    assert has_small_areas(folder)


def test_an_extract_without_small_areas_still_passes(tmp_path: Path) -> None:
    """An extract from before small areas (no table, no msoa_code) is valid."""
    folder = write_tiny_extract(tmp_path / "x")
    assert "small_areas" not in validate_extract(folder)
    assert not has_small_areas(folder)


@pytest.mark.parametrize(
    ("codes", "area_las", "expected"),
    [
        (["E02900002", "E02999999"], None,
         InputFailure("cases.parquet", "msoa_code",
                      "expected small-area code present in small_areas", 1, (2,))),
        (["E02900002", "X02900003"], None,
         InputFailure("cases.parquet", "msoa_code",
                      "expected small-area code (E02 + 6 digits)", 1, (2,))),
        (["E02900001", "E02900003"], None,
         InputFailure("cases.parquet", "(row check)",
                      "expected msoa_code lies in the case's la_code (as small_areas says)",
                      1, (1,))),
        (["E02900002", "E02900003"], (TINY_LA_CODES[0],) * 3,
         InputFailure("cases.parquet", "(row check)",
                      "expected msoa_code lies in the case's la_code (as small_areas says)",
                      2, (1, 2))),
    ],
)  # fmt: skip
def test_bad_small_areas_are_named_without_values(
    tmp_path: Path,
    codes: list[str],
    area_las: tuple[str, ...] | None,
    expected: InputFailure,
) -> None:
    """An unknown, malformed or misplaced area is a counted failure that quotes no code."""
    folder = write_tiny_extract(tmp_path / "x", _with_areas(codes, area_las))
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(folder)
    assert expected in caught.value.failures, caught.value.failures
    assert not any(code in str(caught.value) for code in (*codes, *AREAS))


def test_coded_cases_need_the_table(tmp_path: Path) -> None:
    """Cases with msoa_code and no small_areas table fail: their codes cannot be checked."""
    tables = _with_areas(["E02900002", "E02900003"])
    del tables["small_areas"]
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / "x", tables))
    assert [f.file for f in caught.value.failures] == ["small_areas.parquet"]


def test_bad_small_areas_table_is_reported(tmp_path: Path) -> None:
    """A negative population and a duplicate code in small_areas are reported."""
    tables = _with_areas(["E02900002", "E02900003"])
    areas = tables["small_areas"]
    areas = areas.set_column(0, "msoa_code", pa.array([AREAS[0], AREAS[0], AREAS[2]]))
    areas = areas.set_column(3, "population", pa.array([7000, -1, 6500], pa.int64()))
    tables["small_areas"] = areas
    with pytest.raises(InvalidInputError) as caught:
        validate_extract(write_tiny_extract(tmp_path / "x", tables))
    reasons = {(f.file, f.column, f.reason) for f in caught.value.failures}
    assert ("small_areas.parquet", "population", "expected integer >= 0") in reasons
    assert ("small_areas.parquet", "msoa_code", "duplicate key") in reasons
