"""ONS's deaths and age-standardised rates, March to June 2020 (issue 12): the importer
reproduces the published totals, merged authorities get no invented rate, and the
mortality report shows the published figures through its own code path."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ldsa.data.public import mortality_rates
from ldsa.data.public.crosswalk import BOUNDARY_CHANGES, Crosswalk, Vintage
from ldsa.data.public.deprivation import read_msoa_lookup
from ldsa.data.store import Store
from ldsa.errors import InvalidInputError
from ldsa.report.mortality import Mortality
from ldsa.report.mortality._published import PUBLISHED_SOURCE, PublishedRates

TABLE2 = f"{mortality_rates.FOLDER}/table2_local_authority_asmr.csv"
FOUR_MONTHS = "4 month - March to June"


@pytest.fixture(scope="module")
def authorities(public_dir: Path, vintages: dict[str, Vintage]) -> pd.DataFrame:
    """Table 2's English authorities (LAD20), four-month figures."""
    return mortality_rates.read_authorities(public_dir, vintages["LAD20"])


def test_msoa_deaths_add_up_to_every_authoritys(
    public_dir: Path, vintages: dict[str, Vintage], authorities: pd.DataFrame
) -> None:
    """Table 5's MSOA deaths, summed to authorities through the MSOA lookup ldsa reads
    (LAD19, then LAD19 to LAD20: Buckinghamshire's four districts), equal Table 2's
    four-month deaths for every English authority and cause."""
    msoas = mortality_rates.read_msoa_deaths(public_dir)
    lookup = read_msoa_lookup(public_dir, vintages["LAD19"])
    lad20 = vintages["LAD20"].start
    bucks = {
        p: c.successor for c in BOUNDARY_CHANGES if c.effective <= lad20 for p in c.predecessors
    }
    english = msoas.merge(lookup, on="msoa_code", how="inner", validate="many_to_one")
    assert english["msoa_code"].nunique() == len(lookup) == 6791
    english = english.assign(la_code=english["la_code"].replace(bucks))
    summed = english.groupby(["la_code", "cause"])["deaths"].sum()
    persons = authorities[authorities["sex"] == "persons"]
    published = persons.set_index(["area_code", "cause"])["deaths"]
    assert len(published) == 314 * 3
    pd.testing.assert_series_equal(
        summed.sort_index(), published.sort_index(), check_names=False, check_index_type=False
    )


def test_england_total_equals_table_1(public_dir: Path, public_store: Path) -> None:
    """The store's authorities (any vintage's merges summed) add up to England's deaths
    in Table 1, for each cause and sex: 207,706 deaths, 48,040 involving Covid-19."""
    table = Store(public_store).published_mortality()
    by_level = table.groupby(["level", "cause", "sex"])["deaths"].sum()
    pd.testing.assert_series_equal(by_level["la"], by_level["england"])
    assert by_level["england"]["all_causes"]["persons"] == 207_706
    assert by_level["england"]["covid_19"]["persons"] == 48_040
    regions = mortality_rates.read_regions(public_dir)
    england = regions[regions["area_code"] == "E92000001"].set_index(["cause", "sex"])["deaths"]
    pd.testing.assert_series_equal(by_level["england"], england.sort_index(), check_names=False)
    assert set(table.loc[table["level"] == "la", "area_code"]) == set(
        Store(public_store).geography.codes
    )


def test_merged_authority_has_deaths_but_no_invented_rate(public_store: Path) -> None:
    """Cumberland (LAD23) sums its three districts' deaths, has no rate, and its note
    names the districts; the districts keep ONS's own rates."""
    table = Store(public_store).published_mortality()
    persons = table[(table["sex"] == "persons") & (table["cause"] == "covid_19")]
    cumberland = persons[(persons["level"] == "la") & (persons["area_code"] == "E06000063")]
    districts = persons[persons["part_of"] == "E06000063"]
    assert sorted(districts["area_name"]) == ["Allerdale", "Carlisle", "Copeland"]
    assert cumberland["deaths"].item() == districts["deaths"].sum() == 67 + 128 + 62
    assert cumberland[["asmr", "asmr_lower", "asmr_upper"]].isna().all(axis=None)
    note = cumberland["note"].item()
    assert "formed on 1 April 2023 from Allerdale, Carlisle and Copeland" in note
    assert "would need its deaths by age group, which are not published" in note
    assert districts["asmr"].notna().all()
    unchanged = persons[(persons["level"] == "la") & persons["asmr"].notna()]
    assert len(unchanged) == 294 - 8  # 6 mergers, and 2 areas reported with a neighbour


def _published_row(public_dir: Path, code: str, cause: str) -> dict[str, str]:
    """Table 2's persons row of an area and cause, read with the csv module."""
    with (public_dir / TABLE2).open(encoding="utf-8") as file:
        return next(
            row
            for row in csv.DictReader(file)
            if row["Area of usual residence code"] == code
            and row["Cause of death"] == cause
            and row["Sex"] == "Persons"
        )


def test_mortality_report_shows_ons_rates_on_a_public_store(
    public_dir: Path, public_store: Path
) -> None:
    """Hartlepool's age-standardised section, through the report's own code path, shows
    Table 2's four-month deaths, rates and limits as printed, with the source named."""
    report = Mortality.open(str(public_store), "E06000001", "2020-03-01", "2022-03-31")
    shown = report.standardised_table()
    assert isinstance(shown, PublishedRates)
    table = report.published_rates
    assert [table.text(row, "area") for row in range(3)] == [
        "Hartlepool",
        "North East",
        "England",
    ]
    for cause, prefix in (("All causes", "all_causes"), ("COVID-19", "covid")):
        row = _published_row(public_dir, "E06000001", cause)
        assert table.text(0, f"{prefix}_deaths") == row[f"{FOUR_MONTHS}: Deaths"]
        assert table.text(0, f"{prefix}_rate") == row[f"{FOUR_MONTHS}: Rate"]
        assert table.text(0, f"{prefix}_lower") == row[f"{FOUR_MONTHS}: Lower CI"]
        assert table.text(0, f"{prefix}_upper") == row[f"{FOUR_MONTHS}: Upper CI"]
    assert table.text(0, "covid_rate") == "114.1"
    assert table.text(2, "all_causes_rate") == "384.4"
    assert ("public_source", PUBLISHED_SOURCE) in table.record.properties
    html = shown._repr_html_()
    assert "not adjusted for the four-month period" in html
    assert "any mention of COVID-19" in html
    assert "need deaths by age group, which this store does not hold" in html
    assert report.messages().lines[1] == (
        "Deaths involving COVID-19, March to June 2020 (ONS's published age-standardised "
        "rates): Hartlepool 114.1 per 100,000, higher than England (88.7)."
    )


def test_merged_authority_report_shows_its_districts(public_store: Path) -> None:
    """North Yorkshire's table gives its summed deaths with blank rates, each district's
    published rates, and the note naming the districts."""
    report = Mortality.open(str(public_store), "E06000065", "2020-03-01", "2022-03-31")
    shown = report.standardised_table()
    assert isinstance(shown, PublishedRates)
    table = report.published_rates
    assert table.text(0, "area") == "North Yorkshire (no published rate: see below)"
    assert table.text(0, "covid_rate") == ""
    assert table.n_rows == 1 + 7 + 2
    assert table.text(1, "area") == "Craven (former district)"
    assert any("Craven, Hambleton, Harrogate" in note for note in shown.notes)
    assert report.messages().lines[0] == (
        "Deaths from all causes, March to June 2020: ONS published no age-standardised rate "
        "for North Yorkshire (the age-standardised section says why)."
    )


def test_notes_name_the_rates_ons_marks(public_store: Path) -> None:
    """Cornwall and Isles of Scilly: ONS's low-reliability 'u' and unavailable ':' rates
    are named in the notes, and the unavailable one is a blank cell."""
    report = Mortality.open(str(public_store), "E06000052", "2020-03-01", "2022-03-31")
    shown = report.standardised_table()
    assert isinstance(shown, PublishedRates)
    assert "low reliability (u): Isles of Scilly (all causes)." in shown.notes[1]
    assert "(':', not available) for: Isles of Scilly (COVID-19)" in shown.notes[2]
    table = report.published_rates
    assert table.text(2, "area") == "Isles of Scilly (published separately)"
    assert table.text(2, "covid_rate") == ""
    assert table.text(2, "all_causes_rate") == "100.9"


def test_authorities_not_adding_up_to_england_are_refused(
    public_dir: Path, authorities: pd.DataFrame, crosswalk: Crosswalk
) -> None:
    """Table 1's England deaths differing from the authorities' sum is an input error."""
    regions = mortality_rates.read_regions(public_dir)
    regions.loc[regions["area_code"] == "E92000001", "deaths"] += 1
    with pytest.raises(InvalidInputError, match="authorities' deaths add up to England's"):
        mortality_rates.published_table(regions, authorities, crosswalk)


def test_table_1_without_a_region_is_refused(linked_sources: Path) -> None:
    """A Table 1 lacking a region's rows names the file and what is missing."""
    path = linked_sources / mortality_rates.REGIONS.label
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    path.write_text(
        "\n".join(line for line in lines if ",E12000009," not in line) + "\n", encoding="utf-8"
    )
    with pytest.raises(InvalidInputError, match="England and its 9 regions"):
        mortality_rates.read_regions(linked_sources)


def _plant(source: Path, row: int, column: str, value: str) -> None:
    path = source / TABLE2
    with path.open(encoding="utf-8") as file:
        rows = list(csv.reader(file))
    rows[row][rows[0].index(column)] = value
    path.unlink()
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            f"{FOUR_MONTHS}: Deaths",
            "u",
            f"column '{FOUR_MONTHS}: Deaths': expected no suppression markers",
        ),
        (
            f"{FOUR_MONTHS}: Rate",
            "1O2.5",
            f"column '{FOUR_MONTHS}: Rate': expected a number, ':' (not available) or 'z' "
            "(not applicable) (1 row(s))",
        ),
        (f"{FOUR_MONTHS}: Rate marker", "x", "expected empty or 'u' (low reliability)"),
        (
            "Area of usual residence code",
            "E06999999",
            "code not in LAD20 (December 2020) (1 row(s))",
        ),
    ],
)
def test_defective_table_2_names_file_column_reason_and_rows(
    linked_sources: Path, vintages: dict[str, Vintage], column: str, value: str, expected: str
) -> None:
    """A withheld count, an unreadable rate, an unknown marker or code: each is named
    with the file, column, reason and row count."""
    _plant(linked_sources, 1, column, value)
    with pytest.raises(InvalidInputError) as caught:
        mortality_rates.read_authorities(linked_sources, vintages["LAD20"])
    message = str(caught.value)
    assert f"{TABLE2}: " in message
    assert expected in message
