"""ONS geography lookups: each authority's county, region and CIS sub-region.

The lookups are on LAD 2019 codes, the oldest vintage; every authority of a later vintage
takes the region and CIS sub-region of its LAD 2019 predecessors (all of which share one,
which is checked).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ldsa.data.public._files import (
    PublishedFile,
    raise_if,
    read_code_lookup,
    validate,
)
from ldsa.data.public.crosswalk import GEOGRAPHY_FOLDER, Crosswalk, Vintage
from ldsa.data.schemas import CIS_AREA_PATTERN, LA_TYPE_PREFIX, REGION_CODE_PATTERN, table_schema
from ldsa.errors import InputFailure

_ONS = "Office for National Statistics, Open Geography Portal"
REGIONS = PublishedFile(
    GEOGRAPHY_FOLDER,
    "lad19_to_county_region_england_dec2019.csv",
    _ONS,
    "Ward to Local Authority District to County to Region to Country (December 2019) Lookup "
    "in the United Kingdom (distinct English LAD rows)",
    "LAD19, December 2019",
)
_REGION_COLUMNS = ("LAD19CD", "LAD19NM", "CTY19CD", "CTY19NM", "RGN19CD", "RGN19NM")
CIS_LOOKUP = PublishedFile(
    "cis_infection_survey",
    "lookup_LAD19_to_CIS20_England.csv",
    _ONS,
    "Local Authority District (2019) to COVID Infection Survey sub-region (2020) Lookup in England",
    "LAD19 to CIS20",
)
_CIS_COLUMNS = ("LAD19CD", "LAD19NM", "CIS20CD", "FID")
_LAD19_PATTERN = r"^E0[6-9][0-9]{6}\Z"
_TYPE_OF_PREFIX = {prefix: la_type for la_type, prefix in LA_TYPE_PREFIX.items()}


def read_regions(source_dir: Path, lad19: Vintage) -> pd.DataFrame:
    """Region and county of every LAD 2019 authority: ``la_code, county_code, region_code,
    region_name``."""
    codes = {
        "LAD19CD": (_LAD19_PATTERN, "an English LA code (E06-E09)"),
        "RGN19CD": (REGION_CODE_PATTERN, "a region code (E12)"),
    }
    frame = read_code_lookup(
        source_dir,
        REGIONS,
        _REGION_COLUMNS,
        codes,
        "LAD19CD",
        ("LAD19CD", lad19.codes, lad19.label),
    )
    return pd.DataFrame(
        {
            "la_code": frame["LAD19CD"],
            "county_code": frame["CTY19CD"],
            "region_code": frame["RGN19CD"],
            "region_name": frame["RGN19NM"],
        }
    )


def read_cis_lookup(source_dir: Path, lad19: Vintage) -> pd.DataFrame:
    """CIS sub-region of every LAD 2019 authority: ``la_code, cis_area``."""
    codes = {
        "LAD19CD": (_LAD19_PATTERN, "an English LA code (E06-E09)"),
        "CIS20CD": (CIS_AREA_PATTERN, "a CIS sub-region code (J06)"),
    }
    frame = read_code_lookup(
        source_dir,
        CIS_LOOKUP,
        _CIS_COLUMNS,
        codes,
        "LAD19CD",
        ("LAD19CD", lad19.codes, lad19.label),
    )
    return pd.DataFrame({"la_code": frame["LAD19CD"], "cis_area": frame["CIS20CD"]})


def geography_table(crosswalk: Crosswalk, regions: pd.DataFrame, cis: pd.DataFrame) -> pd.DataFrame:
    """The store's ``geography`` table for the crosswalk's reporting authorities.

    Raises
    ------
    InvalidInputError
        When the predecessors of one authority lie in different regions or CIS
        sub-regions, or the result breaks the ``geography`` schema.
    """
    lad19 = regions.merge(cis, on="la_code", how="left")
    lad19["to"] = lad19["la_code"].map(crosswalk.successor)
    failures: list[InputFailure] = []
    for column, source in (("region_code", REGIONS), ("cis_area", CIS_LOOKUP)):
        spread = lad19.groupby("to")[column].nunique()
        if (spread > 1).any():
            reason = f"predecessors of one {crosswalk.target.name} authority in several areas"
            failures.append(InputFailure(source.label, column, reason, int((spread > 1).sum())))
    raise_if(failures)
    first = lad19.drop_duplicates("to").set_index("to")
    counties = regions.set_index("la_code")["county_code"]
    codes = list(crosswalk.codes)
    table = pd.DataFrame(
        {
            "la_code": codes,
            "la_name": [crosswalk.names[c] for c in codes],
            "la_type": [_TYPE_OF_PREFIX[c[:3]] for c in codes],
            "utla_code": [counties[c] if c.startswith("E07") else c for c in codes],
            "region_code": first.loc[codes, "region_code"].to_numpy(),
            "region_name": first.loc[codes, "region_name"].to_numpy(),
            "cis_area": first.loc[codes, "cis_area"].to_numpy(),
        }
    )
    raise_if(validate(crosswalk.target.source.label, table, table_schema("geography")))
    return table
