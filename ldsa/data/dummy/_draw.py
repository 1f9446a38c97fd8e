"""Vectorised draws from many small categorical distributions at once."""

from __future__ import annotations

import numpy as np

from ldsa.data.dummy._days import Floats, Ints

#: Population tables stop at 90 (90 and over); drawn ages spread above it up to this.
_OLDEST = 110
_TAIL = 0.22


def normalised_cdf(weights: Floats) -> Floats:
    """Row-wise cumulative distribution of ``weights`` ``[group, category]``, ending at 1."""
    cdf = np.cumsum(weights, axis=1)
    return np.asarray(cdf / np.maximum(cdf[:, -1:], 1e-300), dtype=np.float64)


def draw(generator: np.random.Generator, cdf: Floats, group: Ints) -> Ints:
    """Draw one category per row from the distribution of the row's ``group``."""
    # Shifting each group's CDF by its index makes one sorted array: one search for all rows.
    flat = (cdf + np.arange(cdf.shape[0])[:, None]).ravel()
    cell = np.searchsorted(flat, group + generator.random(group.size), side="right")
    return np.asarray(np.minimum(cell - group * cdf.shape[1], cdf.shape[1] - 1), dtype=np.int64)


def draw_age_sex(generator: np.random.Generator, cdf: Floats, group: Ints) -> tuple[Ints, Ints]:
    """Draw sex (0 F, 1 M) and age in years; ``cdf`` is ``[group, 2 * 91]``, sex-major.

    The top age group (90 and over) is spread over 90..110 with a geometric tail.
    """
    sex, age = np.divmod(draw(generator, cdf, group), cdf.shape[1] // 2)
    top = cdf.shape[1] // 2 - 1
    extra = np.minimum(generator.geometric(_TAIL, group.size) - 1, _OLDEST - top)
    return sex, np.where(age == top, age + extra, age)
