"""Groupings of categories: a label names the same categories in every grouping."""

from __future__ import annotations

import pytest

from ldsa.report.groupings import AGES, PLACES, Grouping


@pytest.mark.parametrize("groupings", [AGES, PLACES], ids=["ages", "places"])
def test_a_label_means_the_same_categories_everywhere(groupings: tuple[Grouping, ...]) -> None:
    """Releases and authorities may take different groupings of one breakdown; ldsa check
    and an attacker read a label as one category across all of them, so a label used by
    two groupings must cover the same store categories in both."""
    members: dict[str, frozenset[str]] = {}
    for grouping in groupings:
        for label in grouping.order:
            covered = frozenset(c for c, g in grouping.groups.items() if g == label)
            assert members.setdefault(label, covered) == covered, (grouping.name, label)
