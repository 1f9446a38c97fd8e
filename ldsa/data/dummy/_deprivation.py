"""Index of Multiple Deprivation (IMD-like) scores, ranks and deciles per LA.

Scores lean high in metropolitan districts, the northern regions and coastal towns, as
the real index does; the epidemic and mortality models then raise rates with the score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ldsa.data.dummy._geography import Geography

_TYPE_EFFECT = {
    "unitary": 3.0,
    "non_metropolitan_district": -2.0,
    "metropolitan_district": 8.0,
    "london_borough": 4.0,
}
#: Regional effect on the score, in region order (North East ... South West).
_REGION_EFFECT = (6.0, 5.0, 4.0, 1.0, 3.0, -2.0, 1.0, -4.0, -2.0)
_CENTRE, _SPREAD = 19.0, 6.0
SCORE_RANGE = (5.0, 50.0)
#: Score around which outcome multipliers are 1, and their step per 10 points of score.
REFERENCE_SCORE = 20.0


@dataclass(frozen=True)
class Deprivation:
    """Score, rank (1 = most deprived) and decile (1 = most deprived) of each LA."""

    score: npt.NDArray[np.float64]
    rank: npt.NDArray[np.int64]
    decile: npt.NDArray[np.int64]

    def multiplier(self, per_ten_points: float) -> npt.NDArray[np.float64]:
        """Relative rate of an outcome that rises by ``per_ten_points`` (log) per 10 points."""
        return np.exp(per_ten_points * (self.score - REFERENCE_SCORE) / 10)


def build_deprivation(generator: np.random.Generator, geography: Geography) -> Deprivation:
    """Draw each LA's score from its type, region and coast, then rank and band them."""
    effect = np.array([_TYPE_EFFECT[t] for t in geography.la_type])
    effect += np.asarray(_REGION_EFFECT)[geography.region]
    effect += 5.0 * geography.coastal
    noise = generator.normal(0.0, _SPREAD, geography.size)
    score = np.round(np.clip(_CENTRE + effect + noise, *SCORE_RANGE), 3).astype(np.float64)
    order = np.argsort(-score, kind="stable")
    rank = np.empty(geography.size, dtype=np.int64)
    rank[order] = np.arange(1, geography.size + 1)
    decile = (rank - 1) * 10 // geography.size + 1
    return Deprivation(score=score, rank=rank, decile=decile)
