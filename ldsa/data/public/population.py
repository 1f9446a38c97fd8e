"""ONS mid-year population estimates, table MYE2: by authority, sex and single year of age.

Mid-2019 is on April 2020 codes (LAD20) and mid-2020 on April 2021 boundaries (the LAD22
set of English codes). Each year has a males, a females and a persons file
(``Code, Name, Geography, All ages, 0 ... 90``); males and females are imported, and each
cell of the persons file must equal their sum. The single ages of a row must add up to its
``All ages``. Only English authority rows (E06-E09) are kept: the files also hold
countries, regions and counties, which would double count.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from ldsa.ageband import TOP_AGE
from ldsa.data.public._files import (
    PublishedFile,
    check,
    count_column,
    missing_codes,
    raise_if,
    read_text_table,
    to_count,
    unknown_codes,
)
from ldsa.data.public.crosswalk import Vintage
from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InputFailure, InvalidInputError

_ONS = "Office for National Statistics"
_SEXES = {"males": "M", "females": "F", "persons": None}


@dataclasses.dataclass(frozen=True)
class Edition:
    """One mid-year's MYE2 files: their folder, header and boundary vintage."""

    year: int
    folder: str
    geography_column: str
    top_age_column: str
    vintage: str
    title: str

    def source(self, sex: str) -> PublishedFile:
        """The published file for ``sex`` (males, females or persons)."""
        return PublishedFile(
            self.folder,
            f"mye2_{sex}_mid{self.year}.csv",
            _ONS,
            f"{self.title}, table MYE2 ({sex.capitalize()})",
            f"mid-{self.year} estimates; {self.vintage} boundaries",
        )

    @property
    def columns(self) -> tuple[str, ...]:
        """The published header."""
        ages = [str(age) for age in range(TOP_AGE)] + [self.top_age_column]
        return ("Code", "Name", self.geography_column, "All ages", *ages)


EDITIONS: tuple[Edition, ...] = (
    Edition(
        2019,
        "ons_mye_mid2019_la_sex_single_year_age",
        "Geography1",
        "90",
        "LAD20",
        "Population Estimates for the UK, England and Wales, Scotland and Northern Ireland: "
        "Mid-2019, using April 2020 local authority district codes",
    ),
    Edition(
        2020,
        "ons_mye_mid2020_la_sex_single_year_age",
        "Geography",
        "90+",
        "LAD22",
        "Population estimates for the UK, England and Wales, Scotland and Northern Ireland: "
        "mid-2020 (April 2021 local authority boundaries)",
    ),
)


def sources() -> tuple[PublishedFile, ...]:
    """Every published file this module reads."""
    return tuple(edition.source(sex) for edition in EDITIONS for sex in _SEXES)


def read_population(source_dir: Path, vintages: dict[str, Vintage]) -> pd.DataFrame:
    """Read every edition; return ``la_code, year, sex, age, population`` (source codes).

    Raises
    ------
    InvalidInputError
        With every failure found: a changed header, an unreadable or withheld count, an
        authority missing, a duplicated authority, single ages that do not add up to All
        ages, or persons that are not males plus females.
    """
    failures: list[InputFailure] = []
    frames = []
    for edition in EDITIONS:
        try:
            frames.append(_read_edition(source_dir, edition, vintages[edition.vintage]))
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    return pd.concat(frames, ignore_index=True)


def _read_edition(source_dir: Path, edition: Edition, vintage: Vintage) -> pd.DataFrame:
    failures: list[InputFailure] = []
    wide: dict[str, pd.DataFrame] = {}
    for sex in _SEXES:
        try:
            wide[sex] = _read_file(source_dir, edition, edition.source(sex), vintage)
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    persons = edition.source("persons")
    summed = wide["males"].add(wide["females"], fill_value=0)
    differ = summed.reindex_like(wide["persons"]).ne(wide["persons"]).any(axis=1)
    if differ.any():
        reason = "persons differ from males plus females"
        raise_if([InputFailure(persons.label, "*", reason, int(differ.sum()))])
    frames = []
    for sex in ("males", "females"):
        long = pd.Series(wide[sex].rename_axis(columns="age").stack())
        frames.append(
            pd.DataFrame(
                {
                    "la_code": long.index.get_level_values("la_code"),
                    "year": edition.year,
                    "sex": _SEXES[sex],
                    "age": long.index.get_level_values("age").astype("int64"),
                    "population": long.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _read_file(
    source_dir: Path, edition: Edition, source: PublishedFile, vintage: Vintage
) -> pd.DataFrame:
    """One file's English authorities: a frame indexed by la_code with a column per age."""
    text = read_text_table(source_dir, source, edition.columns)
    text = text[text["Code"].str.match(LA_CODE_PATTERN)]
    counts = ["All ages", *edition.columns[4:]]
    # One check of every cell at once; per-column checks (slow on 92 columns) only name the
    # failing columns when there is a failure.
    cells = pd.DataFrame({"cell": text[counts].to_numpy().ravel()})
    failures = check(source, cells, {"cell": count_column()})
    if failures:
        failures = check(source, text, {name: count_column() for name in counts})
    failures += check(source, text, {}, unique=["Code"])
    failures += unknown_codes(source, "Code", text["Code"], vintage.codes, vintage.label)
    failures += missing_codes(source, "Code", text["Code"], vintage.codes, vintage.label)
    raise_if(failures)
    ages = pd.DataFrame(
        {age: to_count(text[column]).to_numpy() for age, column in enumerate(edition.columns[4:])},
        index=pd.Index(text["Code"].to_numpy(), name="la_code"),
    )
    total = to_count(text["All ages"]).to_numpy()
    wrong = int((ages.sum(axis=1).to_numpy() != total).sum())
    if wrong:
        raise_if([InputFailure(source.label, "All ages", "not the sum of the single ages", wrong)])
    return ages
