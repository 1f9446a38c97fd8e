"""Disclosure policies: versioned YAML files of thresholds, loaded and validated strictly."""

from __future__ import annotations

import dataclasses
import enum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ldsa.errors import PolicyError

#: Policies shipped as package data (``ldsa/policies/<name>.yaml``).
PRESETS: tuple[str, ...] = ("default", "strict")


class TieRule(enum.Enum):
    """How a count exactly half-way between two multiples of the base rounds."""

    HALF_UP = "half_up"


class Rounding(enum.Enum):
    """Rounding method for released counts (when ``round_base`` > 0)."""

    NEAREST = "nearest"  # nearest multiple of the base, ties by the tie rule
    MIDPOINT = "midpoint"  # OpenSAFELY midpoint-6: 1..6 -> 3, 7..12 -> 9, ...; 0 stays 0


class DerivedFrom(enum.Enum):
    """Which counts rates and intervals are computed from."""

    RAW = "raw"
    CONTROLLED = "controlled"


@dataclasses.dataclass(frozen=True)
class Policy:
    """A disclosure policy (disclosure.md, "The policy is data").

    Attributes
    ----------
    name, version
        Identify the policy; stamped on every record.
    threshold
        A count of contributing people below this is unsafe (10: ONS SRS; 8: OpenSAFELY's
        "redact 7 or fewer").
    zeros_are_disclosive
        Treat 0 cells as unsafe (class disclosure).
    round_base, tie_rule, rounding
        Round released counts to ``round_base`` (0: no rounding).
    dof_threshold
        Minimum residual degrees of freedom of a released model.
    nk_n, nk_k
        Dominance: the top ``nk_n`` contributors must not make more than ``nk_k`` of a total.
    p_ratio
        p% rule: the total less the two largest contributions must be at least
        ``p_ratio`` times the largest.
    derived_from
        Rates and intervals are computed from raw or controlled counts.
    max_withheld_share
        Adaptive time resolution: a series that would lose more than this share of its
        points to suppression at one time step (weeks) is released at the next coarser
        one (months, quarters, the whole period).
    """

    name: str
    version: str
    threshold: int
    zeros_are_disclosive: bool
    round_base: int
    tie_rule: TieRule
    rounding: Rounding
    dof_threshold: int
    nk_n: int
    nk_k: float
    p_ratio: float
    derived_from: DerivedFrom
    max_withheld_share: float

    @property
    def rounds(self) -> bool:
        """Whether released counts are rounded."""
        return self.round_base > 0

    def to_mapping(self) -> dict[str, Any]:
        """Return the policy as plain YAML/JSON-ready values, keys in file order."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            out[field.name] = value.value if isinstance(value, enum.Enum) else value
        return out

    def to_yaml(self) -> str:
        """Return the policy as canonical YAML text (what the checker pack ships)."""
        return yaml.safe_dump(self.to_mapping(), sort_keys=False, allow_unicode=True)


_INT_KEYS = ("threshold", "round_base", "dof_threshold", "nk_n")
_FLOAT_KEYS = ("nk_k", "p_ratio", "max_withheld_share")
_ENUM_KEYS: dict[str, type[enum.Enum]] = {
    "tie_rule": TieRule,
    "rounding": Rounding,
    "derived_from": DerivedFrom,
}
_REQUIRED = tuple(field.name for field in dataclasses.fields(Policy))


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load a preset by name or a policy file by path, and validate it.

    Parameters
    ----------
    name_or_path
        ``None`` or ``"default"`` for the ONS-SRS-style default; ``"strict"`` for the
        OpenSAFELY-style preset; otherwise the path of a YAML policy file.

    Returns
    -------
    Policy
        The validated, frozen policy.

    Raises
    ------
    PolicyError
        For an unknown preset, a missing or unreadable file, malformed YAML, a missing or
        unknown key, a wrong type or an out-of-range value; the message names the file and
        key, what was expected and how to fix it.

    Notes
    -----
    Every key is required (no silent defaults: the file is the single source of truth).
    Key names follow ACRO's ``default.yaml`` where ACRO has one (``threshold``,
    ``zeros_are_disclosive``, ``nk_n``, ``nk_k``, ``p_ratio``, ``dof_threshold``), without
    ACRO's ``safe_`` prefix; ``rounding`` selects nearest or OpenSAFELY midpoint-6 rounding.

    References
    ----------
    .. [1] AI-SDC, ACRO ``default.yaml`` (https://github.com/AI-SDC/ACRO).
    .. [2] ONS Secure Research Service, output checking rules of thumb (threshold 10).
    .. [3] OpenSAFELY, "Updated disclosure control guidance": redact counts of 7 or
       fewer, round to the nearest 5; midpoint-6 rounding.
    """
    if name_or_path is None:
        name_or_path = "default"
    if isinstance(name_or_path, str) and "/" not in name_or_path and "." not in name_or_path:
        if name_or_path not in PRESETS:
            raise PolicyError(
                f"policy {name_or_path!r}: unknown preset (expected one of "
                f"{', '.join(PRESETS)}, or the path of a YAML file). "
                "How to fix: pass --policy default, --policy strict or --policy FILE."
            )
        where = f"preset {name_or_path!r}"
        preset = resources.files("ldsa") / "policies" / f"{name_or_path}.yaml"
        text = preset.read_text(encoding="utf-8")
    else:
        path = Path(name_or_path)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PolicyError(
                f"{where}: cannot read policy file ({error.strerror}). "
                "How to fix: check the path, or use a preset (default, strict)."
            ) from None
    return parse_policy(text, where=where)


def parse_policy(text: str, *, where: str = "policy") -> Policy:
    """Parse and validate policy YAML text; see :func:`load_policy`.

    Parameters
    ----------
    text
        The YAML document.
    where
        Names the source in error messages.

    Returns
    -------
    Policy
        The validated policy.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyError(
            f"{where}: not valid YAML ({type(error).__name__}). "
            "How to fix: compare the file with ldsa/policies/default.yaml."
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            f"{where}: expected a mapping of policy keys, got {type(data).__name__}. "
            "How to fix: write one 'key: value' per line, as in ldsa/policies/default.yaml."
        )
    unknown = sorted(str(key) for key in data if key not in _REQUIRED)
    if unknown:
        raise PolicyError(
            f"{where}: unknown key(s) {', '.join(unknown)} (expected only "
            f"{', '.join(_REQUIRED)}). How to fix: remove or correct the misspelt keys."
        )
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise PolicyError(
            f"{where}: missing key(s) {', '.join(missing)}. "
            "How to fix: add them; every key is required (see ldsa/policies/default.yaml)."
        )
    values: dict[str, Any] = {key: _check_value(where, key, data[key]) for key in _REQUIRED}
    return Policy(**values)


def _check_value(where: str, key: str, value: object) -> object:
    """Return ``value`` converted for ``key``, or raise a PolicyError saying what is wrong."""
    if key in ("name", "version"):
        if isinstance(value, str) and value:
            return value
        return _wrong(where, key, "a non-empty string (quote versions: '1.0')", value)
    if key == "zeros_are_disclosive":
        if isinstance(value, bool):
            return value
        return _wrong(where, key, "true or false", value)
    if key in _INT_KEYS:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        return _wrong(where, key, "a whole number >= 0", value)
    if key in _FLOAT_KEYS:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]  # narrowed by ok
            return float(value)  # type: ignore[arg-type]  # narrowed by ok
        return _wrong(where, key, "a proportion between 0 and 1", value)
    enum_type = _ENUM_KEYS[key]
    allowed = [member.value for member in enum_type]
    if value in allowed:
        return enum_type(value)
    return _wrong(where, key, f"one of {', '.join(allowed)}", value)


def _wrong(where: str, key: str, expected: str, value: object) -> object:
    """Raise the PolicyError for a value of the wrong type or range."""
    raise PolicyError(
        f"{where}: key {key!r}: expected {expected}, got {value!r} "
        f"({type(value).__name__}). How to fix: correct the value in the policy file."
    )
