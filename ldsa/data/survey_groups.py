"""Age groups of the infection survey, as ONS's bulletins give them, on five-year bands.

The survey swabs people aged 2 and over in private households. The store keeps its sample
sizes (swabs, and distinct participants and households) for each of these groups and for
all ages together (:data:`ALL_AGES`), week by week, so that a report can check the sample
behind every estimate it releases without adding up distinct counts (a household with
members in two groups is one household).
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

#: Youngest age the survey swabs.
YOUNGEST = 2
#: Each group's label and first year of age; the last is open. Boundaries fall on
#: five-year bands, so each group is a union of the store's age bands.
SURVEY_AGE_GROUPS: tuple[tuple[str, int], ...] = (
    ("2-14", YOUNGEST),
    ("15-24", 15),
    ("25-34", 25),
    ("35-49", 35),
    ("50-69", 50),
    ("70+", 70),
)
#: The ``age_group`` of the rows that count every age together.
ALL_AGES = "all"


def survey_age_group(ages: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Return each age's survey group label ("" below :data:`YOUNGEST`)."""
    years = np.asarray(ages)
    firsts = np.array([first for _, first in SURVEY_AGE_GROUPS])
    labels = np.array(["", *(label for label, _ in SURVEY_AGE_GROUPS)])
    return np.asarray(labels[np.searchsorted(firsts, years, side="right")], dtype=np.str_)


def age_group_sql(column: str = "age") -> str:
    """A SQL ``CASE`` expression giving each age's survey group label."""
    cases = " ".join(
        f"WHEN {column} < {following} THEN '{label}'"
        for (label, _), (_, following) in itertools.pairwise(SURVEY_AGE_GROUPS)
    )
    return f"CASE {cases} ELSE '{SURVEY_AGE_GROUPS[-1][0]}' END"
