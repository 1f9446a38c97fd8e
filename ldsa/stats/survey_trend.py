"""Trend words for survey positivity: increased, decreased, level or uncertain."""

from __future__ import annotations

import enum

import numpy as np
import numpy.typing as npt
from scipy.special import logit

from ldsa.stats._validate import StatsInputError, as_float_array, same_shape, z_value

#: How many weeks before the latest estimate the trend compares it with (as ONS does).
TREND_WEEKS = 2
#: "Level" needs the whole interval of the change within this relative change either way.
LEVEL_MARGIN = 0.2


class Trend(enum.Enum):
    """The words ONS bulletins use for the trend in positivity."""

    INCREASED = "increased"
    DECREASED = "decreased"
    LEVEL = "level"
    UNCERTAIN = "uncertain"


def survey_trend(
    latest: npt.ArrayLike,
    latest_limits: tuple[npt.ArrayLike, npt.ArrayLike],
    earlier: npt.ArrayLike,
    earlier_limits: tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    conf_level: float = 0.95,
    test_level: float = 0.95,
    level_margin: float = LEVEL_MARGIN,
    multiplier: float = 100,
) -> list[Trend]:
    """Classify the change from an earlier estimate of positivity to the latest one.

    Parameters
    ----------
    latest, earlier
        Estimates of positivity (per cent by default; see ``multiplier``), one per area.
    latest_limits, earlier_limits
        Their lower and upper limits at ``conf_level``, symmetric on the logit scale (as
        :func:`~ldsa.stats.survey_positivity` gives them; published credible intervals are
        nearly so).
    conf_level
        The level of the limits given.
    test_level
        The level of the interval of the change that decides the word.
    level_margin
        "Level" when that whole interval lies within this relative change either way
        (0.2: from a fifth lower to a fifth higher, on the odds scale).
    multiplier
        100 when the estimates are percentages, 1 for proportions.

    Returns
    -------
    list of Trend
        Per area: INCREASED when the interval of the change lies above no change,
        DECREASED when below, LEVEL when within the margin, else UNCERTAIN.

    Notes
    -----
    The change is the difference of the two estimates' log odds, with standard error
    sqrt(se1² + se2²), each se read from its limits: (logit(upper) - logit(lower)) / (2z).
    Treating the two estimates as independent overstates that error when both come from one
    smooth model (their errors are positively correlated), so the rule calls a change less
    often than a test on the model's joint covariance would: it errs towards "uncertain".
    ONS compares the latest week with the estimates of the weeks before it in the same
    model run; :data:`TREND_WEEKS` is the gap used here. A limit of exactly 0 or 1 gives
    an infinite standard error: "uncertain".

    References
    ----------
    Office for National Statistics. Coronavirus (COVID-19) Infection Survey: methods and
    further information (trends: "increased", "decreased", "level", "uncertain").
    Schuirmann DJ. A comparison of the two one-sided tests procedure and the power approach
    for assessing the equivalence of average bioavailability. J Pharmacokinet Biopharm
    1987;15:657-680 (a change within a margin shown by its interval: "level").
    """
    if not level_margin > 0:
        raise StatsInputError("level_margin: must be above 0 (a relative change, e.g. 0.2).")
    now, now_se = _logit_and_se("latest", latest, latest_limits, conf_level, multiplier)
    then, then_se = _logit_and_se("earlier", earlier, earlier_limits, conf_level, multiplier)
    same_shape(latest=now, earlier=then)
    change = now - then
    half = z_value(test_level) * np.sqrt(now_se**2 + then_se**2)
    margin = np.log1p(level_margin)
    words = np.select(
        [
            change - half > 0,
            change + half < 0,
            (change - half >= -margin) & (change + half <= margin),
        ],
        [Trend.INCREASED.value, Trend.DECREASED.value, Trend.LEVEL.value],
        Trend.UNCERTAIN.value,
    )
    return [Trend(str(word)) for word in np.atleast_1d(words)]


def _logit_and_se(
    name: str,
    estimate: npt.ArrayLike,
    limits: tuple[npt.ArrayLike, npt.ArrayLike],
    conf_level: float,
    multiplier: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    values = np.atleast_1d(as_float_array(name, estimate)) / multiplier
    lower = np.atleast_1d(as_float_array(f"{name} lower limit", limits[0])) / multiplier
    upper = np.atleast_1d(as_float_array(f"{name} upper limit", limits[1])) / multiplier
    same_shape(**{name: values, "lower": lower, "upper": upper})
    if np.any((values <= 0) | (values >= 1)):
        raise StatsInputError(
            f"{name}: estimates must lie strictly between 0 and {multiplier:g} "
            f"({int(np.count_nonzero((values <= 0) | (values >= 1)))} do not)."
        )
    if np.any((lower > values) | (upper < values)):
        raise StatsInputError(f"{name}: an estimate lies outside its limits; give them in order.")
    with np.errstate(divide="ignore"):
        spread = logit(upper) - logit(lower)
    return logit(values), spread / (2 * z_value(conf_level))
