"""The projections report: its numbers against independent computations from the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from ldsa.data.prepare import prepare_store
from ldsa.data.store import Store
from ldsa.errors import DisclosureError, InvalidParameterError
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES, COVID_DEATHS
from ldsa.report.projections import Projections, _national
from ldsa.report.projections._charts import fan_chart
from ldsa.report.projections._deaths import LAG_WEEKS, released_rows
from ldsa.report.projections._national import batch_figures
from ldsa.report.projections._projection import BASELINE
from ldsa.report.tables import ReleasedTable
from ldsa.stats.projection import summarise_backtest
from ldsa.stats.reproduction import serial_interval_for

PERIOD = ("2020-03-01", "2022-03-31")
SCENARIOS = [{"name": "Fall by a fifth", "multiply_r": 0.8, "from_day": 0}]


def _codes(small_store: Path) -> tuple[str, str]:
    people = Store(small_store).all_la_table("population_bands").groupby("la_code")["population"]
    totals = people.sum()
    return str(totals.idxmin()), str(totals.idxmax())


#: Copies of each case of the busy authority (the small store has none released weekly).
BUSY_FACTOR = 40


@pytest.fixture(scope="module")
def busy(
    small_store: Path, small_extract: Path, tmp_path_factory: pytest.TempPathFactory
) -> Projections:
    """The report of the small store's largest authority with 40 times its cases, so that
    they are released weekly."""
    root = tmp_path_factory.mktemp("busy")
    shutil.copytree(small_extract, root / "extract")
    code = _codes(small_store)[1]
    cases = pq.read_table(root / "extract" / "cases.parquet")
    mine = cases.filter(pa.compute.equal(cases["la_code"], code))
    cases = pa.concat_tables([cases, *[mine] * (BUSY_FACTOR - 1)])
    pq.write_table(cases, root / "extract" / "cases.parquet")
    manifest = json.loads((root / "extract" / "extract.json").read_text())
    manifest["row_counts"]["cases"] = cases.num_rows
    (root / "extract" / "extract.json").write_text(json.dumps(manifest))
    prepare_store(root / "extract", root / "store")
    return Projections.open(str(root / "store"), code, *PERIOD, scenarios=SCENARIOS)


@pytest.fixture(scope="module")
def large(small_store: Path) -> Projections:
    """The report of the small store's largest authority, with one scenario."""
    return Projections.open(str(small_store), _codes(small_store)[1], *PERIOD,
                            scenarios=SCENARIOS, horizon_weeks=3)  # fmt: skip


@pytest.fixture(scope="module")
def small(small_store: Path) -> Projections:
    """The report of the small store's smallest authority."""
    return Projections.open(str(small_store), _codes(small_store)[0], *PERIOD)


def _by_hand_r(daily: np.ndarray, end: int) -> tuple[float, float]:
    """R's posterior median and 97.5% limit over the 7 days to ``end``, by loops."""
    w = serial_interval_for(dt_of(end).date()).weights()
    lam = [sum(daily[t - s] * w[s] for s in range(1, len(w)) if t - s >= 0) for t in
           range(end - 6, end + 1)]  # fmt: skip
    shape, scale = 1 + daily[end - 6 : end + 1].sum(), 1 / (1 / 5 + sum(lam))
    return (float(stats.gamma.ppf(0.5, shape, scale=scale)),
            float(stats.gamma.ppf(0.975, shape, scale=scale)))  # fmt: skip


def dt_of(index: int) -> pd.Timestamp:
    return pd.Timestamp("2020-03-02") + pd.Timedelta(days=index)


def test_region_r_by_hand(large: Projections) -> None:
    """Each week's R of the region is the closed-form posterior of its cases (from the
    store, by loops), with the serial interval of the week's variant."""
    rows = large.context.table("region", "cases").groupby("date")["cases"].sum()
    rows.index = pd.DatetimeIndex(rows.index)
    daily = rows.reindex(large.days, fill_value=0).to_numpy(dtype=float)
    assert large.days[0] == pd.Timestamp("2020-03-02")
    table = large.comparator_r
    for row in (10, 60, table.n_rows - 1):
        end = (pd.Timestamp(table.text(row, "period_end")) - large.days[0]).days
        median, upper = _by_hand_r(daily, end)
        assert float(table.text(row, "region_r")) == pytest.approx(median, abs=0.006)
        assert float(table.text(row, "region_r_upper")) == pytest.approx(upper, abs=0.006)


def test_authority_r_withheld_where_its_weeks_are(busy: Projections) -> None:
    """The authority's R is withheld wherever the plan withholds its week's cases or
    either week's before, and wherever the week has fewer cases than the threshold; the
    rest is the closed-form posterior of its own cases."""
    assert busy.level == "la"
    plan, table = busy.weekly_plan, busy.la_r
    assert plan is not None
    assert table is not None
    count = f"la_{CASES.count_column}"
    withheld = [plan.status(r, count).suppressed for r in range(plan.n_rows)]
    assert any(withheld)
    assert not all(withheld)
    daily = busy.daily("la")
    for row in range(table.n_rows):
        end = (pd.Timestamp(table.text(row, "period_end")) - busy.days[0]).days
        few = daily[end - 6 : end + 1].sum() < busy.policy.threshold
        if any(withheld[max(0, row - 2) : row + 1]) or few or row < 2:
            assert table.status(row, "la_r").suppressed
        elif row in (20, table.n_rows - 1):
            median, _ = _by_hand_r(daily, end)
            assert float(table.text(row, "la_r")) == pytest.approx(median, abs=0.006)


def test_busy_authority_has_its_own_projection_and_backtest(busy: Projections) -> None:
    """Its fan chart draws its released weekly cases; its backtest chart its past
    projections, withheld where the weeks they rest on are."""
    assert isinstance(busy.projection_figure(), FigureOutput)
    assert isinstance(busy.backtest_figure(), FigureOutput)
    past = busy.backtest_weeks.released_frame()
    assert (past.dropna()["lower_90"] <= past.dropna()["upper_90"]).all()
    assert busy.names()["la"] in busy.backtest_summary.released_frame()["area"].iloc[0]
    assert busy.r_messages()[0].startswith("In the week to")


def test_small_authority_shows_its_region(small: Projections) -> None:
    """Too few cases: the region's R and projection, with a note saying why."""
    assert small.level == "region"
    assert "its region" in small.level_note()
    assert small.messages().lines[0] == small.level_note()
    assert isinstance(small.backtest_figure(), Notice)
    assert isinstance(small.r_figure(), FigureOutput)
    if small.projection_notice() is None:  # the fan chart draws the region's cases
        assert isinstance(small.projection_figure(), FigureOutput)
        weekly = small.region_weekly()  # None where no authority of the region is weekly
        if weekly is not None:
            assert small.release.tables["region_weekly_cases"] is weekly
            assert list(weekly.columns)[-1] == "region_cases_count"
    assert "region" in small.r_table().caption or small.names()["region"] in small.r_table().caption


def test_projection_has_baseline_and_scenarios(large: Projections) -> None:
    """Three weeks of the baseline and of the scenario after the last complete week;
    quantiles in order; a fall in R projects fewer cases."""
    table = large.projection.released_frame()
    assert list(table["scenario"]) == [BASELINE] * 3 + ["Fall by a fifth"] * 3
    first = pd.Timestamp(table["period_start"].iloc[0]).date()
    assert first == large.origin + pd.Timedelta(days=1)
    assert first.weekday() == 0
    shown = table.dropna()
    assert (shown["lower_90"] <= shown["lower_50"]).all()
    assert (shown["lower_50"] <= shown["median"]).all()
    assert (shown["median"] <= shown["upper_50"]).all()
    assert (shown["upper_50"] <= shown["upper_90"]).all()
    if not shown.empty:
        assert table["median"].iloc[5] < table["median"].iloc[2]
        scenario = "Fall by a fifth: if transmission fell by a fifth"
        assert any(line.startswith(scenario) for line in large.messages().lines)


def test_incomplete_days_are_left_out(large: Projections) -> None:
    """No R or projection rests on the last five days of data."""
    assert large.origin < large.incomplete_from
    assert large.days[-1].date() == large.origin


def test_backtest_scores_are_released_summaries(large: Projections) -> None:
    """Coverage between 0 and 100 for the level shown and England, per week ahead."""
    frame = large.backtest_summary.released_frame()
    assert set(frame["week"]) == {"1 week ahead", "2 weeks ahead"}
    assert list(frame["area"].iloc[-4:]) == ["England"] * 2 + [large.pooled_name()] * 2
    shown = frame.dropna()
    assert ((shown["coverage_90"] >= 0) & (shown["coverage_90"] <= 100)).all()
    assert (shown["coverage_90"] >= shown["coverage_50"]).all()


def test_charts_refuse_raw_frames(large: Projections) -> None:
    """A fan chart of a raw DataFrame is refused."""
    with pytest.raises(DisclosureError):
        fan_chart(large.projection.released_frame(), None, name="x", note="")  # type: ignore[arg-type]


def test_open_checks_the_scenarios_first(small_store: Path) -> None:
    """A bad scenario is refused before the store is opened."""
    with pytest.raises(InvalidParameterError, match="scenario 1"):
        Projections.open("/nonexistent", "E06900001", *PERIOD, scenarios=[{"name": "x"}])


def test_cli_runs_projections_for_the_smallest_and_largest(
    small_store: Path, tmp_path: Path
) -> None:
    """``ldsa run --templates projections`` for the smallest and the largest authority:
    exit 0, both reports and their CSVs, and ``ldsa check`` finds nothing."""
    codes = _codes(small_store)
    env = {**os.environ, "LDSA_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "ldsa"]
    run = subprocess.run(
        [*command, "run", "--store", str(small_store), "--out", str(tmp_path / "reports"),
         "--templates", "projections", "--authorities", *codes, "--workers", "1"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    for code in codes:
        assert (tmp_path / "reports" / code / "projections.html").is_file()
        assert (
            tmp_path / "reports" / code / "tables" / f"{code}_projections_projection.csv"
        ).is_file()
    assert (tmp_path / "cache" / "projections").is_dir()  # the batch's figures, once
    check = subprocess.run(
        [*command, "check", str(tmp_path / "reports")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:]


def test_national_backtest_pools_every_authority_once(large: Projections) -> None:
    """The pooled rows score every authority's own backtest together; the batch's scores
    of an authority, its region and England are what the report would compute itself;
    a second report reads them from the cache (nothing is computed again)."""
    everything = batch_figures(large)
    codes = large.context.store.geography.codes
    assert everything.authorities == len(codes)
    frames = [everything.scores[c] for c in codes if not everything.scores[c].empty]
    expected = summarise_backtest(pd.concat(frames))
    pd.testing.assert_frame_equal(everything.pooled, expected, check_dtype=False)
    own = large.backtest_of(large.daily("region"))
    pd.testing.assert_frame_equal(large._scores("region"), own, check_dtype=False)
    pooled = large.backtest_summary.released_frame().iloc[-2:].reset_index(drop=True)
    assert list(pooled["area"]) == [f"All {len(codes)} authorities"] * 2
    assert list(pooled["projections"]) == list(expected["projections"])
    assert pooled["coverage_90"].tolist() == pytest.approx(
        expected["coverage_90"].tolist(), abs=0.5
    )


def test_batch_figures_are_computed_once(
    large: Projections, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another report of the same store, policy and period reads the cached figures."""
    batch_figures(large)
    monkeypatch.setattr(_national, "compute", lambda report: pytest.fail("computed again"))
    again = Projections.open(str(large.context.store.path), large.la_code, *PERIOD)
    assert again.batch.authorities == large.batch.authorities
    assert again.backtest_summary.to_csv_text() == large.backtest_summary.to_csv_text()


@pytest.mark.parametrize("which", ["busy", "large", "small"])
def test_projected_deaths_rest_on_released_counts(
    which: str, request: pytest.FixtureRequest
) -> None:
    """Where deaths are projected, the ratio's deaths and cases are sums of values the
    plans release (the authority's own or its region's cells of the window), the table's
    quantiles are in order, and it is withheld on fewer deaths than the threshold;
    elsewhere a notice says why."""
    report: Projections = request.getfixturevalue(which)
    table = report.deaths_table()
    ratio, whose, note = report._ratio
    if ratio is None:
        assert isinstance(table, Notice)
        assert table.text.startswith("No deaths are projected")
        return
    assert isinstance(table, ReleasedTable)
    assert ratio.deaths >= report.policy.threshold
    if whose == "la":
        cells = released_rows(
            report.plan(COVID_DEATHS).table(report.la_code, output_id="t"), "la_covid_deaths_count"
        )
    else:
        deaths, _ = report._region_rows()
        cells = deaths
        assert note == "" or report.names()["region"] in note
    inside = [v for a, b, v in cells if str(ratio.first) <= a and b <= str(ratio.last)]
    assert None not in inside
    assert sum(int(v or 0) for v in inside) == ratio.deaths
    frame = report.projected_deaths.released_frame().dropna()
    assert (frame["lower_90"] <= frame["median"]).all()
    assert (frame["median"] <= frame["upper_90"]).all()
    lagged = pd.Timestamp(frame["cases_from"].iloc[0]) + pd.Timedelta(weeks=LAG_WEEKS)
    assert pd.Timestamp(frame["period_start"].iloc[0]) == lagged
