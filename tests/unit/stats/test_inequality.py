"""Tests for the slope and relative index of inequality with simulated limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from ldsa.stats import StatsInputError, slope_index
from ldsa.stats.inequality import relative_ranks

# Inputs: the worked example of PHEindicatormethods' phe_sii help page (R/SII_function.R
# @ the version with `transform`, ukhsa-collaboration/PHEindicatormethods): two areas'
# life expectancy by decile with populations, 95% limits and standard errors. PHE's
# expected SIIs for it are in testdata_SII.xlsx, a binary workbook the code index cannot
# read; the references below are an independent weighted least-squares fit (statsmodels)
# for the point estimates and the exact normal distribution for the simulated limits.
EXAMPLE = pd.DataFrame(
    {
        "area": ["Area1"] * 10 + ["Area2"] * 10,
        "decile": list(range(1, 11)) * 2,
        "population": [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534, 21675,
                       20065, 19750, 24713, 20112, 19618, 22408, 19752, 18939, 19312],
        "value": [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3, 70.5, 71.6,
                  72.5, 73.5, 73.1, 76.2, 78.7, 80.6, 80.9, 80],
        "lower": [72.7, 75.3, 80.9, 80.2, 77.1, 78, 79, 81.4, 75.8, 83.2, 70.1, 71.1, 72,
                  73.1, 72.7, 75.7, 78.2, 80.1, 80.4, 79.5],
        "upper": [79.1, 81.4, 86.8, 87.1, 83.8, 84.2, 84.4, 86.9, 85.4, 89.4, 71, 72.1, 73.2,
                  73.7, 75.8, 78.8, 79.8, 81.2, 81.3, 80.9],
        "se": [1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57, 0.23, 0.26, 0.3,
               0.16, 0.79, 0.78, 0.4, 0.28, 0.23, 0.35],
    }
)  # fmt: skip
REPETITIONS = 100_000


def _fit(frame: pd.DataFrame) -> pd.DataFrame:
    return slope_index(
        frame, "decile", "population", "value", se="se", by="area", repetitions=REPETITIONS
    ).set_index("area")


@pytest.fixture(scope="module")
def fitted() -> pd.DataFrame:
    """The SII of both example areas, at 95%."""
    return _fit(EXAMPLE)


def test_point_estimates_match_weighted_least_squares(fitted: pd.DataFrame) -> None:
    """SII, intercept and RII equal an independent WLS fit on the mid-point ranks."""
    for area, rows in EXAMPLE.groupby("area"):
        share, rank = relative_ranks(rows["population"].to_numpy(dtype=float))
        model = sm.WLS(rows["value"].to_numpy(), sm.add_constant(rank), weights=share).fit()
        intercept, slope = model.params
        assert_allclose(fitted.loc[area, "sii"], slope, rtol=1e-10)
        assert_allclose(fitted.loc[area, "intercept"], intercept, rtol=1e-10)
        assert_allclose(fitted.loc[area, "rii"], (intercept + slope) / intercept, rtol=1e-10)


def test_simulated_limits_match_the_exact_normal_quantiles(fitted: pd.DataFrame) -> None:
    """For normal values the simulated SII is exactly normal, so its percentiles must
    match SII ± z·sd, sd² = Σ cᵢ² seᵢ² (cᵢ the slope's weights on each decile's value).

    The reference is itself simulated: tolerance 5 Monte Carlo standard errors of a 2.5%
    percentile at 100,000 repetitions (about 0.04 of the SII's sd), not 1e-4.
    """
    for area, rows in EXAMPLE.groupby("area"):
        share, rank = relative_ranks(rows["population"].to_numpy(dtype=float))
        centre = share @ rank
        weights = share * (rank - centre) / (share @ (rank - centre) ** 2)
        sd = float(np.sqrt(np.sum(weights**2 * rows["se"].to_numpy() ** 2)))
        z = stats.norm.ppf(0.975)
        monte_carlo = np.sqrt(0.025 * 0.975 / REPETITIONS) / stats.norm.pdf(z) * sd
        sii = fitted.loc[area, "sii"]
        assert abs(fitted.loc[area, "sii_lower"] - (sii - z * sd)) < 5 * monte_carlo
        assert abs(fitted.loc[area, "sii_upper"] - (sii + z * sd)) < 5 * monte_carlo


# Reference: PHE's own SII machinery run in R 4.2.2 on the help-page example above: the
# functions FindXValues and SimulationFunc (R/utils.R) and phe_sii's data preparation and
# regression lm(yvals ~ sqrt_a + b_sqrt_a - 1) (R/SII_function.R), both @
# 0031e305105d675dae6af8529d6e611eff92faaa (ukhsa-collaboration/PHEindicatormethods), and
# the transform = TRUE back-transformation of R/SII_function.R @
# 0d41bfc6d45d88924dcd103cba9e46bf5435e45e, transcribed into a driver script that is not
# part of ldsa; set.seed(5), 1,000,000 repetitions, 95%. Rate and proportion cases use
# the example's values as rates, and divided by 100 as proportions. Columns: SII, RII,
# intercept, SII limits, RII limits (PHE's transform limits need a SimulationFunc the
# code index does not hold: point estimates only).
PHE_SII = [
    ("normal_se", "Area1", 7.00023476008, 1.08970970491, 78.0320787695, 3.15523300422,
     10.8493695123, 1.0395037866, 1.14244038312),
    ("normal_se", "Area2", 12.6227385636, 1.182034348, 69.3426196881, 12.0111259833,
     13.2352355493, 1.17253237794, 1.19161524136),
    ("normal_cl", "Area1", 7.00023476008, 1.08970970491, 78.0320787695, 3.15900310028,
     10.8488610158, 1.03955571168, 1.14236887163),
    ("normal_cl", "Area2", 12.6227385636, 1.182034348, 69.3426196881, 12.0070475792,
     13.2386022301, 1.17247535877, 1.19166402269),
    ("rate_cl", "Area1", 7.00023476008, 1.08970970491, 78.0320787695, 3.15552669278,
     10.8649266346, 1.03949573054, 1.14254291686),
    ("rate_cl", "Area2", 12.6227385636, 1.182034348, 69.3426196881, 12.0090088894,
     13.2392963318, 1.17251501062, 1.19167857588),
    ("rate_cl_neg", "Area1", -700.023476008, 0.917675593319, 78.0320787695, -1087.66392456,
     -316.312718368, 0.875110249931, 0.961933374927),
    ("rate_cl_neg", "Area2", -1262.27385636, 0.845999104587, 69.3426196881, -1323.73242018,
     -1200.84783024, 0.839179429668, 0.852880731796),
    ("proportion_cl", "Area1", 7.00023476008, 1.08970970491, 0.780320787695, 3.00303927394,
     10.8051415699, 1.03764150292, 1.14201803468),
    ("proportion_cl", "Area2", 12.6227385636, 1.182034348, 0.693426196881, 11.9994106868,
     13.2370883171, 1.17237968266, 1.1916527844),
    ("rate_transform", "Area1", 7.06624104649, 1.09056871467, 78.0207720975),
    ("rate_transform", "Area2", 12.6077307582, 1.1813561747, 69.5191701032),
    ("proportion_transform", "Area1", -6.89470474411, 0.918803126731, 78.0187219258),
    ("proportion_transform", "Area2", -12.7039360586, 0.844401906926, 68.9418978178),
]  # fmt: skip
_LIMITS = {"lower": "lower", "upper": "upper"}
PHE_CASES: dict[str, dict[str, object]] = {
    "normal_se": {"se": "se"},
    "normal_cl": _LIMITS,
    "rate_cl": {**_LIMITS, "value_type": "rate"},
    "rate_cl_neg": {**_LIMITS, "value_type": "rate", "multiplier": -100.0},
    "proportion_cl": {**_LIMITS, "value_type": "proportion", "multiplier": 100.0},
    "rate_transform": {**_LIMITS, "value_type": "rate", "transform": True},
    "proportion_transform": {
        **_LIMITS, "value_type": "proportion", "transform": True, "multiplier": -100.0
    },
}  # fmt: skip


@pytest.mark.parametrize("case", list(PHE_CASES))
def test_matches_phes_sii_code(case: str) -> None:
    """SII, RII and intercept equal PHE's to 1e-9 (42 values); the simulated limits (40)
    agree within Monte Carlo error.

    Two independent simulations cannot agree to 1e-4: at 100,000 repetitions (ldsa) and
    1,000,000 (the reference) a 2.5% percentile carries a Monte Carlo error of about
    0.009 standard errors of the SII, so limits are compared to within 0.05 of the
    reference's half-width over 1.96 (more than 5 Monte Carlo errors).
    """
    frame = EXAMPLE
    if "proportion" in case:
        frame = EXAMPLE.assign(**{c: EXAMPLE[c] / 100 for c in ("value", "lower", "upper")})
    result = slope_index(
        frame, "decile", "population", "value", by="area", repetitions=REPETITIONS,
        **PHE_CASES[case],  # type: ignore[arg-type]
    ).set_index("area")  # fmt: skip
    for name, area, *values in [row for row in PHE_SII if row[0] == case]:
        row = result.loc[area]
        assert_allclose([row["sii"], row["rii"], row["intercept"]], values[:3], rtol=1e-9)
        if len(values) == 3:
            continue
        for statistic, (low, high) in (("sii", values[3:5]), ("rii", values[5:7])):
            tolerance = 0.05 * (high - low) / (2 * 1.96)
            assert abs(row[f"{statistic}_lower"] - low) < tolerance, (name, area, statistic)
            assert abs(row[f"{statistic}_upper"] - high) < tolerance, (name, area, statistic)


def test_seeded_and_limits_from_confidence_limits() -> None:
    """The same seed gives the same limits; 95% limits give the same SE as se= (the
    example's limits are value ± 1.96 se to their rounding)."""
    first = _fit(EXAMPLE)
    assert first.equals(_fit(EXAMPLE))
    from_limits = slope_index(
        EXAMPLE, "decile", "population", "value", lower="lower", upper="upper", by="area",
        repetitions=REPETITIONS,
    ).set_index("area")  # fmt: skip
    assert_allclose(from_limits["sii"], first["sii"], rtol=1e-12)
    assert_allclose(from_limits["sii_lower"], first["sii_lower"], rtol=0.02)


def test_polarity_levels_and_transform() -> None:
    """A negative multiplier flips the SII and inverts the RII; several levels nest; on
    the log scale the SII is exp(a + b) - exp(a)."""
    base = slope_index(EXAMPLE, "decile", value="value", se="se", by="area", repetitions=2_000)
    flipped = slope_index(
        EXAMPLE, "decile", value="value", se="se", by="area", repetitions=2_000, multiplier=-1
    )
    assert_allclose(flipped["sii"], -base["sii"])
    assert_allclose(flipped["rii"], 1 / base["rii"])
    assert (flipped["sii_lower"] <= flipped["sii"]).all()
    both = slope_index(
        EXAMPLE, "decile", value="value", se="se", by="area", repetitions=2_000,
        conf_level=(0.95, 0.998),
    )  # fmt: skip
    assert (both["sii_lower_99_8"] <= both["sii_lower_95"]).all()
    assert (both["rii_upper_95"] <= both["rii_upper_99_8"]).all()
    logged = slope_index(
        EXAMPLE.rename(columns={"decile": "quantile"}), value="value", lower="lower",
        upper="upper", by="area", value_type="rate", transform=True, repetitions=2_000,
    ).set_index("area")  # fmt: skip
    rows = EXAMPLE[EXAMPLE["area"] == "Area1"]
    share, rank = relative_ranks(rows["population"].to_numpy(dtype=float))
    model = sm.WLS(np.log(rows["value"].to_numpy()), sm.add_constant(rank), weights=share).fit()
    a, b = model.params
    assert_allclose(logged.loc["Area1", "sii"], np.exp(a + b) - np.exp(a), rtol=1e-10)
    assert_allclose(logged.loc["Area1", "rii"], np.exp(b), rtol=1e-10)
    assert_allclose(logged.loc["Area1", "intercept"], np.exp(a), rtol=1e-10)
    assert (
        logged.loc["Area1", "sii_lower"]
        < logged.loc["Area1", "sii"]
        < logged.loc["Area1", "sii_upper"]
    )


def test_proportions_simulate_on_the_logit_scale() -> None:
    """Proportions (strictly within 0 and 1) are simulated on the logit scale."""
    frame = pd.DataFrame(
        {"quantile": range(1, 6), "population": 1000.0, "value": [0.3, 0.25, 0.2, 0.15, 0.1],
         "se": 0.1}
    )  # fmt: skip
    result = slope_index(frame, value_type="proportion", se="se", repetitions=5_000).iloc[0]
    assert result["sii_lower"] < result["sii"] < result["sii_upper"] < 0
    assert 0 < result["rii"] < 1


@settings(max_examples=25)
@given(
    intercept=st.floats(min_value=-50, max_value=50),
    slope=st.floats(min_value=-20, max_value=20),
    populations=st.lists(st.floats(min_value=10, max_value=1e5), min_size=5, max_size=12),
)
def test_exactly_linear_values_give_their_slope(
    intercept: float, slope: float, populations: list[float]
) -> None:
    """Values on a straight line in the mid-point rank give that slope as the SII, and
    lower <= SII <= upper."""
    population = np.array(populations)
    _, rank = relative_ranks(population)
    frame = pd.DataFrame(
        {"quantile": np.arange(1, rank.size + 1), "population": population,
         "value": intercept + slope * rank, "se": 0.5}
    )  # fmt: skip
    row = slope_index(frame, se="se", repetitions=1_000, multiplier=2.0).iloc[0]
    assert_allclose(row["sii"], 2.0 * slope, rtol=1e-9, atol=1e-9)
    assert row["sii_lower"] <= row["sii"] + 1e-9 <= row["sii_upper"] + 2e-9


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda f: f[f["decile"] <= 4], {}, r"quantile: expected between 5 and 100.*got 4"),
        (lambda f: f.iloc[1:], {}, r"quantile: every group needs each of the 10"),
        (lambda f: f, {"repetitions": 999}, r"repetitions: expected at least 1,000, got 999"),
        (lambda f: f, {"se": None}, r"se: give se=, or both lower= and upper="),
        (lambda f: f, {"transform": True}, r"transform: needs value_type 'rate'"),
        (lambda f: f, {"value_type": "ratio"}, r"value_type: expected"),
        (lambda f: f, {"value_type": "proportion"}, r"value: proportions must lie"),
        (lambda f: f.assign(value=-f["value"]), {"value_type": "rate"}, r"value: rates must be"),
        (lambda f: f.assign(se=-f["se"]), {}, r"se: negative values"),
        (lambda f: f.assign(population=0.0), {}, r"population: zero or negative"),
    ],
)
def test_invalid_input(change: object, kwargs: dict[str, object], message: str) -> None:
    """Invalid inputs are refused with an error saying what is needed."""
    arguments: dict[str, object] = {"se": "se", "by": "area", "repetitions": 1_000}
    arguments.update(kwargs)
    frame = change(EXAMPLE)  # type: ignore[operator]
    with pytest.raises(StatsInputError, match=message):
        slope_index(frame, "decile", "population", "value", **arguments)  # type: ignore[arg-type]
