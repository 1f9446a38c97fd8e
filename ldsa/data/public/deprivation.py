"""English Indices of Deprivation 2019: the official LA summaries and the LSOA deciles.

The store's ``deprivation`` table holds, per reporting authority:

- ``most_deprived_share``: the share of its LSOAs in the most deprived national decile,
  counted from the LSOA deciles through the ONS LSOA (2011) to LAD (2020) lookup. This is
  exact on any vintage, and equals the official summary's ``Proportion`` where the
  authority is unchanged.
- ``imd_score``: the official average score (File 10) where the authority is unchanged; for
  a merged authority, the mean of its districts' official scores weighted by their number
  of LSOAs (the official score weights LSOAs by population, which ldsa does not have; the
  store manifest says so).
- ``imd_rank`` (1 = most deprived) and ``imd_decile`` of that score among the reporting
  authorities.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ldsa.data.public._files import (
    PublishedFile,
    check,
    code_column,
    count_column,
    missing_codes,
    number_column,
    raise_if,
    read_code_lookup,
    read_text_table,
    to_count,
    to_number,
    unknown_codes,
)
from ldsa.data.public.crosswalk import GEOGRAPHY_FOLDER, Crosswalk, Vintage
from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InputFailure, InvalidInputError

FOLDER = "imd2019"
_MHCLG = "Ministry of Housing, Communities & Local Government (MHCLG)"
_DOMAINS = (
    "Income",
    "Employment",
    "Education",
    "Health",
    "Crime",
    "Housing_and_Access",
    "Environment",
)
LA_SUMMARY = PublishedFile(
    FOLDER,
    "imd2019_la_summaries_ltla19_official.csv",
    _MHCLG,
    "English Indices of Deprivation 2019, File 10: local authority district summaries (lower-tier)",
    "IoD2019; LAD19",
)
_SUMMARY_COLUMNS = (
    "ltla19_code",
    "Score",
    "Proportion",
    "Extent",
    *(f"{domain}_{what}" for domain in _DOMAINS for what in ("Score", "Proportion")),
)
LSOA_DECILES = PublishedFile(
    FOLDER,
    "imd2019_lsoa11_ranks_deciles.csv",
    _MHCLG,
    "English Indices of Deprivation 2019, Files 1 and 2: ranks and deciles of LSOAs",
    "IoD2019; LSOA 2011",
)
_INDICES = ("IMD", *_DOMAINS)
_LSOA_COLUMNS = (
    "lsoa11_code",
    *(f"{name}_decile" for name in _INDICES),
    *(f"{name}_rank" for name in _INDICES),
)
LSOA_LOOKUP = PublishedFile(
    GEOGRAPHY_FOLDER,
    "lsoa11_to_lad20_ccg20_england_apr2020.csv",
    "Office for National Statistics, Open Geography Portal",
    "LSOA (2011) to Clinical Commissioning Group to Local Authority District (April 2020) "
    "Lookup in England",
    "LSOA11 to LAD20, April 2020",
)
_LOOKUP_COLUMNS = ("LSOA11CD", "LSOA11NM", "LAD20CD", "LAD20NM", "CCG20CD", "CCG20NM")
_LSOA_PATTERN = r"^E01[0-9]{6}\Z"
MSOA_POPULATION = PublishedFile(
    "msoa11_lad19_lookup_mid2019_pop",
    "msoa11_lad17_lad19_tacticalcell_population.csv",
    "Office for National Statistics (lookups: Open Geography Portal; populations: SAPE22DT4)",
    "MSOA (2011) to LAD (2017, 2019) lookup with mid-2019 MSOA population estimates, "
    "republished by the British Red Cross (covid-19-vulnerability)",
    "mid-2019 estimates; LAD19, December 2019",
)
_MSOA_COLUMNS = (
    "MSOA11CD",
    "LAD17CD",
    "LAD19CD",
    "TacticalCell",
    "pop_msoa11",
    "pop_lad17",
    "pop_lad19",
    "pop_tacticalcell",
)
#: LSOAs in England in 2011 (IoD2019 ranks run from 1 to this).
ENGLAND_LSOAS = 32_844


def read_deprivation(
    source_dir: Path, vintages: dict[str, Vintage], crosswalk: Crosswalk
) -> pd.DataFrame:
    """Read the three files and return the store's ``deprivation`` table.

    Raises
    ------
    InvalidInputError
        With every failure of every file.
    """
    failures: list[InputFailure] = []
    parts: list[pd.DataFrame] = []
    readers: tuple[Callable[[], pd.DataFrame], ...] = (
        lambda: _read_summary(source_dir, vintages["LAD19"]),
        lambda: _read_lsoas(source_dir),
        lambda: _read_lookup(source_dir, vintages["LAD20"]),
        lambda: _read_msoa_population(source_dir, vintages["LAD19"]),
    )
    for read in readers:
        try:
            parts.append(read())
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    summary, lsoas, lookup, population = parts
    joined = lookup.merge(lsoas, on="lsoa_code", how="left", indicator=True)
    unmatched = int((joined["_merge"] != "both").sum())
    if unmatched:
        reason = "LSOA not in the IoD2019 deciles"
        raise_if([InputFailure(LSOA_LOOKUP.label, "LSOA11CD", reason, unmatched)])
    return _summarise(crosswalk, summary.merge(population, on="la_code"), joined)


def _read_summary(source_dir: Path, lad19: Vintage) -> pd.DataFrame:
    text = read_text_table(source_dir, LA_SUMMARY, _SUMMARY_COLUMNS)
    numbers = {name: number_column() for name in _SUMMARY_COLUMNS[1:]}
    codes = {"ltla19_code": code_column(LA_CODE_PATTERN, "an English LA code (E06-E09)")}
    failures = check(LA_SUMMARY, text, codes | numbers, unique=["ltla19_code"])
    failures += unknown_codes(
        LA_SUMMARY, "ltla19_code", text["ltla19_code"], lad19.codes, lad19.label
    )
    failures += missing_codes(
        LA_SUMMARY, "ltla19_code", text["ltla19_code"], lad19.codes, lad19.label
    )
    raise_if(failures)
    return pd.DataFrame({"la_code": text["ltla19_code"], "imd_score": to_number(text["Score"])})


def _read_lsoas(source_dir: Path) -> pd.DataFrame:
    text = read_text_table(source_dir, LSOA_DECILES, _LSOA_COLUMNS)
    counts = {name: count_column() for name in _LSOA_COLUMNS[1:]}
    codes = {"lsoa11_code": code_column(_LSOA_PATTERN, "an English LSOA code (E01)")}
    failures = check(LSOA_DECILES, text, codes | counts, unique=["lsoa11_code"])
    if not failures and len(text) != ENGLAND_LSOAS:
        reason = f"{len(text)} LSOAs, expected England's {ENGLAND_LSOAS}"
        failures.append(InputFailure(LSOA_DECILES.label, "lsoa11_code", reason, -1))
    raise_if(failures)
    decile = to_count(text["IMD_decile"])
    out_of_range = int((~decile.between(1, 10)).sum())
    if out_of_range:
        raise_if(
            [InputFailure(LSOA_DECILES.label, "IMD_decile", "a decile in 1..10", out_of_range)]
        )
    return pd.DataFrame({"lsoa_code": text["lsoa11_code"], "imd_decile": decile})


def _read_lookup(source_dir: Path, lad20: Vintage) -> pd.DataFrame:
    codes = {
        "LSOA11CD": (_LSOA_PATTERN, "an English LSOA code (E01)"),
        "LAD20CD": (LA_CODE_PATTERN, "an English LA code (E06-E09)"),
    }
    text = read_code_lookup(
        source_dir,
        LSOA_LOOKUP,
        _LOOKUP_COLUMNS,
        codes,
        "LSOA11CD",
        ("LAD20CD", lad20.codes, lad20.label),
    )
    return pd.DataFrame({"lsoa_code": text["LSOA11CD"], "la_code": text["LAD20CD"]})


def _read_msoa_population(source_dir: Path, lad19: Vintage) -> pd.DataFrame:
    """Mid-2019 population of every English LAD19 authority, summed over its MSOAs."""
    lookup = read_msoa_lookup(source_dir, lad19)
    population = lookup.groupby("la_code")["population"].sum()
    return population.rename_axis("la_code").rename("population").reset_index()


def read_msoa_lookup(source_dir: Path, lad19: Vintage) -> pd.DataFrame:
    """Every English MSOA (2011) with its LAD19 authority and mid-2019 population:
    ``msoa_code, la_code, population``.

    Raises
    ------
    InvalidInputError
        With every failure: a changed header, a bad code or count, a duplicated MSOA, or
        a LAD19 authority without MSOAs.
    """
    text = read_text_table(source_dir, MSOA_POPULATION, _MSOA_COLUMNS)
    text = text[text["MSOA11CD"].str.startswith("E")]
    failures = check(
        MSOA_POPULATION,
        text,
        {
            "LAD19CD": code_column(LA_CODE_PATTERN, "an English LA code (E06-E09)"),
            "pop_msoa11": count_column(),
        },
        unique=["MSOA11CD"],
    )
    failures += missing_codes(MSOA_POPULATION, "LAD19CD", text["LAD19CD"], lad19.codes, lad19.label)
    raise_if(failures)
    return pd.DataFrame(
        {
            "msoa_code": text["MSOA11CD"],
            "la_code": text["LAD19CD"],
            "population": to_count(text["pop_msoa11"]),
        }
    ).reset_index(drop=True)


def _summarise(crosswalk: Crosswalk, summary: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """The deprivation table from district scores (with populations) and LSOA deciles."""
    lsoas = lsoas.assign(
        to=lsoas["la_code"].map(crosswalk.successor),
        most_deprived=(lsoas["imd_decile"] == 1).astype("int64"),
    )
    per_la = lsoas.groupby("to").agg(lsoas=("lsoa_code", "size"), most=("most_deprived", "sum"))
    summary = summary.assign(
        to=summary["la_code"].map(crosswalk.successor),
        weighted=summary["imd_score"] * summary["population"],
    )
    merged = summary.groupby("to")[["weighted", "population"]].sum()
    codes = list(crosswalk.codes)
    table = pd.DataFrame(
        {
            "la_code": codes,
            "imd_score": (merged["weighted"] / merged["population"]).reindex(codes).to_numpy(),
            "most_deprived_share": (per_la["most"] / per_la["lsoas"]).reindex(codes).to_numpy(),
            "lsoas": per_la["lsoas"].reindex(codes).astype("int64").to_numpy(),
        }
    )
    rank = table["imd_score"].rank(ascending=False, method="first").astype("int64")
    table.insert(2, "imd_rank", rank)
    table.insert(3, "imd_decile", np.ceil(rank * 10 / len(table)).astype("int64"))
    return table
