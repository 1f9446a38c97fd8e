"""Simulation and unit tests for excess deaths (OHID model and 5-year average)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.calendar import is_bank_holiday
from ldsa.stats import StatsInputError, excess_deaths, five_year_average

SIMULATIONS = 50
WEEKS = pd.date_range("2015-01-05", "2020-12-28", freq="7D")  # Mondays


def _simulate(seed: int, base: float, phi: float) -> tuple[pd.DataFrame, float]:
    """Weekly deaths with trend and season; in spring 2020 half as many again die."""
    rng = np.random.default_rng(seed)
    years = (WEEKS - WEEKS[0]).days.to_numpy() / 365.25
    season = 0.25 * np.cos(2 * np.pi * WEEKS.day_of_year.to_numpy() / 365.25)
    mean = base * np.exp(0.01 * years + season)
    wave = (WEEKS >= "2020-03-23") & (WEEKS < "2020-06-01")
    excess = np.where(wave, 0.5 * mean, 0.0)
    expected = mean + excess
    if phi > 1:  # gamma-Poisson mixing: variance phi times the mean
        expected = rng.gamma(expected / (phi - 1), phi - 1)
    frame = pd.DataFrame(
        {
            "la_code": "E1",
            "week_start": WEEKS,
            "deaths": rng.poisson(expected),
            "population": 100_000.0,
        }
    )
    return frame, float(excess[WEEKS.year == 2020].sum())


@pytest.mark.slow  # the simulation study: 150 model fits
@pytest.mark.parametrize(
    ("base", "phi", "minimum"),
    [(20.0, 1.0, 43), (20.0, 1.5, 43), (2.0, 1.0, 43)],  # observed coverage 46, 48, 48 of 50
)
def test_excess_total_interval_covers_simulated_excess(
    base: float, phi: float, minimum: int
) -> None:
    """In 50 seeded simulations the 95% interval of 2020's total excess covers the truth
    in at least 43 (86%), for ordinary and small weekly counts."""
    covered = 0
    for seed in range(SIMULATIONS):
        frame, truth = _simulate(seed, base, phi)
        total = excess_deaths(frame, by="la_code").total.iloc[0]
        covered += total["lower"] <= truth <= total["upper"]
    assert covered >= minimum


def test_working_day_offset_follows_registrations_in_holiday_weeks() -> None:
    """Deaths registered only on working days (no excess): the model expects fewer in the
    weeks of 2020's bank holidays, where observed/expected stays within 10% of 1 (a model
    without the offset and holiday terms would be 20-40% off in Christmas weeks)."""
    days = pd.DatetimeIndex(np.repeat(WEEKS.to_numpy(), 7)) + pd.to_timedelta(
        np.tile(np.arange(7), len(WEEKS)), unit="D"
    )
    working = ((days.day_of_week < 5) & ~is_bank_holiday(days)).reshape(-1, 7).sum(axis=1)
    years = (WEEKS - WEEKS[0]).days.to_numpy() / 365.25
    mean = 400 * np.exp(0.01 * years + 0.25 * np.cos(2 * np.pi * WEEKS.day_of_year / 365.25))
    deaths = np.random.default_rng(3).poisson(mean * working / 5)
    frame = pd.DataFrame({"week_start": WEEKS, "deaths": deaths, "population": 1e5})
    weekly = excess_deaths(frame).weekly.set_index("week")
    holidays = ["2020-05-04", "2020-05-25", "2020-08-31", "2020-12-21", "2020-12-28"]
    assert (abs(weekly.loc[holidays, "ratio"] - 1) < 0.1).all()
    expected = weekly["expected"]
    assert expected["2020-12-21"] < 0.85 * expected["2020-12-14"]  # 4 working days of 5
    assert expected["2020-12-28"] < 0.65 * expected["2020-12-14"]  # 3 of 5


def test_excess_weekly_columns_and_ratio() -> None:
    """Weekly output has expected limits, excess limits and a ratio, for analysis weeks only."""
    frame, _ = _simulate(1, 30.0, 1.0)
    result = excess_deaths(frame, by="la_code", conf_level=(0.95, 0.998))
    weekly = result.weekly
    assert (weekly["week"].dt.year == 2020).all()
    assert (weekly["expected_lower_99_8"] <= weekly["expected_lower_95"]).all()
    assert (weekly["expected_lower_95"] <= weekly["expected"]).all()
    assert (weekly["expected"] <= weekly["expected_upper_95"]).all()
    assert_allclose(weekly["value"], weekly["observed"] - weekly["expected"])
    assert_allclose(weekly["upper_95"], weekly["observed"] - weekly["expected_lower_95"])
    assert_allclose(weekly["ratio"], weekly["observed"] / weekly["expected"])
    assert weekly["reason"].isna().all()
    assert result.total["weeks"].iloc[0] == len(weekly)
    assert result.baseline_years == (2015, 2019)


def test_excess_without_baseline_deaths_gives_reason() -> None:
    """An area with no deaths in the baseline gets no expected deaths, with the reason."""
    frame, _ = _simulate(2, 10.0, 1.0)
    empty = frame.assign(la_code="E2", deaths=0)
    result = excess_deaths(pd.concat([frame, empty]), by="la_code")
    total = result.total.set_index("la_code")
    assert total.loc["E2", "reason"] == "no deaths in the baseline"
    assert np.isnan(total.loc["E2", "expected"])
    assert pd.isna(total.loc["E1", "reason"])


def test_excess_refuses_weeks_beyond_bank_holiday_calendar() -> None:
    """Weeks after the bank-holiday calendar ends (2030) are refused, not mis-modelled."""
    frame, _ = _simulate(3, 10.0, 1.0)
    late = frame.assign(week_start=frame["week_start"] + pd.Timedelta(days=7 * 52 * 11))
    with pytest.raises(StatsInputError, match=r"week: \d+ week\(s\) outside the bank-holiday"):
        excess_deaths(late, baseline_years=(2026, 2030))


def test_excess_through_2023_is_modelled() -> None:
    """A week starting 2022-12-31 (refused before the calendar was extended) is modelled,
    and the analysis starts on 21 March 2020, not in January."""
    weeks = pd.date_range("2015-01-05", "2023-03-27", freq="7D")
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {"week_start": weeks, "deaths": rng.poisson(30, len(weeks)), "population": 1e5}
    )
    frame.loc[len(frame)] = [pd.Timestamp("2022-12-31"), 30, 1e5]
    result = excess_deaths(frame.sort_values("week_start"))
    assert result.weekly["week"].min() == pd.Timestamp("2020-03-23")
    assert result.weekly["week"].max() == pd.Timestamp("2023-03-27")
    assert result.weekly["expected"].notna().all()
    assert result.analysis_start == pd.Timestamp("2020-03-21")


def test_excess_refuses_duplicate_weeks() -> None:
    """Duplicate weeks in a group are refused."""
    frame, _ = _simulate(4, 10.0, 1.0)
    with pytest.raises(StatsInputError, match="duplicate weeks"):
        excess_deaths(pd.concat([frame, frame.iloc[[5]]]), by="la_code")


def test_five_year_average_by_hand() -> None:
    """The 5-year average is the mean of the same ISO week in 2015-2019; week 53 uses 52."""
    rows = []
    for year in range(2015, 2021):
        for week in (1, 52, 53):
            if week == 53 and year != 2020:
                continue
            start = pd.Timestamp.fromisocalendar(year, week, 1)
            rows.append({"week_start": start, "deaths": year - 2010 + week})
    result = five_year_average(pd.DataFrame(rows)).set_index("iso_week")
    assert_allclose(result.loc[1, "expected"], np.mean([6, 7, 8, 9, 10]))
    assert_allclose(result.loc[53, "expected"], np.mean([57, 58, 59, 60, 61]))
    assert_allclose(result.loc[53, "value"], 10 + 53 - 59)
    assert (result["method"] == "5-year average").all()


STRATA = [("F", "0-64", 2.0), ("F", "65+", 12.0), ("M", "0-64", 3.0), ("M", "65+", 10.0)]


def _simulate_strata(seed: int, groups: int = 1) -> tuple[pd.DataFrame, float]:
    """Weekly deaths by sex and age (age-specific trends) in one or more areas; in spring
    2020 deaths at 65+ rise by 60%. Returns the frame and the true total excess."""
    rng = np.random.default_rng(seed)
    years = (WEEKS - WEEKS[0]).days.to_numpy() / 365.25
    season = 0.2 * np.cos(2 * np.pi * WEEKS.day_of_year.to_numpy() / 365.25)
    wave = (WEEKS >= "2020-03-23") & (WEEKS < "2020-06-01")
    rows, truth = [], 0.0
    for area in range(groups):
        for sex, age, base in STRATA:
            trend = 0.02 if age == "65+" else -0.01
            mean = base * (1 + 0.2 * area) * np.exp(trend * years + season)
            excess = np.where(wave & (age == "65+"), 0.6 * mean, 0.0)
            truth += float(excess.sum())
            rows.append(
                pd.DataFrame(
                    {
                        "la_code": f"E{area}",
                        "sex": sex,
                        "age_band": age,
                        "week_start": WEEKS,
                        "deaths": rng.poisson(mean + excess),
                        "population": 50_000.0,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True), truth


@pytest.mark.slow  # 20 model fits over 4 strata
def test_pooled_model_with_strata_covers_simulated_excess() -> None:
    """One pooled model over sex and age strata (trend by age): in 20 seeded simulations
    the 95% interval of 2020's total excess covers the truth at least 17 times (85%)."""
    covered = 0
    for seed in range(20):
        frame, truth = _simulate_strata(seed)
        result = excess_deaths(frame, by="la_code", strata=["sex", "age_band"], age="age_band")
        total = result.total.iloc[0]
        covered += total["lower"] <= truth <= total["upper"]
    assert covered >= 17
    # Intercept, trend, sex, age, trend by age, 4 seasonal terms, 5 holiday terms.
    assert result.n_parameters == 14
    assert "sex, age_band" in result.method_note
    assert result.dispersion >= 1


def test_several_areas_in_one_model() -> None:
    """Areas share one model; each area gets its own weekly and total rows."""
    frame, _ = _simulate_strata(5, groups=3)
    result = excess_deaths(frame, by="la_code", strata=["sex", "age_band"], age="age_band")
    assert list(result.total["la_code"]) == ["E0", "E1", "E2"]
    assert result.weekly.groupby("la_code").size().nunique() == 1
    assert result.total["dispersion"].nunique() == 1
    assert (result.total["weeks"] == result.weekly.groupby("la_code").size().to_numpy()).all()
    assert_allclose(
        result.total["observed"], result.weekly.groupby("la_code")["observed"].sum().to_numpy()
    )


def test_stratum_level_without_baseline_deaths_expects_none() -> None:
    """A stratum with no deaths in five baseline years is expected to have none; the age
    column joins the strata when only ``age`` is given."""
    frame, _ = _simulate_strata(6)
    young = frame["age_band"] == "0-64"
    frame.loc[young & (frame["week_start"].dt.year <= 2019), "deaths"] = 0
    result = excess_deaths(frame, strata="sex", age="age_band")
    assert "sex, age_band" in result.method_note
    assert result.total["expected"].iloc[0] > 0
    assert result.total["reason"].isna().all()


def test_analysis_start_inside_baseline_refused() -> None:
    """The pandemic period cannot start inside the baseline years."""
    frame, _ = _simulate(7, 10.0, 1.0)
    with pytest.raises(StatsInputError, match="analysis_start: must fall after"):
        excess_deaths(frame, analysis_start="2019-06-01")
    from_january = excess_deaths(frame, analysis_start=None)
    assert from_january.weekly["week"].min() < pd.Timestamp("2020-01-08")


def test_totals_by_periods_and_strata_add_up() -> None:
    """Totals broken down by a period label or by strata come from the same model: their
    observed and expected deaths add up to the total, each with its own interval, and a
    constant column gives the total itself."""
    frame, _ = _simulate_strata(8, groups=2)
    frame["month"] = frame["week_start"].dt.strftime("%Y-%m")
    frame["everything"] = "all"
    result = excess_deaths(frame, by="la_code", strata=["sex", "age_band"], age="age_band")
    total = result.total.set_index("la_code")
    for columns in ("month", ["sex", "age_band"]):
        parts = result.totals_by(columns)
        sums = parts.groupby("la_code")[["observed", "expected", "weeks"]].sum()
        assert_allclose(sums["observed"], total["observed"])
        assert_allclose(sums["expected"], total["expected"])
        assert (parts["expected_lower"] <= parts["expected"]).all()
        assert (parts["expected"] <= parts["expected_upper"]).all()
    months = result.totals_by("month")
    assert (months.groupby("la_code")["weeks"].sum() == total["weeks"]).all()
    whole = result.totals_by("everything").set_index("la_code")
    columns = ["observed", "expected", "expected_lower", "expected_upper", "lower", "upper"]
    assert_allclose(whole[columns], total[columns])


def test_totals_by_needs_a_known_column_and_a_model() -> None:
    """An unknown column is refused; a result built by hand holds no model to sum."""
    frame, _ = _simulate(9, 10.0, 1.0)
    result = excess_deaths(frame)
    with pytest.raises(StatsInputError, match="nowhere"):
        result.totals_by("nowhere")
    bare = dataclasses.replace(result, _fit=None)
    with pytest.raises(StatsInputError, match="no fitted model"):
        bare.totals_by("month")


def test_running_totals_by_period_match_prefix_sums() -> None:
    """Running totals by period equal the totals over each prefix of periods (computed as
    one cell with a constant label), intervals included, restarting in each group."""
    frame, _ = _simulate_strata(10, groups=2)
    frame["quarter"] = frame["week_start"].dt.to_period("Q").astype(str)
    result = excess_deaths(frame, by="la_code", strata=["sex", "age_band"], age="age_band")
    running = result.totals_by("quarter", running=True)
    quarters = sorted(frame.loc[frame["week_start"] >= "2020-03-21", "quarter"].unique())
    columns = ["weeks", "observed", "expected", "expected_lower", "expected_upper"]
    for position in (0, 2, len(quarters) - 1):
        frame["prefix"] = np.where(frame["quarter"] <= quarters[position], "in", "out")
        prefix = excess_deaths(
            frame, by="la_code", strata=["sex", "age_band"], age="age_band"
        ).totals_by("prefix")
        expected = prefix[prefix["prefix"] == "in"].set_index("la_code")[columns]
        mine = running[running["quarter"] == quarters[position]].set_index("la_code")[columns]
        assert_allclose(mine.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-9)


def test_running_totals_of_one_ungrouped_series() -> None:
    """Without groups, running totals by period run over the whole series."""
    frame, _ = _simulate(11, 10.0, 1.0)
    frame["year"] = frame["week_start"].dt.year
    running = excess_deaths(frame).totals_by("year", running=True)
    total = excess_deaths(frame).total.iloc[0]
    assert running["observed"].iloc[-1] == total["observed"]
    assert running["expected"].iloc[-1] == pytest.approx(total["expected"])
