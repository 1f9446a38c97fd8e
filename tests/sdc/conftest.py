"""Fixtures of the disclosure-control tests: the two presets."""

from __future__ import annotations

import pytest

from ldsa.sdc import Policy, load_policy


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    """The ONS-SRS-style default preset (threshold 10, no rounding)."""
    return load_policy("default")


@pytest.fixture(scope="session")
def strict_policy() -> Policy:
    """The OpenSAFELY-style strict preset (redact 7 or fewer, round to 5)."""
    return load_policy("strict")
