"""ONS Covid-19 Infection Survey: modelled positivity by CIS sub-region and week.

Two published series, both one estimate per sub-region and reference week with its 95%
credible interval:

- the England releases of December 2021 to March 2022 (``modelled_pct_positive`` in
  percent, ``reference_period`` written "5 December 2021 to 11 December 2021");
- the weekly snapshots of November 2020 to February 2022 (proportions, with
  ``start_date``/``end_date``), which also hold the devolved nations' areas (dropped).

The store's ``survey_estimates`` table keeps both, as proportions, with the file each row
comes from; record-level swabs are not published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ldsa.data.public._files import (
    PublishedFile,
    check,
    code_column,
    date_column,
    missing_codes,
    number_column,
    raise_if,
    read_text_table,
    to_date,
    to_number,
)
from ldsa.data.schemas import CIS_AREA_PATTERN
from ldsa.errors import InputFailure, InvalidInputError

_ONS = "Office for National Statistics"
RELEASES = PublishedFile(
    "cis_infection_survey",
    "cis_subregion_modelled_weekly_2021-12_to_2022-03.csv",
    _ONS,
    "Coronavirus (COVID-19) Infection Survey: England, modelled % testing positive by CIS "
    "sub-region",
    "releases of 17 December 2021 to 25 March 2022",
)
_RELEASE_COLUMNS = (
    "ons_publication_date",
    "reference_period",
    "CIS20CD",
    "region",
    "local_authority_areas",
    "modelled_pct_positive",
    "lower_95_cri",
    "upper_95_cri",
)
SNAPSHOTS = PublishedFile(
    "ons_cis_subregional_2020_2022",
    "cis_subregional_weekly_positivity_2020-11_2022-02.csv",
    f"{_ONS} (scraped from each release by epiforecasts/inc2prev)",
    "Coronavirus (COVID-19) Infection Survey: modelled estimates of the percentage testing "
    "positive by CIS sub-region, each release's latest week",
    "releases covering weeks of 8 November 2020 to 14 February 2022",
)
_SNAPSHOT_COLUMNS = (
    "level",
    "start_date",
    "end_date",
    "geography",
    "geography_code",
    "region",
    "proportion_pos",
    "proportion_pos_high_95",
    "proportion_pos_low_95",
)
COLUMNS = ("cis_area", "week_start", "week_end", "positivity", "lower", "upper", "source")
#: "13 March 2022 to 19 March 2022": ASCII digits and letters ([0-9], not \d, which matches
#: any Unicode digit), the whole text (\Z, not $, which matches before a final new line).
_DAY = r"[0-9]{1,2} [A-Za-z]+ [0-9]{4}"
_REFERENCE_PERIOD = rf"^({_DAY}) to ({_DAY})\Z"


def read_survey_estimates(source_dir: Path, cis_areas: frozenset[str]) -> pd.DataFrame:
    """Read both series; return :data:`COLUMNS`, positivity as a proportion.

    Parameters
    ----------
    cis_areas
        England's CIS sub-regions (from the LAD to CIS lookup); each series must cover all.

    Raises
    ------
    InvalidInputError
        With every failure of both files.
    """
    failures: list[InputFailure] = []
    frames = []
    for read in (_read_releases, _read_snapshots):
        try:
            frames.append(read(source_dir, cis_areas))
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def _read_releases(source_dir: Path, cis_areas: frozenset[str]) -> pd.DataFrame:
    text = read_text_table(source_dir, RELEASES, _RELEASE_COLUMNS)
    bounds = text["reference_period"].str.extract(_REFERENCE_PERIOD)
    text = text.assign(week_start=bounds[0].fillna(""), week_end=bounds[1].fillna(""))
    numbers = ("modelled_pct_positive", "lower_95_cri", "upper_95_cri")
    failures = check(
        RELEASES,
        text,
        {
            "CIS20CD": code_column(CIS_AREA_PATTERN, "a CIS sub-region code (J06)"),
            "week_start": date_column("%d %B %Y"),
            "week_end": date_column("%d %B %Y"),
            **{name: number_column() for name in numbers},
        },
        unique=["CIS20CD", "week_start"],
    )
    failures += missing_codes(RELEASES, "CIS20CD", text["CIS20CD"], cis_areas, "the CIS lookup")
    raise_if(failures)
    frame = pd.DataFrame(
        {
            "cis_area": text["CIS20CD"],
            "week_start": to_date(text["week_start"], "%d %B %Y"),
            "week_end": to_date(text["week_end"], "%d %B %Y"),
            "positivity": to_number(text["modelled_pct_positive"]) / 100,
            "lower": to_number(text["lower_95_cri"]) / 100,
            "upper": to_number(text["upper_95_cri"]) / 100,
            "source": RELEASES.label,
        }
    )
    return _checked(RELEASES, frame, "modelled_pct_positive")


def _read_snapshots(source_dir: Path, cis_areas: frozenset[str]) -> pd.DataFrame:
    text = read_text_table(source_dir, SNAPSHOTS, _SNAPSHOT_COLUMNS)
    text = text[text["geography_code"].isin(list(cis_areas))]
    numbers = ("proportion_pos", "proportion_pos_low_95", "proportion_pos_high_95")
    failures = check(
        SNAPSHOTS,
        text,
        {
            "start_date": date_column("%Y-%m-%d"),
            "end_date": date_column("%Y-%m-%d"),
            **{name: number_column() for name in numbers},
        },
        unique=["geography_code", "start_date"],
    )
    codes = text["geography_code"]
    failures += missing_codes(SNAPSHOTS, "geography_code", codes, cis_areas, "the CIS lookup")
    raise_if(failures)
    frame = pd.DataFrame(
        {
            "cis_area": codes,
            "week_start": to_date(text["start_date"], "%Y-%m-%d"),
            "week_end": to_date(text["end_date"], "%Y-%m-%d"),
            "positivity": to_number(text["proportion_pos"]),
            "lower": to_number(text["proportion_pos_low_95"]),
            "upper": to_number(text["proportion_pos_high_95"]),
            "source": SNAPSHOTS.label,
        }
    )
    return _checked(SNAPSHOTS, frame, "proportion_pos")


def _checked(source: PublishedFile, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Refuse estimates outside their interval, intervals outside 0..1, or reversed weeks."""
    failures = []
    outside = ~(frame["lower"].between(0, 1) & frame["upper"].between(0, 1))
    outside |= ~((frame["lower"] <= frame["positivity"]) & (frame["positivity"] <= frame["upper"]))
    if outside.any():
        reason = "an estimate within its credible interval, within 0..100%"
        failures.append(InputFailure(source.label, column, reason, int(outside.sum())))
    reversed_weeks = frame["week_end"] < frame["week_start"]
    if reversed_weeks.any():
        reason = "a reference week ending on or after its start"
        failures.append(InputFailure(source.label, "*", reason, int(reversed_weeks.sum())))
    raise_if(failures)
    return frame.reset_index(drop=True)
