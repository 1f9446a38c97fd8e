"""Every importer on its real published file: row counts and the publishers' own totals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa.data.public import cases, deaths, deprivation, lookups, population, survey
from ldsa.data.public.crosswalk import Crosswalk, Vintage, build_crosswalk
from ldsa.data.public.standard_population import check_standard_population


@pytest.fixture(scope="session")
def case_rows(public_dir: Path, vintages: dict[str, Vintage]) -> pd.DataFrame:
    """The four years of dashboard cases, read once."""
    return cases.read_cases(public_dir, vintages["LAD19"])


def test_cases_match_the_provenance_totals(case_rows: pd.DataFrame) -> None:
    """All 433,409 rows are read and England's total is the published 20,825,034."""
    assert len(case_rows) == 433_409
    assert int(case_rows["cases"].sum()) == 20_825_034
    by_year = case_rows.groupby(case_rows["date"].dt.year)["cases"].sum()
    assert by_year.to_dict() == {2020: 2_295_681, 2021: 9_394_308, 2022: 8_575_349, 2023: 559_696}


def test_deaths_match_the_provenance_totals(public_dir: Path, vintages: dict[str, Vintage]) -> None:
    """England's 2021 weeks 1-13: 171,983 deaths, 52,906 involving Covid-19."""
    rows = deaths.read_deaths(public_dir, vintages["LAD20"])
    assert rows["la_code"].nunique() == 314
    assert int(rows["deaths"].sum()) == 171_983
    assert int(rows.loc[rows["covid_mentioned"], "deaths"].sum()) == 52_906
    weeks = rows["week_registered"].drop_duplicates().sort_values()
    assert weeks.iloc[0] == pd.Timestamp("2021-01-04")
    assert (weeks.dt.day_of_week == 0).all()
    assert len(weeks) == 13


def test_population_matches_ons_england_totals(
    public_dir: Path, vintages: dict[str, Vintage]
) -> None:
    """Males plus females over English authorities give ONS's England totals."""
    rows = population.read_population(public_dir, vintages)
    totals = rows.groupby("year")["population"].sum().to_dict()
    assert totals == {2019: 56_286_961, 2020: 56_550_138}
    assert sorted(rows["age"].unique()) == list(range(91))
    assert rows.groupby("year")["la_code"].nunique().to_dict() == {2019: 314, 2020: 309}


def test_lsoa_share_reproduces_the_official_la_summary(
    public_dir: Path, vintages: dict[str, Vintage]
) -> None:
    """The share of most-deprived LSOAs equals File 10's Proportion for unchanged LAs."""
    crosswalk = build_crosswalk(list(vintages.values()), "LAD22")
    table = deprivation.read_deprivation(public_dir, vintages, crosswalk).set_index("la_code")
    official = pd.read_csv(public_dir / "imd2019" / "imd2019_la_summaries_ltla19_official.csv")
    official = official.set_index("ltla19_code")
    unchanged = sorted(set(official.index) & set(table.index) - {"E06000052", "E09000012"})
    assert len(unchanged) == 302
    np.testing.assert_allclose(
        table.loc[unchanged, "most_deprived_share"],
        official.loc[unchanged, "Proportion"],
        atol=5e-5,  # File 10 rounds to 4 decimal places
    )
    np.testing.assert_allclose(
        table.loc[unchanged, "imd_score"], official.loc[unchanged, "Score"], rtol=1e-12
    )
    assert sorted(table["imd_rank"]) == list(range(1, len(table) + 1))


def test_merged_imd_score_lies_between_its_districts(
    public_dir: Path, vintages: dict[str, Vintage], crosswalk: Crosswalk
) -> None:
    """A merged authority's score is a weighted mean of its districts' official scores."""
    table = deprivation.read_deprivation(public_dir, vintages, crosswalk).set_index("la_code")
    official = pd.read_csv(public_dir / "imd2019" / "imd2019_la_summaries_ltla19_official.csv")
    scores = official.set_index("ltla19_code")["Score"]
    for merge in crosswalk.merges:
        districts = scores.reindex([*merge.merged, merge.la_code]).dropna()
        assert districts.min() <= table.loc[merge.la_code, "imd_score"] <= districts.max()


def test_survey_estimates_cover_every_release(
    public_dir: Path, vintages: dict[str, Vintage]
) -> None:
    """1,392 release rows (12 x 116) plus the English rows of the weekly snapshots."""
    cis = lookups.read_cis_lookup(public_dir, vintages["LAD19"])
    rows = survey.read_survey_estimates(public_dir, frozenset(cis["cis_area"]))
    counts = rows["source"].value_counts()
    assert counts[survey.RELEASES.label] == 1_392
    assert rows["cis_area"].nunique() == 116
    assert (rows["lower"] <= rows["positivity"]).all()
    assert (rows["positivity"] <= rows["upper"]).all()
    first = rows[(rows["cis_area"] == "J06000101") & (rows["source"] == survey.RELEASES.label)]
    assert first["positivity"].iloc[0] == pytest.approx(0.0131)  # 1.31% in the 17 Dec 2021 release


def test_published_esp2013_is_ldsas(public_dir: Path) -> None:
    """The published ESP2013 weights equal ldsa's own; the check raises nothing."""
    assert check_standard_population(public_dir) is None


def test_lad22_geography_matches_the_derived_2021_lookup(
    public_dir: Path, vintages: dict[str, Vintage]
) -> None:
    """On LAD22, upper tiers and regions agree with the project's derived 2021 lookup."""
    crosswalk = build_crosswalk(list(vintages.values()), "LAD22")
    regions = lookups.read_regions(public_dir, vintages["LAD19"])
    cis = lookups.read_cis_lookup(public_dir, vintages["LAD19"])
    table = lookups.geography_table(crosswalk, regions, cis).set_index("la_code")
    derived = pd.read_csv(
        public_dir / "geography" / "DERIVED_ltla21_to_utla21_region_england.csv"
    ).set_index("LTLA21CD")
    assert len(table) == 307  # 309 less City of London and Isles of Scilly, combined
    codes = table.index
    assert (table["utla_code"] == derived.loc[codes, "UTLA21CD"]).all()
    assert (table["region_code"] == derived.loc[codes, "RGN21CD"]).all()
