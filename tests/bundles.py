"""Checks of an authority's zip and workbook against its released CSVs (for unit and
functional tests): the workbook is read back with openpyxl, a library other than the one
that wrote it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl

FIRST_SHEETS = ["Cover", "Contents", "Notes"]
PLAIN_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


def expected(text: str) -> object:
    """What a CSV cell must be in the workbook: a number for a plain decimal (no leading
    zero, no exponent), None for an empty cell, else the text itself (markers included)."""
    if text == "":
        return None
    return float(text) if PLAIN_NUMBER.fullmatch(text) else text


def check_workbook(path: Path, tables: dict[str, str]) -> list[str]:
    """Check a workbook against ``tables`` (CSV file name -> text); return its sheet names.

    Every table has its own sheet, found from the Contents sheet; each sheet's header row
    and cells equal the CSV's (numbers as numbers, markers and labels as text), its header
    rows are frozen and no cell is merged.
    """
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names[:3] == FIRST_SHEETS
    assert len(set(names)) == len(names)
    assert all(len(name) <= 31 for name in names)
    contents = book["Contents"]
    listed = {row[0]: row[2] for row in contents.iter_rows(min_row=4, values_only=True) if row[0]}
    assert sorted(listed.values()) == sorted(tables)
    assert sorted(listed) == sorted(names[3:])
    for sheet_name, file_name in listed.items():
        sheet = book[sheet_name]
        rows = list(csv.reader(io.StringIO(tables[file_name])))
        assert sheet.freeze_panes == "A4", sheet_name
        assert not sheet.merged_cells.ranges, sheet_name
        assert sheet["A1"].value.startswith("Table "), sheet_name
        assert file_name in sheet["A2"].value
        found = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
        assert len(found) == len(rows), sheet_name
        for line, (want, got) in enumerate(zip(rows, found, strict=True), start=3):
            values = [expected(text) for text in want] if line > 3 else want
            assert got[: len(want)] == values, f"{sheet_name} row {line}"
            if line > 3:
                for text, value in zip(want, got, strict=False):
                    if isinstance(expected(text), float):
                        assert isinstance(value, (int, float)), f"{sheet_name} row {line}"
    for name in FIRST_SHEETS:
        assert not book[name].merged_cells.ranges
    return names


def check_zip(path: Path, la_code: str, reports_dir: Path) -> list[str]:
    """Check a zip holds the README, then the released reports and CSVs byte for byte;
    return its member names."""
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        assert members[0] == f"{la_code}/README.txt"
        for name in members[1:]:
            published = reports_dir / name
            assert archive.read(name) == published.read_bytes(), name
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    released = sorted(
        p.relative_to(reports_dir).as_posix()
        for p in [
            *(reports_dir / la_code).glob("*.html"),
            *(reports_dir / la_code).glob("tables/*.csv"),
        ]
    )
    assert sorted(members[1:]) == released
    return members


def released_tables(reports_dir: Path, la_code: str) -> dict[str, str]:
    """The released CSVs of an authority: file name -> text."""
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted((reports_dir / la_code / "tables").glob("*.csv"))
    }
