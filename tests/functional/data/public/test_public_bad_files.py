"""Planted defects in copies of the published files: each gives its own clear error, and
no store is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.data.public import cases, deaths, prepare_public_store
from ldsa.data.public.crosswalk import Vintage, read_vintages
from ldsa.errors import InvalidInputError

CASES_2020 = "cases_ltla_specimen_date/cases_ltla_england_2020.csv"
DEATHS = "ons_weekly_deaths_la_2021/ons_weekly_deaths_la_cause_place_2021.csv"


def _plant(source_dir: Path, relative: str, edit: str, row: int = 1) -> str:
    """Replace one linked file with a copy whose line ``row`` is edited; return the line."""
    path = source_dir / relative
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    fields = lines[row].split(",")
    if edit == "header":
        lines[0] = lines[0].replace("newCasesBySpecimenDate", "newCases")
    elif edit == "drop_area":
        lines = [lines[0], *(line for line in lines[1:] if not line.startswith("E06000001,"))]
    elif edit == "duplicate":
        lines.insert(row, lines[row])
    else:
        fields[-1] = edit
        lines[row] = ",".join(f'"{v}"' if "," in v else v for v in fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines[row]


def _cases_error(source_dir: Path) -> str:
    lad19 = {v.name: v for v in read_vintages(source_dir)}["LAD19"]
    with pytest.raises(InvalidInputError) as caught:
        cases.read_cases(source_dir, lad19, years=(2020,))
    assert {failure.file for failure in caught.value.failures} == {CASES_2020}
    return str(caught.value)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            "12x",
            "column 'newCasesBySpecimenDate': expected a whole number (digits, thousands "
            "separators allowed) (1 row(s))",
        ),
        (
            "c",
            "column 'newCasesBySpecimenDate': expected no suppression markers (the published "
            "file withholds values) (1 row(s))",
        ),
        ("[x]", "expected no suppression markers"),
        (
            "",
            "column 'newCasesBySpecimenDate': expected a value in every row (empty cells) "
            "(1 row(s))",
        ),
        ("header", "column 'newCasesBySpecimenDate': required column missing"),
        (
            "drop_area",
            "column 'areaCode': 1 authorities of LAD19 (December 2019) have no rows "
            "(E06000001) (whole table)",
        ),
        ("duplicate", "column 'areaCode': duplicate key (2 row(s))"),
    ],
)
def test_defective_cases_file_names_file_column_reason_and_rows(
    linked_sources: Path, edit: str, expected: str
) -> None:
    """Each defect is named with file, column, reason and row count, never the value."""
    _plant(linked_sources, CASES_2020, edit, row=5)
    message = _cases_error(linked_sources)
    assert f"{CASES_2020}: " in message
    assert expected in message
    assert "How to fix: replace the named file" in message
    if edit not in ("header", "drop_area", "duplicate", ""):
        assert f"'{edit}'" not in message
        assert f" {edit} " not in message


def test_thousands_separators_are_read(linked_sources: Path, vintages: dict[str, Vintage]) -> None:
    """A count written "1,234" is parsed as 1234, not rejected."""
    _plant(linked_sources, CASES_2020, "1,234", row=5)
    rows = cases.read_cases(linked_sources, vintages["LAD19"], years=(2020,))
    assert 1234 in set(rows["cases"].head(10))


def test_duplicated_week_of_deaths_is_refused(
    linked_sources: Path, vintages: dict[str, Vintage]
) -> None:
    """A repeated (area, cause, week, place) row of the deaths file is a duplicate key."""
    _plant(linked_sources, DEATHS, "duplicate", row=3)
    with pytest.raises(InvalidInputError) as caught:
        deaths.read_deaths(linked_sources, vintages["LAD20"])
    assert str(caught.value.failures[0]) == (
        f"{DEATHS}: column 'area_code': duplicate key (2 row(s)); failing rows 3, 4"
    )


def test_no_store_is_written_and_every_file_is_reported(
    linked_sources: Path, tmp_path: Path
) -> None:
    """Defects in two files are reported together and leave no store, not even a partial."""
    _plant(linked_sources, CASES_2020, "c", row=5)
    _plant(linked_sources, DEATHS, "x", row=2)
    store = tmp_path / "store"
    with pytest.raises(InvalidInputError) as caught:
        prepare_public_store(linked_sources, store)
    assert {f.file for f in caught.value.failures} == {CASES_2020, DEATHS}
    assert not store.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["sources"]
