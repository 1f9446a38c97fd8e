"""Unit and simulation tests for rolling rates and growth rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.stats import StatsInputError, growth_rate, rolling_rate


def _daily(counts: list[list[int]], start: str = "2021-03-01") -> pd.DataFrame:
    frames = []
    for i, series in enumerate(counts):
        dates = pd.date_range(start, periods=len(series))
        frames.append(
            pd.DataFrame(
                {"la_code": f"E{i}", "date": dates, "count": series, "population": 50_000.0}
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_trailing_sums_and_incomplete_days() -> None:
    """Trailing 7-day sums stop at group edges and leave out windows with recent days."""
    counts = list(range(1, 13))
    frame = _daily([counts, counts])
    result = rolling_rate(frame, by="la_code", incomplete_days=3)
    first = result[result["la_code"] == "E0"].reset_index(drop=True)
    assert first["rolling_count"].iloc[:6].isna().all()
    assert (first["reason"].iloc[:6] == "fewer days than the window").all()
    assert first.loc[6, "rolling_count"] == sum(range(1, 8))
    assert_allclose(first.loc[6, "value"], 28 / 50_000 * 100_000)
    assert list(first["incomplete"]) == [False] * 9 + [True] * 3
    assert first["value"].iloc[9:].isna().all()
    assert (first["reason"].iloc[9:] == "window includes incomplete recent days").all()
    assert first["rolling_count"].iloc[9:].isna().all()
    second = result[result["la_code"] == "E1"].reset_index(drop=True)
    assert second["rolling_count"].iloc[:6].isna().all()  # no window spans two authorities
    assert second.loc[6, "rolling_count"] == 28


def test_centred_window() -> None:
    """A centred 7-day window runs from 3 days before to 3 days after."""
    frame = _daily([list(range(1, 15))])
    result = rolling_rate(frame, align="centred", incomplete_days=0, conf_level=(0.95, 0.998))
    assert result.loc[3, "rolling_count"] == sum(range(1, 8))
    assert result["rolling_count"].iloc[11:].isna().all()
    assert result.loc[3, "method"] == "7-day centred sum; Byar"
    assert result.loc[3, "lower_99_8"] < result.loc[3, "lower_95"] < result.loc[3, "value"]


def test_as_of_sets_incomplete_days() -> None:
    """Incomplete days count back from the extract date when given."""
    frame = _daily([[5] * 10])
    result = rolling_rate(frame, incomplete_days=5, as_of="2021-03-15")
    assert not result["incomplete"].any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(index=3), r"0 duplicate day\(s\) and 1 gap\(s\)"),
        (lambda f: pd.concat([f, f.iloc[[2]]]), r"1 duplicate day\(s\) and 0 gap"),
        (lambda f: f.assign(count=-f["count"]), r"count: negative values"),
        (lambda f: f.assign(population=0.0), r"population: zero or negative"),
    ],
)
def test_rolling_invalid_input(change: object, message: str) -> None:
    """Gaps, duplicates, negative counts and zero populations are refused."""
    frame = change(_daily([[3] * 10]))  # type: ignore[operator]
    with pytest.raises(StatsInputError, match=message):
        rolling_rate(frame)


def test_rolling_window_arguments() -> None:
    """A centred window must be odd."""
    with pytest.raises(StatsInputError, match="window"):
        rolling_rate(_daily([[3] * 10]), window=6, align="centred")


def _epidemic(rate: float, seed: int, days: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    dates = pd.date_range("2021-06-07", periods=days)  # a Monday
    weekday = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5])[dates.day_of_week]
    mean = 80 * np.exp(rate * t) * weekday
    return pd.DataFrame({"date": dates, "count": rng.poisson(mean)})


@pytest.mark.parametrize("rate", [0.06, -0.04])
def test_growth_rate_recovers_simulated_rate(rate: float) -> None:
    """Across 20 seeded epidemics the 95% interval covers the true growth rate mostly."""
    covered = 0
    for seed in range(20):
        row = growth_rate(_epidemic(rate, seed), window=28).iloc[0]
        covered += row["lower"] <= rate <= row["upper"]
    assert covered >= 16
    row = growth_rate(_epidemic(rate, 99), window=28, conf_level=(0.95, 0.998)).iloc[0]
    if rate > 0:
        assert_allclose(row["doubling_time"], np.log(2) / rate, rtol=0.15)
        assert row["doubling_lower_99_8"] <= row["doubling_time"] <= row["doubling_upper_99_8"]
        assert np.isnan(row["halving_time"])
    else:
        assert_allclose(row["halving_time"], np.log(2) / -rate, rtol=0.15)
        assert row["halving_lower_95"] <= row["halving_time"] <= row["halving_upper_95"]


def test_growth_rate_uncertain_direction_has_open_interval() -> None:
    """When the interval includes zero growth, the doubling time has no upper limit."""
    frame = _daily([[3, 2, 4, 3, 2, 3, 4, 3, 2, 3, 3, 4, 2, 3, 3, 3, 4, 2, 3, 3]])
    row = growth_rate(frame, window=14, incomplete_days=0, weekday_effects=False).iloc[0]
    assert row["lower"] < 0 < row["upper"]
    upper = row["doubling_upper"] if row["value"] > 0 else row["halving_upper"]
    assert np.isinf(upper)


def test_growth_rate_without_events_gives_reason() -> None:
    """No events in the window gives no estimate, and says why."""
    frame = _daily([[0] * 20, list(range(20))])
    result = growth_rate(frame, by="la_code", window=14, incomplete_days=0)
    assert result.loc[0, "reason"] == "no events in the window"
    assert np.isnan(result.loc[0, "value"])
    assert result["reason"].isna().iloc[1]


def test_growth_rate_needs_complete_days() -> None:
    """Fewer than 7 complete days give no estimate."""
    result = growth_rate(_daily([[5] * 10]), incomplete_days=5)
    assert result.loc[0, "reason"] == "fewer than 7 complete days"
    with pytest.raises(StatsInputError, match="window: at least 7"):
        growth_rate(_daily([[5] * 10]), window=5)
