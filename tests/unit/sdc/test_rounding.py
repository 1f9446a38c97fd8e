"""Unit tests of rounding (half up, midpoint-6) and primary suppression boundaries."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ldsa.sdc import Policy, Rounding
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.rounding import (
    is_rounded,
    round_count,
    round_counts,
    round_half_up,
    round_midpoint,
)


@pytest.mark.parametrize(
    ("count", "base", "expected"),
    [
        (0, 5, 0),
        (2, 5, 0),
        (3, 5, 5),
        (7, 5, 5),
        (8, 5, 10),
        (12, 5, 10),
        (13, 5, 15),
        (5, 10, 10),  # tie: half up
        (15, 10, 20),
        (25, 10, 30),  # banker's rounding would give 20
        (24, 10, 20),
        (1, 2, 2),  # tie with base 2
        (7, 0, 7),
        (7, 1, 7),
    ],
)
def test_round_half_up(count: int, base: int, expected: int) -> None:
    """Counts round to the nearest multiple, ties up, base 0 or 1 leaves them alone."""
    assert round_half_up(count, base) == expected


@pytest.mark.parametrize(("count", "expected"), [(0, 0), (1, 3), (6, 3), (7, 9), (12, 9), (13, 15)])
def test_round_midpoint(count: int, expected: int) -> None:
    """Midpoint-6 maps each block of six to its midpoint and keeps zero."""
    assert round_midpoint(count, 6) == expected
    assert round_midpoint(count, 1) == count


def test_round_count_and_grid(strict_policy: Policy, default_policy: Policy) -> None:
    """round_count follows the policy's method and is_rounded recognises its grid."""
    midpoint = dataclasses.replace(strict_policy, round_base=6, rounding=Rounding.MIDPOINT)
    assert round_count(7, midpoint) == 9
    assert round_count(7, strict_policy) == 5
    assert round_count(7, default_policy) == 7
    assert is_rounded(7, default_policy)
    assert is_rounded(10, strict_policy)
    assert not is_rounded(12, strict_policy)
    assert is_rounded(0, midpoint)
    assert is_rounded(9, midpoint)
    assert not is_rounded(6, midpoint)


def test_round_counts_is_round_count_for_every_method(
    strict_policy: Policy, default_policy: Policy
) -> None:
    """The vectorised rounding gives what round_count gives, count by count."""
    midpoint = dataclasses.replace(strict_policy, round_base=6, rounding=Rounding.MIDPOINT)
    counts = np.arange(0, 200)
    for policy in (strict_policy, default_policy, midpoint):
        expected = [round_count(int(c), policy) for c in counts]
        assert round_counts(counts, policy).tolist() == expected


@pytest.mark.parametrize(
    ("preset", "count", "unsafe"),
    [
        ("default", 9, True),  # threshold - 1
        ("default", 10, False),  # threshold
        ("default", 11, False),  # threshold + 1
        ("default", 0, False),
        ("default", 1, True),
        ("strict", 7, True),
        ("strict", 8, False),
        ("strict", 9, False),
        ("strict", 0, True),
    ],
)
def test_primary_boundaries(
    preset: str, count: int, unsafe: bool, default_policy: Policy, strict_policy: Policy
) -> None:
    """Primary suppression at threshold - 1, threshold and threshold + 1 for each preset."""
    policy = default_policy if preset == "default" else strict_policy
    assert is_unsafe_count(count, policy) is unsafe
