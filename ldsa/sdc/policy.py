"""Disclosure policies: versioned YAML files of thresholds, loaded and validated strictly.

Security properties: every key is checked for type and range, a key given twice is refused
(PyYAML would silently keep the last), a file may not take a preset's name (``default``,
``strict``, ``public``) unless it is that preset, and a policy weaker than the ``default``
preset (see :attr:`Policy.weakened`) is refused unless the file says so with a reason
(``weaker_than_default``), in which case :attr:`Policy.label`, printed wherever the policy
is named, says so too. A policy for published inputs (``published_inputs: true``, the
``public`` preset) releases every count unchanged and is refused on any store not prepared
from published files (:func:`check_policy_for_store`).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ldsa.errors import PolicyError

#: Policies shipped as package data (``ldsa/policies/<name>.yaml``).
PRESETS: tuple[str, ...] = ("default", "strict", "public")
#: The smallest threshold of a rounding policy at the default's floor: OpenSAFELY's
#: "redact 7 or fewer, round to 5" (the strict preset), where no count shows below 10.
ROUNDED_THRESHOLD_FLOOR = 8
#: The key a policy weaker than ``default`` must carry, with the reason as its value.
WEAKER_KEY = "weaker_than_default"
#: The optional key of a policy for published inputs: every count is released unchanged.
PUBLISHED_KEY = "published_inputs"
#: The store source kind (``Store.source_kind``) a published-inputs policy may run on.
PUBLISHED_SOURCE_KIND = "public"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


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
    published_inputs
        Every input is an aggregate already published (UKHSA cases, ONS deaths and
        populations): the primary rule calls no count unsafe, zeros included
        (:func:`~ldsa.sdc.primary.is_unsafe_count`), so counts are released as published,
        while every reliability rule keeps reading ``threshold`` (rates and estimates from
        fewer than ``threshold`` events are still withheld). Optional, false by default;
        such a policy is weaker than ``default`` (:attr:`weakened`) and may run only on a
        store prepared from published files (:func:`check_policy_for_store`).
    weaker_than_default
        Why this policy may be weaker than ``default`` (empty when it is not weaker).
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
    published_inputs: bool = False
    weaker_than_default: str = ""

    @property
    def rounds(self) -> bool:
        """Whether released counts are rounded."""
        return self.round_base > 0

    @property
    def weakened(self) -> tuple[str, ...]:
        """How this policy protects less than the ``default`` preset, one phrase per key
        (empty when it protects at least as much).

        Notes
        -----
        Weaker means: a lower ``threshold`` (unless counts are rounded to the nearest
        multiple of a base that shows the threshold as ``default``'s or more, the
        threshold is at least :data:`ROUNDED_THRESHOLD_FLOOR` and rates come from the
        controlled counts, as in the strict preset: a rate from a raw count gives the
        unrounded count away), a lower ``dof_threshold``, a smaller ``nk_n``, a larger
        ``nk_k`` or a smaller ``p_ratio``, or ``published_inputs`` (every count released
        whatever its size). ``zeros_are_disclosive``, rounding and
        ``derived_from: controlled`` only add protection; ``max_withheld_share`` chooses
        a time step, and every step is protected alike.
        """
        floor = preset("default")
        found = []
        if self.threshold < floor.threshold and not self._rounded_to_floor(floor.threshold):
            found.append(f"threshold {self.threshold} below {floor.threshold}")
        if self.dof_threshold < floor.dof_threshold:
            found.append(f"dof_threshold {self.dof_threshold} below {floor.dof_threshold}")
        if self.nk_n < floor.nk_n:
            found.append(f"nk_n {self.nk_n} below {floor.nk_n}")
        if self.nk_k > floor.nk_k:
            found.append(f"nk_k {self.nk_k:g} above {floor.nk_k:g}")
        if self.p_ratio < floor.p_ratio:
            found.append(f"p_ratio {self.p_ratio:g} below {floor.p_ratio:g}")
        if self.published_inputs:
            found.append(f"every count released as published ({PUBLISHED_KEY})")
        return tuple(found)

    def _rounded_to_floor(self, floor: int) -> bool:
        """Whether rounding shows the threshold as ``floor`` or more, rates included."""
        from ldsa.sdc.rounding import round_half_up  # rounding imports this module

        return (
            self.rounds
            and self.rounding is Rounding.NEAREST
            and self.derived_from is DerivedFrom.CONTROLLED
            and self.threshold >= ROUNDED_THRESHOLD_FLOOR
            and round_half_up(self.threshold, self.round_base) >= floor
        )

    @property
    def is_weaker_than_default(self) -> bool:
        """Whether this policy protects less than ``default`` (see :attr:`weakened`)."""
        return bool(self.weakened)

    @property
    def label(self) -> str:
        """How to name the policy wherever it is shown (report footers, the run manifest,
        the checker pack): ``"default (version 1.0)"``, or for a weaker policy
        ``"public (version 1.0; WEAKER than default: every count released as published
        (published_inputs); reason: ...)"``.
        """
        weakened = self.weakened
        if not weakened:
            return f"{self.name} (version {self.version})"
        reason = self.weaker_than_default or "no reason given"
        return (
            f"{self.name} (version {self.version}; WEAKER than default: "
            f"{', '.join(weakened)}; reason: {reason})"
        )

    @property
    def sha256(self) -> str:
        """SHA-256 of :meth:`to_yaml`, the policy text the checker pack ships."""
        return hashlib.sha256(self.to_yaml().encode("utf-8")).hexdigest()

    def to_mapping(self) -> dict[str, Any]:
        """Return the policy as plain YAML/JSON-ready values, keys in file order (the
        optional ``published_inputs`` and ``weaker_than_default`` only when set, so that a
        policy without them has the text and SHA-256 it had before they existed)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in _OPTIONAL and not value:
                continue
            out[field.name] = value.value if isinstance(value, enum.Enum) else value
        return out

    def to_yaml(self) -> str:
        """Return the policy as canonical YAML text (what the checker pack ships)."""
        return yaml.safe_dump(self.to_mapping(), sort_keys=False, allow_unicode=True)


#: Whole-number keys and their smallest value (``nk_n`` counts at least one contributor).
_INT_KEYS: dict[str, int] = {"threshold": 0, "round_base": 0, "dof_threshold": 0, "nk_n": 1}
_FLOAT_KEYS = ("nk_k", "p_ratio", "max_withheld_share")
_ENUM_KEYS: dict[str, type[enum.Enum]] = {
    "tie_rule": TieRule,
    "rounding": Rounding,
    "derived_from": DerivedFrom,
}
_OPTIONAL = (PUBLISHED_KEY, WEAKER_KEY)
_REQUIRED = tuple(field.name for field in dataclasses.fields(Policy) if field.name not in _OPTIONAL)
_FIX = "How to fix: correct the policy file (compare it with ldsa/policies/default.yaml)."


class _DuplicateKeyError(yaml.YAMLError):
    """A mapping key given twice in a policy file."""

    def __init__(self, key: object, lines: tuple[int, int]) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key
        self.lines = lines


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice (``safe_load`` keeps the last one
    silently, so a weakening line appended to a good file would win unseen)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # merged keys (<<) count as given too
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKeyError(key, (seen[key], line))
            seen[key] = line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load a preset by name or a policy file by path, and validate it.

    Parameters
    ----------
    name_or_path
        ``None`` or ``"default"`` for the ONS-SRS-style default; ``"strict"`` for the
        OpenSAFELY-style preset; ``"public"`` for stores of published inputs (see
        :func:`check_policy_for_store`); otherwise the path of a YAML policy file.

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
    Every key is required (no silent defaults: the file is the single source of truth),
    except ``published_inputs`` (false unless given) and ``weaker_than_default``.
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
                "How to fix: pass --policy default, --policy strict, --policy public (a "
                "store of published files only) or --policy FILE."
            )
        policy = preset(name_or_path)
        _check_weaker(policy, f"preset {name_or_path!r}")
        return policy
    path = Path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise PolicyError(
            f"{path}: cannot read policy file ({reason}). "
            f"How to fix: check the path, or use a preset ({', '.join(PRESETS)})."
        ) from None
    return parse_policy(text, where=str(path))


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

    Raises
    ------
    PolicyError
        As :func:`load_policy`; also for a file that takes a preset's name without being
        that preset, and for a policy weaker than ``default`` that does not say so (or
        says so but is not).
    """
    policy = _parse(text, where)
    _check_name(policy, where)
    _check_weaker(policy, where)
    return policy


@functools.cache
def preset(name: str) -> Policy:
    """The preset ``name`` (one of :data:`PRESETS`), read from package data once."""
    text = (resources.files("ldsa") / "policies" / f"{name}.yaml").read_text(encoding="utf-8")
    return _parse(text, f"preset {name!r}")


def _parse(text: str, where: str) -> Policy:
    """Parse the YAML and check every key's presence, type and range."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except _DuplicateKeyError as error:
        first, second = error.lines
        raise PolicyError(
            f"{where}: key {str(error.key)!r} given twice (lines {first} and {second}; "
            "expected each key once). How to fix: keep the one line you mean and delete "
            "the other."
        ) from None
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
    allowed = (*_REQUIRED, *_OPTIONAL)
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise PolicyError(
            f"{where}: unknown key(s) {', '.join(unknown)} (expected only "
            f"{', '.join(allowed)}). How to fix: remove or correct the misspelt keys."
        )
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise PolicyError(
            f"{where}: missing key(s) {', '.join(missing)}. "
            "How to fix: add them; every key is required (see ldsa/policies/default.yaml)."
        )
    values: dict[str, Any] = {key: _check_value(where, key, data[key]) for key in _REQUIRED}
    if PUBLISHED_KEY in data:
        values[PUBLISHED_KEY] = _check_value(where, PUBLISHED_KEY, data[PUBLISHED_KEY])
    if WEAKER_KEY in data:
        values[WEAKER_KEY] = _check_reason(where, data[WEAKER_KEY])
    policy = Policy(**values)
    if policy.rounding is Rounding.MIDPOINT and policy.round_base < 2:
        raise PolicyError(
            f"{where}: key 'rounding': midpoint rounding needs a round_base of 2 or more "
            f"(got {policy.round_base}). How to fix: set round_base (6 for OpenSAFELY's "
            "midpoint-6), or rounding: nearest."
        )
    return policy


def _check_name(policy: Policy, where: str) -> None:
    """Refuse a file that takes a preset's name without being that preset."""
    claimed = policy.name.strip().casefold()
    if claimed in PRESETS and policy != preset(claimed):
        raise PolicyError(
            f"{where}: named {claimed!r}, a built-in preset's name, but its keys differ "
            f"from the preset's (expected the preset itself, or another name). How to fix: "
            f"give the policy its own name, or use --policy {claimed}."
        )


def _check_weaker(policy: Policy, where: str) -> None:
    """Refuse a weaker policy that does not say so, and a statement that is not true."""
    weakened = policy.weakened
    if weakened and not policy.weaker_than_default:
        raise PolicyError(
            f"{where}: weaker than the default policy ({'; '.join(weakened)}), and the file "
            f"does not say so (expected at least the default's protection, or a "
            f"{WEAKER_KEY} key giving the reason). How to fix: raise those keys to the "
            f"default's, or, if a weaker policy is intended, add the line "
            f'{WEAKER_KEY}: "<why>"; every report then names it as weaker than default.'
        )
    if policy.weaker_than_default and not weakened:
        raise PolicyError(
            f"{where}: says {WEAKER_KEY}, but no key is weaker than the default policy's "
            f"(expected the key only on a weaker policy). How to fix: remove the "
            f"{WEAKER_KEY} line."
        )


def _check_reason(where: str, value: object) -> str:
    """Return the stated reason if it is one line of 10 to 300 printable characters."""
    if isinstance(value, str) and 10 <= len(value.strip()) <= 300 and _printable(value):
        return value.strip()
    raise PolicyError(
        f"{where}: key {WEAKER_KEY!r}: expected the reason in words, one line of 10 to 300 "
        f"printable characters, got {_kind(value)}. {_FIX}"
    )


def _printable(text: str) -> bool:
    """No control, format or separator characters (no new lines, no bidi overrides)."""
    return all(unicodedata.category(char) not in _UNPRINTABLE for char in text)


_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _check_value(where: str, key: str, value: object) -> object:
    """Return ``value`` converted for ``key``, or raise a PolicyError saying what is wrong."""
    if key in ("name", "version"):
        pattern, expected = (
            (_NAME, "a name of letters, digits, spaces, '.', '_' or '-' (at most 64)")
            if key == "name"
            else (_VERSION, "a version of letters, digits, '.', '_' or '-' (quote it: '1.0')")
        )
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        return _wrong(where, key, expected, value)
    if key in ("zeros_are_disclosive", PUBLISHED_KEY):
        if isinstance(value, bool):
            return value
        return _wrong(where, key, "true or false", value)
    if key in _INT_KEYS:
        least = _INT_KEYS[key]
        if isinstance(value, int) and not isinstance(value, bool) and value >= least:
            return value
        return _wrong(where, key, f"a whole number >= {least}", value)
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
    raise PolicyError(f"{where}: key {key!r}: expected {expected}, got {_kind(value)}. {_FIX}")


def _kind(value: object) -> str:
    """A policy value as shown in a message: short values as written, long text by length."""
    shown = repr(value)
    if len(shown) > 40:
        return f"a {type(value).__name__} of {len(shown)} characters"
    return f"{shown} ({type(value).__name__})"


def check_policy_for_store(policy: Policy, source_kind: str, *, where: str) -> None:
    """Refuse a policy for published inputs on a store that is not of published files.

    Parameters
    ----------
    policy
        The policy a run or a check is to use.
    source_kind
        Where the store's data came from (``Store.source_kind``, or what a run manifest
        records): ``public``, ``dummy`` or ``extract``.
    where
        Names the store or release in the message.

    Raises
    ------
    PolicyError
        When ``policy.published_inputs`` and ``source_kind`` is not ``public``: released
        unchanged, the small counts of a record-level extract (or of a dummy one, which
        stands for it) would disclose about people.

    Notes
    -----
    Every other policy runs on every store.
    """
    if not policy.published_inputs or source_kind == PUBLISHED_SOURCE_KIND:
        return
    kinds = {
        "dummy": "generated dummy data (`ldsa dummy`), which stands for a record-level extract",
        "extract": "a record-level extract",
    }
    made = kinds.get(source_kind, f"a source of kind {source_kind!r}")
    raise PolicyError(
        f"{where}: made from {made}, but policy {policy.name!r} releases every count "
        f"unchanged ({PUBLISHED_KEY}: true), which is safe only for aggregates already "
        "published (expected a store prepared by `ldsa prepare --from public DIR STORE`). "
        "How to fix: use --policy default (or strict, or your own file without "
        f"{PUBLISHED_KEY}) on this store, or --policy {policy.name} with a store of "
        "published files."
    )
