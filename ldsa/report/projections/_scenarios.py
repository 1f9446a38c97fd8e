"""What-if scenarios and the projection horizon: the template's own parameters, checked.

A scenario is a dict in the notebook's ``parameters`` cell::

    scenarios = [
        {"name": "Transmission falls by a fifth", "multiply_r": 0.8, "from_day": 7},
        {"name": "R rises to 1.3", "set_r": 1.3, "from_day": 0},
    ]

``multiply_r`` multiplies every projected R by a factor, ``set_r`` sets it to a value;
``from_day`` is the first projected day with the change (0: the first day projected).
The batch checks the notebook's values before any kernel starts (:func:`check_parameters`,
through the spec), and the report checks them again when it opens.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

from ldsa.errors import InvalidParameterError
from ldsa.stats.projection import Change, Scenario

#: Weeks a projection may run (2 to 4: R changes too much to say more).
HORIZONS = (2, 3, 4)
MAX_SCENARIOS = 5
#: Largest factor or R a scenario may give (R of the original strain was about 3).
MAX_R = 5.0
_KEYS = frozenset({"name", "multiply_r", "set_r", "from_day"})
_WHERE = "projections template: parameter"


def check_horizon(horizon_weeks: object) -> int:
    """The projection horizon in weeks, or InvalidParameterError."""
    if isinstance(horizon_weeks, bool) or horizon_weeks not in HORIZONS:
        raise InvalidParameterError(
            f"{_WHERE} horizon_weeks: expected 2, 3 or 4 weeks, got {horizon_weeks!r}. How to "
            "fix: set horizon_weeks = 2, 3 or 4 in the parameters cell."
        )
    return int(str(horizon_weeks))  # one of HORIZONS


def check_scenarios(scenarios: object, horizon_weeks: int = 4) -> tuple[Scenario, ...]:
    """The scenarios as :class:`~ldsa.stats.projection.Scenario`, or InvalidParameterError
    naming the scenario, what is wrong and how to fix it."""
    if not isinstance(scenarios, Sequence) or isinstance(scenarios, str | bytes):
        raise InvalidParameterError(
            f"{_WHERE} scenarios: expected a list of scenarios (dicts), got "
            f"{type(scenarios).__name__}. How to fix: scenarios = [] for none, or "
            '[{"name": "R falls by a fifth", "multiply_r": 0.8, "from_day": 0}].'
        )
    if len(scenarios) > MAX_SCENARIOS:
        raise InvalidParameterError(
            f"{_WHERE} scenarios: {len(scenarios)} given, at most {MAX_SCENARIOS}. How to fix: "
            "keep the scenarios the report should compare."
        )
    out = tuple(_scenario(i, item, horizon_weeks) for i, item in enumerate(scenarios, 1))
    names = [s.name for s in out]
    if len(set(names)) != len(names) or "baseline" in names:
        raise InvalidParameterError(
            f"{_WHERE} scenarios: two scenarios share a name, or one is called 'baseline'. "
            "How to fix: give each scenario a name of its own."
        )
    return out


def _scenario(number: int, item: object, horizon_weeks: int) -> Scenario:
    where = f"{_WHERE} scenarios, scenario {number}"
    if not isinstance(item, Mapping):
        raise InvalidParameterError(
            f"{where}: expected a dict, got {type(item).__name__}. How to fix: write "
            '{"name": ..., "multiply_r": ... or "set_r": ..., "from_day": ...}.'
        )
    unknown = sorted(str(k) for k in set(item) - _KEYS)
    changes = [k for k in ("multiply_r", "set_r") if k in item]
    name = item.get("name")
    if unknown or len(changes) != 1 or not isinstance(name, str) or not 0 < len(name) <= 60:
        raise InvalidParameterError(
            f"{where}: expected a name (1 to 60 characters) and exactly one of multiply_r or "
            f"set_r (unknown keys: {', '.join(unknown) or 'none'}). How to fix: name the "
            "scenario and give one change."
        )
    value, day = item[changes[0]], item.get("from_day", 0)
    if not _number(value) or not 0 < float(value) <= MAX_R:
        raise InvalidParameterError(
            f"{where} ({name}): {changes[0]} must be a number above 0 and at most {MAX_R:g}, "
            f"got {value!r}. How to fix: e.g. 0.8 for a fall of a fifth."
        )
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < 7 * horizon_weeks:
        raise InvalidParameterError(
            f"{where} ({name}): from_day must be a whole number of days from 0 to "
            f"{7 * horizon_weeks - 1} (the projection's last day), got {day!r}. How to fix: "
            "0 for a change from the first projected day."
        )
    change = Change.MULTIPLY if changes[0] == "multiply_r" else Change.SET
    return Scenario(name, change, float(value), day)


def _number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Real) and value == value


def check_parameters(parameters: Mapping[str, object]) -> None:
    """Check the template's own parameters (the batch calls it with the notebook's values
    before any kernel starts)."""
    horizon = check_horizon(parameters.get("horizon_weeks", 4))
    check_scenarios(parameters.get("scenarios", []), horizon)


def describe_change(scenario: Scenario) -> str:
    """The change in plain words: "transmission fell by a fifth" / "R rose to 1.3"."""
    if scenario.change is Change.SET:
        return f"R were {scenario.value:g}"
    factor = scenario.value
    words = {0.5: "a half", 0.75: "a quarter", 0.8: "a fifth", 0.9: "a tenth"}
    if factor < 1:
        share = words.get(round(factor, 4), f"{(1 - factor) * 100:.0f}%")
        return f"transmission fell by {share}"
    if factor > 1:
        return f"transmission rose by {(factor - 1) * 100:.0f}%"
    return "transmission stayed as it is"
