"""Trend words for survey positivity: the rule against hand-computed log-odds changes."""

from __future__ import annotations

import pytest
from scipy.special import expit

from ldsa.stats import StatsInputError, Trend, survey_trend

Z = 1.959963984540054


def _estimate(log_odds: float, se: float) -> tuple[float, tuple[float, float]]:
    """A percentage and its 95% limits, symmetric on the logit scale with standard error se."""
    return 100 * expit(log_odds), (100 * expit(log_odds - Z * se), 100 * expit(log_odds + Z * se))


@pytest.mark.parametrize(
    ("change", "se", "expected"),
    [
        # se of the change = sqrt(2) * se; half-width = 1.96 * that.
        (0.30, 0.10, Trend.INCREASED),  # half-width 0.277 < 0.30
        (0.25, 0.10, Trend.UNCERTAIN),  # 0.25 - 0.277 < 0, and 0.25 + 0.277 > log(1.2)
        (-0.30, 0.10, Trend.DECREASED),
        (0.00, 0.05, Trend.LEVEL),  # half-width 0.139 <= log(1.2) = 0.182
        (0.05, 0.05, Trend.UNCERTAIN),  # 0.05 + 0.139 = 0.189 > 0.182
        (0.04, 0.05, Trend.LEVEL),  # 0.04 + 0.139 = 0.179 <= 0.182
        (0.00, 0.10, Trend.UNCERTAIN),  # half-width 0.277 > 0.182
    ],
)
def test_trend_from_the_interval_of_the_change(change: float, se: float, expected: Trend) -> None:
    """Increased or decreased when the 95% interval of the log-odds change excludes 0; level
    when it lies within log(1.2) either way; uncertain otherwise."""
    then, then_limits = _estimate(-4.0, se)
    now, now_limits = _estimate(-4.0 + change, se)
    assert survey_trend(now, now_limits, then, then_limits) == [expected]


def test_trend_is_vectorised_and_takes_proportions() -> None:
    """Several areas at once; proportions with multiplier 1 give the same words."""
    then, then_limits = _estimate(-3.0, 0.05)
    up, up_limits = _estimate(-2.0, 0.05)
    percent = survey_trend(
        [up, then], ([up_limits[0], then_limits[0]], [up_limits[1], then_limits[1]]),
        [then, then], ([then_limits[0]] * 2, [then_limits[1]] * 2),
    )  # fmt: skip
    assert percent == [Trend.INCREASED, Trend.LEVEL]
    share = survey_trend(
        up / 100, (up_limits[0] / 100, up_limits[1] / 100),
        then / 100, (then_limits[0] / 100, then_limits[1] / 100), multiplier=1,
    )  # fmt: skip
    assert share == [Trend.INCREASED]


def test_a_limit_of_zero_is_uncertain() -> None:
    """A lower limit of 0 gives an infinite standard error: the trend is uncertain."""
    assert survey_trend(2.0, (0.0, 9.0), 0.5, (0.4, 0.6)) == [Trend.UNCERTAIN]


@pytest.mark.parametrize(
    ("latest", "limits", "message"),
    [
        (0.0, (0.0, 1.0), "strictly between 0 and 100"),
        (2.0, (2.5, 3.0), "outside its limits"),
        (float("nan"), (1.0, 2.0), "missing"),
    ],
)
def test_bad_estimates_are_refused(
    latest: float, limits: tuple[float, float], message: str
) -> None:
    """An estimate of 0, outside its limits or missing is refused, without its value."""
    with pytest.raises(StatsInputError, match=message) as caught:
        survey_trend(latest, limits, 1.0, (0.9, 1.1))
    assert str(latest) not in str(caught.value) or latest == 0.0


def test_margin_must_be_positive() -> None:
    """A level margin of 0 or less is refused."""
    with pytest.raises(StatsInputError, match="level_margin"):
        survey_trend(1.0, (0.9, 1.1), 1.0, (0.9, 1.1), level_margin=0)
