"""Over-dispersion of funnel-plot z-scores (Spiegelhalter 2005): the phi test and tau^2."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
from scipy import stats

from ldsa.stats._validate import StatsInputError, as_float_array, positive, same_shape


@dataclasses.dataclass(frozen=True)
class Overdispersion:
    """The over-dispersion test of a set of z-scores, and the random-effects variance."""

    n_units: int
    phi: float  #: mean squared winsorised z-score
    statistic: float  #: I φ, compared with χ²(I − 1)
    critical_value: float
    p_value: float
    overdispersed: bool
    tau2: float  #: additive random-effects variance τ² on the per-unit scale
    winsor: float
    significance: float


def overdispersion_test(
    z: npt.ArrayLike,
    se: npt.ArrayLike,
    winsor: float = 0.1,
    significance: float = 0.05,
) -> Overdispersion:
    """Test z-scores for over-dispersion and estimate the random-effects variance.

    Parameters
    ----------
    z
        Each area's z-score against the target, (yᵢ − θ₀)/sᵢ.
    se
        Each area's standard error sᵢ under the target (per-unit scale), > 0.
    winsor
        Fraction winsorised in each tail (10% by default).
    significance
        Test level: over-dispersed when I φ exceeds the χ²(I − 1) quantile at 1 − level.

    Returns
    -------
    Overdispersion
        φ, the test statistic, critical value, p-value, the decision and τ².

    Notes
    -----
    z-scores beyond the ``winsor`` and 1 − ``winsor`` quantiles are set to those quantiles,
    so a few outlying areas do not inflate φ = Σ z²/I. τ² = max(0, (Iφ − (I − 1)) /
    (Σwᵢ − Σwᵢ²/Σwᵢ)) with wᵢ = 1/sᵢ² (DerSimonian-Laird). Winsorising shrinks φ, so under
    no over-dispersion the test rejects less often than ``significance``.

    References
    ----------
    Spiegelhalter DJ. Handling over-dispersion of performance indicators. Qual Saf Health
    Care 2005;14:347-351.
    """
    scores = np.atleast_1d(as_float_array("z", z))
    s = np.atleast_1d(positive("se", se))
    same_shape(z=scores, se=s)
    units = scores.size
    if units < 2:
        raise StatsInputError("z: at least 2 areas are needed to test over-dispersion.")
    if not 0 <= winsor < 0.5:
        raise StatsInputError("winsor: expected a fraction in [0, 0.5).")
    low, high = np.quantile(scores, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(scores, low, high) ** 2))
    statistic = units * phi
    critical = float(stats.chi2.ppf(1 - significance, units - 1))
    w = 1 / s**2
    tau2 = max(0.0, (statistic - (units - 1)) / float(w.sum() - (w**2).sum() / w.sum()))
    return Overdispersion(
        n_units=units,
        phi=phi,
        statistic=statistic,
        critical_value=critical,
        p_value=float(stats.chi2.sf(statistic, units - 1)),
        overdispersed=statistic > critical,
        tau2=tau2,
        winsor=winsor,
        significance=significance,
    )
