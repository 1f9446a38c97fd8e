"""Realism of the dummy infection survey: panel, households, visit schedule, positivity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.data.dummy import PARTICIPANTS, generate_extract

SCALE = 0.02


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dummy extract at 2% of England's volumes."""
    out_dir = tmp_path_factory.mktemp("dummy_survey")
    generate_extract(out_dir, seed=13, scale=SCALE)
    return out_dir


def read(out_dir: Path, table: str) -> pd.DataFrame:
    """Read one table into pandas."""
    return pq.read_table(out_dir / f"{table}.parquet").to_pandas(date_as_object=False)


@pytest.fixture(scope="module")
def survey(extract: Path) -> pd.DataFrame:
    """The survey table."""
    return read(extract, "survey")


def positivity(visits: pd.DataFrame) -> float:
    """Share of valid (non-void) swabs that are positive."""
    valid = visits[visits["result"] != "void"]
    return float((valid["result"] == "positive").mean())


def test_panel_size_scales(survey: pd.DataFrame) -> None:
    """The panel has PARTICIPANTS x scale people (200,000 at scale 1)."""
    assert PARTICIPANTS == 200_000
    assert survey["participant_id"].nunique() == pytest.approx(PARTICIPANTS * SCALE, abs=5)


def test_every_cis_area_has_participants(survey: pd.DataFrame, extract: Path) -> None:
    """Each CIS area of the geography is surveyed, with LAs inside their own areas."""
    geography = read(extract, "geography")
    assert set(survey["cis_area"]) == set(geography["cis_area"])
    area_of = geography.set_index("la_code")["cis_area"]
    assert (survey["la_code"].map(area_of) == survey["cis_area"]).all()


def test_households_of_one_to_five_people(survey: pd.DataFrame) -> None:
    """Each participant is in one household of 1..5 people living in one LA."""
    people = survey.drop_duplicates("participant_id")
    assert (survey.groupby("participant_id")["household_id"].nunique() == 1).all()
    sizes = people.groupby("household_id").size()
    assert sizes.between(1, 5).all()
    assert 2.0 < sizes.mean() < 2.8
    assert (survey.groupby("household_id")["la_code"].nunique() == 1).all()
    assert people["age"].min() >= 2


def test_weekly_then_monthly_visits(survey: pd.DataFrame) -> None:
    """Visits are weekly in a participant's first month and about monthly afterwards."""
    assert survey["visit_date"].min() >= pd.Timestamp("2020-04-26")
    ordered = survey.sort_values(["participant_id", "visit_date"])
    gaps = ordered.groupby("participant_id")["visit_date"].diff().dt.days
    visit = ordered.groupby("participant_id").cumcount()
    assert gaps[visit.between(1, 4)].median() == 7
    assert 27 <= gaps[visit >= 6].median() <= 33
    assert 10 <= survey.groupby("participant_id").size().median() <= 25


def test_positivity_tracks_the_epidemic(survey: pd.DataFrame) -> None:
    """About 1-2% in mid-waves, near 6% at the Omicron peak, low between waves."""
    between = survey["visit_date"].between
    assert positivity(survey[between("2022-01-01", "2022-01-14")]) == pytest.approx(0.06, abs=0.02)
    assert 0.01 < positivity(survey[between("2021-01-01", "2021-01-31")]) < 0.03
    assert 0.006 < positivity(survey[between("2021-07-10", "2021-08-10")]) < 0.025
    assert positivity(survey[between("2021-04-15", "2021-05-15")]) < 0.005


def test_positivity_agrees_with_cases(survey: pd.DataFrame, extract: Path) -> None:
    """Monthly survey positivity correlates strongly with monthly confirmed cases."""
    cases = read(extract, "cases")
    later = survey[survey["visit_date"] >= "2020-09-01"]
    monthly = later.groupby(later["visit_date"].dt.to_period("M")).apply(positivity)
    counts = cases.groupby(cases["specimen_date"].dt.to_period("M")).size()
    assert monthly.corr(counts[monthly.index]) > 0.7


def test_void_results_are_rare(survey: pd.DataFrame) -> None:
    """Void swabs exist but are under 1%."""
    void = (survey["result"] == "void").mean()
    assert 0 < void < 0.01


def test_tiny_scales_still_cover_every_cis_area(tmp_path: Path) -> None:
    """Even a very small extract has households in every CIS area."""
    generate_extract(tmp_path, seed=2, scale=0.0005)
    survey = read(tmp_path, "survey")
    assert survey["cis_area"].nunique() == read(tmp_path, "geography")["cis_area"].nunique()
