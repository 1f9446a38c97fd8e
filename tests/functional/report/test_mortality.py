"""The mortality report: its numbers against independent computations from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa.ageband import AGE_BANDS
from ldsa.data.store import Store
from ldsa.errors import DisclosureError
from ldsa.report import charts, funnel_plot
from ldsa.report.groupings import PLACES
from ldsa.report.measures import COVID_DEATHS, DEATHS
from ldsa.report.mortality import Mortality, excess_age_group
from ldsa.stats import esp2013

PERIOD = ("2020-03-01", "2022-03-31")


@pytest.fixture(scope="module")
def largest(small_store: Path) -> Mortality:
    """The mortality report of the small store's authority with the most people."""
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    return Mortality.open(str(small_store), str(people.idxmax()), *PERIOD)


def _bands(report: Mortality, level: str, covid: bool) -> pd.DataFrame:
    """Deaths registered in the plan's weeks and mid-year people, by age band (by hand)."""
    rows = report.context.table(level, "deaths")
    if covid:
        rows = rows[rows["cause_group"] == "covid"]
    weeks = pd.DatetimeIndex(rows["week_registered"])
    rows = rows[(weeks >= report.weeks[0]) & (weeks <= report.weeks[-1])]
    people = report.context.table(level, "population_bands")
    people = people[people["year"] == report.denominator_year]
    return pd.DataFrame(
        {
            "deaths": rows.groupby("age_band")["deaths"].sum().reindex(AGE_BANDS, fill_value=0),
            "people": people.groupby("age_band")["population"].sum().reindex(AGE_BANDS),
        }
    )


def test_standardised_rates_equal_the_formula(largest: Mortality) -> None:
    """Each released ASMR is sum(w x / (n years)) / sum(w) per 100,000; the SMR is deaths
    over those expected at England's rates on its reference bands; both derive from the
    released count, which is the plan's period total."""
    table = largest.standardised
    years = len(largest.weeks) * 7 / 365.25
    weights = esp2013().to_numpy()
    for row, measure in enumerate((DEATHS, COVID_DEATHS)):
        covid = measure is COVID_DEATHS
        period = largest.plan(measure).period_table(largest.la_code, output_id="p")
        assert table.value(row, "la_count") == period.value(0, f"la_{measure.count_column}")
        for level in ("la", "region", "england"):
            if table.status(row, f"{level}_asmr").suppressed:
                continue
            bands = _bands(largest, level, covid)
            rate = (weights * bands["deaths"] / (bands["people"] * years)).sum() / weights.sum()
            assert table.value(row, f"{level}_asmr") == pytest.approx(rate * 1e5, abs=0.051)
        if not table.status(row, "la_smr").suppressed:
            groups = largest.reference_bands(measure)
            mine, england = _bands(largest, "la", covid), _bands(largest, "england", covid)
            by = pd.Series(groups)
            rates = england["deaths"].groupby(by).sum() / england["people"].groupby(by).sum()
            expected = (mine["people"] * by.map(rates)).sum()
            ratio = mine["deaths"].sum() / expected * 100
            assert table.value(row, "la_smr") == pytest.approx(ratio, abs=0.051)


@pytest.mark.parametrize("measure", [DEATHS, COVID_DEATHS], ids=["all", "covid"])
def test_reference_bands_hold_enough_england_deaths(largest: Mortality, measure: object) -> None:
    """Merged bands cover the ages in order, each with at least the threshold of England's
    deaths, so no SMR of any authority rests on a small England count."""
    groups = largest.reference_bands(measure)  # type: ignore[arg-type]
    assert list(groups) == list(AGE_BANDS)
    england = _bands(largest, "england", measure is COVID_DEATHS)["deaths"]
    totals = england.groupby(pd.Series(groups)).sum()
    assert (totals >= largest.policy.threshold).all()
    assert list(dict.fromkeys(groups.values())) == sorted(
        set(groups.values()), key=lambda g: int(g.split("-")[0].rstrip("+"))
    )


def test_excess_is_registered_less_expected(largest: Mortality) -> None:
    """Observed deaths per period are the plan's; excess is observed less expected wherever
    released; expected sums to the model's total over the same weeks."""
    table = largest.excess.released_frame()
    plan = largest.plan(DEATHS).table(largest.la_code, output_id="x").released_frame()
    column = f"la_{DEATHS.count_column}"
    assert table[column].equals(plan[column])
    shown = table[column].notna()
    assert shown.any()
    observed = table.loc[shown, column].astype(float)
    assert np.allclose(
        observed - table.loc[shown, "expected"], table.loc[shown, "excess"], atol=0.11
    )
    assert (table.loc[shown, "expected_lower"] <= table.loc[shown, "expected"]).all()
    total = largest.excess_total.released_frame().iloc[0]
    if table[column].notna().all():
        assert total["expected"] == pytest.approx(
            largest._excess_model.total["expected"].iloc[0], abs=0.06
        )


def test_cumulative_excess_from_released_values_only(largest: Mortality) -> None:
    """Running totals of deaths add the released periods up to the first withheld one;
    after the last withheld one they are the period total less the later periods (both
    worked out from released values); the periods in between are left out, not marked,
    except the first (where the running totals start)."""
    excess = largest.excess.released_frame()
    periods = excess[f"la_{DEATHS.count_column}"]
    cumulative = largest.cumulative_excess.released_frame()
    running = cumulative.set_index("period_start")[f"cumulative_{DEATHS.count_column}"]
    whole = largest.plan(DEATHS).period_table(largest.la_code, output_id="p")
    total = whole.value(0, f"la_{DEATHS.count_column}")
    withheld = periods.isna().to_numpy()
    before = np.cumsum(withheld) == 0
    later_withheld = np.cumsum(withheld[::-1])[::-1] - withheld
    after = (later_withheld == 0) & (total is not None)
    starts = excess["period_start"]
    first = np.arange(len(starts)) == 0
    assert list(running.index) == list(starts[before | after | first])
    assert running.iloc[1:].notna().all()
    assert (running[starts[before]].to_numpy() == periods[before].cumsum().to_numpy()).all()
    if total is not None:
        later = periods[::-1].fillna(0).cumsum()[::-1].shift(-1, fill_value=0)
        expected = int(total) - later[after & ~before]
        assert (running[starts[after & ~before]].to_numpy() == expected.to_numpy()).all()


def test_excess_model_groups_ages_broadly() -> None:
    """Five-year bands fall into the model's four broad age groups."""
    assert [excess_age_group(b) for b in ("0-4", "60-64", "65-69", "80-84", "85-89", "90+")] == [
        "0-64", "0-64", "65-74", "75-84", "85+", "85+",
    ]  # fmt: skip


def test_funnel_points_for_every_authority(largest: Mortality) -> None:
    """One point per authority: its released period total, expected deaths at England's
    rates (withheld with the count), and the ratio; the figure names this authority."""
    points = largest.funnel_points("deaths")
    frame = points.released_frame()
    assert len(frame) == len(largest.context.store.geography)
    assert frame.loc[frame["deaths_count"].isna(), "expected"].isna().all()
    shown = frame["deaths_count"].notna()
    ratio = frame.loc[shown, "deaths_count"].astype(float) / frame.loc[shown, "expected"] * 100
    assert np.allclose(ratio, frame.loc[shown, "smr"], atol=0.06)
    figure = largest.funnel_figure("deaths")
    assert largest.names()["la"] in figure.alt


def test_life_expectancy_withheld_with_its_deaths(largest: Mortality) -> None:
    """Life expectancy rows follow their count of deaths: released counts give values or
    [u] (PHE's reliability rules), withheld counts withhold the value."""
    table = largest.life_expectancy
    assert [table.text(r, "years") for r in range(table.n_rows)] == [
        "2017 to 2019", "2017 to 2019", "2020 to 2021", "2020 to 2021",
    ]  # fmt: skip
    for row in range(table.n_rows):
        if table.status(row, "deaths_count").suppressed:
            assert table.status(row, "life_expectancy").suppressed


def test_charts_refuse_raw_frames(largest: Mortality) -> None:
    """Every chart of the report takes released tables only."""
    raw = largest.excess.released_frame()
    with pytest.raises(DisclosureError):
        charts.observed_expected(raw, observed_column="x", title="t")  # type: ignore[arg-type]
    with pytest.raises(DisclosureError):
        funnel_plot.funnel_plot(raw, observed_column="x", expected_column="e", name_column="n",  # type: ignore[arg-type]
                           highlight="h", label="l", title="t")  # fmt: skip
    with pytest.raises(DisclosureError):
        largest.release.csv("raw", raw)  # type: ignore[arg-type]


def test_places_of_death_are_the_stores_and_add_up(largest: Mortality) -> None:
    """Each released place's deaths are the store's in its period, and a period whose
    places are all released adds up to the deaths registered in it."""
    table = largest.places.released_frame()
    rows = largest.context.table("la", "deaths")
    grouping = next(g for g in PLACES if set(table["place"]) == set(g.groups.values()))
    places = grouping.apply(rows["place_of_death"])
    weeks = pd.to_datetime(rows["week_registered"])
    checked = 0
    for (start, end), period in table.groupby(["period_start", "period_end"]):
        inside = (weeks >= pd.Timestamp(start)) & (weeks <= pd.Timestamp(end))
        for _, row in period.iterrows():
            if pd.notna(row["deaths_count"]):
                assert (
                    row["deaths_count"]
                    == rows.loc[inside & (places == row["place"]), "deaths"].sum()
                )
                checked += 1
        if period["deaths_count"].notna().all():
            assert period["deaths_count"].sum() == rows.loc[inside, "deaths"].sum()
    assert checked > 0
