"""Comparator groups: an authority's statistical neighbours among all authorities.

Councils compare themselves with similar places, not only with their region and England.
The neighbours here are the nearest authorities on a few published characteristics (age
structure, size and deprivation), standardised so that none dominates; the report lists
them and says which characteristics were used.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ldsa.data.store import Store
from ldsa.stats import statistical_neighbours

#: Neighbours per authority (CIPFA's model uses 15; fewer keep a report's table short).
K = 10
#: The characteristics, in words, as the report names them.
FEATURES = {
    "share_65_plus": "share of people aged 65 and over",
    "share_under_20": "share of people aged under 20",
    "log_population": "population (log scale)",
    "imd_score": "deprivation (IMD 2019 average score)",
}
_OLD = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
_YOUNG = ("0-4", "5-9", "10-14", "15-19")


@dataclasses.dataclass(frozen=True)
class Comparators:
    """One authority's statistical neighbours, nearest first, and how they were chosen."""

    la_code: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    method: str


def neighbours(store: Store, la_code: str, year: int, k: int = K) -> Comparators:
    """The ``k`` authorities nearest to ``la_code`` on :data:`FEATURES` in ``year``.

    Populations and deprivation scores are published figures, not counts of events, so
    the choice reveals nothing about any person.
    """
    people = store.all_la_table("population_bands")
    people = people[people["year"] == year]
    by_band = people.groupby(["la_code", "age_band"])["population"].sum().unstack(fill_value=0)
    total = by_band.sum(axis=1)
    frame = pd.DataFrame(
        {
            "la_code": by_band.index,
            "share_65_plus": by_band[list(_OLD)].sum(axis=1).to_numpy() / total.to_numpy(),
            "share_under_20": by_band[list(_YOUNG)].sum(axis=1).to_numpy() / total.to_numpy(),
            "log_population": np.log(total.to_numpy(dtype=float)),
        }
    )
    deprivation = store.deprivation().set_index("la_code")["imd_score"]
    frame["imd_score"] = deprivation.reindex(frame["la_code"]).to_numpy(dtype=float)
    found = statistical_neighbours(frame, list(FEATURES), k=k)
    mine = found.table[found.table["la_code"] == la_code].sort_values("rank")
    codes = tuple(str(code) for code in mine["neighbour_code"])
    geography = store.geography
    return Comparators(
        la_code=la_code,
        codes=codes,
        names=tuple(geography.authority(code).la_name for code in codes),
        method=(
            f"The {k} authorities nearest on {', '.join(FEATURES.values())}, each "
            f"standardised ({found.metric}), mid-{year}."
        ),
    )
