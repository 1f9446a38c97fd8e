"""Unit tests of model estimates released by the events they rest on."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ldsa.sdc import CellStatus, OutputKind, Policy, Rule, release_estimates

FRAME = pd.DataFrame(
    {"week": ["2021-01-04", "2021-01-11", "2021-01-18"], "r": [1.234, 0.9, 1.1],
     "median": [12.4, 7.5, math.nan]}
)  # fmt: skip


@pytest.mark.parametrize(("events", "withheld"), [(9, True), (10, False), (11, False), (0, True)])
def test_estimates_withheld_below_the_threshold(
    events: int, withheld: bool, default_policy: Policy
) -> None:
    """A row resting on fewer events than the threshold (or none) is withheld in full."""
    table = release_estimates(FRAME, ["r", "median"], events=[events, 50, 50],
                              policy=default_policy, output_id="e", method="m")  # fmt: skip
    assert table.status(0, "r").suppressed is withheld
    assert table.status(0, "median").suppressed is withheld
    assert table.text(0, "r") == ("[c]" if withheld else "1.23")
    assert table.status(1, "r") is CellStatus.RELEASED
    assert table.record.kind is OutputKind.CUSTOM
    assert len(table.record.cells_for(Rule.GROUP_SIZE)) == (2 if withheld else 0)


def test_estimates_record_the_method(default_policy: Policy) -> None:
    """The record names the model and the fewest events of a released row."""
    table = release_estimates(FRAME, ["r"], events=[30, 12, 9], policy=default_policy,
                              output_id="e", method="Cori 2013", decimals={"r": 1})  # fmt: skip
    properties = dict(table.record.properties)
    assert properties["model"] == "Cori 2013"
    assert properties["fewest_events_released"] == "12"
    assert properties["case_columns_rounded_to"] == "not applicable"
    assert table.text(1, "r") == "0.9"
    nothing = release_estimates(FRAME, ["r"], events=[1, 2, 3], policy=default_policy,
                                output_id="e", method="m")  # fmt: skip
    assert dict(nothing.record.properties)["fewest_events_released"] == "none released"


def test_case_estimates_rounded_under_a_rounding_policy(
    default_policy: Policy, strict_policy: Policy
) -> None:
    """Estimated cases round to the policy's base (halves up) when it rounds, else not;
    NaN stays NaN (shown empty)."""
    args = {"events": [50, 50, 50], "output_id": "e", "method": "m", "case_columns": ["median"],
            "decimals": 0}  # fmt: skip
    strict = release_estimates(FRAME, ["median"], policy=strict_policy, **args)  # type: ignore[arg-type]
    assert [strict.text(r, "median") for r in range(3)] == ["10", "10", ""]
    plain = release_estimates(FRAME, ["median"], policy=default_policy, **args)  # type: ignore[arg-type]
    assert plain.text(0, "median") == "12"


@pytest.mark.parametrize(
    ("columns", "events", "method"),
    [(["r_count"], [1, 1, 1], "m"), (["absent"], [1, 1, 1], "m"), ([], [1, 1, 1], "m"),
     (["r"], [1, 1], "m"), (["r"], [1, 1, 1], "")],
)  # fmt: skip
def test_estimates_refuse_bad_arguments(
    columns: list[str], events: list[int], method: str, default_policy: Policy
) -> None:
    """Counts' names, missing columns, no estimates, misaligned events or no method."""
    frame = FRAME.assign(r_count=1)
    with pytest.raises(ValueError, match="release_estimates"):
        release_estimates(frame, columns, events=events, policy=default_policy,
                          output_id="e", method=method)  # fmt: skip
