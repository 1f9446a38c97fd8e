"""Reference, boundary and property tests for life expectancy (Chiang II, Silcocks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ldsa.stats import StatsInputError, life_expectancy
from ldsa.stats.life_expectancy import PHE_AGE_STARTS

# Reference: PHEindicatormethods (UKHSA), tests/testthat/testLifeExpectancy.R
# @ 005c05b0e1a6be4a7d35e2d737f90bc01d9b3b06: the inputs `df1` and the expected `answer1`
# (life expectancy at each of the 20 start ages with 95% limits), values from PHE's Life
# Expectancy Calculator. Copied values only.
POPULATION = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209,
              56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]  # fmt: skip
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605,
          1936, 1937]  # fmt: skip
VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
         55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
         27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
         6.163942934, 6.16210635]  # fmt: skip
LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
         55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
         27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
         5.978358351, 5.887683386]  # fmt: skip
UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
         56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
         27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
         6.349527517, 6.436529314]  # fmt: skip
RTOL = 1e-6


def _frame(deaths: list[float] = DEATHS, population: list[float] = POPULATION) -> pd.DataFrame:
    return pd.DataFrame({"age": PHE_AGE_STARTS, "deaths": deaths, "population": population})


def test_matches_phe_life_expectancy_calculator() -> None:
    """All 60 reference values (value, lower, upper at 20 ages) match to 1e-6.

    The reference's limits use z = 1.96 (half-widths 1.96/1.959964 = 1.0000184 times
    ldsa's, which uses the exact normal quantile); that stays within 1e-6 relative here.
    """
    result = life_expectancy(_frame())
    assert_allclose(result["value"], VALUE, rtol=RTOL)
    assert_allclose(result["lower"], LOWER, rtol=RTOL)
    assert_allclose(result["upper"], UPPER, rtol=RTOL)
    half = (np.array(UPPER) - np.array(LOWER)) / (result["upper"] - result["lower"])
    assert_allclose(half, 1.96 / 1.959963984540054, rtol=1e-7)
    assert result["reason"].isna().all()
    assert (result["method"] == "Chiang, using Silcocks et al for confidence limits").all()


# Reference: PHE's life-table code where a band's deaths exceed P/(n a), so that Chiang's
# q would exceed 1 and PHE sets it to 1: answer1's inputs with 6,000 deaths at 85-89
# (population 11,936; PHE's bound 11,936 / 5 / 0.5 = 4,774.4). Computed with R 4.2.2
# running the calculation of phe_life_expectancy (R/LifeExpectancy.R @
# 0031e305105d675dae6af8529d6e611eff92faaa, ukhsa-collaboration/PHEindicatormethods),
# transcribed into a driver script that is not part of ldsa; exact normal quantile, so
# the tolerance is 1e-9. Ages 0 to 85 (at 90 nobody is left: PHE gives 0, no limits).
CAPPED_VALUE = [78.6216377433, 77.8107580473, 73.8886435897, 68.9190450221, 63.9738586514,
                59.1162614373, 54.226485576, 49.361574006, 44.4969279147, 39.6681761936,
                34.9062467332, 30.2305751498, 25.6340928078, 21.2989890899, 17.0305421727,
                13.0934236898, 9.41839937147, 6.03121511064, 2.5]  # fmt: skip
CAPPED_LOWER = [78.3692324109, 77.574296311, 73.6574786487, 68.6897095458, 63.7475012097,
                58.8981528308, 54.0152054325, 49.1567711649, 44.2968078903, 39.4729506442,
                34.7177881484, 30.0512712703, 25.4632152815, 21.1432366456, 16.892130371,
                12.9777766773, 9.32769177049, 5.97082777707, 2.5]  # fmt: skip
CAPPED_UPPER = [78.8740430757, 78.0472197836, 74.1198085306, 69.1483804984, 64.2002160931,
                59.3343700439, 54.4377657195, 49.5663768472, 44.6970479391, 39.863401743,
                35.0947053179, 30.4098790293, 25.804970334, 21.4547415341, 17.1689539744,
                13.2090707023, 9.50910697246, 6.0916024442, 2.5]  # fmt: skip


def test_band_where_everyone_dies_matches_phe() -> None:
    """Where D > P/(n a) q is 1, as in PHE's code: all 57 values (ages 0-85) match to
    1e-9, and at 90 the value is 0 with no limits."""
    deaths = [*DEATHS[:18], 6000, DEATHS[19]]
    result = life_expectancy(_frame(deaths))
    assert_allclose(result["value"].iloc[:19], CAPPED_VALUE, rtol=1e-9)
    assert_allclose(result["lower"].iloc[:19], CAPPED_LOWER, rtol=1e-9)
    assert_allclose(result["upper"].iloc[:19], CAPPED_UPPER, rtol=1e-9)
    assert result["value"].iloc[19] == 0
    assert result[["lower", "upper"]].iloc[19].isna().all()


def test_rows_in_any_order_and_groups() -> None:
    """Bands in any order, and several groups at once, give the same answers."""
    frame = _frame().sample(frac=1.0, random_state=1)
    two = pd.concat([frame.assign(area="A"), frame.assign(area="B")])
    result = life_expectancy(two, by="area", conf_level=(0.95, 0.998))
    assert list(result["area"].unique()) == ["A", "B"]
    for area in ("A", "B"):
        rows = result[result["area"] == area]
        assert_allclose(rows["value"], VALUE, rtol=RTOL)
        assert (rows["lower_99_8"] < rows["lower_95"]).all()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d, p: (d, [*p[:5], 0, *p[6:]]), "a band has zero person-years"),
        (lambda d, p: ([*d[:18], 200, d[19]], [*p[:18], 119, p[19]]),
         "a band has more deaths than person-years"),
        (lambda d, p: ([*d[:19], 0], p), "no deaths in the final (open) band"),
    ],
)  # fmt: skip
def test_phe_rules_withhold_every_value(change: object, reason: str) -> None:
    """A zero-population band, deaths above population, or no deaths at 90+: no estimate."""
    deaths, population = change(DEATHS, POPULATION)  # type: ignore[operator]
    result = life_expectancy(_frame(deaths, population))
    assert result[["value", "lower", "upper"]].isna().all().all()
    assert (result["reason"] == reason).all()


@pytest.mark.parametrize(
    ("total", "withheld"), [(4_999.0, True), (5_000.0, False), (5_001.0, False)]
)
def test_5000_person_years_boundary(total: float, withheld: bool) -> None:
    """Under 5,000 total person-years there is no estimate; at 5,000 there is."""
    population = np.full(20, total / 20)
    deaths = np.r_[np.zeros(19), 30.0]
    result = life_expectancy(_frame(list(deaths), list(population)))
    under = (result["reason"].fillna("") == "total person-years under 5,000").all()
    assert bool(under) == withheld
    assert result["value"].isna().all() == withheld


def test_wide_interval_withholds_value_not_limits() -> None:
    """Where the 95% interval is wider than 20 years the value is withheld (limits kept)."""
    deaths = [1.0] * 19 + [5.0]
    result = life_expectancy(_frame(deaths, [300.0] * 20))
    wide = (result["upper"] - result["lower"]) > 20
    assert wide.any()
    assert result.loc[wide, "value"].isna().all()
    assert (result.loc[wide, "reason"] == "95% interval wider than 20 years").all()
    assert result.loc[wide, ["lower", "upper"]].notna().all().all()


def test_custom_bands_and_zero_deaths() -> None:
    """Five-year bands from 0 (no infant band) and bands with no deaths are calculated."""
    starts = list(range(0, 95, 5))
    frame = pd.DataFrame(
        {"age": starts, "deaths": [0.0] * 10 + [50.0] * 8 + [2000.0], "population": [4000.0] * 19}
    )
    result = life_expectancy(frame, age_starts=starts)
    assert result["value"].notna().all()
    assert (np.diff(result["value"]) < 0).all()


@settings(max_examples=40)
@given(
    rates=st.lists(st.floats(min_value=1e-4, max_value=0.05), min_size=20, max_size=20),
    size=st.floats(min_value=2_000, max_value=200_000),
    final=st.floats(min_value=0.1, max_value=0.4),
)
def test_properties(rates: list[float], size: float, final: float) -> None:
    """lower <= value <= upper; expectancy at 90+ is 1/M there; more deaths, shorter lives."""
    population = np.full(20, size)
    deaths = np.round(np.r_[rates[:19], final] * population)
    deaths[-1] = max(deaths[-1], 1.0)
    result = life_expectancy(_frame(list(deaths), list(population)))
    known = result["value"].notna()
    assert (result.loc[known, "lower"] <= result.loc[known, "value"]).all()
    assert (result.loc[known, "value"] <= result.loc[known, "upper"]).all()
    if known.iloc[-1]:
        assert_allclose(result["value"].iloc[-1], population[-1] / deaths[-1], rtol=1e-9)
    worse = life_expectancy(_frame(list(deaths * 1.5), list(population)))
    if known.iloc[0] and worse["value"].notna().iloc[0]:
        assert worse["value"].iloc[0] <= result["value"].iloc[0]


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (_frame().iloc[:19], {}, r"exactly one row per band"),
        (_frame().assign(age=[*PHE_AGE_STARTS[:19], 95]), {}, r"start age outside age_starts"),
        (_frame().assign(deaths=[-1, *DEATHS[1:]]), {}, r"deaths: negative values"),
        (_frame(), {"age_starts": [1, 5, 10]}, r"age_starts: expected increasing"),
        (_frame().drop(columns="population"), {}, r"missing column"),
    ],
)
def test_invalid_input(frame: pd.DataFrame, kwargs: dict[str, object], message: str) -> None:
    """Invalid frames are refused with an error saying what to fix."""
    with pytest.raises(StatsInputError, match=message):
        life_expectancy(frame, **kwargs)  # type: ignore[arg-type]
