"""Groupings of categories for breakdowns: ages, places of death, days of the week.

A breakdown is released at the finest grouping (and time step) at which few enough of its
values are withheld (:func:`ldsa.sdc.choose_breakdown`); these are the groupings offered,
finest first, each mapping the store's categories to the group shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from ldsa.ageband import AGE_BANDS


@dataclasses.dataclass(frozen=True)
class Grouping:
    """Categories of the store merged into groups, named for a caption."""

    name: str
    groups: Mapping[str, str]  #: store category -> group

    @property
    def order(self) -> tuple[str, ...]:
        """The groups in the order of the store's categories."""
        return tuple(dict.fromkeys(self.groups.values()))

    def apply(self, values: pd.Series) -> pd.Series:
        """Each value's group."""
        return values.map(dict(self.groups))


def _age_grouping(name: str, starts: tuple[int, ...]) -> Grouping:
    """Five-year bands merged into groups starting at ``starts`` (the last is open)."""
    groups = {}
    for band in AGE_BANDS:
        low = int(band.split("-")[0].rstrip("+"))
        start = max(s for s in starts if s <= low)
        following = [s for s in starts if s > start]
        groups[band] = f"{start}-{following[0] - 1}" if following else f"{start}+"
    return Grouping(name, groups)


#: Age groupings, finest first.
AGES = (
    _age_grouping("10-year age bands", (0, 10, 20, 30, 40, 50, 60, 70, 80)),
    _age_grouping("20-year age bands", (0, 20, 40, 60, 80)),
    _age_grouping("three age groups", (0, 20, 65)),
)

_PLACES = ("home", "care_home", "hospital", "hospice", "other")
#: Places of death, finest first. A label names the same places in every grouping (an
#: authority's breakdown may be coarser in one release than the next, or than its
#: neighbour's: "Elsewhere" for "other" here and for everything but hospital there would
#: read as one category across files).
PLACES = (
    Grouping(
        "place of death",
        {
            "home": "Home",
            "care_home": "Care home",
            "hospital": "Hospital",
            "hospice": "Hospice",
            "other": "Other place",
        },
    ),
    Grouping(
        "home, care home, hospital or elsewhere",
        {
            "home": "Home",
            "care_home": "Care home",
            "hospital": "Hospital",
            "hospice": "Hospice or other place",
            "other": "Hospice or other place",
        },
    ),
    Grouping(
        "hospital or elsewhere",
        {p: "Hospital" if p == "hospital" else "Not in hospital" for p in _PLACES},
    ),
)

#: Days of the week, Monday first (a week's parts in a daily breakdown).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
