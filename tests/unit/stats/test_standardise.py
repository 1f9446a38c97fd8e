"""Unit tests for direct and indirect standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.ageband import AGE_BANDS
from ldsa.stats import StatsInputError, dsr, esp2013, indirectly_standardised_rate, isr


def _bands(counts: list[float], populations: list[float] | None = None) -> pd.DataFrame:
    populations = populations or [1000.0] * len(counts)
    return pd.DataFrame({"count": counts, "population": populations})


def test_esp2013_is_bundled_package_data() -> None:
    """The bundled ESP2013 has the 19 bands of ldsa.ageband in order, summing to 100,000."""
    weights = esp2013()
    assert tuple(weights.index) == AGE_BANDS
    assert weights.sum() == 100_000
    assert weights["0-4"] == 5000
    assert weights["90+"] == 1000


@pytest.mark.parametrize(("total", "calculated"), [(9, False), (10, True), (11, True)])
def test_dsr_not_calculated_below_ten_events(total: int, calculated: bool) -> None:
    """A DSR needs at least 10 events; below that the reason says so."""
    counts = [0.0] * 18 + [float(total)]
    result = dsr(_bands(counts))
    assert result["value"].notna().iloc[0] == calculated
    if calculated:
        assert result["reason"].isna().iloc[0]
    else:
        assert result["reason"].iloc[0] == "fewer than 10 events"


def test_dsr_with_several_groups_and_keys() -> None:
    """One call gives one row per combination of the by columns, sorted by key."""
    rng = np.random.default_rng(1)
    frames = []
    for la_code in ["E2", "E1"]:
        for week in [2, 1]:
            frame = _bands(list(rng.poisson(20, 19).astype(float)))
            frames.append(frame.assign(la_code=la_code, week=week))
    result = dsr(pd.concat(frames), by=["la_code", "week"])
    assert list(zip(result["la_code"], result["week"], strict=True)) == [
        ("E1", 1),
        ("E1", 2),
        ("E2", 1),
        ("E2", 2),
    ]
    single = dsr(frames[0])
    assert_allclose(result.loc[3, "value"], single.loc[0, "value"], rtol=1e-12)


def test_dsr_custom_standard_as_array() -> None:
    """Any standard population can be passed, one weight per band."""
    frame = _bands([10.0, 30.0], [1000.0, 1000.0])
    result = dsr(frame, standard=[1.0, 3.0], multiplier=1000)
    assert_allclose(result["value"], [(10 + 90) / 4], rtol=1e-12)


def test_dsr_wrong_number_of_bands() -> None:
    """A group with other than 19 bands is refused for ESP2013."""
    with pytest.raises(StatsInputError, match=r"1 group\(s\) have a number of age bands"):
        dsr(_bands([5.0] * 18))


def test_dsr_missing_column() -> None:
    """A frame without the named columns is refused, naming them."""
    with pytest.raises(StatsInputError, match=r"missing column\(s\) \['deaths'\]"):
        dsr(_bands([5.0] * 19), count="deaths")


def test_dsr_zero_weights_refused() -> None:
    """Weights that sum to zero cannot standardise."""
    with pytest.raises(StatsInputError, match="weights sum to zero"):
        dsr(_bands([5.0, 6.0]), standard=[0.0, 0.0])


def test_dsr_missing_group_key_refused() -> None:
    """A row without its group key is refused."""
    frame = _bands([5.0] * 19).assign(la_code=["E1"] * 18 + [None])
    with pytest.raises(StatsInputError, match=r"by: missing keys"):
        dsr(frame, by="la_code")


def test_isr_no_expected_events_gives_reason() -> None:
    """An area with no population has no expected events, so no ratio."""
    frame = pd.DataFrame({"count": [0.0, 0.0], "population": [0.0, 0.0]})
    result = isr(frame, ref_count=[1.0, 1.0], ref_population=[10.0, 10.0])
    assert result["reason"].iloc[0] == "no expected events"
    assert np.isnan(result["value"].iloc[0])


def test_isr_equal_rates_gives_one() -> None:
    """An area with exactly the reference rates has a ratio of 1 (100 as SMR)."""
    frame = pd.DataFrame({"count": [10.0, 40.0], "population": [100.0, 200.0]})
    result = isr(frame, ref_count=[100.0, 200.0], ref_population=[1000.0, 1000.0], reference=100)
    assert_allclose(result["value"], [100.0])
    assert result["method"].iloc[0] == "Byar"


def test_indirect_rate_is_ratio_times_reference_rate() -> None:
    """The indirectly standardised rate is the ratio times the reference crude rate."""
    frame = pd.DataFrame({"count": [3.0, 4.0], "population": [100.0, 200.0]})
    reference = {"ref_count": [100.0, 200.0], "ref_population": [1000.0, 3000.0]}
    ratio = isr(frame, **reference)  # type: ignore[arg-type]
    rate = indirectly_standardised_rate(frame, multiplier=1000, **reference)  # type: ignore[arg-type]
    assert_allclose(rate["value"], ratio["value"] * 300 / 4000 * 1000)
    assert rate["method"].iloc[0] == "exact Poisson"


def test_isr_negative_reference_population_refused() -> None:
    """Reference populations must be positive."""
    frame = pd.DataFrame({"count": [3.0], "population": [100.0]})
    with pytest.raises(StatsInputError, match="ref_population: zero or negative"):
        isr(frame, ref_count=[1.0], ref_population=[0.0])


def _labelled(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age_band": AGE_BANDS,
            "count": rng.poisson(30, 19).astype(float),
            "population": rng.integers(500, 5000, 19).astype(float),
        }
    )
    return pd.concat([frame.assign(la_code="E1"), frame.assign(la_code="E2")])


def test_dsr_orders_rows_by_band_label() -> None:
    """With age_band given, shuffled rows give the same DSR as rows in age order."""
    frame = _labelled()
    shuffled = frame.sample(frac=1.0, random_state=4)
    expected = dsr(frame, by="la_code")
    assert not (dsr(shuffled, by="la_code")["value"] == expected["value"]).all()
    ordered = dsr(shuffled, by="la_code", age_band="age_band")
    assert_allclose(ordered["value"], expected["value"], rtol=1e-12)
    reference = {"ref_count": np.full(19, 10.0), "ref_population": np.linspace(1e3, 5e3, 19)}
    assert_allclose(
        isr(shuffled, by="la_code", age_band="age_band", **reference)["value"],  # type: ignore[arg-type]
        isr(frame, by="la_code", **reference)["value"],  # type: ignore[arg-type]
    )


def test_dsr_band_labels_checked() -> None:
    """Unknown or repeated band labels are refused."""
    frame = _labelled()
    with pytest.raises(StatsInputError, match=r"age_band: 2 row\(s\) with a label outside"):
        dsr(frame.replace({"age_band": {"55-59": "55-69"}}), by="la_code", age_band="age_band")
    twice = frame.replace({"age_band": {"55-59": "60-64"}})
    with pytest.raises(StatsInputError, match="age_band: a band appears twice"):
        dsr(twice, by="la_code", age_band="age_band")
