"""The penalised binomial fit gives no fit, rather than a wrong one, when a solve fails."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from ldsa.stats import _pspline


def _data() -> tuple[Any, Any, Any]:
    t = np.arange(20, dtype=float)
    X = _pspline.spline_basis(t, float(t[-1]), 6)
    tests = np.full(20, 200.0)
    positive = np.round(tests * (0.02 + 0.01 * np.sin(t / 3)))
    return X, positive, tests


def test_a_normal_fit_converges() -> None:
    X, positive, tests = _data()
    fit = _pspline.fit_penalised_binomial(X, positive, tests, 6)
    assert fit is not None
    assert np.all(np.isfinite(fit.params))


def _raise(*_: object) -> None:
    raise np.linalg.LinAlgError("singular")


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        ("solve", _raise),  # a singular system in an iteration
        ("solve", lambda a, b: np.full(np.shape(b), np.nan)),  # a diverged step
        ("inv", _raise),  # a singular information matrix at the end
    ],
)
def test_a_failing_solve_gives_no_fit(
    monkeypatch: pytest.MonkeyPatch, name: str, replacement: Any
) -> None:
    X, positive, tests = _data()
    monkeypatch.setattr(_pspline.np.linalg, name, replacement)
    assert _pspline.fit_penalised_binomial(X, positive, tests, 6) is None


def test_no_convergence_gives_no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    X, positive, tests = _data()
    monkeypatch.setattr(_pspline, "_MAX_ITERATIONS", 1)
    assert _pspline.fit_penalised_binomial(X, positive, tests, 6) is None
