"""The inequalities report: its numbers against independent computations from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from ldsa.ageband import AGE_BANDS
from ldsa.data.store import Store
from ldsa.errors import DisclosureError, InvalidParameterError
from ldsa.report.inequalities import ALL_CAUSE, CASE_RATE, COVID, EXCESS, OUTCOMES, Inequalities
from ldsa.report.inequalities._relationship import CENTRE, PER_POINTS, scatter
from ldsa.stats import esp2013

PERIOD = ("2020-03-01", "2022-03-31")


@pytest.fixture(scope="module")
def report(small_store: Path) -> Inequalities:
    """The inequalities report of the small store's authority with the most people."""
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    return Inequalities.open(str(small_store), str(people.idxmax()), *PERIOD)


def _released(report: Inequalities, outcome: object) -> pd.DataFrame:
    return report.every_authority(outcome).released_frame()  # type: ignore[arg-type]


def _people(report: Inequalities) -> pd.DataFrame:
    people = report.context.store.all_la_table("population_bands")
    return people[people["year"] == report.denominator_year]


def _deaths_in_period(report: Inequalities) -> pd.DataFrame:
    rows = report.context.store.all_la_table("deaths")
    weeks = pd.DatetimeIndex(rows["week_registered"])
    return rows[(weeks >= report.weeks[0]) & (weeks <= report.weeks[-1])]


def test_case_rates_are_released_totals_over_population(report: Inequalities) -> None:
    """Each authority's count is its released period total (the plan's), its rate that
    count per 100,000 of its mid-year population, withheld together."""
    frame = _released(report, CASE_RATE)
    totals = report.authorities("cases").released_frame()
    assert frame["cases_count"].equals(totals["cases_count"])
    population = _people(report).groupby("la_code")["population"].sum()
    expected = frame["cases_count"].astype(float) / population.reindex(frame["la_code"]).to_numpy()
    shown = frame["cases_count"].notna()
    assert np.allclose(frame.loc[shown, "value"], expected[shown] * 1e5, atol=0.051)
    assert frame.loc[~shown, ["value", "lower", "upper"]].isna().all().all()
    assert (frame.loc[shown, "lower"] <= frame.loc[shown, "value"]).all()
    assert (frame.loc[shown, "value"] <= frame.loc[shown, "upper"]).all()


@pytest.mark.parametrize("outcome", [ALL_CAUSE, COVID], ids=["all", "covid"])
def test_standardised_rates_equal_the_formula(report: Inequalities, outcome: object) -> None:
    """Every released ASMR is sum(w x / (n years)) / sum(w) per 100,000 by hand, on the
    deaths registered in the period's weeks; [u] below 10 deaths."""
    frame = _released(report, outcome)
    deaths = _deaths_in_period(report)
    if outcome is COVID:
        deaths = deaths[deaths["cause_group"] == "covid"]
    by_band = deaths.groupby(["la_code", "age_band"])["deaths"].sum()
    people = _people(report).groupby(["la_code", "age_band"])["population"].sum()
    years = len(report.weeks) * 7 / 365.25
    weights = esp2013().to_numpy()
    count = frame[outcome.measure.count_column]  # type: ignore[attr-defined]
    checked = 0
    for row in frame.index[count.notna() & (count >= 10)][:40]:
        code = frame.loc[row, "la_code"]
        x = np.array([by_band.get((code, band), 0) for band in AGE_BANDS], dtype=float)
        n = np.array([people.get((code, band), 0) for band in AGE_BANDS], dtype=float) * years
        rate = (weights * x / n).sum() / weights.sum() * 1e5
        assert frame.loc[row, "value"] == pytest.approx(rate, abs=0.051)
        checked += 1
    assert checked > 0
    assert frame.loc[count.notna() & (count < 10), "value"].isna().all()


def test_expected_deaths_are_the_five_year_average(report: Inequalities) -> None:
    """Expected deaths: for each week of the period, the mean of the deaths registered in
    the same ISO week (53 as 52) of 2015 to 2019, summed by hand for two authorities."""
    frame = _released(report, EXCESS)
    rows = report.context.store.all_la_table("deaths")
    iso = pd.DatetimeIndex(rows["week_registered"]).isocalendar()
    rows = rows.assign(year=iso["year"].to_numpy(), week=np.minimum(iso["week"].to_numpy(), 52))
    base = rows[(rows["year"] >= 2015) & (rows["year"] <= 2019)]
    for row in frame.index[frame["deaths_count"].notna()][:2]:
        code = frame.loc[row, "la_code"]
        mine = base[base["la_code"] == code].groupby("week")["deaths"].sum() / 5
        wanted = np.minimum(report.weeks.isocalendar()["week"].to_numpy(), 52)
        expected = sum(float(mine.get(w, 0.0)) for w in wanted)
        assert frame.loc[row, "expected"] == pytest.approx(expected, abs=0.051)
        ratio = frame.loc[row, "deaths_count"] / expected * 100
        assert frame.loc[row, "value"] == pytest.approx(ratio, abs=0.051)


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.name)
def test_deciles_sum_released_totals_only(report: Inequalities, outcome: object) -> None:
    """A decile's count is the sum of its authorities' released totals, withheld totals
    left out (and counted); its case rate is that sum over their people."""
    every = _released(report, outcome)
    deciles = report.deciles(outcome).released_frame()  # type: ignore[arg-type]
    column = outcome.measure.count_column  # type: ignore[attr-defined]
    for decile in range(1, 11):
        members = every[every["imd_decile"] == decile]
        kept = members[members[column].notna()]
        row = deciles[deciles["imd_decile"] == str(decile)].iloc[0]
        assert row[column] == kept[column].sum()
        assert int(row["authorities"]) == len(kept)
        assert int(row["left_out"]) == len(members) - len(kept)
        assert row["population"] == pytest.approx(kept["population"].sum())
        if outcome is CASE_RATE:
            rate = kept[column].sum() / kept["population"].sum() * 1e5
            assert row["value"] == pytest.approx(rate, abs=0.051)
        if outcome is EXCESS:
            ratio = kept[column].sum() / kept["expected"].sum() * 100
            assert row["value"] == pytest.approx(ratio, abs=0.06)


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.name)
def test_line_is_weighted_least_squares_on_released_points(
    report: Inequalities, outcome: object
) -> None:
    """The fitted line equals a weighted least-squares fit by hand (normal equations) on
    the released points only; its residual degrees of freedom are n - 2."""
    every = _released(report, outcome)
    points = every[every["value"].notna()]
    x = (points["imd_score"].to_numpy(dtype=float) - CENTRE) / PER_POINTS
    y = points["value"].to_numpy(dtype=float)
    w = points["population"].to_numpy(dtype=float)
    design = np.column_stack([np.ones_like(x), x])
    beta = np.linalg.solve(design.T @ (design * w[:, None]), design.T @ (w * y))
    model = report.model(outcome)  # type: ignore[arg-type]
    assert [model.value(r, "estimate") for r in range(2)] == pytest.approx(beta, abs=0.051)
    assert float(dict(model.record.properties)["dof"]) == len(points) - 2
    assert report.points(outcome).n_rows == len(points)  # type: ignore[arg-type]


def test_line_withheld_below_the_residual_degrees_of_freedom(
    small_store: Path, tmp_path: Path
) -> None:
    """Under a policy asking for more residual degrees of freedom than authorities, every
    coefficient is withheld, and the figure says the line is not shown."""
    text = (Path(__file__).parents[3] / "ldsa/policies/default.yaml").read_text("utf-8")
    text = text.replace("name: default", "name: many-dof").replace(
        "dof_threshold: 10", "dof_threshold: 100000"
    )
    policy = tmp_path / "many-dof.yaml"
    policy.write_text(text, encoding="utf-8")
    store = Store(small_store)
    code = store.geography.codes[0]
    report = Inequalities.open(str(small_store), code, *PERIOD, str(policy))
    model = report.model(CASE_RATE)
    assert all(model.status(r, "estimate").suppressed for r in range(model.n_rows))
    figure = report.relationship_figure(CASE_RATE)
    assert "The line is not shown" in figure.caption  # type: ignore[union-attr]


def test_inequality_index_matches_an_independent_fit(report: Inequalities) -> None:
    """SII: the gap between the fitted values at the most and least deprived ends of a
    weighted least-squares line (statsmodels) on the released decile values at their
    population mid-point ranks; RII: their ratio; the simulated 95% limits hold them."""
    index = report.inequality_index().released_frame()
    checked = 0
    for outcome in OUTCOMES:
        deciles = report.deciles(outcome).released_frame()
        share = deciles["population"].to_numpy(dtype=float)
        share = share / share.sum()
        rank = np.cumsum(share) - share / 2
        fit = sm.WLS(deciles["value"].to_numpy(dtype=float), sm.add_constant(rank),
                     weights=share).fit()  # fmt: skip
        most, least = fit.params[0], fit.params[0] + fit.params[1]
        row = index[index["outcome_id"] == outcome.name].iloc[0]
        if deciles["value"].isna().any():  # a decile without a rate: no index (small store)
            assert row[["sii", "rii"]].isna().all()
            continue
        checked += 1
        assert row["sii"] == pytest.approx(most - least, abs=0.051)
        assert row["rii"] == pytest.approx(most / least, abs=0.0051)
        assert row["sii_lower"] <= row["sii"] <= row["sii_upper"]
        assert row["rii_lower"] <= row["rii"] <= row["rii_upper"]
        assert row["events_count"] == deciles[outcome.measure.count_column].sum()
    assert checked >= 3


def test_neighbours_compare_both_intervals(report: Inequalities) -> None:
    """Neighbours are the cases report's; each is higher or lower than the authority where
    a z-test of the log ratio, with standard errors from both 95% intervals, is
    significant at 5% (by hand)."""
    table = report.neighbours.released_frame()
    codes = [report.la_code, *report.comparators.codes]
    for outcome in OUTCOMES:
        rows = table[table["outcome_id"] == outcome.name].reset_index(drop=True)
        assert list(rows["la_code"]) == codes
        assert rows.loc[0, "compared_with_this_authority"] == "This authority"
        mine = rows.iloc[0]
        for _, row in rows.iloc[1:].iterrows():
            found = row["compared_with_this_authority"]
            if pd.isna(row["value"]) or pd.isna(mine["value"]):
                assert found == "Not compared"
                continue

            def se(r: pd.Series) -> float:
                return float(np.log(r["upper"] / r["lower"]) / (2 * 1.959964))

            z = np.log(row["value"] / mine["value"]) / np.hypot(se(row), se(mine))
            if 2 * stats.norm.sf(abs(z)) >= 0.05:
                assert found == "Similar"
            else:
                assert found == ("Higher" if z > 0 else "Lower")


def test_points_offered_are_the_drawn_ones(report: Inequalities) -> None:
    """The CSV behind each scatter holds only authorities with a released value (no [c]
    beside a published deprivation score), and the caption counts those left out."""
    for outcome in OUTCOMES:
        every = report.every_authority(outcome)
        points = report.points(outcome)
        drawn = points.released_frame()
        assert drawn["value"].notna().all()
        hidden = every.n_rows - points.n_rows
        caption = report.relationship_figure(outcome).caption  # type: ignore[union-attr]
        assert (f"{hidden} authorities are not drawn" in caption) == (hidden > 0)


def test_presentation_refuses_raw_frames(report: Inequalities) -> None:
    """The scatter draws released tables only."""
    raw = pd.DataFrame({"imd_score": [1.0], "value": [2.0], "la_code": ["x"]})
    with pytest.raises(DisclosureError):
        scatter(raw, report.model(CASE_RATE), highlight="x", label="x", outcome=CASE_RATE,  # type: ignore[arg-type]
                withheld=0)  # fmt: skip


def test_every_section_offers_its_table(report: Inequalities) -> None:
    """Each figure and table offers its released table as a CSV, and the funnel plots
    draw every authority's ratio to England (England = 100 pooled over them)."""
    for outcome in OUTCOMES:
        report.relationship_figure(outcome)
        report.gradient_figure(outcome)
        report.neighbours_table(outcome)
    report.inequality_table()
    for outcome in (CASE_RATE, EXCESS):
        report.funnel_figure(outcome)
        points = report.funnel_points(outcome).released_frame()
        column = outcome.measure.count_column
        kept = points[points[column].notna()]
        assert kept[column].sum() == pytest.approx(kept["expected"].sum(), rel=1e-6)
    offered = set(report.release.tables)
    for outcome in OUTCOMES:
        assert {f"{outcome.name}_by_deprivation", f"{outcome.name}_model",
                f"{outcome.name}_deciles"} <= offered  # fmt: skip
    assert {"inequality_index", "neighbours", "case_rate_funnel", "excess_ratio_funnel"} <= offered


def test_unknown_outcome_is_named(report: Inequalities) -> None:
    """An outcome or funnel the report does not have is refused, naming those it has."""
    with pytest.raises(InvalidParameterError, match="case_rate, all_cause_asmr"):
        report.relationship_figure("deaths")
    with pytest.raises(InvalidParameterError, match="funnel plots of case_rate"):
        report.funnel_figure(COVID)
