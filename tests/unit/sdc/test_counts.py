"""Unit tests of release_counts: one small fixture table per rule."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from ldsa.sdc import CellStatus, Policy, Rule, SafeTable, release_counts
from ldsa.sdc.records import RecordStatus
from ldsa.sdc.secondary import Equation, determined_cells

C = CellStatus.SUPPRESSED_DISCLOSURE


def _frame(female: list[int], male: list[int]) -> pd.DataFrame:
    bands = ["0-19", "20-64", "65+", "85+"][: len(female)]
    return pd.DataFrame({"age_band": bands, "female_count": female, "male_count": male})


def _statuses(table: object) -> list[list[str]]:
    from ldsa.sdc import SafeTable

    assert isinstance(table, SafeTable)
    return [[s.value[:4] for s in row[1:]] for row in table.statuses]


@pytest.mark.parametrize(("count", "suppressed"), [(9, True), (10, False), (11, False)])
def test_threshold_boundary_default(count: int, suppressed: bool, default_policy: Policy) -> None:
    """Under the default policy a cell of threshold - 1 is suppressed, threshold is not."""
    frame = pd.DataFrame({"week": ["w1"], "cases_count": [count]})
    table = release_counts(frame, ["cases_count"], policy=default_policy, output_id="t")
    assert table.status(0, "cases_count").suppressed is suppressed
    assert table.text(0, "cases_count") == ("[c]" if suppressed else str(count))


@pytest.mark.parametrize(
    ("count", "shown"), [(7, "[c]"), (8, "10"), (9, "10"), (12, "10"), (13, "15")]
)
def test_threshold_and_rounding_boundary_strict(
    count: int, shown: str, strict_policy: Policy
) -> None:
    """Under strict, 7 is redacted, 8 and 9 round to 10, and 12/13 round half up."""
    frame = pd.DataFrame({"week": ["w1"], "cases_count": [count]})
    table = release_counts(frame, ["cases_count"], policy=strict_policy, output_id="t")
    assert table.text(0, "cases_count") == shown
    if shown != "[c]":
        assert table.status(0, "cases_count") is CellStatus.ROUNDED


@pytest.mark.parametrize(("count", "shown"), [(14, "10"), (15, "20"), (25, "30"), (35, "40")])
def test_rounding_ties_half_up(count: int, shown: str, strict_policy: Policy) -> None:
    """With an even base (a TRE policy rounding to 10) ties round up, never to even."""
    policy = dataclasses.replace(strict_policy, round_base=10)
    frame = pd.DataFrame({"week": ["w1"], "cases_count": [count]})
    table = release_counts(frame, ["cases_count"], policy=policy, output_id="t")
    assert table.text(0, "cases_count") == shown


def test_zeros_follow_policy(default_policy: Policy, strict_policy: Policy) -> None:
    """Zeros are released under the default policy and suppressed (rule zeros) under strict."""
    frame = pd.DataFrame({"week": ["w1", "w2"], "cases_count": [0, 20]})
    safe = release_counts(frame, ["cases_count"], policy=default_policy, output_id="t")
    assert safe.text(0, "cases_count") == "0"
    strict = release_counts(frame, ["cases_count"], policy=strict_policy, output_id="t")
    assert strict.text(0, "cases_count") == "[c]"
    assert strict.record.cells_for(Rule.ZEROS) == ((0, 1),)


def test_secondary_in_column_total(default_policy: Policy) -> None:
    """A lone small cell under a published column total gets the next-smallest complement."""
    frame = pd.DataFrame({"band": ["a", "b", "c"], "cases_count": [4, 30, 20]})
    table = release_counts(
        frame, ["cases_count"], policy=default_policy, output_id="t", total_row=True
    )
    assert [table.text(r, "cases_count") for r in range(4)] == ["[c]", "30", "[c]", "54"]
    assert table.record.cells_for(Rule.THRESHOLD) == ((0, 1),)
    assert table.record.cells_for(Rule.SECONDARY) == ((2, 1),)
    assert table.text(3, "band") == "Total"
    assert table.record.status is RecordStatus.REVIEW


def test_secondary_rows_columns_and_grand_total(default_policy: Policy) -> None:
    """With both margins every line with a suppressed cell has at least two unknowns."""
    frame = _frame([25, 4, 30], [31, 40, 12])
    table = release_counts(
        frame,
        ["female_count", "male_count"],
        policy=default_policy,
        output_id="t",
        total_row=True,
        total_column="total_count",
    )
    grid = _statuses(table)
    for row in grid[:3]:
        assert row[:2].count("supp") != 1
    for col in range(2):
        assert [row[col] for row in grid[:3]].count("supp") != 1
    assert table.value(3, "total_count") == 142


def test_total_suppressed_when_small(default_policy: Policy) -> None:
    """A total below the threshold is suppressed, and a complement keeps it unrecoverable."""
    frame = pd.DataFrame({"band": ["a", "b"], "x_count": [3, 4], "y_count": [20, 30]})
    table = release_counts(
        frame, ["x_count", "y_count"], policy=default_policy, output_id="t", total_row=True
    )
    assert table.text(2, "x_count") == "[c]"
    assert table.text(2, "y_count") == "50"


def test_no_complement_without_totals(default_policy: Policy) -> None:
    """Without published totals only primary suppression applies."""
    frame = pd.DataFrame({"band": ["a", "b"], "cases_count": [3, 40]})
    table = release_counts(frame, ["cases_count"], policy=default_policy, output_id="t")
    assert [table.text(r, "cases_count") for r in range(2)] == ["[c]", "40"]
    assert table.record.cells_for(Rule.SECONDARY) == ()


def test_rounding_recomputes_totals(strict_policy: Policy) -> None:
    """Under strict, totals are the sums of the rounded cells, not the rounded raw totals."""
    frame = pd.DataFrame({"band": ["a", "b", "c"], "cases_count": [12, 12, 12]})
    table = release_counts(
        frame, ["cases_count"], policy=strict_policy, output_id="t", total_row=True
    )
    assert [table.value(r, "cases_count") for r in range(4)] == [10, 10, 10, 30]
    assert table.record.status is RecordStatus.PASS
    assert len(table.record.cells_for(Rule.ROUNDED)) == 4


def test_rounded_total_in_unsafe_range_is_suppressed(strict_policy: Policy) -> None:
    """A published total whose rounded sum falls in the unsafe range is suppressed too."""
    frame = pd.DataFrame(
        {"band": ["a", "b"], "x_count": [2, 8], "y_count": [2, 40], "z_count": [2, 40]}
    )
    table = release_counts(
        frame,
        ["x_count", "y_count", "z_count"],
        policy=strict_policy,
        output_id="t",
        total_column="total_count",
    )
    # Row a: raw total 6 is unsafe; row b: 8 + 40 + 40 rounds to 10 + 40 + 40.
    assert table.text(0, "total_count") == "[c]"
    assert table.value(1, "total_count") == 90


def test_late_rounding_suppression(strict_policy: Policy) -> None:
    """A total safe when raw (8) but 0 once its suppressed cells are rounded is withheld."""
    frame = pd.DataFrame(
        {"band": ["a", "b", "c", "d"], "x_count": [2, 2, 2, 2], "y_count": [50, 50, 50, 50]}
    )
    table = release_counts(
        frame, ["x_count", "y_count"], policy=strict_policy, output_id="t", total_row=True
    )
    assert table.text(4, "x_count") == "[c]"
    assert table.value(4, "y_count") == 200


def test_bridge_cell_gets_a_complement(default_policy: Policy) -> None:
    """A cell joining two blocks of suppressed cells, pinned down though no line has a sole
    unknown, gets a further complement (the exact audit)."""
    frame = pd.DataFrame({"band": list("abcd")} | {f"c{j}_count": [50 + j] * 4 for j in range(4)})
    blocks = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]
    forced = [(r, f"c{c}_count") for r, c in blocks]
    table = release_counts(
        frame,
        [f"c{j}_count" for j in range(4)],
        policy=default_policy,
        output_id="t",
        total_row=True,
        total_column="total_count",
        force_suppress=forced,
    )
    assert len(table.record.cells_for(Rule.SECONDARY)) >= 1
    assert determined_cells(_margin_equations(table), _hidden(table)) == []


def _hidden(table: SafeTable) -> list[tuple[int, str]]:
    return [
        (r, c)
        for r in range(table.n_rows)
        for c in table.columns
        if c.endswith("_count") and table.status(r, c).suppressed
    ]


def _margin_equations(table: SafeTable) -> list[Equation]:
    inner = [c for c in table.columns if c.endswith("_count") and c != "total_count"]
    n = table.n_rows - 1
    eqs = [Equation((r, "total_count"), tuple((r, c) for c in inner)) for r in range(n + 1)]
    eqs += [Equation((n, c), tuple((r, c) for r in range(n))) for c in [*inner, "total_count"]]
    return eqs


def test_force_suppress(default_policy: Policy) -> None:
    """Cells the caller forces are suppressed with the forced rule."""
    frame = pd.DataFrame({"band": ["a", "b"], "cases_count": [30, 40]})
    table = release_counts(
        frame,
        ["cases_count"],
        policy=default_policy,
        output_id="t",
        force_suppress=[(0, "cases_count")],
    )
    assert table.text(0, "cases_count") == "[c]"
    assert table.record.cells_for(Rule.FORCED) == ((0, 1),)


def test_labels_dates_and_duplicates(default_policy: Policy) -> None:
    """Dates become ISO labels and duplicate row labels are made unique."""
    frame = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2020-03-02", "2020-03-02"]),
            "cases_count": [12, 13],
        }
    )
    table = release_counts(frame, ["cases_count"], policy=default_policy, output_id="t")
    assert table.text(0, "period_start") == "2020-03-02"
    assert table.record.row_labels == ("0: 2020-03-02", "1: 2020-03-02")


def test_no_label_columns(default_policy: Policy) -> None:
    """A table of counts alone labels its rows by position."""
    frame = pd.DataFrame({"cases_count": [12, 13]})
    table = release_counts(frame, ["cases_count"], policy=default_policy, output_id="t")
    assert table.record.row_labels == ("0", "1")
    assert table.columns == ("cases_count",)


def test_explicit_label_columns(default_policy: Policy) -> None:
    """Only the named label columns are released."""
    frame = pd.DataFrame({"band": ["a"], "secret": ["x"], "cases_count": [12]})
    table = release_counts(
        frame, ["cases_count"], policy=default_policy, output_id="t", label_columns=["band"]
    )
    assert table.columns == ("band", "cases_count")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count_columns": []}, "no count columns"),
        ({"count_columns": ["nope_count"]}, "no column 'nope_count'"),
        ({"count_columns": ["cases"]}, "must end in '_count'"),
        ({"count_columns": ["bad_count"]}, "2 row"),
        ({"total_column": "total"}, "total_column 'total'"),
        ({"total_column": "cases_count"}, "must be a new name"),
        ({"label_columns": ["nope"]}, "label column"),
        ({"label_columns": [], "total_row": True}, "needs a label column"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str, default_policy: Policy) -> None:
    """Misnamed columns and missing, negative or fractional counts are refused clearly."""
    frame = pd.DataFrame(
        {
            "band": ["a", "b", "c"],
            "cases": [1, 2, 3],
            "cases_count": [10, 20, 30],
            "bad_count": [1.5, -1, 3],
        }
    )
    arguments: dict[str, object] = {"count_columns": ["cases_count"], **kwargs}
    with pytest.raises(ValueError, match=message):
        release_counts(frame, policy=default_policy, output_id="t", **arguments)  # type: ignore[arg-type]  # kwargs built per case
