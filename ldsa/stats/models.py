"""Regression helpers: Poisson, quasi-Poisson and negative binomial GLMs, tidy output."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from patsy import PatsyError  # type: ignore[import-untyped]  # ships no type information
from statsmodels.tools.sm_exceptions import MissingDataError, PerfectSeparationError

from ldsa.stats._validate import FloatArray, StatsInputError, positive, require_columns, z_value

Family = Literal["poisson", "quasi_poisson", "negative_binomial"]
FAMILIES: tuple[str, ...] = ("poisson", "quasi_poisson", "negative_binomial")


@dataclasses.dataclass(frozen=True)
class ModelResult:
    """A fitted model: tidy coefficients plus what the disclosure rules need.

    ``n`` (observations), ``n_params`` (estimated parameters, including the negative
    binomial's α) and ``df_resid`` (n − n_params) are checked by the disclosure layer's
    residual-degrees-of-freedom rule.
    """

    coefficients: pd.DataFrame
    family: str
    formula: str
    n: int
    n_params: int
    df_resid: int
    dispersion: float
    robust: bool
    converged: bool
    warnings: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class GlmFit:
    """A bare quasi-Poisson or Poisson fit: parameters, covariance, dispersion, warnings."""

    params: FloatArray
    cov: FloatArray
    scale: float
    converged: bool
    warnings: tuple[str, ...]


def _caught(records: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(sorted({f"{r.category.__name__}: {r.message}" for r in records}))


def fit_log_linear(
    y: FloatArray, X: FloatArray, offset: FloatArray | None = None, quasi: bool = True
) -> GlmFit:
    """Fit a Poisson GLM (quasi-Poisson dispersion when ``quasi``), recording warnings.

    Warnings from statsmodels and numpy (convergence, overflow, perfect prediction) are
    captured and returned rather than raised, so callers can say why a value is missing.
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
            # pinv: as robust to a rank-deficient design as lstsq, and far faster where
            # multithreaded BLAS makes lstsq slow on small problems (15x on 2 cores).
            result = model.fit(scale="X2" if quasi else 1.0, wls_method="pinv")
            converged = bool(result.converged)
            params = np.asarray(result.params, dtype=np.float64)
            cov = np.asarray(result.cov_params(), dtype=np.float64)
            scale = float(result.scale)
        except (
            PerfectSeparationError,
            MissingDataError,
            np.linalg.LinAlgError,
            ValueError,
        ) as error:
            k = X.shape[1]
            return GlmFit(
                np.full(k, np.nan),
                np.full((k, k), np.nan),
                np.nan,
                False,
                (*_caught(records), f"{type(error).__name__}: {error}"),
            )
    ok = converged and bool(np.all(np.isfinite(cov)))
    return GlmFit(params, cov, scale, ok, _caught(records))


def _tidy(result: Any, conf_level: float) -> pd.DataFrame:
    params = pd.Series(result.params)
    se = pd.Series(result.bse, index=params.index)
    z = z_value(conf_level)
    table = pd.DataFrame(
        {
            "term": params.index.astype(str),
            "estimate": params.to_numpy(dtype=np.float64),
            "std_error": se.to_numpy(dtype=np.float64),
            "statistic": pd.Series(result.tvalues, index=params.index).to_numpy(dtype=np.float64),
            "p_value": pd.Series(result.pvalues, index=params.index).to_numpy(dtype=np.float64),
        }
    )
    table["lower"] = table["estimate"] - z * table["std_error"]
    table["upper"] = table["estimate"] + z * table["std_error"]
    # A diverged fit can have huge estimates: their exponential is reported as inf.
    with np.errstate(over="ignore"):
        for column in ("estimate", "lower", "upper"):
            table[f"exp_{column}"] = np.exp(table[column].to_numpy())
    return table


def fit_glm(
    frame: pd.DataFrame,
    formula: str,
    family: Family = "poisson",
    exposure: str | None = None,
    robust: bool = False,
    conf_level: float = 0.95,
) -> ModelResult:
    """Fit a count GLM by formula and return tidy coefficients with n, params and df.

    Parameters
    ----------
    frame
        One row per unit (for example per authority), no missing values in the model's
        columns.
    formula
        A patsy formula, for example ``"deaths ~ imd_score + density"``.
    family
        ``"poisson"``, ``"quasi_poisson"`` (Poisson with Pearson χ²/df dispersion) or
        ``"negative_binomial"`` (NB2, α estimated by maximum likelihood).
    exposure
        Column of exposures (population), > 0; its log is the offset. None for no offset.
    robust
        Sandwich (HC0) standard errors, for dispersion the family does not model.
    conf_level
        Level of the coefficient intervals.

    Returns
    -------
    ModelResult
        ``coefficients`` (``term``, ``estimate``, ``std_error``, ``statistic``,
        ``p_value``, ``lower``, ``upper`` and their exponentials: rate ratios), ``n``,
        ``n_params``, ``df_resid``, ``dispersion``, ``converged`` and any ``warnings``.

    Raises
    ------
    StatsInputError
        Unknown family, missing columns or values, non-positive exposures, a formula that
        cannot be built, or no residual degrees of freedom.

    Notes
    -----
    Convergence and numerical warnings are recorded in ``warnings`` and make ``converged``
    False; they are never silently dropped. The negative binomial's α counts as a
    parameter.

    References
    ----------
    McCullagh P, Nelder JA. Generalized Linear Models, 2nd ed. Chapman & Hall, 1989.
    Seabold S, Perktold J. statsmodels: econometric and statistical modeling with Python.
    Proc 9th Python in Science Conference, 2010.
    """
    if family not in FAMILIES:
        raise StatsInputError(f"family: expected one of {list(FAMILIES)}.")
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError("frame: expected a pandas DataFrame.")
    kwargs: dict[str, Any] = {"missing": "raise"}
    if exposure is not None:
        require_columns(frame, "frame", [exposure])
        kwargs["offset"] = np.log(positive(exposure, frame[exposure]))
    fit_kwargs: dict[str, Any] = {"cov_type": "HC0"} if robust else {}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            if family == "negative_binomial":
                model = smf.negativebinomial(formula, frame, loglike_method="nb2", **kwargs)
                result = model.fit(disp=False, maxiter=200, **fit_kwargs)
                converged = bool(result.mle_retvals.get("converged", False))
                dispersion = float(result.params.iloc[-1])
            else:
                model = smf.glm(formula, frame, family=sm.families.Poisson(), **kwargs)
                scale = "X2" if family == "quasi_poisson" else 1.0
                result = model.fit(scale=scale, **fit_kwargs)
                converged = bool(result.converged)
                dispersion = float(result.scale)
        except (PatsyError, MissingDataError) as error:
            raise StatsInputError(
                f"formula: cannot build the model from frame ({type(error).__name__}); check "
                "the column names and that the model's columns have no missing values."
            ) from None
    n = int(result.nobs)
    n_params = len(result.params)
    if n - n_params <= 0:
        raise StatsInputError(f"frame: {n} row(s) for {n_params} parameter(s); need more rows.")
    caught = _caught(records)
    return ModelResult(
        coefficients=_tidy(result, conf_level),
        family=family,
        formula=formula,
        n=n,
        n_params=n_params,
        df_resid=n - n_params,
        dispersion=dispersion,
        robust=robust,
        converged=converged and not caught,
        warnings=caught,
    )
