"""Short-term projections of cases by the renewal equation, what-if scenarios and backtests.

Cases are simulated forward day by day, ``I_t ~ Poisson(R_t Λ_t)`` (or negative binomial),
from the posterior of R over the last window (one draw of R per simulation, held over
the horizon unless a scenario changes it), as the ``projections`` R package and the
EpiEstim authors do. A backtest makes the same projection at many past dates and scores
each against what then happened (:mod:`ldsa.stats.scoring`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa.stats._validate import StatsInputError
from ldsa.stats.reproduction import PRIOR_MEAN, PRIOR_SD, posterior
from ldsa.stats.scoring import QUANTILES, score_quantiles

Floats = npt.NDArray[np.float64]

#: Expected cases a simulated day may reach (a runaway simulation stops growing there,
#: well within what the Poisson generator accepts).
MAX_EXPECTED = 1e12
#: The largest daily drift of log R (a standard deviation of 0.26 over a week): an early
#: wave's wild week-to-week swings on few cases would otherwise make every path explode.
MAX_DRIFT = 0.1
#: The largest R a projection starts from: R above it over a week means a series that
#: starts or jumps there (a new code's first cases, a backlog), not transmission.
MAX_PROJECTED_R = 4.0


class Change(enum.Enum):
    """How a scenario changes R: multiply it by a factor, or set it to a value."""

    MULTIPLY = "multiply"
    SET = "set"


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A change in transmission from a day of the projection on.

    Attributes
    ----------
    name
        What the scenario is called in the report ("R falls by a fifth").
    change, value
        Multiply R by ``value``, or set it to ``value``.
    from_day
        The first projected day (0: the first) with the change.
    """

    name: str
    change: Change
    value: float
    from_day: int = 0

    def apply(self, r_paths: Floats) -> Floats:
        """R of every simulation and day (``n_sims x horizon``) under the scenario."""
        out = np.array(r_paths, dtype=float)
        if self.change is Change.MULTIPLY:
            out[:, self.from_day :] *= self.value
        else:
            out[:, self.from_day :] = self.value
        return out


def simulate_renewal(
    history: npt.ArrayLike,
    weights: npt.ArrayLike,
    r_paths: npt.ArrayLike,
    *,
    seed: int = 20200301,
    noise: str = "poisson",
    dispersion: float | None = None,
) -> Floats:
    """Simulate daily cases forward from ``history`` by the renewal equation.

    Parameters
    ----------
    history
        Complete daily cases up to the day before the first projected day.
    weights
        Serial-interval weights ``w_0 .. w_S`` (``w_0 = 0``).
    r_paths
        R of each simulation on each projected day (``n_sims x horizon``).
    seed
        Seed of the random generator (same inputs, same draws).
    noise
        ``"poisson"`` (negative binomial when ``dispersion`` is given), or ``"none"``: the
        expected cases, ``R_t Λ_t``, the deterministic renewal equation.
    dispersion
        Negative-binomial size ``k`` (variance ``μ + μ²/k``); None: Poisson.

    Returns
    -------
    numpy.ndarray
        Simulated cases, ``n_sims x horizon``.
    """
    w = np.asarray(weights, dtype=float)
    paths = np.atleast_2d(np.asarray(r_paths, dtype=float))
    if noise not in ("poisson", "none") or (dispersion is not None and dispersion <= 0):
        raise StatsInputError(
            f"simulate_renewal: noise {noise!r}, dispersion {dispersion}. How to fix: noise "
            "'poisson' or 'none', and a positive dispersion or None."
        )
    n_sims, horizon = paths.shape
    span = len(w) - 1
    past = np.asarray(history, dtype=float)[-span:]
    cases = np.zeros((n_sims, span + horizon))
    cases[:, span - len(past) : span] = past
    reversed_w = w[1:][::-1]  # w_S .. w_1 against days t-S .. t-1
    rng = np.random.default_rng(seed)
    for day in range(horizon):
        t = span + day
        expected = np.minimum(paths[:, day] * (cases[:, t - span : t] @ reversed_w), MAX_EXPECTED)
        if noise == "none":
            cases[:, t] = expected
        elif dispersion is None:
            cases[:, t] = rng.poisson(expected)
        else:
            cases[:, t] = rng.poisson(rng.gamma(dispersion, expected / dispersion))
    return np.asarray(cases[:, span:], dtype=float)


def projectable(
    history: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    window: int = 7,
    prior_mean: float = PRIOR_MEAN,
    prior_sd: float = PRIOR_SD,
) -> bool:
    """Whether :func:`project_cases` can start from ``history``: the last window has
    earlier cases to have been infected by, and its R (posterior mean) is at most
    :data:`MAX_PROJECTED_R`."""
    cases = np.asarray(history, dtype=float)
    _, shapes, scales = posterior(cases, weights, window, prior_mean, prior_sd)
    return bool(np.isfinite(scales[-1]) and shapes[-1] * scales[-1] <= MAX_PROJECTED_R)


def project_cases(
    history: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    horizon: int = 28,
    window: int = 7,
    n_sims: int = 1000,
    seed: int = 20200301,
    scenarios: Sequence[Scenario] = (),
    drift: float = 0.0,
    dispersion: float | None = None,
    prior_mean: float = PRIOR_MEAN,
    prior_sd: float = PRIOR_SD,
) -> dict[str, Floats]:
    """Project daily cases ``horizon`` days on from the last complete day of ``history``.

    R is drawn from its posterior over the last ``window`` days (one draw per simulation)
    and then follows a random walk on the log scale with daily standard deviation
    ``drift`` (0: held; :func:`estimate_drift` measures it from the past); each scenario
    applies its change to the same paths, with the same random stream, so a scenario
    differs from the baseline by its change alone.

    Returns
    -------
    dict
        ``"baseline"`` and each scenario's name: simulated cases, ``n_sims x horizon``.
    """
    cases = np.asarray(history, dtype=float)
    _, shapes, scales = posterior(cases, weights, window, prior_mean, prior_sd)
    if not np.isfinite(scales[-1]) or shapes[-1] * scales[-1] > MAX_PROJECTED_R:
        raise StatsInputError(
            "project_cases: no infectiousness in the last window (no cases before it), or "
            f"an R above {MAX_PROJECTED_R:g} there (the series starts or jumps). How to fix: "
            "check projectable() first and project only from a steady history."
        )
    rng = np.random.default_rng(seed)
    r_draws = rng.gamma(shapes[-1], scales[-1], size=n_sims)
    steps = rng.normal(0.0, drift, size=(n_sims, horizon)) if drift > 0 else 0.0
    base = r_draws[:, None] * np.exp(np.cumsum(np.zeros((n_sims, horizon)) + steps, axis=1))
    out = {"baseline": simulate_renewal(history, weights, base, seed=seed, dispersion=dispersion)}
    for scenario in scenarios:
        out[scenario.name] = simulate_renewal(
            history, weights, scenario.apply(base), seed=seed, dispersion=dispersion
        )
    return out


def estimate_drift(
    history: npt.ArrayLike, weights: npt.ArrayLike, *, weeks: int = 12, window: int = 7
) -> float:
    """Daily standard deviation of changes in log R over the last ``weeks`` weeks.

    R is estimated over each of the last ``weeks`` whole windows of ``history``; the
    variance of the week-to-week change in log R, less what the estimates' own
    uncertainty adds to it (twice the mean squared posterior coefficient of variation),
    is spread over the days of a week. Windows with no estimate are left out; with fewer
    than three estimates the drift is 0.

    Notes
    -----
    Holding R at its last value gives intervals that are too narrow whenever R changes
    (Funk et al. found most short-term case forecasts of the UK epidemic overconfident);
    a random walk whose size is measured from the authority's own past widens them by
    as much as R has been moving there.

    References
    ----------
    .. [1] Funk S et al. Short-term forecasts to inform the response to the Covid-19
       epidemic in the UK. medRxiv 2020. doi:10.1101/2020.11.11.20220962
    """
    _, shapes, scales = posterior(
        np.asarray(history, dtype=float), weights, window, PRIOR_MEAN, PRIOR_SD
    )
    last = len(shapes) - 1
    rows = np.array([last - window * k for k in range(weeks) if last - window * k >= 0][::-1])
    rows = rows[np.isfinite(scales[rows])]
    if len(rows) < 3:
        return 0.0
    changes = np.diff(np.log(shapes[rows] * scales[rows]))
    noise = 2 * float(np.mean(1 / shapes[rows]))
    return min(float(np.sqrt(max(float(np.var(changes)) - noise, 0.0) / window)), MAX_DRIFT)


def weekly_quantiles(draws: npt.ArrayLike, quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Quantiles of the cases of each whole week (7 days) of simulated daily cases.

    Returns
    -------
    pandas.DataFrame
        One row per week (``week`` 1, 2, ...), a column ``q<percent>`` per quantile
        (``q5``, ``q25``, ``q50``, ``q75``, ``q95``) and ``mean``.
    """
    totals = _weekly_totals(draws)
    frame = pd.DataFrame({"week": np.arange(1, totals.shape[1] + 1)})
    values = np.quantile(totals, quantiles, axis=0)
    for q, row in zip(quantiles, values, strict=True):
        frame[_quantile_name(q)] = row
    frame["mean"] = totals.mean(axis=0)
    return frame


def _weekly_totals(draws: npt.ArrayLike) -> Floats:
    """Cases of each whole week of every simulation (``n_sims x weeks``)."""
    cases = np.atleast_2d(np.asarray(draws, dtype=float))
    weeks = cases.shape[1] // 7
    return np.asarray(cases[:, : weeks * 7].reshape(cases.shape[0], weeks, 7).sum(axis=2))


def _quantile_name(q: float) -> str:
    return f"q{round(q * 100):d}"


Calibration = tuple[float, float, float]


def calibration(past: pd.DataFrame, week: int) -> Calibration:
    """Bias and spread factors of past projections ``week`` weeks ahead, on the log scale.

    Parameters
    ----------
    past
        Scored projections with the uncalibrated quantiles ``raw_q5`` to ``raw_q95`` and
        ``observed`` (the :func:`backtest` frame), of which the last
        :data:`CALIBRATION_ROWS` made ``week`` weeks ahead are used.
    week
        Weeks ahead.

    Returns
    -------
    tuple of float
        The median error ``log(1 + observed) - log(1 + median)``, and the factors by which
        the 50% and 90% intervals must be stretched around the median to hold that share
        of the past errors (at the split-conformal level ``⌈(n + 1) p⌉ / n``; the 90%
        interval is never narrowed); ``(0, 1, 1)`` with fewer than
        :data:`MIN_CALIBRATION_ROWS` past projections.

    Notes
    -----
    A renewal model with R held or drifting misses what it does not model (changes in
    testing, reporting, behaviour), and its intervals come out too narrow. Recalibrating
    on the authority's own past errors uses only projections whose outcome was known at
    the time.

    References
    ----------
    .. [1] Gneiting T, Raftery AE, Westveld AH, Goldman T. Calibrated probabilistic
       forecasting using ensemble model output statistics and minimum CRPS estimation.
       Mon Weather Rev 2005;133:1098-118.
    .. [2] Lei J, G'Sell M, Rinaldo A, Tibshirani RJ, Wasserman L. Distribution-free
       predictive inference for regression. J Am Stat Assoc 2018;113:1094-111.
    """
    rows = past[past["week"] == week].tail(CALIBRATION_ROWS)
    names = [f"raw_{_quantile_name(q)}" for q in QUANTILES]
    return _calibration(rows["observed"].to_numpy(dtype=float), rows[names].to_numpy(dtype=float))


def _calibration(observed: Floats, raw: Floats) -> Calibration:
    """:func:`calibration` of observations and their raw quantiles (``QUANTILES``)."""
    n = len(observed)
    if n < MIN_CALIBRATION_ROWS:
        return 0.0, 1.0, 1.0
    logs = np.log1p(raw)
    errors = np.log1p(observed) - logs[:, 2]
    bias = float(np.median(errors))
    misses = np.abs(errors - bias)

    def factor(share: float, lower: int, upper: int) -> float:
        wanted = 2 * float(np.quantile(misses, min(1.0, np.ceil((n + 1) * share) / n)))
        return wanted / max(float(np.mean(logs[:, upper] - logs[:, lower])), 1e-9)

    return bias, max(factor(0.5, 1, 3), 1e-3), max(1.0, factor(0.9, 0, 4))


#: Past projections a calibration uses (the most recent), and the fewest it needs.
CALIBRATION_ROWS = 26
MIN_CALIBRATION_ROWS = 8


def recalibrate(quantiles: pd.DataFrame, past: pd.DataFrame) -> pd.DataFrame:
    """Quantiles of projected weekly cases (:func:`weekly_quantiles`) shifted by the past
    projections' bias and stretched by their factors (:func:`calibration`), on the log
    scale around the median; the uncalibrated ones kept as ``raw_q...``."""
    out = quantiles.copy()
    names = [_quantile_name(q) for q in QUANTILES]
    fitted = [calibration(past, int(week)) for week in quantiles["week"]]
    out[names] = _shifted(quantiles[names].to_numpy(dtype=float), fitted)
    for name in names:
        out[f"raw_{name}"] = quantiles[name]
    return out


def recalibrated_totals(
    draws: npt.ArrayLike, past: pd.DataFrame, *, scored_weeks: int
) -> tuple[Floats, Floats, Floats]:
    """Weekly totals of simulated daily cases with their raw and recalibrated quantiles.

    Each week is recalibrated on the past projections made as many weeks ahead
    (:func:`calibration`). A week beyond ``scored_weeks`` (the weeks the backtest scored)
    takes the last scored week's bias, and its intervals are widened (or narrowed) on the
    log scale by as much as that week's were, not by the same factor: the error the
    backtest measured carries on, without compounding with the simulation's own growing
    spread.

    Returns
    -------
    tuple of numpy.ndarray
        Totals (``n_sims x weeks``), raw quantiles and recalibrated quantiles
        (``weeks x 5``, :data:`~ldsa.stats.scoring.QUANTILES`).
    """
    totals = _weekly_totals(draws)
    raw = np.asarray(np.quantile(totals, QUANTILES, axis=0).T, dtype=float)
    scored = max(1, min(len(raw), scored_weeks))
    fitted = [calibration(past, week) for week in range(1, scored + 1)]
    bias, inner, outer = fitted[-1]
    logs = np.log1p(raw)
    ref = logs[scored - 1]
    for week in range(scored, len(raw)):
        extra50 = (inner - 1) * (ref[3] - ref[1]) / max(logs[week, 3] - logs[week, 1], 1e-9)
        extra90 = (outer - 1) * (ref[4] - ref[0]) / max(logs[week, 4] - logs[week, 0], 1e-9)
        fitted.append((bias, max(1 + extra50, 1e-3), max(1.0, 1 + extra90)))
    return totals, raw, _shifted(raw, fitted)


def _shifted(raw: Floats, fitted: Sequence[Calibration]) -> Floats:
    """Quantiles (one row per week: 5%, 25%, 50%, 75%, 95%) moved by each week's bias and
    stretched by its factors around the median, on the log scale; the 50% interval kept
    inside the 90% one."""
    logs = np.log1p(raw)
    centre = logs[:, [2]]
    bias = np.array([c[0] for c in fitted])[:, None]
    inner = np.array([c[1] for c in fitted])
    outer = np.array([c[2] for c in fitted])
    factors = np.column_stack([outer, inner, np.ones_like(inner), inner, outer])
    moved = centre + bias + factors * (logs - centre)
    moved[:, 1] = np.maximum(moved[:, 1], moved[:, 0])
    moved[:, 3] = np.minimum(moved[:, 3], moved[:, 4])
    return np.asarray(np.expm1(moved), dtype=float)


def backtest(
    incidence: npt.ArrayLike,
    origins: Sequence[int],
    weights: Sequence[npt.ArrayLike],
    *,
    weeks_ahead: int = 2,
    window: int = 7,
    n_sims: int = 500,
    seed: int = 20200301,
    min_events: int = 10,
    dispersion: float | None = None,
) -> pd.DataFrame:
    """Project from each past origin and score the projection against what happened.

    Parameters
    ----------
    incidence
        Complete daily cases.
    origins
        Day indices, in order: the last day of data each projection is made from.
    weights
        The serial-interval weights in force at each origin.
    weeks_ahead
        Whole weeks projected and scored (week 1 is the 7 days after the origin).
    window, n_sims, seed, dispersion
        As :func:`project_cases` (with the drift of :func:`estimate_drift`).
    min_events
        Origins whose window holds fewer cases are skipped (no projection is made), as are
        those :func:`projectable` refuses.

    Returns
    -------
    pandas.DataFrame
        One row per origin and week ahead: ``origin``, ``week``, the quantiles
        recalibrated on the projections scored before the origin (:func:`recalibrate`),
        ``mean``, ``observed``, the uncalibrated quantiles ``raw_q...``, ``covered_50``,
        ``covered_90`` and ``wis`` (:func:`~ldsa.stats.scoring.score_quantiles`). Origins
        too late to be scored in full, too early for a window, or with too few cases are
        left out.
    """
    cases = np.asarray(incidence, dtype=float)
    if len(origins) != len(weights):
        raise StatsInputError(
            f"backtest: {len(origins)} origins but {len(weights)} serial intervals. How to "
            "fix: give the serial interval in force at each origin."
        )
    horizon = 7 * weeks_ahead
    rows: list[tuple[int, int, Floats, Floats, float]] = []  # origin, week, raw, mean, observed
    fitted: list[Floats] = []
    for origin, w in zip(origins, weights, strict=True):
        if origin < window or origin + horizon >= len(cases):
            continue
        history = cases[: origin + 1]
        if history[-window:].sum() < min_events or not projectable(history, w, window=window):
            continue
        draws = project_cases(
            history, w, horizon=horizon, window=window, n_sims=n_sims, seed=seed,
            drift=estimate_drift(history, w, window=window), dispersion=dispersion,
        )["baseline"]  # fmt: skip
        totals = _weekly_totals(draws)
        raw = np.quantile(totals, QUANTILES, axis=0).T
        observed = cases[origin + 1 : origin + 1 + horizon].reshape(-1, 7).sum(axis=1)
        calibrations: list[Calibration] = []
        for week in range(1, weeks_ahead + 1):
            known = [r for r in rows if r[1] == week and r[0] + 7 * week <= origin]
            known = known[-CALIBRATION_ROWS:]
            calibrations.append(_calibration(
                np.array([r[4] for r in known]),
                np.array([r[2] for r in known]).reshape(-1, len(QUANTILES)),
            ))  # fmt: skip
        fitted.append(_shifted(raw, calibrations))
        for week in range(weeks_ahead):
            rows.append((origin, week + 1, raw[week], totals[:, week], float(observed[week])))
    return _scored(rows, fitted)


def _scored(
    rows: list[tuple[int, int, Floats, Floats, float]], fitted: list[Floats]
) -> pd.DataFrame:
    """The backtest's frame: rows, calibrated and raw quantiles, scores."""
    names = [_quantile_name(q) for q in QUANTILES]
    frame = pd.DataFrame(
        {"origin": [r[0] for r in rows], "week": [r[1] for r in rows]}, dtype=float
    )
    calibrated = np.concatenate(fitted) if fitted else np.zeros((0, len(QUANTILES)))
    raw = np.array([r[2] for r in rows]).reshape(-1, len(QUANTILES))
    for i, name in enumerate(names):
        frame[name] = calibrated[:, i]
    frame["mean"] = [float(np.mean(r[3])) for r in rows]
    frame["observed"] = [r[4] for r in rows]
    for i, name in enumerate(names):
        frame[f"raw_{name}"] = raw[:, i]
    return pd.concat([frame, score_quantiles(frame)], axis=1)


def summarise_backtest(scores: pd.DataFrame) -> pd.DataFrame:
    """Per week ahead: projections scored, coverage of the 50% and 90% intervals (per
    cent), mean weighted interval score and cases observed in the weeks scored."""
    grouped = scores.groupby("week")
    return pd.DataFrame(
        {
            "week": grouped.size().index.astype(int),
            "projections": grouped.size().to_numpy(),
            "coverage_50": grouped["covered_50"].mean().to_numpy() * 100,
            "coverage_90": grouped["covered_90"].mean().to_numpy() * 100,
            "mean_wis": grouped["wis"].mean().to_numpy(),
            "observed": grouped["observed"].sum().to_numpy(),
        }
    )
