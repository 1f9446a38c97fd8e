"""Benchmark: DSR with limits for 309 x 110 x 19 rows, and funnel limits for 309 areas.

Run with ``python -m ldsa.stats.bench``. Synthetic, seeded inputs; prints wall-clock
times (best of a few repeats) and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from ldsa.ageband import AGE_BANDS
from ldsa.stats.funnel import funnel
from ldsa.stats.standardise import dsr

AUTHORITIES = 309
WEEKS = 110
REPEATS = 3


def _dsr_frame(seed: int = 2020) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bands = len(AGE_BANDS)
    rows = AUTHORITIES * WEEKS * bands
    population = rng.integers(500, 40_000, size=AUTHORITIES * bands).astype(np.float64)
    return pd.DataFrame(
        {
            "la_code": np.repeat([f"E{i:08d}" for i in range(AUTHORITIES)], WEEKS * bands),
            "week": np.tile(np.repeat(np.arange(WEEKS), bands), AUTHORITIES),
            "count": rng.poisson(3.0, size=rows).astype(np.float64),
            "population": np.repeat(population.reshape(AUTHORITIES, bands), WEEKS, axis=0).ravel(),
        }
    )


def _best(task: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Print the time for DSR with limits and for funnel limits across all authorities."""
    frame = _dsr_frame()
    rng = np.random.default_rng(2021)
    population = rng.integers(2_000, 1_100_000, size=AUTHORITIES).astype(np.float64)
    deaths = rng.poisson(population * 1e-3).astype(np.float64)
    dsr_time = _best(lambda: dsr(frame, by=["la_code", "week"], conf_level=(0.95, 0.998)))
    funnel_time = _best(lambda: funnel(deaths, population, "rate", multiplier=100_000))
    print(
        f"dsr with 95% and 99.8% limits: {AUTHORITIES} authorities x {WEEKS} weeks x "
        f"{len(AGE_BANDS)} bands ({len(frame):,} rows): {dsr_time:.3f} s"
    )
    print(
        f"funnel limits with over-dispersion test: {AUTHORITIES} authorities: "
        f"{funnel_time * 1000:.1f} ms"
    )


if __name__ == "__main__":  # pragma: no cover  # run as a script; main() is tested
    main()
