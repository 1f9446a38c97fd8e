"""Age bands: the 19 five-year bands of the European Standard Population 2013."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: The 19 ESP2013 bands in age order; the last is open (90 and over).
AGE_BANDS: tuple[str, ...] = (*(f"{lo}-{lo + 4}" for lo in range(0, 90, 5)), "90+")

#: Oldest single year of age held in population tables (90 means 90 and over).
TOP_AGE = 90


def age_band_index(ages: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Return the position in :data:`AGE_BANDS` of each age in years.

    Parameters
    ----------
    ages
        Ages in completed years, non-negative integers.

    Returns
    -------
    numpy.ndarray
        Band positions 0..18; every age of 90 or more falls in the last band.
    """
    years = np.asarray(ages)
    if years.size and years.min() < 0:
        raise ValueError("ages: negative ages found. Ages must be completed years, 0 or more.")
    bands: npt.NDArray[np.int8] = np.minimum(years // 5, len(AGE_BANDS) - 1).astype(np.int8)
    return bands


def age_band(ages: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Return the ESP2013 band label (for example ``"45-49"``) of each age in years."""
    return np.asarray(AGE_BANDS)[age_band_index(ages)]
