"""Independent random streams, one per part of the extract, all from one seed."""

from __future__ import annotations

import numpy as np

#: Parts of the generator that draw random numbers, in a fixed order: adding a part at the
#: end leaves the streams of the others (and so their bytes) unchanged.
PARTS: tuple[str, ...] = (
    "geography",
    "names",
    "population",
    "deprivation",
    "epidemic",
    "cases",
    "tests",
    "deaths",
    "survey",
    "small_areas",
)


def streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """Return one seed sequence per part, spawned from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(PARTS))
    return dict(zip(PARTS, children, strict=True))


def rng(sequence: np.random.SeedSequence) -> np.random.Generator:
    """Return a generator for one stream."""
    return np.random.default_rng(sequence)
