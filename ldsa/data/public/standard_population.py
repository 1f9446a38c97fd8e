"""The European Standard Population 2013 as published (19 bands, 90 and over open).

ldsa standardises with its own copy of the weights (:func:`ldsa.stats.esp2013`); the
published file is checked to hold the same bands and weights, so a store built from it
standardises with the weights its sources name.
"""

from __future__ import annotations

from pathlib import Path

from ldsa.ageband import AGE_BANDS
from ldsa.data.public._files import (
    PublishedFile,
    check,
    count_column,
    raise_if,
    read_text_table,
    to_count,
)
from ldsa.errors import InputFailure
from ldsa.stats import esp2013

SOURCE = PublishedFile(
    "esp2013",
    "esp2013_19_bands_90plus.csv",
    "Eurostat (as used by ONS and OHID; taken from PHEindicatormethods)",
    "Revision of the European Standard Population (2013), 19 age bands",
    "2013",
    "Published Eurostat standard (reusable)",
)
COLUMNS = ("age_band", "age_lower", "age_upper", "esp2013_weight")


def check_standard_population(source_dir: Path) -> None:
    """Check that the published weights are ldsa's ESP2013 weights.

    Raises
    ------
    InvalidInputError
        When the header, bands or any weight differ.
    """
    text = read_text_table(source_dir, SOURCE, COLUMNS)
    raise_if(check(SOURCE, text, {"esp2013_weight": count_column()}))
    failures = []
    if tuple(text["age_band"]) != AGE_BANDS:
        reason = "the 19 bands 0-4, 5-9, ..., 85-89, 90+ in age order"
        failures.append(InputFailure(SOURCE.label, "age_band", reason, -1))
    else:
        differ = int((to_count(text["esp2013_weight"]).to_numpy() != esp2013().to_numpy()).sum())
        if differ:
            reason = "the ESP2013 weight of the band (ldsa.stats.esp2013)"
            failures.append(InputFailure(SOURCE.label, "esp2013_weight", reason, differ))
    raise_if(failures)
