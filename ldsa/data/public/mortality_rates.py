"""ONS deaths involving Covid-19 by local area, 1 March to 30 June 2020: deaths and
age-standardised mortality rates (ASMRs) as published.

Table 1 gives England and its regions, Table 2 every authority (April 2020 codes, LAD20),
Table 5 every MSOA (deaths only). Each gives deaths by date of death occurrence for all
causes, deaths involving Covid-19 (any mention of U07.1 or U07.2 on the certificate) and
the rest, for persons, males and females, by month and over the four months, with ASMRs per
100,000 (ESP2013, the annual mid-2019 population: not adjusted for the four-month period)
and 95% confidence limits. A rate cell may hold a marker instead of a number: ``:`` (not
available: too few deaths) or ``z`` (not applicable: residence outside England and Wales);
the marker column beside each rate holds ``u`` where ONS judges the rate of low reliability.

The store's ``published_mortality`` table keeps the four-month figures on the store's
boundary vintage. An authority unchanged since April 2020 keeps ONS's rates. An authority
that gathers several published ones (a 2023 merger, or two areas ldsa reports together)
gets their deaths summed, which is exact, and no rate: a rate for the merged area needs
its deaths by age, which are not published. Its ``note`` says so and names the areas, and
each area's own published rates are kept as ``district`` rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ldsa.data.public._files import (
    PublishedFile,
    check,
    code_column,
    count_column,
    missing_codes,
    raise_if,
    read_text_table,
    to_count,
    unknown_codes,
)
from ldsa.data.public.crosswalk import BOUNDARY_CHANGES, Crosswalk, Vintage
from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InputFailure

FOLDER = "ons_deaths_local_area_deprivation_mar_jun_2020"
_PUBLISHER = "Office for National Statistics (republished in psychty/another_covid_repo)"
_TITLE = (
    "Deaths involving COVID-19 by local area and socioeconomic deprivation: deaths "
    "occurring between 1 March and 30 June 2020"
)
_VINTAGE = "deaths occurring 1 March to 30 June 2020, registered by 11 July 2020"
REGIONS = PublishedFile(
    FOLDER,
    "table1_regions_asmr.csv",
    _PUBLISHER,
    f"{_TITLE}, Table 1 (England, Wales and regions)",
    f"{_VINTAGE}; regions",
)
AUTHORITIES = PublishedFile(
    FOLDER,
    "table2_local_authority_asmr.csv",
    _PUBLISHER,
    f"{_TITLE}, Table 2 (local authorities)",
    f"{_VINTAGE}; LAD20 (April 2020)",
)
MSOAS = PublishedFile(
    FOLDER,
    "table5_msoa_deaths.csv",
    _PUBLISHER,
    f"{_TITLE}, Table 5 (deaths by MSOA)",
    f"{_VINTAGE}; MSOA 2011",
)
#: The published period, as the column headers name it, and in words.
PERIOD = "4 month - March to June"
PERIOD_TEXT = "1 March to 30 June 2020"
_MONTHS = ("March", "April", "May", "June", PERIOD)
_MEASURES = ("Deaths", "Rate", "Rate marker", "Lower CI", "Upper CI")
_AREA = ("Area of usual residence code", "Area of usual residence name")
_KEYS = ("Cause of death", "Sex")
_FIGURES = tuple(f"{month}: {measure}" for month in _MONTHS for measure in _MEASURES)
REGION_COLUMNS = (*_KEYS, *_AREA, *_FIGURES)
AUTHORITY_COLUMNS = (*_KEYS, "Geography type", *_AREA, *_FIGURES)
CAUSES = {"All causes": "all_causes", "COVID-19": "covid_19", "Non COVID-19": "non_covid_19"}
SEXES = {"Persons": "persons", "Males": "males", "Females": "females"}
MSOA_COLUMNS = (
    "MSOA code",
    "ONS geography MSOA name",
    "House of Commons Library MSOA Names",
    *(
        f"{cause}: {month}"
        for cause in ("COVID-19", "Non COVID-19", "All causes")
        for month in ("March", "April", "May", "June", PERIOD)
    ),
)
_LA_TYPES = ("Unitary Authority", "Non-Metropolitan District", "Metropolitan District",
             "London Borough")  # fmt: skip
#: Published markers in a rate or limit cell: not available, not applicable.
RATE_MARKERS = (":", "z")
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?\Z"
ENGLAND = "E92000001"
_REGION = r"^E12[0-9]{6}\Z"
_ENGLAND_REGIONS = 9
#: The store table's columns.
COLUMNS = ("level", "area_code", "area_name", "part_of", "cause", "sex", "deaths", "asmr",
           "asmr_lower", "asmr_upper", "rate_marker", "note")  # fmt: skip


def read_regions(source_dir: Path) -> pd.DataFrame:
    """England and its nine regions from Table 1, four-month figures: ``area_code,
    area_name, cause, sex, deaths, asmr, asmr_lower, asmr_upper, rate_marker``.

    Raises
    ------
    InvalidInputError
        With every failure: a changed header, an unknown cause or sex, an unreadable
        count or rate, an unknown marker, a duplicated row, or England or a region missing.
    """
    text = read_text_table(source_dir, REGIONS, REGION_COLUMNS)
    failures = _check_figures(REGIONS, text)
    code = text[_AREA[0]]
    english = text[code.eq(ENGLAND) | code.str.match(_REGION)]
    regions = english[_AREA[0]].drop_duplicates()
    if not failures and (ENGLAND not in set(regions) or len(regions) != _ENGLAND_REGIONS + 1):
        reason = f"England and its {_ENGLAND_REGIONS} regions (E12 codes), each once"
        failures.append(InputFailure(REGIONS.label, _AREA[0], reason, -1))
    failures += _incomplete(REGIONS, english)
    raise_if(failures)
    return _four_months(english)


def read_authorities(source_dir: Path, lad20: Vintage) -> pd.DataFrame:
    """Every English authority (LAD20 codes) from Table 2, four-month figures, in the
    columns of :func:`read_regions`.

    Raises
    ------
    InvalidInputError
        As :func:`read_regions`, and for an unknown or missing LAD20 authority.
    """
    text = read_text_table(source_dir, AUTHORITIES, AUTHORITY_COLUMNS)
    failures = _check_figures(AUTHORITIES, text)
    english = text[text["Geography type"].isin(_LA_TYPES) & text[_AREA[0]].str.startswith("E")]
    failures += check(
        AUTHORITIES,
        english,
        {_AREA[0]: code_column(LA_CODE_PATTERN, "an English LA code (E06-E09)")},
    )
    failures += unknown_codes(AUTHORITIES, _AREA[0], english[_AREA[0]], lad20.codes, lad20.label)
    failures += missing_codes(AUTHORITIES, _AREA[0], english[_AREA[0]], lad20.codes, lad20.label)
    failures += _incomplete(AUTHORITIES, english)
    raise_if(failures)
    return _four_months(english)


def _check_figures(source: PublishedFile, text: pd.DataFrame) -> list[InputFailure]:
    """Causes, sexes, counts, rates and markers of every row; one row per key."""
    columns: dict[str, pa.Column] = {
        "Cause of death": pa.Column(
            str, checks=pa.Check.isin(list(CAUSES), error="one of " + ", ".join(CAUSES))
        ),
        "Sex": pa.Column(
            str, checks=pa.Check.isin(list(SEXES), error="one of " + ", ".join(SEXES))
        ),
    }
    for month in _MONTHS:
        columns[f"{month}: Deaths"] = count_column()
        columns[f"{month}: Rate marker"] = pa.Column(
            str, checks=pa.Check.isin(["", "u"], error="empty or 'u' (low reliability)")
        )
        for measure in ("Rate", "Lower CI", "Upper CI"):
            columns[f"{month}: {measure}"] = _rate_column()
    return check(source, text, columns, unique=[*_KEYS, _AREA[0]])


def _rate_column() -> pa.Column:
    what = "a number, ':' (not available) or 'z' (not applicable)"
    return pa.Column(
        str,
        checks=pa.Check(
            lambda s: s.str.strip().isin(RATE_MARKERS) | s.str.strip().str.match(_NUMBER),
            error=what,
        ),
    )


def _incomplete(source: PublishedFile, text: pd.DataFrame) -> list[InputFailure]:
    rows = text.groupby(_AREA[0]).size()
    short = int((rows != len(CAUSES) * len(SEXES)).sum())
    if not short:
        return []
    reason = f"a row for each of the {len(CAUSES)} causes and {len(SEXES)} sexes of every area"
    return [InputFailure(source.label, _AREA[0], reason, short)]


def _four_months(text: pd.DataFrame) -> pd.DataFrame:
    """The four-month figures as typed columns (rates NaN where ONS gives a marker)."""

    def rate(measure: str) -> pd.Series:
        column = text[f"{PERIOD}: {measure}"].str.strip()
        return pd.to_numeric(column.where(~column.isin(RATE_MARKERS)), errors="coerce")

    rate_text = text[f"{PERIOD}: Rate"].str.strip()
    marker = text[f"{PERIOD}: Rate marker"].str.strip()
    return pd.DataFrame(
        {
            "area_code": text[_AREA[0]],
            "area_name": text[_AREA[1]],
            "cause": text["Cause of death"].map(CAUSES),
            "sex": text["Sex"].map(SEXES),
            "deaths": to_count(text[f"{PERIOD}: Deaths"]),
            "asmr": rate("Rate").astype("float64"),
            "asmr_lower": rate("Lower CI").astype("float64"),
            "asmr_upper": rate("Upper CI").astype("float64"),
            "rate_marker": rate_text.where(rate_text.isin(RATE_MARKERS), marker),
        }
    ).reset_index(drop=True)


def published_table(
    regions: pd.DataFrame, authorities: pd.DataFrame, crosswalk: Crosswalk
) -> pd.DataFrame:
    """The store's ``published_mortality`` table on the crosswalk's vintage.

    Levels: ``england`` and ``region`` (Table 1); ``la``, one row per reporting authority,
    cause and sex (Table 2, deaths summed where several published areas make one
    authority, whose rate is then null with a ``note`` saying why); ``district``, each
    published area of such an authority with its own rates (``part_of`` names the
    authority).

    Raises
    ------
    InvalidInputError
        When the authorities' deaths do not add up to England's (Table 1).
    """
    to = authorities["area_code"].map(crosswalk.successor)
    parts = authorities.assign(part_of=to).groupby("part_of")["area_code"].nunique()
    merged = set(parts[parts > 1].index)
    single = authorities[~to.isin(merged)].assign(level="la", area_code=to, part_of="", note="")
    single["area_name"] = single["area_code"].map(crosswalk.names)
    districts = authorities[to.isin(merged)].assign(level="district", part_of=to, note="")
    combined = (
        districts.groupby(["part_of", "cause", "sex"], sort=True)["deaths"].sum().reset_index()
    )
    combined = combined.rename(columns={"part_of": "area_code"}).assign(
        level="la",
        part_of="",
        area_name=lambda f: f["area_code"].map(crosswalk.names),
        asmr=np.nan,
        asmr_lower=np.nan,
        asmr_upper=np.nan,
        rate_marker="",
    )
    combined["note"] = combined["area_code"].map(
        {code: _merged_note(code, districts, crosswalk) for code in merged}
    )
    comparators = regions.assign(
        level=np.where(regions["area_code"] == ENGLAND, "england", "region"), part_of="", note=""
    )
    table = pd.concat([comparators, single, combined, districts], ignore_index=True)
    order = {"england": 0, "region": 1, "la": 2, "district": 3}
    table = table.assign(_order=table["level"].map(order)).sort_values(
        ["_order", "part_of", "area_code", "cause", "sex"], kind="stable"
    )
    _check_england(table)
    return table[list(COLUMNS)].reset_index(drop=True)


def _merged_note(code: str, districts: pd.DataFrame, crosswalk: Crosswalk) -> str:
    """Why an authority has no published rate, naming the published areas it gathers."""
    mine = districts[districts["part_of"] == code].drop_duplicates("area_code")
    names = list(mine["area_name"])
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    change = next((c for c in BOUNDARY_CHANGES if c.successor == code), None)
    name = crosswalk.names[code]
    if change is not None:
        how = (
            f"{name} was formed on {change.effective.day} {change.effective:%B %Y} from "
            f"{listed}, for which ONS published rates separately"
        )
    else:
        how = (
            f"ldsa reports {listed} together, as UKHSA's case data do; ONS published rates for "
            "each separately"
        )
    return (
        f"{how}. The deaths shown for {name} are theirs added up, which is exact; a rate for "
        f"{name} as a whole would need its deaths by age group, which are not published, so "
        "none is given."
    )


def _check_england(table: pd.DataFrame) -> None:
    la = table[table["level"] == "la"].groupby(["cause", "sex"])["deaths"].sum()
    england = table[table["level"] == "england"].set_index(["cause", "sex"])["deaths"]
    differ = int((la.reindex(england.index) != england).sum())
    if differ:
        reason = "authorities' deaths add up to England's in Table 1, for each cause and sex"
        raise_if([InputFailure(AUTHORITIES.label, f"{PERIOD}: Deaths", reason, differ)])


def read_msoa_deaths(source_dir: Path) -> pd.DataFrame:
    """Table 5: deaths per MSOA (2011 codes, England and Wales) over the four months:
    ``msoa_code, cause, deaths``.

    Raises
    ------
    InvalidInputError
        With every failure: a changed header, a code that is not an MSOA's, a duplicated
        MSOA, or an unreadable or withheld count.
    """
    text = read_text_table(source_dir, MSOAS, MSOA_COLUMNS)
    counts = {name: count_column() for name in MSOA_COLUMNS[3:]}
    codes = {"MSOA code": code_column(r"^[EW]02[0-9]{6}\Z", "an MSOA code (E02 or W02)")}
    raise_if(check(MSOAS, text, codes | counts, unique=["MSOA code"]))
    parts = [
        pd.DataFrame(
            {
                "msoa_code": text["MSOA code"],
                "cause": name,
                "deaths": to_count(text[f"{cause}: {PERIOD}"]),
            }
        )
        for cause, name in CAUSES.items()
    ]
    return pd.concat(parts, ignore_index=True)
