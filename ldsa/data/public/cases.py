"""UKHSA dashboard cases by specimen date per lower-tier authority (LAD 2019 codes).

One file per calendar year, long format (``areaCode, areaName, date,
newCasesBySpecimenDate``), each area's series starting at its first case. The dashboard
publishes Isles of Scilly within Cornwall and City of London within Hackney (City's code
carries the combined count for October 2020 only), which :data:`~ldsa.data.public.crosswalk.
COMBINED` follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ldsa.data.public._files import (
    OGL,
    PublishedFile,
    check,
    code_column,
    count_column,
    missing_codes,
    raise_if,
    read_text_table,
    readable_dates,
    to_count,
    to_date,
    unknown_codes,
)
from ldsa.data.public.crosswalk import COMBINED, Vintage
from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InputFailure, InvalidInputError

FOLDER = "cases_ltla_specimen_date"
YEARS = (2020, 2021, 2022, 2023)
#: The boundary vintage of the files' area codes.
VINTAGE = "LAD19"
COLUMNS = ("areaCode", "areaName", "date", "newCasesBySpecimenDate")
SOURCES: tuple[PublishedFile, ...] = tuple(
    PublishedFile(
        FOLDER,
        f"cases_ltla_england_{year}.csv",
        "UK Health Security Agency (UKHSA), Coronavirus (COVID-19) dashboard",
        "Cases by specimen date, lower-tier local authorities "
        "(ltla_newCasesBySpecimenDate, archive)",
        f"final archive of late 2023 (fully back-filled); specimen dates in {year}; LAD19",
        OGL,
    )
    for year in YEARS
)


def read_cases(source_dir: Path, lad19: Vintage, years: Sequence[int] = YEARS) -> pd.DataFrame:
    """Read and validate each year's file; return ``la_code, date, cases`` (LAD19 codes).

    Parameters
    ----------
    source_dir
        The folder of published files.
    lad19
        The LAD 2019 vintage, whose authorities every file must cover.
    years
        The years to read (some of :data:`YEARS`).

    Raises
    ------
    InvalidInputError
        With every failure of every file: a changed header, an unreadable or withheld
        count, a date outside the file's year, a duplicated (area, date), an unknown code,
        or an authority with no rows.
    """
    failures: list[InputFailure] = []
    frames = []
    for year, source in zip(YEARS, SOURCES, strict=True):
        if year not in years:
            continue
        try:
            frames.append(_read_year(source_dir, source, year, lad19))
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    return pd.concat(frames, ignore_index=True)


def _read_year(source_dir: Path, source: PublishedFile, year: int, lad19: Vintage) -> pd.DataFrame:
    text = read_text_table(source_dir, source, COLUMNS)
    in_year = pa.Column(
        str,
        checks=[
            pa.Check(lambda s: readable_dates(s, "%Y-%m-%d"), error="a date written %Y-%m-%d"),
            pa.Check(lambda s: s.str.startswith(f"{year}-"), error=f"a specimen date in {year}"),
        ],
    )
    failures = check(
        source,
        text,
        {
            "areaCode": code_column(LA_CODE_PATTERN, "an English LA code (E06-E09)"),
            "date": in_year,
            "newCasesBySpecimenDate": count_column(),
        },
        unique=["areaCode", "date"],
    )
    codes = text["areaCode"]
    failures += unknown_codes(source, "areaCode", codes, lad19.codes, lad19.label)
    # City of London's code appears only where it carries Hackney's combined count.
    expected = lad19.codes - set(COMBINED)
    failures += missing_codes(source, "areaCode", codes, expected, lad19.label)
    raise_if(failures)
    return pd.DataFrame(
        {
            "la_code": codes,
            "date": to_date(text["date"], "%Y-%m-%d"),
            "cases": to_count(text["newCasesBySpecimenDate"]),
        }
    )
