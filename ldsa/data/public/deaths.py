"""ONS weekly death registrations by local authority, cause and place of death (2021).

The file (``area_code, geography_type, area_name, cause_of_death, week_number,
place_of_death, number_of_deaths``) is a complete grid of authorities (LAD20 codes), ONS
registration weeks 1-13 of 2021, two causes and six places. ``COVID 19`` counts deaths
*involving* Covid-19 (mentioned anywhere on the certificate), a subset of ``All causes``;
the store splits all deaths into ``covid_mentioned`` true and false. Deaths by age, sex,
underlying cause or week of occurrence are not published here.

ONS weeks run Saturday to Friday (week 1 of 2021 ends on Friday 8 January). The store's
weeks are labelled by their Monday, so each ONS week is labelled by the Monday inside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
from ldsa.data.public.crosswalk import Vintage
from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InputFailure

SOURCE = PublishedFile(
    "ons_weekly_deaths_la_2021",
    "ons_weekly_deaths_la_cause_place_2021.csv",
    "Office for National Statistics (republished by ODI Leeds)",
    "Death registrations and occurrences by local authority and health board: weekly "
    "registrations, 2021 edition",
    "provisional; registration weeks 1-13 of 2021; LAD20",
)
COLUMNS = (
    "area_code",
    "geography_type",
    "area_name",
    "cause_of_death",
    "week_number",
    "place_of_death",
    "number_of_deaths",
)
YEAR = 2021
#: Friday that ends ONS registration week 1 of :data:`YEAR`.
WEEK_1_END = dt.date(2021, 1, 8)
ALL_CAUSES, COVID = "All causes", "COVID 19"
#: The store's place of death for each published place.
PLACES = {
    "Care home": "care_home",
    "Elsewhere": "other",
    "Home": "home",
    "Hospice": "hospice",
    "Hospital": "hospital",
    "Other communal establishment": "other",
}
_KEY = ["area_code", "week_number", "place_of_death"]


def read_deaths(source_dir: Path, lad20: Vintage) -> pd.DataFrame:
    """Read and validate the file; return ``la_code, week_registered, place_of_death,
    covid_mentioned, deaths`` (LAD20 codes, English authorities).

    Raises
    ------
    InvalidInputError
        With every failure found: a changed header, an unknown cause or place, a week
        outside 1..53, an unreadable or withheld count, a duplicated (area, cause, week,
        place), Covid deaths above all deaths, an unknown code or a missing authority.
    """
    text = read_text_table(source_dir, SOURCE, COLUMNS)
    text = text[
        text["geography_type"].eq("Local Authority") & text["area_code"].str.startswith("E")
    ]
    failures = check(
        SOURCE,
        text,
        {
            "area_code": code_column(LA_CODE_PATTERN, "an English LA code (E06-E09)"),
            "cause_of_death": pa.Column(
                str, checks=pa.Check.isin([ALL_CAUSES, COVID], error=f"{ALL_CAUSES} or {COVID}")
            ),
            "week_number": pa.Column(
                str,
                checks=pa.Check.isin([str(w) for w in range(1, 54)], error="a week in 1..53"),
            ),
            "place_of_death": pa.Column(
                str, checks=pa.Check.isin(list(PLACES), error="one of " + ", ".join(PLACES))
            ),
            "number_of_deaths": count_column(),
        },
        unique=["area_code", "cause_of_death", "week_number", "place_of_death"],
    )
    failures += unknown_codes(SOURCE, "area_code", text["area_code"], lad20.codes, lad20.label)
    failures += missing_codes(SOURCE, "area_code", text["area_code"], lad20.codes, lad20.label)
    raise_if(failures)
    return _split_by_covid(text.assign(number_of_deaths=to_count(text["number_of_deaths"])))


def _split_by_covid(text: pd.DataFrame) -> pd.DataFrame:
    wide = text.pivot(index=_KEY, columns="cause_of_death", values="number_of_deaths")
    incomplete = int(wide.isna().any(axis=1).sum())
    above = int((wide[COVID] > wide[ALL_CAUSES]).sum())
    failures = []
    if incomplete:
        reason = f"an {ALL_CAUSES} and a {COVID} row for every area, week and place"
        failures.append(InputFailure(SOURCE.label, "cause_of_death", reason, incomplete))
    if above:
        reason = f"{COVID} deaths at most {ALL_CAUSES} deaths"
        failures.append(InputFailure(SOURCE.label, "number_of_deaths", reason, above))
    raise_if(failures)
    wide = wide.astype("int64").reset_index()
    week_end = pd.Timestamp(WEEK_1_END) + pd.to_timedelta(
        (wide["week_number"].astype("int64") - 1) * 7, unit="D"
    )
    base = pd.DataFrame(
        {
            "la_code": wide["area_code"],
            "week_registered": (week_end - pd.Timedelta(days=4)).astype("datetime64[ms]"),
            "place_of_death": wide["place_of_death"].map(PLACES),
        }
    )
    covid = base.assign(covid_mentioned=True, deaths=wide[COVID])
    other = base.assign(covid_mentioned=False, deaths=wide[ALL_CAUSES] - wide[COVID])
    return pd.concat([covid, other], ignore_index=True)
