"""Unit tests for the regression helpers (tidy coefficients, n, parameters, df)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.stats import StatsInputError, fit_glm


def _authorities(seed: int = 5, overdispersed: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = 309
    imd = rng.uniform(5, 45, units)
    population = rng.integers(20_000, 1_000_000, units).astype(float)
    rate = 1e-3 * np.exp(0.02 * (imd - 25))
    if overdispersed:
        rate = rate * rng.gamma(20, 1 / 20, units)
    deaths = rng.poisson(rate * population)
    return pd.DataFrame({"deaths": deaths, "imd_score": imd, "population": population})


def test_poisson_recovers_coefficient_and_counts_parameters() -> None:
    """A Poisson GLM with a population offset recovers the simulated deprivation effect."""
    result = fit_glm(_authorities(), "deaths ~ imd_score", exposure="population")
    row = result.coefficients.set_index("term").loc["imd_score"]
    assert row["lower"] <= 0.02 <= row["upper"]
    assert_allclose(row["exp_estimate"], np.exp(row["estimate"]))
    assert (result.n, result.n_params, result.df_resid) == (309, 2, 307)
    assert result.converged
    assert result.warnings == ()


def test_quasi_poisson_and_negative_binomial_widen_for_overdispersion() -> None:
    """With over-dispersed data, quasi-Poisson and NB give wider intervals than Poisson."""
    frame = _authorities(overdispersed=True)
    widths = {}
    for family in ("poisson", "quasi_poisson", "negative_binomial"):
        result = fit_glm(frame, "deaths ~ imd_score", family=family, exposure="population")  # type: ignore[arg-type]
        row = result.coefficients.set_index("term").loc["imd_score"]
        widths[family] = row["upper"] - row["lower"]
        if family == "negative_binomial":
            assert result.n_params == 3  # intercept, slope and alpha
            assert result.df_resid == 306
        if family == "quasi_poisson":
            assert result.dispersion > 2
    assert widths["quasi_poisson"] > widths["poisson"]
    assert widths["negative_binomial"] > widths["poisson"]


def test_robust_standard_errors() -> None:
    """Robust (HC0) standard errors are recorded and differ from the model-based ones."""
    frame = _authorities(overdispersed=True)
    plain = fit_glm(frame, "deaths ~ imd_score", exposure="population")
    robust = fit_glm(frame, "deaths ~ imd_score", exposure="population", robust=True)
    assert robust.robust
    assert robust.coefficients["std_error"].iloc[1] != plain.coefficients["std_error"].iloc[1]


def test_convergence_problems_are_recorded_not_raised() -> None:
    """A model that cannot converge reports converged False with its warnings."""
    frame = pd.DataFrame({"y": [0, 0, 0, 0, 0, 1000], "x": [0, 0, 0, 0, 0, 1.0]})
    result = fit_glm(frame, "y ~ x")
    assert not result.converged
    assert any("PerfectSeparationWarning" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("frame", "formula", "kwargs", "message"),
    [
        (pd.DataFrame({"y": [1, np.nan, 3], "x": [1, 2, 3]}), "y ~ x", {}, "formula: cannot"),
        (pd.DataFrame({"y": [1, 2, 3], "x": [1, 2, 3]}), "y ~ z", {}, "formula: cannot"),
        (pd.DataFrame({"y": [1, 2], "x": [1, 2]}), "y ~ x", {}, r"2 row\(s\) for 2 param"),
        (
            pd.DataFrame({"y": [1, 2, 3], "x": [1, 2, 3]}),
            "y ~ x",
            {"family": "gamma"},
            "family: expected",
        ),
        (
            pd.DataFrame({"y": [1, 2, 3], "x": [1, 2, 0]}),
            "y ~ x",
            {"exposure": "x"},
            "x: zero or negative",
        ),
    ],
)
def test_invalid_models_refused(
    frame: pd.DataFrame, formula: str, kwargs: dict[str, str], message: str
) -> None:
    """Missing values, unknown columns, too few rows and bad options raise clear errors."""
    with pytest.raises(StatsInputError, match=message):
        fit_glm(frame, formula, **kwargs)  # type: ignore[arg-type]
