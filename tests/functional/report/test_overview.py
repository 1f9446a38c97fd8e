"""The overview builder: released numbers only, consistent with the store, accessible figures."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd
import pytest

from ldsa import sdc
from ldsa.data.store import Store
from ldsa.errors import DisclosureError, InvalidParameterError, PolicyError
from ldsa.report import figures, release
from ldsa.report.context import parse_period
from ldsa.report.overview import Overview
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import key_messages


@pytest.fixture(scope="module")
def overview(small_store: Path) -> Overview:
    """The overview of the small store's first authority over the whole period."""
    code = Store(small_store).geography.codes[0]
    return Overview.open(str(small_store), code, "2020-03-01", "2022-03-31")


def test_counts_agree_with_store(overview: Overview) -> None:
    """Released case counts equal the store's, over each period, wherever released."""
    store, code = overview.context.store, overview.context.authority.la_code
    cases = store.la_table(code, "cases")
    weeks = cases.groupby(pd.DatetimeIndex(cases["date"]).to_period("W-SUN").start_time)["cases"]
    raw = weeks.sum().reindex(overview.weeks, fill_value=0).to_numpy()
    released = overview.series_rates("cases").released_frame()
    first = [list(overview.weeks.strftime("%Y-%m-%d")).index(d) for d in released["period_start"]]
    shown = released["la_cases_count"].notna().to_numpy()
    assert shown.any()
    for row in [r for r in range(len(released)) if shown[r]]:
        span = raw[first[row] : first[row] + int(released["weeks"][row])]
        assert released["la_cases_count"][row] == span.sum()


def test_no_released_count_below_threshold(overview: Overview) -> None:
    """Under the default policy no released count lies in 1..9."""
    tables = [overview.headline, *(overview.series_rates(m) for m in ("cases", "deaths"))]
    tables += [overview.cumulative_rates("cases")]
    for table in tables:
        frame = table.released_frame()
        for column in frame.columns:
            if column.endswith("_count"):
                values = frame[column].dropna()
                assert not ((values > 0) & (values < 10)).any(), column


def test_headline_limits_contain_rate(overview: Overview) -> None:
    """Released headline rates lie within their released 95% limits."""
    frame = overview.headline.released_frame().dropna(subset=["la_rate", "la_lower", "la_upper"])
    assert (frame["la_lower"] <= frame["la_rate"]).all()
    assert (frame["la_rate"] <= frame["la_upper"]).all()


def test_weekly_series_holds_whole_weeks(overview: Overview) -> None:
    """Weeks start on Mondays and lie wholly in the period."""
    weeks = overview.weeks
    assert (weeks.day_of_week == 0).all()
    assert weeks.min() >= pd.Timestamp("2020-03-01")
    assert weeks.max() + pd.Timedelta(days=6) <= pd.Timestamp("2022-03-31")


@pytest.fixture(scope="module")
def large_overview(small_store: Path) -> Overview:
    """The overview of the small store's most populous authority (weekly cases)."""
    store = Store(small_store)
    sizes = store.all_la_table("population").groupby("la_code")["population"].sum()
    return Overview.open(str(small_store), str(sizes.idxmax()), "2020-03-01", "2022-03-31")


def test_drawn_figures_have_alt_text(large_overview: Overview) -> None:
    """Every figure is an inline SVG with alt text naming what it shows."""
    overview = large_overview
    drawn = (
        overview.pyramid(),
        overview.series_figure("cases"),
        overview.cumulative_figure("cases"),
    )
    assert isinstance(drawn[1], figures.FigureOutput)
    assert isinstance(drawn[2], figures.FigureOutput)
    assert "highest" in drawn[1].alt
    assert "reached" in drawn[2].alt
    assert "65 and over make up" in drawn[0].alt
    for figure in drawn:
        assert figure.svg.startswith("<svg ")
        assert figure.alt
        html = figure._repr_html_()
        assert f'<svg role="img" aria-label="{escape(figure.alt)}"' in html
        assert f"<title>{escape(figure.alt)}</title>" in html


def test_messages_compare_or_say_why_not(overview: Overview) -> None:
    """There is one plain-English message per measure, comparing or saying why it cannot;
    rates carry thousands separators, as in the tables."""
    lines = overview.messages().lines
    assert len(lines) == 3
    for line in lines:
        assert "England" in line or "not shown" in line
    for row, line in enumerate(lines):
        rate = overview.headline.text(row, "la_rate")
        assert rate in ("[c]", "[u]") or f": {sdc.group_digits(rate)} per 100,000" in line


def test_presentation_refuses_raw_frames(overview: Overview) -> None:
    """Tables, figures and messages refuse a raw DataFrame: only released values are shown."""
    raw = overview.headline.released_frame()
    with pytest.raises(DisclosureError):
        ReleasedTable(raw, "caption", {})  # type: ignore[arg-type]
    with pytest.raises(DisclosureError):
        figures.step_lines(  # type: ignore[arg-type]
            raw, overview.names(), title="t", step=sdc.TimeStep.WEEK, labels=[], note=""
        )
    with pytest.raises(DisclosureError):
        key_messages(raw, overview.names())  # type: ignore[arg-type]
    with pytest.raises(DisclosureError):
        overview.release.csv("raw", raw)  # type: ignore[arg-type]


def test_release_writes_csvs_and_records(small_store: Path, tmp_path: Path) -> None:
    """In a release session (as a batch job runs), finishing writes each released CSV, one
    record per output and the summary the page's disclosure section is written from."""
    code = Store(small_store).geography.codes[1]
    release.begin(tmp_path, "overview")
    overview = Overview.open(str(small_store), code, "2020-03-01", "2022-03-31", "default")
    overview.headline_table()
    overview.pyramid()
    for measure in ("cases", "covid_deaths", "deaths"):
        overview.series_figure(measure)
    overview.cumulative_figure("cases")
    summary = release.finish()
    assert any("confidentiality" in line for line in summary.lines())
    assert summary == release.ReleaseSummary.read(tmp_path)
    assert overview.disclosure_note().lines == summary.lines()
    csvs = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert (
        list(summary.files)
        == csvs
        == [
            f"{code}_overview_cases_cumulative.csv",
            f"{code}_overview_cases_over_time.csv",
            f"{code}_overview_covid_deaths_over_time.csv",
            f"{code}_overview_deaths_over_time.csv",
            f"{code}_overview_headline.csv",
            f"{code}_overview_population.csv",
        ]
    )
    records = sdc.read_records([tmp_path / "records.json"])
    names = {n.removeprefix(f"{code}_overview_").removesuffix(".csv") for n in csvs} | {"report"}
    assert {r.uid for r in records} == {f"{code}/overview/{name}" for name in names}
    report = next(r for r in records if r.uid.endswith("/report"))
    assert report.files == (f"{code}/overview.html",)


def test_unknown_policy_refused(small_store: Path) -> None:
    """An unknown policy name is refused before anything is computed."""
    code = Store(small_store).geography.codes[0]
    with pytest.raises(PolicyError):
        Overview.open(str(small_store), code, "2020-03-01", "2022-03-31", "lenient")


def test_public_policy_refused_on_a_dummy_store_in_jupyter_too(small_store: Path) -> None:
    """A template opened by hand (no batch to check first) refuses the policy for
    published inputs on a store that is not of published files."""
    code = Store(small_store).geography.codes[0]
    with pytest.raises(PolicyError, match="published"):
        Overview.open(str(small_store), code, "2020-03-01", "2022-03-31", "public")


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2020-13-01", "2021-01-01", "not an ISO date"),
        ("2019-01-01", "2021-01-01", "must lie within"),
        ("2021-01-01", "2020-06-01", "must lie within"),
        ("2021-01-01", "2021-01-03", "holds no whole week"),
        ("2020-03-04", "2020-03-10", "holds no whole week"),
    ],
)
def test_bad_periods_refused(start: str, end: str, problem: str) -> None:
    """Malformed, out-of-range, reversed or too-short periods are refused with the reason."""
    with pytest.raises(InvalidParameterError, match=problem):
        parse_period(start, end)


def test_whole_period_series_is_a_notice(overview: Overview) -> None:
    """A series released only as one total is a plain note, not an empty chart."""
    steps = {m: overview.step(m) for m in ("cases", "covid_deaths", "deaths")}
    measure = next(m for m, step in steps.items() if step is sdc.TimeStep.PERIOD)
    shown = overview.series_figure(measure)
    assert isinstance(shown, figures.Notice)
    assert "whole period" in shown.text
    assert "<p class=" in shown._repr_html_()
