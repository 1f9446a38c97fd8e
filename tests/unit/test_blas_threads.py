"""Importing ldsa asks for one BLAS thread per process, unless the user chose a number."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SHOW = "import ldsa, os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"


@pytest.mark.parametrize(("given", "seen"), [(None, "1 1"), ("4", "4 1")])
def test_blas_threads_default_to_one(given: str | None, seen: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    out = subprocess.run(
        [sys.executable, "-c", _SHOW], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == seen.split()
