"""Golden test: the reproduction number against EpiEstim's published outputs.

EpiEstim (mrc-ide/EpiEstim, by the authors of Cori et al. 2013) saves the output of its
documented examples in its own regression tests; the Flu2009 examples with a known serial
interval (Example 1, a discrete SI; Example 3, a gamma SI of mean 2.6 and SD 1.5, both
with weekly sliding windows and the default prior of mean 5, SD 5) are in
``reference/epiestim`` (see PROVENANCE.md there: repository, path and commit).

Tolerance: the figures are R's printed values, each with at least 7 significant digits,
so each carries a rounding error of at most half a unit in its 7th significant digit,
under 5e-7 of the value. ``RTOL = 1e-6`` allows that and little more: on Example 1, a
window a day late, an 8-day window, a prior SD of 4 or a serial interval lagged by a day
each move some posterior mean by 13% to 90%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.stats.reproduction import discretise_gamma, estimate_r

REFERENCE = Path(__file__).parent / "reference" / "epiestim"
RTOL = 1e-6
WINDOW = 7
PRIOR_MEAN = PRIOR_SD = 5.0  # EpiEstim's default prior, as in its examples
#: ldsa's level of the equal-tailed interval, and the two EpiEstim quantile columns it gives.
LEVELS = {0.95: ("q0025", "q0975"), 0.90: ("q005", "q095"), 0.50: ("q025", "q075")}


def _incidence() -> np.ndarray:
    table = pd.read_csv(REFERENCE / "flu2009_incidence.csv")
    assert list(table["day"]) == list(range(1, 33))
    return table["I"].to_numpy(dtype=float)


def _si(example: int) -> np.ndarray:
    return pd.read_csv(REFERENCE / "flu2009_si.csv")[f"example_{example}"].to_numpy(float)


def _published(example: int) -> pd.DataFrame:
    table = pd.read_csv(REFERENCE / "flu2009_r.csv")
    table = table[table["example"] == example].reset_index(drop=True)
    # EpiEstim's t_start..t_end are 1-based days, both ends included: weekly windows.
    assert len(table) == 25
    assert ((table["t_end"] - table["t_start"]) == WINDOW - 1).all()
    return table


def _compare(weights: np.ndarray, published: pd.DataFrame) -> dict[str, float]:
    """Check ldsa's estimate against every published column; return the worst differences."""
    cases = _incidence()
    rows = published["t_end"].to_numpy() - 1  # ldsa's row = 0-based last day of the window
    worst = {"abs": 0.0, "rel": 0.0}

    def check(mine: np.ndarray, column: str) -> None:
        expected = published[column].to_numpy(dtype=float)
        assert_allclose(mine, expected, rtol=RTOL, atol=0, err_msg=column)
        worst["abs"] = max(worst["abs"], float(np.max(np.abs(mine - expected))))
        worst["rel"] = max(worst["rel"], float(np.max(np.abs(mine / expected - 1))))

    for level, (low, high) in LEVELS.items():
        est = estimate_r(
            cases,
            weights,
            window=WINDOW,
            prior_mean=PRIOR_MEAN,
            prior_sd=PRIOR_SD,
            conf_level=level,
        ).iloc[rows]
        check(est["lower"].to_numpy(), low)
        check(est["upper"].to_numpy(), high)
    check(est["mean"].to_numpy(), "mean")
    check((est["mean"] * est["cv"]).to_numpy(), "std")  # posterior SD = mean x CV
    check(est["median"].to_numpy(), "median")
    return worst


def test_example_1_discrete_serial_interval() -> None:
    """Flu2009 with its discrete SI (Flu2009$si_distr): every window, mean, SD, quantiles."""
    worst = _compare(_si(1), _published(1))
    assert worst["rel"] < RTOL


@pytest.mark.parametrize("source", ["ldsa", "epiestim"])
def test_example_3_gamma_serial_interval(source: str) -> None:
    """Flu2009 with a gamma SI of mean 2.6, SD 1.5: discretised by ldsa, or EpiEstim's own."""
    weights = discretise_gamma(2.6, 1.5) if source == "ldsa" else _si(3)
    worst = _compare(weights, _published(3))
    assert worst["rel"] < RTOL


def test_discretised_serial_interval_matches_epiestim() -> None:
    """ldsa's discretisation is EpiEstim's discr_si (Cori et al., Web Appendix 11).

    EpiEstim keeps days 0..31 without renormalising; ldsa keeps 0..30 and renormalises.
    The mass beyond day 30 is about 1.3e-9, far inside the printed precision. The formula
    takes differences of terms up to about 30 (``k`` times a CDF) to make weights of 1e-9
    in the tail, so both implementations carry absolute rounding errors of about 1e-15
    there (ldsa's day 29 is 1.4e-6 of its value from EpiEstim's): hence ``atol=1e-14``.
    """
    published = _si(3)
    mine = discretise_gamma(2.6, 1.5)
    assert len(mine) == 31
    assert_allclose(mine, published[: len(mine)], rtol=RTOL, atol=1e-14)
    assert mine[0] == published[0] == 0
    assert published[len(mine) :].sum() < 1e-9
