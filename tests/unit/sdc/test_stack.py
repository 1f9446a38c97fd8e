"""Stacking released tables: statuses and rule outcomes carried, nothing else accepted."""

from __future__ import annotations

import pandas as pd
import pytest

from ldsa.errors import DisclosureError
from ldsa.sdc import CellStatus, Policy, Rule, release_counts, stack


def _part(policy: Policy, counts: list[int], name: str) -> object:
    frame = pd.DataFrame({"band": ["a", "b"], "cases_count": counts})
    return release_counts(frame, ["cases_count"], policy=policy, output_id=f"x/o/{name}")


def test_stack_keeps_statuses_and_rules(default_policy: Policy) -> None:
    """Rows of each part follow in order, under a label column, with their statuses and rules."""
    first, second = _part(default_policy, [3, 40], "one"), _part(default_policy, [50, 60], "two")
    table = stack(
        [first, second],  # type: ignore[list-item]
        policy=default_policy,
        output_id="x/o/both",
        columns=["age", "n_count"],
        label_column="measure",
        labels=["cases", "deaths"],
    )
    assert table.columns == ("measure", "age", "n_count")
    assert table.n_rows == 4
    assert [table.text(r, "measure") for r in range(4)] == ["cases", "cases", "deaths", "deaths"]
    assert table.status(0, "n_count") is CellStatus.SUPPRESSED_DISCLOSURE
    assert table.value(0, "n_count") is None
    assert table.text(3, "n_count") == "60"
    assert (0, 2) in table.record.cells_for(Rule.THRESHOLD)
    assert table.record.row_labels[2:] == ("deaths / a", "deaths / b")


def test_stack_refuses_raw_frames(default_policy: Policy) -> None:
    """Anything but a SafeTable is refused."""
    raw = pd.DataFrame({"band": ["a"], "cases_count": [3]})
    with pytest.raises(DisclosureError):
        stack(
            [raw],  # type: ignore[list-item]
            policy=default_policy,
            output_id="x/o/raw",
            columns=["band", "cases_count"],
            label_column="measure",
            labels=["cases"],
        )


@pytest.mark.parametrize(
    ("labels", "columns", "problem"),
    [
        (["one"], ["band", "cases_count"], "one label per table"),
        (["one", "two"], ["band"], "one new name per column"),
    ],
)
def test_stack_checks_shapes(
    default_policy: Policy, labels: list[str], columns: list[str], problem: str
) -> None:
    """Mismatched labels or column names are refused with the reason."""
    parts = [_part(default_policy, [20, 40], "one"), _part(default_policy, [50, 60], "two")]
    with pytest.raises(ValueError, match=problem):
        stack(
            parts,  # type: ignore[arg-type]
            policy=default_policy,
            output_id="x/o/bad",
            columns=columns,
            label_column="measure",
            labels=labels,
        )


def test_safetable_cannot_be_forged_with_replace(default_policy: Policy) -> None:
    """dataclasses.replace cannot slip raw values into a SafeTable: it is refused."""
    import dataclasses

    table = _part(default_policy, [3, 40], "one")
    with pytest.raises(DisclosureError):
        dataclasses.replace(table, values=(("a", 3), ("b", 40)))  # type: ignore[type-var]
