"""Small areas: fictional MSOA-like neighbourhoods nested in each authority.

Each authority is split into neighbourhoods of about :data:`PEOPLE_PER_AREA` people (one
for the smallest authorities), of unequal size, with deprivation scores spread around the
authority's own (so that every authority has more and less deprived neighbourhoods). A
case is placed in a neighbourhood of its authority with probability proportional to the
neighbourhood's population, raised with its deprivation and by a local outbreak factor
that drifts from one 4-week block to the next (so that hotspots move and rise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ldsa.data.dummy._days import Floats, Ints, period_days
from ldsa.data.dummy._deprivation import Deprivation
from ldsa.data.dummy._draw import draw, normalised_cdf
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import Population
from ldsa.data.dummy._write import ChunkWriter, categories

#: Mean people per small area (England's MSOAs hold about 7,200 on average).
PEOPLE_PER_AREA = 7_500
#: Days per block of the local outbreak factor.
BLOCK_DAYS = 28
_SIZE_SHAPE = 6.0  # gamma shape of the areas' shares of their authority (unequal sizes)
_SCORE_SPREAD = 0.45  # log-normal spread of area scores around the authority's score
_SCORE_RANGE = (1.0, 90.0)
#: Log change in case risk per 10 points of score above the authority's (about 1.5 to 2
#: times from the least to the most deprived neighbourhoods of a large authority).
_DEPRIVATION = 0.1
_DRIFT, _PERSIST = 0.2, 0.75  # local outbreak factor: AR(1) step and persistence


@dataclass(frozen=True)
class SmallAreas:
    """Every small area (authority by authority), and each authority's first area."""

    la: Ints  # authority of each area (position in the geography)
    population: Ints
    score: Floats
    first: Ints  # [la]: position of the authority's first area; areas are consecutive
    risk: Floats  # [area, block]: relative case risk per person

    @property
    def size(self) -> int:
        """Number of small areas."""
        return int(self.la.size)

    def codes(self) -> tuple[str, ...]:
        """GSS-shaped codes from an unused range (``E029xxxxx``), in area order."""
        return tuple(f"E029{i:05d}" for i in range(self.size))

    def names(self, geography: Geography) -> tuple[str, ...]:
        """ "<authority> 001", ... as MSOA names are."""
        local = np.arange(self.size) - self.first[self.la]
        return tuple(
            f"{geography.la_name[la]} {n + 1:03d}"
            for la, n in zip(self.la.tolist(), local.tolist(), strict=True)
        )


def build_small_areas(
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    deprivation: Deprivation,
) -> SmallAreas:
    """Split every authority into neighbourhoods with populations, scores and case risks."""
    people = population.year(2020).sum(axis=(1, 2)).astype(np.int64)
    counts = np.maximum(1, np.rint(people / PEOPLE_PER_AREA)).astype(np.int64)
    la = np.repeat(np.arange(geography.size), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    shares = generator.gamma(_SIZE_SHAPE, 1.0, la.size)
    shares /= np.bincount(la, weights=shares)[la]
    sizes = np.floor(shares * people[la]).astype(np.int64)
    short = people - np.bincount(la, weights=sizes, minlength=geography.size).astype(np.int64)
    sizes[first] += short  # each authority's areas add up to its population
    spread = generator.normal(0.0, _SCORE_SPREAD, la.size)
    score = np.round(np.clip(deprivation.score[la] * np.exp(spread), *_SCORE_RANGE), 3)
    blocks = -(-period_days().size // BLOCK_DAYS)
    steps = generator.normal(0.0, _DRIFT, (la.size, blocks))
    local = np.zeros_like(steps)
    for b in range(blocks):
        local[:, b] = (_PERSIST * local[:, b - 1] if b else 0.0) + steps[:, b]
    tilt = _DEPRIVATION * (score - deprivation.score[la]) / 10
    risk = np.exp(tilt[:, None] + local)
    return SmallAreas(la, sizes, score.astype(np.float64), first, risk)


def case_area_cdf(areas: SmallAreas, n_la: int) -> Floats:
    """Cumulative distribution of a case's area ``[la * block, most areas]``."""
    widest = int(np.bincount(areas.la, minlength=n_la).max())
    blocks = areas.risk.shape[1]
    weights = np.zeros((n_la, blocks, widest))
    local = np.arange(areas.size) - areas.first[areas.la]
    weights[areas.la, :, local] = areas.population[:, None] * areas.risk
    return normalised_cdf(weights.reshape(n_la * blocks, widest))


def draw_areas(
    generator: np.random.Generator, areas: SmallAreas, cdf: Floats, la: Ints, day: Ints
) -> Ints:
    """Draw each case's small area (a position in ``areas``) from its authority and day."""
    blocks = areas.risk.shape[1]
    local = draw(generator, cdf, la * blocks + day // BLOCK_DAYS)
    return np.asarray(areas.first[la] + local, dtype=np.int64)


def write_small_areas(write: ChunkWriter, geography: Geography, areas: SmallAreas) -> None:
    """Write one row per small area: code, name, authority, population, IMD-like score."""
    write(
        {
            "msoa_code": list(areas.codes()),
            "msoa_name": list(areas.names(geography)),
            "la_code": categories(areas.la, geography.la_code),
            "population": areas.population,
            "imd_score": areas.score,
        }
    )
