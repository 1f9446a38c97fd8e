"""Unit tests of policy loading and validation."""

from __future__ import annotations

import dataclasses
import hashlib
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


def _renamed(text: str | None = None) -> str:
    """The default policy's text (or ``text``) under a name of its own."""
    return (text or _good_text()).replace("name: default", "name: mine")


def _set(key: str, value: str, text: str | None = None) -> str:
    """``text`` (default: the renamed default policy) with one key's value replaced."""
    lines = (text or _renamed()).splitlines()
    return "\n".join(f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines)


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
        ("name", "''", "a name of letters"),
        ("name", '"two\\nlines"', "a name of letters"),
        ("name", "x" * 65, "at most 64"),
        ("version", "1.0", "quote it"),
        ("nk_n", "0", "whole number >= 1"),
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
    text = _renamed().replace("p_ratio: 0.1", "p_ratio: 1")
    assert parse_policy(text).p_ratio == 1.0


def test_to_mapping_plain_values(default_policy: Policy) -> None:
    """to_mapping gives enum values as strings, keys in file order."""
    mapping = default_policy.to_mapping()
    assert list(mapping)[:3] == ["name", "version", "threshold"]
    assert mapping["tie_rule"] == "half_up"


def test_duplicate_key_refused() -> None:
    """A key given twice is refused with both lines (PyYAML alone keeps the last silently)."""
    lines = _good_text().splitlines()
    first = next(n for n, line in enumerate(lines, 1) if line.startswith("threshold:"))
    expected = f"key 'threshold' given twice \\(lines {first} and {len(lines) + 1};"
    with pytest.raises(PolicyError, match=expected) as info:
        parse_policy(_good_text() + "threshold: 1\n", where="mine.yaml")
    assert info.value.exit_code is ExitCode.POLICY


def test_duplicate_key_through_a_merge_refused() -> None:
    """A key given again through a YAML merge (<<) counts as given twice."""
    text = "base: &b {threshold: 1}\n" + _renamed() + "<<: *b\n"
    with pytest.raises(PolicyError, match="given twice"):
        parse_policy(text)


def test_unhashable_key_is_invalid_yaml() -> None:
    """A key that is not a scalar (a list) is malformed YAML, not a crash."""
    with pytest.raises(PolicyError, match="not valid YAML"):
        parse_policy(_renamed() + "? [a, b]\n: 1\n")


def test_unreadable_text_refused(tmp_path: Path) -> None:
    """A policy file that is not UTF-8 text is refused, not a crash."""
    path = tmp_path / "mine.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(PolicyError, match="not UTF-8 text"):
        load_policy(path)


@pytest.mark.parametrize("name", ["default", "Default", "DEFAULT", "strict"])
def test_preset_name_cannot_be_claimed(name: str) -> None:
    """A file may not take a preset's name (in any case) unless it is that preset."""
    text = _set("threshold", "11", _good_text()).replace("name: default", f"name: {name}")
    with pytest.raises(PolicyError, match="a built-in preset's name"):
        parse_policy(text)


def test_copy_of_a_preset_keeps_its_name(tmp_path: Path, strict_policy: Policy) -> None:
    """A file equal to a preset (a checker pack's policy.yaml) loads as that preset."""
    path = tmp_path / "policy.yaml"
    path.write_text(strict_policy.to_yaml(), encoding="utf-8")
    assert load_policy(path) == strict_policy


@pytest.mark.parametrize(
    ("key", "value", "weakened"),
    [
        ("threshold", "9", "threshold 9 below 10"),
        ("threshold", "1", "threshold 1 below 10"),
        ("threshold", "0", "threshold 0 below 10"),
        ("dof_threshold", "9", "dof_threshold 9 below 10"),
        ("nk_n", "1", "nk_n 1 below 2"),
        ("nk_k", "0.95", "nk_k 0.95 above 0.9"),
        ("p_ratio", "0.05", "p_ratio 0.05 below 0.1"),
    ],
)
def test_weaker_than_default_refused_unless_stated(key: str, value: str, weakened: str) -> None:
    """A policy weaker than default is refused (exit 6) naming the key; with a stated reason
    it loads, and its label says it is weaker, which key and why."""
    text = _set(key, value)
    with pytest.raises(
        PolicyError, match=f"weaker than the default policy \\({weakened}\\)"
    ) as info:
        parse_policy(text, where="mine.yaml")
    assert info.value.exit_code is ExitCode.POLICY
    stated = parse_policy(text + '\nweaker_than_default: "figures already published"\n')
    assert stated.is_weaker_than_default
    assert stated.weakened == (weakened,)
    assert stated.label == (
        f"mine (version 1.0; WEAKER than default: {weakened}; reason: figures already published)"
    )


@pytest.mark.parametrize(
    ("changes", "weaker"),
    [
        ({}, False),  # the strict preset: 8, nearest 5, controlled (8 shows as 10)
        ({"derived_from": "raw"}, True),  # a rate from the raw count gives 8 away
        ({"threshold": "7"}, True),  # 7 rounds to 5
        ({"round_base": "6"}, True),  # 8 rounds to 6
        ({"round_base": "0"}, True),  # no rounding
        ({"round_base": "6", "rounding": "midpoint"}, True),  # 8 shows as 9
        ({"threshold": "10", "derived_from": "raw"}, False),  # at the floor regardless
    ],
)
def test_rounding_can_hold_the_floor(changes: dict[str, str], weaker: bool) -> None:
    """A threshold of 8 holds the default's floor only when nearest rounding shows it as 10
    or more and rates come from the controlled counts (the strict preset)."""
    text = (GOOD.parent / "strict.yaml").read_text().replace("name: strict", "name: mine")
    for key, value in changes.items():
        text = _set(key, value, text)
    if weaker:
        text += "\nweaker_than_default: rounding is protection enough\n"
    assert parse_policy(text).is_weaker_than_default is weaker


def test_presets_are_not_weaker(default_policy: Policy, strict_policy: Policy) -> None:
    """Both presets hold the default's floor, and their labels say name and version only."""
    assert default_policy.weakened == strict_policy.weakened == ()
    assert default_policy.label == "default (version 1.0)"
    assert strict_policy.label == "strict (version 1.0)"


def test_statement_on_a_policy_that_is_not_weaker_refused() -> None:
    """weaker_than_default on a policy that is not weaker is refused (the label would lie)."""
    with pytest.raises(PolicyError, match="no key is weaker"):
        parse_policy(_renamed() + "weaker_than_default: because we can say so\n")


@pytest.mark.parametrize(
    "reason", ["short", '"two\\nlines of reasons"', '"hidden \\u202e override text"', "[a, b]"]
)
def test_bad_reason_refused(reason: str) -> None:
    """The reason is one line of 10 to 300 printable characters (no new lines or overrides)."""
    with pytest.raises(PolicyError, match="expected the reason in words"):
        parse_policy(_set("threshold", "1") + f"\nweaker_than_default: {reason}\n")


def test_long_values_are_not_quoted() -> None:
    """A long wrong value is described by type and length, not quoted."""
    with pytest.raises(PolicyError, match="a str of 82 characters") as info:
        parse_policy(_set("rounding", "y" * 80))
    assert "y" * 80 not in str(info.value)


def test_midpoint_needs_a_base() -> None:
    """Midpoint rounding without a base of 2 or more is refused."""
    with pytest.raises(PolicyError, match="midpoint rounding needs a round_base"):
        parse_policy(_set("rounding", "midpoint"))


def test_weaker_policy_built_in_code_is_labelled(default_policy: Policy) -> None:
    """A weaker policy made in code (no file, no reason) is still labelled as weaker."""
    weak = dataclasses.replace(default_policy, threshold=3)
    assert weak.label == (
        "default (version 1.0; WEAKER than default: threshold 3 below 10; reason: no reason given)"
    )


def test_sha256_and_round_trip_of_a_weaker_policy(tmp_path: Path) -> None:
    """to_yaml keeps the stated reason, loads back equal, and sha256 hashes that text."""
    policy = parse_policy(_set("threshold", "0") + "\nweaker_than_default: published figures\n")
    path = tmp_path / "p.yaml"
    path.write_text(policy.to_yaml(), encoding="utf-8")
    assert load_policy(path) == policy
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "weaker_than_default" not in load_policy("default").to_yaml()
