"""Unit tests of policy loading and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.errors import ExitCode, PolicyError
from ldsa.sdc import DerivedFrom, Policy, Rounding, TieRule, load_policy
from ldsa.sdc.policy import parse_policy

GOOD = Path(__file__).parents[3] / "ldsa" / "policies" / "default.yaml"


def test_default_preset(default_policy: Policy) -> None:
    """The default preset is ONS-SRS style: threshold 10, no rounding, zeros safe."""
    assert (default_policy.name, default_policy.threshold, default_policy.round_base) == (
        "default",
        10,
        0,
    )
    assert not default_policy.zeros_are_disclosive
    assert default_policy.tie_rule is TieRule.HALF_UP
    assert default_policy.derived_from is DerivedFrom.RAW
    assert not default_policy.rounds


def test_strict_preset(strict_policy: Policy) -> None:
    """The strict preset redacts 7 or fewer (threshold 8, zeros too) and rounds to 5."""
    assert (strict_policy.threshold, strict_policy.round_base) == (8, 5)
    assert strict_policy.zeros_are_disclosive
    assert strict_policy.rounding is Rounding.NEAREST
    assert strict_policy.rounds


def test_none_means_default() -> None:
    """Loading None gives the default preset."""
    assert load_policy(None) == load_policy("default")


def test_path_and_round_trip(tmp_path: Path, strict_policy: Policy) -> None:
    """A policy written with to_yaml loads back equal from a path."""
    path = tmp_path / "mine.yaml"
    path.write_text(strict_policy.to_yaml(), encoding="utf-8")
    assert load_policy(path) == strict_policy
    assert load_policy(str(path)) == strict_policy


def test_unknown_preset() -> None:
    """An unknown preset name is a PolicyError with the presets listed and exit code 6."""
    with pytest.raises(PolicyError, match=r"unknown preset.*default, strict") as info:
        load_policy("lenient")
    assert info.value.exit_code is ExitCode.POLICY


def test_missing_file(tmp_path: Path) -> None:
    """A missing policy file is a PolicyError naming the file."""
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("threshold: [1,", "not valid YAML"),
        ("- 1\n- 2\n", "expected a mapping"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    """Malformed YAML or a non-mapping document is refused."""
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)


def _good_text() -> str:
    return GOOD.read_text(encoding="utf-8")


def test_unknown_key() -> None:
    """A misspelt key is refused, naming it."""
    with pytest.raises(PolicyError, match=r"unknown key.*treshold"):
        parse_policy(_good_text() + "treshold: 5\n")


def test_missing_key() -> None:
    """A missing key is refused, naming it."""
    text = _good_text().replace("p_ratio: 0.1\n", "")
    with pytest.raises(PolicyError, match=r"missing key.*p_ratio"):
        parse_policy(text)


@pytest.mark.parametrize(
    ("key", "bad", "expected"),
    [
        ("name", "''", "non-empty string"),
        ("version", "1.0", "non-empty string"),
        ("zeros_are_disclosive", "'yes'", "true or false"),
        ("threshold", "-1", "whole number"),
        ("threshold", "true", "whole number"),
        ("round_base", "2.5", "whole number"),
        ("nk_k", "1.5", "proportion"),
        ("p_ratio", "'x'", "proportion"),
        ("p_ratio", "false", "proportion"),
        ("tie_rule", "banker", "half_up"),
        ("rounding", "floor", "nearest, midpoint"),
        ("derived_from", "model", "raw, controlled"),
    ],
)
def test_wrong_values(key: str, bad: str, expected: str) -> None:
    """A value of the wrong type or range is refused with what was expected."""
    lines = [
        f"{key}: {bad}" if line.startswith(f"{key}:") else line
        for line in _good_text().splitlines()
    ]
    with pytest.raises(PolicyError, match=f"key '{key}': expected .*{expected}"):
        parse_policy("\n".join(lines), where="test.yaml")


def test_integer_proportion_accepted() -> None:
    """A proportion written as a whole number (0 or 1) is accepted as a float."""
    text = _good_text().replace("nk_k: 0.9", "nk_k: 1")
    assert parse_policy(text).nk_k == 1.0


def test_to_mapping_plain_values(default_policy: Policy) -> None:
    """to_mapping gives enum values as strings, keys in file order."""
    mapping = default_policy.to_mapping()
    assert list(mapping)[:3] == ["name", "version", "threshold"]
    assert mapping["tie_rule"] == "half_up"
