"""Checks of an authority's zip and workbook against its released CSVs (for unit and
functional tests): the workbook is read back with openpyxl, a library other than the one
that wrote it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import openpyxl

from ldsa.run.bundle import offline_report
from ldsa.run.workbook import MAX_SHEET_NAME

FIRST_SHEETS = ["Cover", "Contents", "Notes", "Columns"]
PLAIN_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
#: Words a sheet name may show for a table name's word.
SHEET_WORDS = {"deprivation": "imd"}
_REFERENCE = re.compile(r'(?:href|src)="([^"]*)"')


def expected(text: str) -> object:
    """What a CSV cell must be in the workbook: a number for a plain decimal (no leading
    zero, no exponent), [x] for an empty cell, else the text itself (markers included)."""
    if text == "":
        return "[x]"
    return float(text) if PLAIN_NUMBER.fullmatch(text) else text


def check_workbook(path: Path, tables: dict[str, str]) -> list[str]:
    """Check a workbook against ``tables`` (CSV file name -> text); return its sheet names.

    Every table has its own sheet, found from the Contents sheet, named within Excel's 31
    characters by whole words of its file name, never twice (ignoring case); each sheet's
    cells equal the CSV's (numbers as numbers, markers and labels as text, [x] for an empty
    cell), its header row is readable (no CSV name: the Columns sheet pairs each header with
    the CSV's column, in order), its header rows are frozen and no cell is merged.
    """
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names[:4] == FIRST_SHEETS
    assert len({name.lower() for name in names}) == len(names)
    assert all(len(name) <= MAX_SHEET_NAME for name in names)
    contents = book["Contents"]
    listed = {row[0]: row[2] for row in contents.iter_rows(min_row=4, values_only=True) if row[0]}
    assert sorted(listed.values()) == sorted(tables)
    assert sorted(listed) == sorted(names[4:])
    dictionary: dict[str, list[tuple[str, str]]] = {}
    for _number, sheet_name, header, column in book["Columns"].iter_rows(
        min_row=4, values_only=True
    ):
        dictionary.setdefault(sheet_name, []).append((header, column))
    for sheet_name, file_name in listed.items():
        sheet = book[sheet_name]
        number, _, words = sheet_name.partition(" ")
        assert number.isdigit(), sheet_name
        assert words, sheet_name
        allowed = set(Path(file_name).stem.lower().split("_"))
        allowed |= {SHEET_WORDS[w] for w in allowed if w in SHEET_WORDS}
        assert set(words.lower().split()) <= allowed, f"{sheet_name}: cut mid-word"
        rows = list(csv.reader(io.StringIO(tables[file_name])))
        assert sheet.freeze_panes == "A4", sheet_name
        assert not sheet.merged_cells.ranges, sheet_name
        assert sheet["A1"].value.startswith("Table "), sheet_name
        assert file_name in sheet["A2"].value
        found = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
        assert len(found) == len(rows), sheet_name
        headers = [h for h in found[0] if h is not None]
        assert dictionary.get(sheet_name, []) == list(zip(headers, rows[0], strict=True))
        for header, column in zip(headers, rows[0], strict=True):
            assert header != column, f"{sheet_name}: {header}"
            assert "_" not in header, f"{sheet_name}: {header}"
        for line, (want, got) in enumerate(zip(rows[1:], found[1:], strict=True), start=4):
            values = [expected(text) for text in want]
            assert got[: len(want)] == values, f"{sheet_name} row {line}"
            for text, value in zip(want, got, strict=False):
                if isinstance(expected(text), float):
                    assert isinstance(value, (int, float)), f"{sheet_name} row {line}"
    for name in FIRST_SHEETS:
        assert not book[name].merged_cells.ranges
    return names


def check_zip(path: Path, la_code: str, la_name: str, reports_dir: Path) -> list[str]:
    """Check a zip holds the README, then the released reports (with their links out of
    the authority's folder made offline) and CSVs byte for byte; return its member names."""
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        assert members[0] == f"{la_code}/README.txt"
        for name in members[1:]:
            published = (reports_dir / name).read_bytes()
            if name.endswith(".html"):
                published = offline_report(published.decode(), la_code, la_name)
            assert archive.read(name) == published, name
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


def check_links(path: Path, folder: Path) -> int:
    """Unpack a zip on its own into ``folder`` (new) and check that every relative link and
    source of its reports, and every file its README lists, is there; return how many."""
    folder.mkdir()
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    missing, checked = [], 0
    for page in sorted(folder.rglob("*.html")):
        for reference in _REFERENCE.findall(page.read_text(encoding="utf-8")):
            if reference.startswith(("#", "data:", "https:", "http:", "mailto:")):
                continue
            checked += 1
            target = page.parent / unquote(urlsplit(reference).path)
            if not target.resolve().is_file() or folder.resolve() not in target.resolve().parents:
                missing.append(f"{page.name}: {reference}")
    for readme in folder.rglob("README.txt"):
        for line in readme.read_text(encoding="utf-8").splitlines():
            listed = re.match(r"(\S+\.(?:html|csv|txt)): ", line)
            if listed:
                checked += 1
                if not (readme.parent / listed.group(1)).is_file():
                    missing.append(f"README.txt: {listed.group(1)}")
    assert missing == []
    return checked
