"""The survey's age groups: in Python and in prepare's SQL alike."""

from __future__ import annotations

import duckdb

from ldsa.ageband import AGE_BANDS
from ldsa.data.survey_groups import SURVEY_AGE_GROUPS, age_group_sql, survey_age_group
from ldsa.report.survey._common import BAND_GROUPS


def test_groups_of_ages_at_the_boundaries() -> None:
    """Each group runs from its first age to the year before the next; below 2 is none."""
    ages = [0, 1, 2, 14, 15, 24, 25, 34, 35, 49, 50, 69, 70, 101]
    assert list(survey_age_group(ages)) == [
        "", "", "2-14", "2-14", "15-24", "15-24", "25-34", "25-34", "35-49", "35-49",
        "50-69", "50-69", "70+", "70+",
    ]  # fmt: skip


def test_sql_gives_the_same_groups() -> None:
    """Prepare's CASE expression agrees with :func:`survey_age_group` for every age 2..120."""
    sql = f"SELECT age, {age_group_sql()} AS g FROM range(2, 121) t(age) ORDER BY age"
    rows = duckdb.sql(sql).fetchall()
    assert [g for _, g in rows] == list(survey_age_group([a for a, _ in rows]))


def test_every_band_lies_in_one_group() -> None:
    """Group boundaries fall on the store's five-year bands (0-4 holds ages 2 to 4)."""
    assert BAND_GROUPS["0-4"] == "2-14"
    assert BAND_GROUPS["10-14"] == "2-14"
    assert BAND_GROUPS["15-19"] == "15-24"
    assert BAND_GROUPS["90+"] == "70+"
    assert set(BAND_GROUPS) == set(AGE_BANDS)
    assert set(BAND_GROUPS.values()) == {label for label, _ in SURVEY_AGE_GROUPS}
