"""Mid-year populations by LA, year, sex and single year of age (0..90, 90 = 90 and over).

Each LA's pyramid is England's shape (birth cohorts times survival) tilted towards young
adults (cities, London, university towns) or towards older ages (coastal and rural areas).
Cohorts age from one year to the next, so the pyramids move as real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ldsa.ageband import TOP_AGE
from ldsa.data.dummy._geography import REGIONS, Geography
from ldsa.data.schemas import POPULATION_YEARS

YEARS: tuple[int, ...] = tuple(range(POPULATION_YEARS[0], POPULATION_YEARS[1] + 1))
AGES = np.arange(TOP_AGE + 1)
#: Year whose totals match the regional targets (mid-2020).
_BASE_YEAR = 2020
#: Typical mid-2020 population and log-spread by LA type.
_SIZE = {
    "unitary": (190_000, 0.65),
    "non_metropolitan_district": (115_000, 0.38),
    "metropolitan_district": (290_000, 0.5),
    "london_borough": (275_000, 0.27),
}
_BOUNDS = {
    "unitary": (40_000, 1_000_000),
    "non_metropolitan_district": (25_000, 320_000),
    "metropolitan_district": (120_000, 1_000_000),
    "london_borough": (120_000, 500_000),
}
#: Pinned authorities: an island unitary, a "square mile" borough, a great city.
TINY, SQUARE_MILE, GREAT_CITY = 2_200, 9_000, 1_120_000
_TILT = {
    "unitary": (0.0, 0.4),
    "non_metropolitan_district": (-0.2, 0.3),
    "metropolitan_district": (0.3, 0.25),
    "london_borough": (0.9, 0.3),
}


@dataclass(frozen=True)
class Population:
    """Counts ``[la, year, sex, age]`` with sex 0 = F, 1 = M, and each LA's age tilt."""

    counts: npt.NDArray[np.int64]
    tilt: npt.NDArray[np.float64]

    def year(self, year: int) -> npt.NDArray[np.int64]:
        """Counts ``[la, sex, age]`` for one year (clamped to the years held)."""
        return self.counts[:, min(max(year, YEARS[0]), YEARS[-1]) - YEARS[0]]


def pinned(geography: Geography) -> dict[str, int]:
    """Positions of the island unitary, the square-mile borough and the great city."""
    types = np.asarray(geography.la_type)
    regions = np.asarray(geography.region_code)
    south_west, west_midlands = regions == "E12000009", regions == "E12000005"
    return {
        "tiny": int(np.flatnonzero((types == "unitary") & south_west)[0]),
        "square_mile": int(np.flatnonzero(types == "london_borough")[0]),
        "great_city": int(np.flatnonzero((types == "metropolitan_district") & west_midlands)[0]),
    }


def build_population(generator: np.random.Generator, geography: Geography) -> Population:
    """Draw LA sizes, growth and age tilts, and return counts for every year."""
    totals = _la_totals(generator, geography)
    tilt = _tilts(generator, geography)
    growth = generator.normal(0.006, 0.004, geography.size)
    counts = np.empty((geography.size, len(YEARS), 2, TOP_AGE + 1), dtype=np.int64)
    for y, year in enumerate(YEARS):
        shape = _england_shape(year)[None] * _tilt_factor(tilt, geography.student)[:, None]
        shape /= shape.sum(axis=(1, 2), keepdims=True)
        size = totals * (1 + growth) ** (year - _BASE_YEAR)
        counts[:, y] = np.rint(shape * size[:, None, None]).astype(np.int64)
    return Population(counts=counts, tilt=tilt)


def _la_totals(generator: np.random.Generator, geography: Geography) -> npt.NDArray[np.float64]:
    types = np.asarray(geography.la_type)
    totals = np.empty(geography.size)
    for la_type, (median, spread) in _SIZE.items():
        mask = types == la_type
        totals[mask] = median * np.exp(generator.normal(0, spread, mask.sum()))
    special = pinned(geography)
    fixed = np.zeros(geography.size, dtype=bool)
    for key, size in (("tiny", TINY), ("square_mile", SQUARE_MILE), ("great_city", GREAT_CITY)):
        totals[special[key]] = size
        fixed[special[key]] = True
    for _ in range(4):  # squash into bounds, rescale to regional totals: a few rounds converge
        for la_type, (low, high) in _BOUNDS.items():
            mask = (types == la_type) & ~fixed
            totals[mask] = _squash(totals[mask], low, high)
        for r, region in enumerate(REGIONS):
            free = (geography.region == r) & ~fixed
            target = region.population * 1e6 - totals[(geography.region == r) & fixed].sum()
            totals[free] *= target / totals[free].sum()
    return totals


def _squash(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.float64]:
    """Pull values into (low, high) smoothly in log space, so none pile up at a bound."""
    centre, half = (np.log(low) + np.log(high)) / 2, (np.log(high) - np.log(low)) / 2
    return np.asarray(np.exp(centre + half * np.tanh((np.log(values) - centre) / half)))


def _tilts(generator: np.random.Generator, geography: Geography) -> npt.NDArray[np.float64]:
    """Positive tilts mean more young adults; coastal areas lean old."""
    types = np.asarray(geography.la_type)
    tilt = np.empty(geography.size)
    for la_type, (mean, spread) in _TILT.items():
        mask = types == la_type
        tilt[mask] = generator.normal(mean, spread, mask.sum())
    tilt[geography.coastal] -= 0.5
    special = pinned(geography)
    tilt[special["tiny"]] = -1.2
    tilt[special["square_mile"]] = 1.5
    return np.clip(tilt, -1.5, 2.0)


def _tilt_factor(
    tilt: npt.NDArray[np.float64], student: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Relative weight ``[la, age]`` of each age given the LA's tilt."""
    ages = AGES.astype(np.float64)
    young = 0.7 * np.exp(-(((ages - 31) / 10) ** 2))
    old = 0.8 / (1 + np.exp(-(ages - 60) / 7))
    profile = young - old + 0.15
    bump = 1.6 * np.exp(-(((ages - 20) / 1.8) ** 2))
    factor = np.exp(tilt[:, None] * profile[None])
    return factor * (1 + student[:, None] * bump[None])


def _england_shape(year: int) -> npt.NDArray[np.float64]:
    """Relative size ``[sex, age]`` of each single-year group in England in ``year``."""
    births = year - np.arange(TOP_AGE + 21)
    cohort = (
        1
        + 0.25 * np.exp(-(((births - 1964) / 6) ** 2))
        + 0.08 * np.exp(-(((births - 1947.5) / 1.5) ** 2))
        - 0.15 * np.exp(-(((births - 1977) / 4) ** 2))
        + 0.12 * np.exp(-(((births - 1990) / 4) ** 2))
        - 0.08 * np.exp(-(((births - 2001) / 4) ** 2))
        + 0.08 * np.exp(-(((births - 2012) / 3) ** 2))
    )
    ages = np.arange(TOP_AGE + 21, dtype=np.float64)
    migration = 1 + 0.15 * np.exp(-(((ages - 31) / 8) ** 2))
    shape = np.empty((2, TOP_AGE + 1))
    for sex, (hazard, births_share) in enumerate(((2.6e-6, 1.0), (3.6e-6, 1.05))):
        survival = np.exp(-(hazard / 0.095) * 10 * (np.exp(0.095 * ages) - 1))
        full = births_share * cohort * migration * survival
        shape[sex, :TOP_AGE] = full[:TOP_AGE]
        shape[sex, TOP_AGE] = full[TOP_AGE:].sum()
    return shape
