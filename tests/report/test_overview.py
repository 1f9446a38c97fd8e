"""The overview builder: totals agree with the store, weeks are whole, figures are accessible."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ldsa.data.store import Store
from ldsa.errors import InvalidParameterError
from ldsa.report.context import parse_period
from ldsa.report.overview import Overview
from ldsa.report.text import compare


@pytest.fixture(scope="module")
def overview(small_store: Path) -> Overview:
    """The overview of the small store's first authority over the whole period."""
    code = Store(small_store).geography.codes[0]
    return Overview.open(str(small_store), code, "2020-03-01", "2022-03-31")


def test_totals_match_store(overview: Overview) -> None:
    """Period case totals equal the sum of the authority's daily cases in the period."""
    cases = overview.context.store.la_table(overview.context.authority.la_code, "cases")
    totals = overview.totals.set_index(["measure", "level"])
    assert totals.loc[("cases", "la"), "count"] == int(cases["cases"].sum())
    assert (overview.totals["lower"] <= overview.totals["value"]).all()
    assert (overview.totals["value"] <= overview.totals["upper"]).all()


def test_weekly_series_holds_whole_weeks(overview: Overview) -> None:
    """Weekly series start on Mondays, lie wholly in the period and cover all three areas."""
    weekly = overview.weekly("cases")
    assert set(weekly["area"]) == {"la", "region", "england"}
    weeks = pd.DatetimeIndex(weekly["week_start"])
    assert (weeks.day_of_week == 0).all()
    assert weeks.min() >= pd.Timestamp("2020-03-01")
    assert weeks.max() + pd.Timedelta(days=6) <= pd.Timestamp("2022-03-31")


def test_figures_have_alt_text(overview: Overview) -> None:
    """Every figure is an inline PNG with alt text naming what it shows."""
    for figure in (overview.pyramid(), overview.weekly_figure("cases")):
        assert figure.png.startswith(b"\x89PNG")
        assert figure.alt
        html = figure._repr_html_()
        assert 'src="data:image/png;base64,' in html
        assert "alt=" in html


def test_messages_compare_with_england_and_region(overview: Overview) -> None:
    """There is one plain-English message per measure naming England and the region."""
    lines = overview.messages().lines
    assert len(lines) == 3
    assert all(
        "England" in line and overview.context.authority.region_name in line for line in lines
    )


@pytest.mark.parametrize(
    ("lower", "upper", "benchmark", "expected"),
    [(5.0, 7.0, 4.9, "higher"), (5.0, 7.0, 7.1, "lower"), (5.0, 7.0, 5.0, "similar")],
)
def test_compare(lower: float, upper: float, benchmark: float, expected: str) -> None:
    """A benchmark outside the interval is higher or lower; on or inside it is similar."""
    assert compare(lower, upper, benchmark) == expected


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2020-13-01", "2021-01-01", "not an ISO date"),
        ("2019-01-01", "2021-01-01", "must lie within"),
        ("2021-01-01", "2020-06-01", "must lie within"),
        ("2021-01-01", "2021-01-03", "shorter than a week"),
    ],
)
def test_bad_periods_refused(start: str, end: str, problem: str) -> None:
    """Malformed, out-of-range, reversed or too-short periods are refused with the reason."""
    with pytest.raises(InvalidParameterError, match=problem):
        parse_period(start, end)
