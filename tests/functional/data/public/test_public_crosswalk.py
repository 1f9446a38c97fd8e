"""The versioned-geography crosswalk: exact merges, England's totals kept, bad targets refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ldsa.data.public import build_crosswalk, read_vintages
from ldsa.data.public.cases import SOURCES
from ldsa.data.public.crosswalk import BOUNDARY_CHANGES, Crosswalk, Vintage
from ldsa.data.public.prepare import prepare_public_store
from ldsa.errors import InvalidInputError, InvalidParameterError


def test_latest_vintage_is_the_default(crosswalk: Crosswalk) -> None:
    """LAD23's 296 authorities, less the two published combined with a neighbour."""
    assert crosswalk.target.name == "LAD23"
    assert len(crosswalk.codes) == 294
    merged = {m.la_code: m.merged for m in crosswalk.merges}
    assert merged["E06000065"] == tuple(f"E07000{n}" for n in range(163, 170))
    assert merged["E06000060"] == ("E07000004", "E07000005", "E07000006", "E07000007")
    assert merged["E09000012"] == ("E09000001",)
    assert len(merged) == 9


def test_boundary_changes_name_real_lad19_districts(vintages: dict[str, Vintage]) -> None:
    """Every predecessor of a change is a district of LAD19 with its successor's county."""
    names = vintages["LAD19"].names
    assert names["E07000150"] == "Corby"
    assert names["E07000246"] == "Somerset West and Taunton"
    for change in BOUNDARY_CHANGES:
        assert set(change.predecessors) <= vintages["LAD19"].codes


def test_crosswalk_conserves_england_case_total(public_dir: Path, crosswalk: Crosswalk) -> None:
    """Cases summed to LAD23 authorities keep England's total and every day's total."""
    raw = pd.concat(
        pd.read_csv(source.path(public_dir), usecols=["areaCode", "date", "newCasesBySpecimenDate"])
        for source in SOURCES
    ).rename(columns={"areaCode": "la_code", "newCasesBySpecimenDate": "cases"})
    mapped = crosswalk.aggregate(SOURCES[0], raw, ["date"], ["cases"])
    assert mapped["cases"].sum() == raw["cases"].sum() == 20_825_034
    pd.testing.assert_series_equal(
        mapped.groupby("date")["cases"].sum(), raw.groupby("date")["cases"].sum()
    )
    assert set(mapped["la_code"]) == set(crosswalk.codes)


def test_unknown_vintage_is_a_parameter_error(vintages: dict[str, Vintage]) -> None:
    """A vintage that is not a lookup says which ones exist."""
    with pytest.raises(InvalidParameterError, match="expected one of LAD19, LAD20, LAD22, LAD23"):
        build_crosswalk(list(vintages.values()), "LAD21")


def test_vintage_older_than_a_source_is_refused(public_dir: Path, tmp_path: Path) -> None:
    """LAD20 would need North and West Northamptonshire split back into districts."""
    with pytest.raises(InvalidParameterError, match="cannot be split"):
        prepare_public_store(public_dir, tmp_path / "store", vintage="LAD20")
    assert not (tmp_path / "store").exists()


def test_lookup_disagreeing_with_the_changes_is_refused(linked_sources: Path) -> None:
    """A LAD23 lookup that still lists Craven is not explained by the boundary changes."""
    path = linked_sources / "geography" / "lad23_names_codes_uk_apr2023.csv"
    text = path.read_text(encoding="utf-8") + "E07000163,Craven,\n"
    path.unlink()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="1 English codes differ from LAD22"):
        read_vintages(linked_sources)
