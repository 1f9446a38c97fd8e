"""Simulation and unit tests for survey positivity, the design-based check and 1 in N."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit

from ldsa.stats import (
    StatsInputError,
    ascertainment_ratio,
    design_based_positivity,
    one_in_n,
    one_in_n_text,
    survey_positivity,
)

DAYS = pd.date_range("2021-01-04", periods=112)
AGES = {"2-11": 0.2, "12-24": 0.5, "25-49": 0.0, "50-69": -0.3, "70+": -0.6}
SEXES = {"F": 0.0, "M": 0.1}
SHARES = {"2-11": 100, "12-24": 120, "25-49": 300, "50-69": 250, "70+": 150}


def _strata(area: str) -> pd.DataFrame:
    rows = [
        (area, age, sex, SHARES[age] * (1.0 if sex == "F" else 0.95))
        for age in AGES
        for sex in SEXES
    ]
    return pd.DataFrame(rows, columns=["cis_area", "age_band", "sex", "population"])


def _simulate(seed: int, area: str = "J1") -> tuple[pd.DataFrame, np.ndarray]:
    """Daily swabs per age band and sex around a wave peaking at about 7%."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(DAYS))
    curve = -4.0 + 1.5 * np.exp(-(((t - 60) / 25) ** 2))
    strata = _strata(area)
    weights = strata["population"] / strata["population"].sum()
    truth = np.zeros(len(DAYS))
    frames = []
    for (age, sex), weight in zip(
        zip(strata["age_band"], strata["sex"], strict=True), weights, strict=True
    ):
        p = expit(curve + AGES[age] + SEXES[sex])
        truth += weight * p
        tests = rng.poisson(25, size=len(DAYS)) + 1
        frames.append(
            pd.DataFrame(
                {
                    "cis_area": area,
                    "date": DAYS,
                    "age_band": age,
                    "sex": sex,
                    "tests": tests,
                    "positive": rng.binomial(tests, p),
                }
            )
        )
    return pd.concat(frames, ignore_index=True), truth


def test_survey_model_recovers_simulated_positivity_curve() -> None:
    """Over 5 seeded surveys the daily 95% intervals cover the true post-stratified curve on
    at least 85% of days and the estimate stays within 1.5 percentage points of it."""
    coverage = []
    for seed in range(5):
        frame, truth = _simulate(seed)
        result = survey_positivity(frame, _strata("J1"), multiplier=1)
        assert len(result) == len(DAYS)
        coverage.append(np.mean((result["lower"] <= truth) & (truth <= result["upper"])))
        assert np.max(np.abs(result["value"] - truth)) < 0.015
    assert np.mean(coverage) >= 0.85


def test_survey_output_columns_and_areas() -> None:
    """Two areas give one row per area and day, with a percentage and 1 in N wording."""
    first, _ = _simulate(11, "J1")
    second, _ = _simulate(12, "J2")
    strata = pd.concat([_strata("J1"), _strata("J2")])
    result = survey_positivity(pd.concat([first, second]), strata, conf_level=(0.95, 0.998))
    assert list(result["cis_area"].unique()) == ["J1", "J2"]
    assert (result["lower_99_8"] <= result["lower_95"]).all()
    assert (result["value"] < result["upper_95"]).all()
    row = result.iloc[0]
    assert row["wording"] == f"around 1 in {int(one_in_n(row['value'] / 100)[0]):,}"
    assert result["method"].iloc[0].startswith("post-stratified binomial GLM")
    assert result["reason"].isna().all()


def test_survey_area_without_strata_gives_reason() -> None:
    """An area with no population strata gets no estimate, and the reason."""
    frame, _ = _simulate(3, "J9")
    result = survey_positivity(frame, _strata("J1"))
    assert (result["reason"] == "no population strata for the area").all()
    assert result["value"].isna().all()


def test_survey_refuses_more_positives_than_tests() -> None:
    """More positives than tests is refused."""
    frame, _ = _simulate(4)
    with pytest.raises(StatsInputError, match="positive: greater than tests"):
        survey_positivity(frame.assign(positive=frame["tests"] + 1), _strata("J1"))


def test_design_based_positivity_by_hand() -> None:
    """Weighted positivity uses the Kish effective sample size for its Wilson interval."""
    frame = pd.DataFrame(
        {
            "area": ["A"] * 4 + ["B"] * 2,
            "positive": [1, 0, 0, 1, 0, 1],
            "weight": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
        }
    )
    result = design_based_positivity(frame, by="area", multiplier=1).set_index("area")
    assert_allclose(result.loc["A", "value"], 3 / 6)
    assert_allclose(result.loc["A", "n_effective"], 36 / 10)
    assert result.loc["A", "n"] == 4
    assert 0 <= result.loc["B", "lower"] <= 0.5 <= result.loc["B", "upper"] <= 1


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (1 / 17.2, "around 1 in 17"),
        (1 / 63.0, "around 1 in 65"),
        (1 / 157.0, "around 1 in 160"),
        (1 / 1_430.0, "around 1 in 1,400"),
        (1 / 10_870.0, "around 1 in 10,900"),
        (0.6, "around 1 in 2"),
    ],
)
def test_one_in_n_rounds_as_ons(p: float, text: str) -> None:
    """N is rounded like the ONS bulletins: whole numbers, then 5s, 10s and 100s."""
    assert one_in_n_text([p]) == [text]


def test_ascertainment_ratio() -> None:
    """Cases per infected person compares reported cases with survey positivity."""
    assert_allclose(ascertainment_ratio([500.0], [100_000.0], [0.01]), [0.5])
    assert np.isnan(ascertainment_ratio([5.0], [100.0], [0.0])[0])


def test_weeks_without_positives_give_a_low_estimate_not_a_failure() -> None:
    """Six weeks with no positive swab at all (summer 2020 in most areas) leave the model
    fitted: low, finite estimates there with intervals, the wave recovered after them, and
    the residual degrees of freedom reported for the disclosure rules."""
    frame, truth = _simulate(21)
    quiet = frame["date"] < DAYS[42]
    frame.loc[quiet, "positive"] = 0
    result = survey_positivity(frame, _strata("J1"), multiplier=1)
    assert result["reason"].isna().all()
    assert np.isfinite(result[["value", "lower", "upper"]].to_numpy()).all()
    assert result.loc[:30, "value"].max() < 0.01
    later = result["date"] >= DAYS[56]
    assert np.max(np.abs(result.loc[later, "value"] - truth[later.to_numpy()])) < 0.015
    cells = frame.groupby(["date", "age_band", "sex"]).ngroups
    assert 0 < result["df_resid"].iloc[0] < cells


def test_area_without_positives_gives_reason() -> None:
    """An area with no positive swab at all has no model, and says why."""
    frame, _ = _simulate(5)
    result = survey_positivity(frame.assign(positive=0), _strata("J1"))
    assert (result["reason"] == "no positive swab in the area").all()
    assert result["value"].isna().all()


def test_interval_coverage_is_near_95_percent() -> None:
    """Over 20 seeded surveys the daily 95% intervals cover the true post-stratified curve
    on 90% to 99% of days on average (94.7% when written): near their nominal level."""
    coverage = []
    for seed in range(100, 120):
        frame, truth = _simulate(seed)
        result = survey_positivity(frame, _strata("J1"), multiplier=1)
        coverage.append(np.mean((result["lower"] <= truth) & (truth <= result["upper"])))
    assert 0.90 <= np.mean(coverage) <= 0.99
