"""Property tests (hypothesis) of the disclosure invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldsa.sdc import (
    Policy,
    Rounding,
    SafeTable,
    load_policy,
    release_counts,
    render_csv,
    render_html_table,
    scan_outputs,
)
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.rounding import is_rounded

POLICIES = {
    "default": load_policy("default"),
    "strict": load_policy("strict"),
    "midpoint": dataclasses.replace(
        load_policy("strict"), round_base=6, rounding=Rounding.MIDPOINT, threshold=0
    ),
}
# Small counts dominate so that suppression has work to do.
COUNT = st.one_of(st.integers(0, 12), st.integers(0, 200))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    """A random two-way table of counts: 1-5 rows, 1-4 count columns."""
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 4))
    data: dict[str, list[object]] = {"band": [f"b{i}" for i in range(n_rows)]}
    for col in range(n_cols):
        data[f"c{col}_count"] = draw(st.lists(COUNT, min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(data)


def _release(frame: pd.DataFrame, policy: Policy, **kwargs: object) -> SafeTable:
    counts = [c for c in frame.columns if c.endswith("_count")]
    return release_counts(
        frame,
        counts,
        policy=policy,
        output_id="p",
        total_row=True,
        total_column="total_count",
        **kwargs,  # type: ignore[arg-type]  # only force_suppress is passed
    )


def _count_cells(table: SafeTable) -> list[tuple[int, str]]:
    return [
        (row, column)
        for row in range(table.n_rows)
        for column in table.columns
        if column.endswith("_count")
    ]


def _lines(table: SafeTable) -> list[tuple[tuple[int, str], list[tuple[int, str]]]]:
    """Every published identity of a table with both margins: (total, parts)."""
    inner_cols = [c for c in table.columns if c.endswith("_count") and c != "total_count"]
    n = table.n_rows - 1
    lines = [((r, "total_count"), [(r, c) for c in inner_cols]) for r in range(n + 1)]
    lines += [((n, c), [(r, c) for r in range(n)]) for c in [*inner_cols, "total_count"]]
    return lines


@pytest.mark.parametrize("name", list(POLICIES))
@settings(max_examples=150)
@given(frame=tables())
def test_released_counts_are_safe_and_rounded(name: str, frame: pd.DataFrame) -> None:
    """No released count is unsafe (default: in (0, 10); strict: <= 7) and all are rounded."""
    policy = POLICIES[name]
    table = _release(frame, policy)
    for row, column in _count_cells(table):
        value = table.value(row, column)
        if value is not None:
            assert isinstance(value, int)
            assert not is_unsafe_count(value, policy)
            assert is_rounded(value, policy)
            if name == "strict":
                assert value > 7
                assert value % 5 == 0


@pytest.mark.parametrize("name", list(POLICIES))
@settings(max_examples=150)
@given(frame=tables())
def test_no_suppressed_cell_is_the_only_unknown(name: str, frame: pd.DataFrame) -> None:
    """In every published row, column and total, suppressed cells number zero or two or more."""
    table = _release(frame, POLICIES[name])
    for total, parts in _lines(table):
        members = [total, *parts]
        hidden = sum(table.status(r, c).suppressed for r, c in members)
        assert hidden != 1


@pytest.mark.parametrize("name", list(POLICIES))
@settings(max_examples=100)
@given(frame=tables())
def test_no_suppressed_cell_is_pinned_down(name: str, frame: pd.DataFrame) -> None:
    """No suppressed cell's value follows from any combination of the published sums."""
    table = _release(frame, POLICIES[name])
    hidden = [(r, c) for r, c in _count_cells(table) if table.status(r, c).suppressed]
    if not hidden:
        return
    index = {cell: i for i, cell in enumerate(hidden)}
    rows = []
    for total, parts in _lines(table):
        row = np.zeros(len(hidden))
        for cell, sign in [(total, -1.0)] + [(p, 1.0) for p in parts]:
            if cell in index:
                row[index[cell]] += sign
        rows.append(row)
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    for k in range(len(hidden)):
        unit = np.zeros((1, len(hidden)))
        unit[0, k] = 1.0
        # Independent of the layer's SVD audit: e_k outside the row space adds to the rank.
        assert np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank + 1


@pytest.mark.parametrize("name", ["default", "strict"])
@settings(max_examples=150)
@given(frame=tables())
def test_published_totals_add_up(name: str, frame: pd.DataFrame) -> None:
    """A published total equals the sum of its cells when all of them are published."""
    table = _release(frame, POLICIES[name])
    for (tr, tc), parts in _lines(table):
        total = table.value(tr, tc)
        values = [table.value(r, c) for r, c in parts]
        if total is not None and all(v is not None for v in values):
            assert total == sum(v for v in values if isinstance(v, int))


@pytest.mark.parametrize("name", list(POLICIES))
@settings(max_examples=100)
@given(frame=tables())
def test_applying_the_policy_twice_changes_nothing(name: str, frame: pd.DataFrame) -> None:
    """Re-releasing the released values, suppressed cells kept suppressed, gives the same table."""
    policy = POLICIES[name]
    first = _release(frame, policy)
    again = frame.copy()
    inner = [c for c in frame.columns if c.endswith("_count")]
    forced = []
    for row in range(len(frame)):
        for column in inner:
            value = first.value(row, column)
            if value is None:
                forced.append((row, column))
            elif policy.rounding is not Rounding.MIDPOINT:
                again.loc[row, column] = value
    forced += [(r, c) for r, c in _count_cells(first) if first.value(r, c) is None]
    second = _release(again, policy, force_suppress=forced)
    assert second.values == first.values
    assert [[s.suppressed for s in row] for row in second.statuses] == [
        [s.suppressed for s in row] for row in first.statuses
    ]


@settings(max_examples=30)
@given(frame=tables())
def test_scanner_finds_nothing_in_released_tables(
    frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What the layer releases passes the independent scanner, as CSV and as HTML."""
    for policy in POLICIES.values():
        root = tmp_path_factory.mktemp("reports")
        table = _release(frame, policy)
        (root / "E1" / "tables").mkdir(parents=True)
        (root / "E1" / "tables" / "t.csv").write_text(render_csv(table), encoding="utf-8")
        (root / "E1" / "t.html").write_text(render_html_table(table), encoding="utf-8")
        assert scan_outputs(root, policy) == []
