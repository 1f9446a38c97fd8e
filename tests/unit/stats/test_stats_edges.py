"""Unit tests for the less common input errors and fallbacks across ldsa.stats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldsa.stats import (
    StatsInputError,
    dsr,
    excess_deaths,
    fit_glm,
    funnel,
    funnel_limits,
    growth_rate,
    rolling_rate,
    survey_positivity,
)
from ldsa.stats.models import fit_log_linear


def _weekly(weeks: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"week_start": weeks, "deaths": rng.poisson(10, len(weeks)), "population": 1e4}
    )


def _days(n: int = 14) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": pd.date_range("2021-01-04", periods=n), "count": 5, "population": 1e4}
    )


def test_non_frames_refused() -> None:
    """Passing something other than a DataFrame is refused, naming the argument."""
    with pytest.raises(StatsInputError, match="frame: expected a pandas DataFrame"):
        dsr([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="frame: expected a pandas DataFrame"):
        fit_glm([1, 2, 3], "y ~ x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(week_start="not a date"), "week_start: values are not dates"),
        (lambda f: f.assign(week_start=pd.NaT), "week_start: missing dates"),
    ],
)
def test_excess_bad_weeks(change: object, message: str) -> None:
    """Weeks that are not dates, or missing, are refused."""
    frame = change(_weekly(pd.date_range("2019-01-07", periods=60, freq="7D")))  # type: ignore[operator]
    with pytest.raises(StatsInputError, match=message):
        excess_deaths(frame)


def test_excess_short_baseline_and_no_analysis_weeks() -> None:
    """Too few baseline weeks, or no weeks after it, are reported as reasons."""
    short = excess_deaths(_weekly(pd.date_range("2019-11-04", periods=20, freq="7D")))
    assert short.total["reason"].iloc[0] == "too few baseline weeks"
    assert (short.weekly["reason"] == "too few baseline weeks").all()
    baseline_only = excess_deaths(_weekly(pd.date_range("2015-01-05", "2019-12-30", freq="7D")))
    assert baseline_only.total["reason"].iloc[0] == "no analysis weeks"
    assert baseline_only.weekly.empty
    with pytest.raises(StatsInputError, match="baseline_years: the first year"):
        excess_deaths(
            _weekly(pd.date_range("2019-01-07", periods=60, freq="7D")), baseline_years=(2019, 2015)
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(date="x"), "date: values are not dates"),
        (lambda f: f.assign(date=pd.NaT), "date: missing dates"),
    ],
)
def test_timeseries_bad_dates(change: object, message: str) -> None:
    """Days that are not dates, or missing, are refused."""
    with pytest.raises(StatsInputError, match=message):
        rolling_rate(change(_days()))  # type: ignore[operator]


def test_timeseries_bad_options() -> None:
    """Negative incomplete days and unknown alignments are refused."""
    with pytest.raises(StatsInputError, match="incomplete_days: must be >= 0"):
        rolling_rate(_days(), incomplete_days=-1)
    with pytest.raises(StatsInputError, match="align: expected"):
        rolling_rate(_days(), align="leading")  # type: ignore[arg-type]


def test_growth_rate_reports_non_convergence() -> None:
    """A series with events on one day only cannot be fitted; the reason says so."""
    frame = _days().assign(count=[0] * 13 + [50])
    row = growth_rate(frame, window=14, incomplete_days=0).iloc[0]
    assert row["reason"] == "model did not converge"
    assert np.isnan(row["value"])


def test_fit_log_linear_failure_is_recorded() -> None:
    """A design the GLM cannot use returns NaNs and the error instead of raising."""
    fit = fit_log_linear(np.array([1.0, 2.0, 3.0]), np.array([[1, np.nan], [1, 2], [1, 3]]))
    assert not fit.converged
    assert np.isnan(fit.params).all()
    assert "MissingDataError" in fit.warnings[-1]


def test_funnel_targets() -> None:
    """Negative targets and targets with no variance are refused; normal kind pools."""
    with pytest.raises(StatsInputError, match="target: must be >= 0"):
        funnel_limits([10.0], target=-1.0, kind="rate")
    with pytest.raises(StatsInputError, match="target: gives zero standard errors"):
        funnel([0.0, 0.0], [10.0, 20.0], kind="proportion")
    result = funnel([10.0, 20.0, 30.0], [1.0, 2.0, 1.0], kind="normal")
    expected = (10 + 20 / 4 + 30) / (1 + 1 / 4 + 1)
    assert result.target == pytest.approx(expected)


def test_survey_model_failure_gives_reason() -> None:
    """A survey without positives cannot be fitted, and strata absent from the survey
    cannot be predicted: no estimate, and the reason."""
    rng = np.random.default_rng(1)
    days = pd.date_range("2021-01-04", periods=60)
    rows = []
    for age in ("young", "old"):
        tests = rng.poisson(20, len(days)) + 1
        positive = rng.binomial(tests, 0.05) if age == "young" else np.zeros(len(days), int)
        rows.append(
            pd.DataFrame(
                {
                    "cis_area": "J1",
                    "date": days,
                    "age_band": age,
                    "sex": "F",
                    "tests": tests,
                    "positive": positive,
                }
            )
        )
    strata = pd.DataFrame(
        {"cis_area": "J1", "age_band": ["young", "old"], "sex": "F", "population": [100.0, 100.0]}
    )
    frame = pd.concat(rows)
    result = survey_positivity(frame.assign(positive=0), strata)
    assert (result["reason"] == "no positive swab in the area").all()
    assert result["value"].isna().all()
    extra = pd.concat([strata, strata.iloc[[0]].assign(sex="M")])
    result = survey_positivity(frame, extra)
    assert (result["reason"] == "population strata have a sex absent from the survey").all()


def test_survey_spline_df_checked() -> None:
    """Fewer than 3 spline degrees of freedom are refused."""
    frame = pd.DataFrame(
        {
            "cis_area": "J1",
            "date": pd.date_range("2021-01-04", periods=3),
            "age_band": "a",
            "sex": "F",
            "tests": 10,
            "positive": 1,
        }
    )
    strata = pd.DataFrame(
        {"cis_area": ["J1"], "age_band": ["a"], "sex": ["F"], "population": [1.0]}
    )
    with pytest.raises(StatsInputError, match="spline_df: a cubic B-spline"):
        survey_positivity(frame, strata, spline_df=2)


def test_survey_fit_error_gives_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while building or fitting the model becomes a reason, not a crash."""
    from ldsa.stats import _pspline

    def broken(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(_pspline.np.linalg, "solve", broken)
    frame = pd.DataFrame(
        {
            "cis_area": "J1",
            "date": pd.date_range("2021-01-04", periods=30),
            "age_band": "a",
            "sex": "F",
            "tests": 10,
            "positive": 1,
        }
    )
    strata = pd.DataFrame(
        {"cis_area": ["J1"], "age_band": ["a"], "sex": ["F"], "population": [1.0]}
    )
    result = survey_positivity(frame, strata)
    assert (result["reason"] == "model could not be fitted").all()


def test_excess_non_convergence_gives_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """A baseline model that does not converge gives no expected deaths, with the reason."""
    from ldsa.stats import _excess_model
    from ldsa.stats.models import GlmFit

    def not_converged(y: np.ndarray, X: np.ndarray, offset: np.ndarray) -> GlmFit:
        k = X.shape[1]
        return GlmFit(np.zeros(k), np.eye(k), 1.0, False, ("ConvergenceWarning: test",))

    monkeypatch.setattr(_excess_model, "fit_log_linear", not_converged)
    result = excess_deaths(_weekly(pd.date_range("2018-01-01", periods=150, freq="7D")))
    assert result.total["reason"].iloc[0] == "model did not converge"
