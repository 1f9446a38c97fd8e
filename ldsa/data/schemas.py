"""pandera schemas of the record-level TRE extract, one per table (design.md, "Inputs").

One schema per table is the single source of truth for column names, types, ranges and
categories: the validator checks extracts against it and the dummy generator writes data
that it accepts. Cross-table rules (an LA code must be in ``geography``) come from
:func:`table_schema`'s ``la_codes`` argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping

import pandas as pd
import pandera.pandas as pa

SCHEMA_VERSION = "1"

#: Extract tables, in the order they are validated (geography first: others refer to it).
TABLES: tuple[str, ...] = (
    "geography",
    "deprivation",
    "population",
    "deaths",
    "cases",
    "tests",
    "survey",
)
#: Extract tables that may be absent: an extract without them is still valid, and its
#: store lacks what is built from them (small areas: cases per neighbourhood).
OPTIONAL_TABLES: tuple[str, ...] = ("small_areas",)

#: First and last days of the default analysis period (cases, tests, survey).
PERIOD_START = dt.date(2020, 3, 1)
PERIOD_END = dt.date(2022, 3, 31)
#: Deaths start with the baseline years of the excess-deaths model.
DEATHS_START = dt.date(2015, 1, 1)
#: Population estimates for these mid-years.
POPULATION_YEARS = (2015, 2022)

SEXES: tuple[str, ...] = ("F", "M")
LA_TYPES: tuple[str, ...] = (
    "unitary",
    "non_metropolitan_district",
    "metropolitan_district",
    "london_borough",
)
#: GSS entity code of each LA type (E06 unitary, E07 district, E08 met district, E09 London).
LA_TYPE_PREFIX: dict[str, str] = {
    "unitary": "E06",
    "non_metropolitan_district": "E07",
    "metropolitan_district": "E08",
    "london_borough": "E09",
}
PLACES_OF_DEATH: tuple[str, ...] = ("home", "care_home", "hospital", "hospice", "other")
PILLARS: tuple[str, ...] = ("pillar_1", "pillar_2")
TEST_TYPES: tuple[str, ...] = ("PCR", "LFD")
SURVEY_RESULTS: tuple[str, ...] = ("positive", "negative", "void")
COVID_ICD10 = "U07.1"

# Codes are ASCII exactly: [0-9], not \d (which matches any Unicode digit, such as
# fullwidth ones), and \Z, not $ (which also matches before a final new line).
LA_CODE_PATTERN = r"^E0[6-9][0-9]{6}\Z"
UTLA_CODE_PATTERN = r"^E(0[6-9]|10)[0-9]{6}\Z"
REGION_CODE_PATTERN = r"^E12[0-9]{6}\Z"
CIS_AREA_PATTERN = r"^J06[0-9]{6}\Z"
#: Small areas (MSOA-like neighbourhoods nested in authorities): E02 + 6 digits.
SMALL_AREA_PATTERN = r"^E02[0-9]{6}\Z"
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9X])?\Z"
MAX_AGE = 120


def _date_column(start: dt.date, end: dt.date) -> pa.Column:
    return pa.Column(
        "datetime64[ms]",
        checks=pa.Check.in_range(
            _timestamp(start), _timestamp(end), error=f"date in {start}..{end}"
        ),
    )


def _timestamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _la_code_column(la_codes: Collection[str] | None) -> pa.Column:
    checks = [
        pa.Check.str_matches(LA_CODE_PATTERN, error="GSS-shaped LA code (E06-E09 + 6 digits)")
    ]
    if la_codes is not None:
        checks.append(pa.Check.isin(sorted(la_codes), error="LA code present in geography"))
    return pa.Column(str, checks=checks)


def _count_column(minimum: int = 0) -> pa.Column:
    return pa.Column("int64", checks=pa.Check.ge(minimum, error=f"integer >= {minimum}"))


def _category(values: tuple[str, ...]) -> pa.Column:
    return pa.Column(str, checks=pa.Check.isin(list(values), error=f"one of {', '.join(values)}"))


def _age_column(minimum: int = 0, maximum: int = MAX_AGE) -> pa.Column:
    return pa.Column(
        "int64", checks=pa.Check.in_range(minimum, maximum, error=f"age in {minimum}..{maximum}")
    )


def table_schema(
    table: str,
    la_codes: Collection[str] | None = None,
    cis_areas: Collection[str] | None = None,
    period_end: dt.date = PERIOD_END,
    small_areas: Mapping[str, str] | None = None,
) -> pa.DataFrameSchema:
    """Return the pandera schema of one extract table.

    Parameters
    ----------
    table
        One of :data:`TABLES` or :data:`OPTIONAL_TABLES`.
    la_codes, cis_areas
        Codes known to the extract's geography; when given, every code must be one of them.
    period_end
        Last date any record may carry.
    small_areas
        The authority of each small area (the ``small_areas`` table); when given, a case's
        ``msoa_code`` must be one of them and lie in the case's authority.
    """
    builders: dict[str, Callable[[], pa.DataFrameSchema]] = {
        "geography": _geography,
        "deprivation": lambda: _deprivation(la_codes),
        "population": lambda: _population(la_codes),
        "deaths": lambda: _deaths(la_codes, period_end),
        "cases": lambda: _cases(la_codes, period_end, small_areas),
        "tests": lambda: _tests(la_codes, period_end),
        "survey": lambda: _survey(la_codes, cis_areas, period_end),
        "small_areas": lambda: _small_areas(la_codes),
    }
    if table not in builders:
        known = ", ".join((*TABLES, *OPTIONAL_TABLES))
        raise ValueError(f"table: unknown table {table!r}; expected one of {known}.")
    return builders[table]()


def _schema(
    name: str,
    columns: dict[str, pa.Column],
    unique: list[str] | None = None,
    checks: list[pa.Check] | None = None,
) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(columns, name=name, strict=True, unique=unique, checks=checks)


def _geography() -> pa.DataFrameSchema:
    return _schema(
        "geography",
        {
            "la_code": _la_code_column(None),
            "la_name": pa.Column(
                str, checks=pa.Check.str_length(1, 80, error="name of 1..80 characters")
            ),
            "la_type": _category(LA_TYPES),
            "utla_code": pa.Column(
                str, checks=pa.Check.str_matches(UTLA_CODE_PATTERN, error="GSS-shaped UTLA code")
            ),
            "region_code": pa.Column(
                str,
                checks=pa.Check.str_matches(
                    REGION_CODE_PATTERN, error="GSS-shaped region code (E12)"
                ),
            ),
            "region_name": pa.Column(str),
            "cis_area": pa.Column(
                str,
                checks=pa.Check.str_matches(
                    CIS_AREA_PATTERN, error="CIS area code (J06 + 6 digits)"
                ),
            ),
        },
        unique=["la_code"],
    )


def _deprivation(la_codes: Collection[str] | None) -> pa.DataFrameSchema:
    return _schema(
        "deprivation",
        {
            "la_code": _la_code_column(la_codes),
            "imd_score": pa.Column(
                "float64", checks=pa.Check.in_range(0, 100, error="score in 0..100")
            ),
            "imd_rank": pa.Column("int64", checks=pa.Check.ge(1, error="rank >= 1"), unique=True),
            "imd_decile": pa.Column(
                "int64", checks=pa.Check.in_range(1, 10, error="decile in 1..10")
            ),
        },
        unique=["la_code"],
    )


def _population(la_codes: Collection[str] | None) -> pa.DataFrameSchema:
    first, last = POPULATION_YEARS
    return _schema(
        "population",
        {
            "year": pa.Column(
                "int64", checks=pa.Check.in_range(first, last, error=f"year in {first}..{last}")
            ),
            "la_code": _la_code_column(la_codes),
            "sex": _category(SEXES),
            "age": _age_column(0, 90),
            "population": _count_column(),
        },
        unique=["year", "la_code", "sex", "age"],
    )


def _deaths(la_codes: Collection[str] | None, period_end: dt.date) -> pa.DataFrameSchema:
    registered_after_death = pa.Check(
        lambda df: df["date_of_registration"] >= df["date_of_death"],
        error="date_of_registration on or after date_of_death",
    )
    return _schema(
        "deaths",
        {
            "date_of_death": _date_column(DEATHS_START - dt.timedelta(days=366), period_end),
            "date_of_registration": _date_column(DEATHS_START, period_end),
            "la_code": _la_code_column(la_codes),
            "age": _age_column(),
            "sex": _category(SEXES),
            "underlying_cause": pa.Column(
                str, checks=pa.Check.str_matches(ICD10_PATTERN, error="ICD-10 code such as U07.1")
            ),
            "covid_mentioned": pa.Column(bool),
            "place_of_death": _category(PLACES_OF_DEATH),
        },
        checks=[registered_after_death],
    )


def _cases(
    la_codes: Collection[str] | None,
    period_end: dt.date,
    small_areas: Mapping[str, str] | None = None,
) -> pa.DataFrameSchema:
    area_checks = [
        pa.Check.str_matches(SMALL_AREA_PATTERN, error="small-area code (E02 + 6 digits)")
    ]
    checks = []
    if small_areas is not None:
        area_checks.append(
            pa.Check.isin(sorted(small_areas), error="small-area code present in small_areas")
        )
        lookup = dict(small_areas)
        checks.append(
            pa.Check(
                lambda df: _in_own_authority(df, lookup),
                error="msoa_code lies in the case's la_code (as small_areas says)",
            )
        )
    return _schema(
        "cases",
        {
            "specimen_date": _date_column(PERIOD_START, period_end),
            "la_code": _la_code_column(la_codes),
            # Optional: extracts from before small areas were carried still validate.
            "msoa_code": pa.Column(str, checks=area_checks, required=False),
            "age": _age_column(),
            "sex": _category(SEXES),
            "pillar": _category(PILLARS),
            "test_type": _category(TEST_TYPES),
        },
        checks=checks,
    )


def _in_own_authority(frame: pd.DataFrame, lookup: Mapping[str, str]) -> pd.Series:
    """Whether each row's small area lies in its authority (True where either code is
    absent or unknown: other checks report those). Each distinct code is looked up once."""
    if "msoa_code" not in frame or "la_code" not in frame:
        return pd.Series(True, index=frame.index)
    codes = pd.Categorical(frame["msoa_code"])
    owners = pd.Series(codes.categories).map(lookup).to_numpy(dtype=object)
    owner = pd.Series(owners[codes.codes], index=frame.index).where(codes.codes >= 0)
    return owner.isna() | (owner == frame["la_code"])


def _small_areas(la_codes: Collection[str] | None) -> pa.DataFrameSchema:
    return _schema(
        "small_areas",
        {
            "msoa_code": pa.Column(
                str,
                checks=pa.Check.str_matches(
                    SMALL_AREA_PATTERN, error="small-area code (E02 + 6 digits)"
                ),
            ),
            "msoa_name": pa.Column(
                str, checks=pa.Check.str_length(1, 80, error="name of 1..80 characters")
            ),
            "la_code": _la_code_column(la_codes),
            "population": _count_column(),
            "imd_score": pa.Column(
                "float64", checks=pa.Check.in_range(0, 100, error="score in 0..100")
            ),
        },
        unique=["msoa_code"],
    )


def _tests(la_codes: Collection[str] | None, period_end: dt.date) -> pa.DataFrameSchema:
    positives_within_tests = pa.Check(
        lambda df: df["positive_tests"] <= df["tests"], error="positive_tests <= tests"
    )
    return _schema(
        "tests",
        {
            "date": _date_column(PERIOD_START, period_end),
            "la_code": _la_code_column(la_codes),
            "tests": _count_column(),
            "positive_tests": _count_column(),
        },
        unique=["date", "la_code"],
        checks=[positives_within_tests],
    )


def _survey(
    la_codes: Collection[str] | None, cis_areas: Collection[str] | None, period_end: dt.date
) -> pa.DataFrameSchema:
    cis_checks = [pa.Check.str_matches(CIS_AREA_PATTERN, error="CIS area code (J06 + 6 digits)")]
    if cis_areas is not None:
        cis_checks.append(pa.Check.isin(sorted(cis_areas), error="CIS area present in geography"))
    return _schema(
        "survey",
        {
            "visit_date": _date_column(PERIOD_START, period_end),
            "participant_id": pa.Column("int64", checks=pa.Check.ge(1, error="id >= 1")),
            "household_id": pa.Column("int64", checks=pa.Check.ge(1, error="id >= 1")),
            "la_code": _la_code_column(la_codes),
            "cis_area": pa.Column(str, checks=cis_checks),
            "age": _age_column(2, MAX_AGE),
            "sex": _category(SEXES),
            "result": _category(SURVEY_RESULTS),
        },
        unique=["participant_id", "visit_date"],
    )
