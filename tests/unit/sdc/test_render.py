"""Unit tests of the presentation boundary: SafeTable, CSV, HTML and figure series."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ldsa.errors import DisclosureError
from ldsa.sdc import (
    CellStatus,
    ColumnKind,
    Policy,
    RecordBook,
    RecordStatus,
    Rule,
    SafeTable,
    figure_series,
    release_counts,
    release_rates,
    render_csv,
    render_html_table,
)
from ldsa.sdc.render import _day, group_digits
from ldsa.sdc.safetable import format_cell, label_text


@pytest.fixture
def table(default_policy: Policy) -> SafeTable:
    """A released weekly table with a small week, its complement and a total row."""
    frame = pd.DataFrame({"week": ["w1", "w2", "w3"], "cases_count": [15, 3, 40]})
    return release_counts(
        frame, ["cases_count"], policy=default_policy, output_id="E1/t/weekly", total_row=True
    )


RAW = pd.DataFrame({"week": ["w1"], "cases_count": [3]})


@pytest.mark.parametrize(
    "present",
    [
        render_csv,
        render_html_table,
        lambda obj: figure_series(obj, "cases_count"),
        lambda obj: RecordBook().add(obj),
    ],
)
@pytest.mark.parametrize("raw", [RAW, RAW.to_dict(), RAW.to_numpy(), "3"])
def test_presentation_refuses_raw_values(present: object, raw: object) -> None:
    """Every presentation function refuses a raw DataFrame (or anything not a SafeTable)."""
    with pytest.raises(DisclosureError, match="only released values"):
        present(raw)  # type: ignore[operator]  # the parametrised callables


def test_release_rates_refuses_raw_counts(default_policy: Policy) -> None:
    """release_rates needs released counts, not a raw frame."""
    with pytest.raises(DisclosureError):
        release_rates(RAW, RAW, {"rate": "cases_count"}, policy=default_policy, output_id="r")


def test_safetable_cannot_be_built_directly(table: SafeTable) -> None:
    """Constructing a SafeTable without the layer's token raises DisclosureError."""
    with pytest.raises(DisclosureError, match="only the disclosure layer"):
        SafeTable(
            output_id="x",
            columns=table.columns,
            kinds=table.kinds,
            decimals=table.decimals,
            values=((1,),),
            statuses=table.statuses,
            total_row=None,
            total_column=None,
            record=table.record,
        )


def test_safetable_is_frozen_and_holds_no_raw_value(table: SafeTable) -> None:
    """A SafeTable cannot be changed and stores None, not the raw count, when suppressed."""
    with pytest.raises(AttributeError):
        table.values = ()  # type: ignore[misc]  # proving the dataclass is frozen
    assert table.value(1, "cases_count") is None
    assert 3 not in [v for row in table.values for v in row]


def test_csv_text(table: SafeTable) -> None:
    """CSV shows the marker for suppressed cells, the Total row and no index."""
    assert render_csv(table) == "week,cases_count\nw1,[c]\nw2,[c]\nw3,40\nTotal,58\n"
    assert table.to_csv_text() == render_csv(table)


def test_html_table(table: SafeTable) -> None:
    """HTML marks count cells, the total row and suppressed cells with titles."""
    text = render_html_table(table, caption="Weekly <cases>", headers={"week": "Week"})
    assert text.startswith('<table class="ldsa-safe" data-output-id="E1/t/weekly">')
    assert "<caption>Weekly &lt;cases&gt;</caption>" in text
    assert '<th scope="col" data-kind="label" data-column="week">Week</th>' in text
    assert '<td data-kind="count" data-status="suppressed_disclosure"' in text
    assert '<tr data-role="total">' in text
    assert render_html_table(table).count("<caption>") == 0
    assert '<th scope="row" data-kind="label">w3</th><td data-kind="count">40</td>' in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1975042", "1,975,042"),
        ("-12345.67", "-12,345.67"),
        ("999", "999"),
        ("0.5", "0.5"),
        ("[c]", "[c]"),
        ("", ""),
        ("12.3.4", "12.3.4"),
        ("1e5", "1e5"),
        ("１２３４", "１２３４"),
    ],
)
def test_numbers_in_html_tables_have_thousands_separators(text: str, shown: str) -> None:
    """HTML tables group digits by thousands (CSV files keep plain numbers); markers and
    anything that is not a plain decimal number are left as they are."""
    assert group_digits(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [("2020-03-02", "2 Mar 2020"), ("2021-12-27", "27 Dec 2021"), ("2020-13-01", "2020-13-01"),
     ("E06000001", "E06000001"), ("Females", "Females"), ("２０２０-03-02", "２０２０-03-02")],
)  # fmt: skip
def test_days_in_html_tables_in_the_reports_style(text: str, shown: str) -> None:
    """Dates in label cells of HTML tables read as days; anything else is left alone."""
    assert _day(text) == shown


def test_figure_series(table: SafeTable) -> None:
    """A figure series has NaN gaps where suppressed, no total row, and a note."""
    series = figure_series(table, "cases_count", x_column="week")
    assert series.x == ("w1", "w2", "w3")
    assert math.isnan(series.y[0])
    assert math.isnan(series.y[1])
    assert series.y[2] == 40.0
    assert series.gaps == (0, 1)
    assert series.note == "Gaps in the line: 2 points suppressed to protect confidentiality [c]."
    by_label = figure_series(table, "cases_count")
    assert by_label.x == ("w1", "w2", "w3")


def test_figure_series_notes(default_policy: Policy) -> None:
    """The note distinguishes unreliable from disclosive gaps, and is empty without gaps."""
    frame = pd.DataFrame({"week": ["w1", "w2", "w3"], "cases_count": [12, 3, 40]})
    counts = release_counts(frame, ["cases_count"], policy=default_policy, output_id="c")
    rates = pd.DataFrame({"rate": [1.0, 2.0, 3.0]})
    released = release_rates(
        counts,
        rates,
        {"rate": "cases_count"},
        policy=default_policy,
        output_id="r",
        unreliable_below=20,
    )
    note = figure_series(released, "rate").note
    assert "1 point suppressed to protect confidentiality [c]" in note
    assert "1 point not shown because too few events to be reliable [u]" in note
    clean = release_counts(
        frame.iloc[[0, 2]], ["cases_count"], policy=default_policy, output_id="x"
    )
    assert figure_series(clean, "cases_count").note == ""


def test_figure_series_refuses_label(table: SafeTable) -> None:
    """Plotting a label column is a programming error."""
    with pytest.raises(ValueError, match="label column"):
        figure_series(table, "week")


def test_accessors(table: SafeTable) -> None:
    """Column lookup, kinds, released frame and suppressed mask agree with the table."""
    assert table.columns_of_kind(ColumnKind.COUNT) == ("cases_count",)
    with pytest.raises(KeyError, match="no column 'nope'"):
        table.column_index("nope")
    frame = table.released_frame()
    assert str(frame["cases_count"].dtype) == "Int64"
    assert frame["cases_count"].isna().tolist() == [True, True, False, False]
    assert table.suppressed_mask()["cases_count"].tolist() == [True, True, False, False]
    assert table.row_label(3) == "Total"
    assert table.n_rows == 4


def test_format_cell() -> None:
    """Cells format with markers, integers, half-up decimals and blanks for non-finite."""
    released = CellStatus.RELEASED
    assert format_cell(None, CellStatus.SUPPRESSED_UNRELIABLE, 1) == "[u]"
    assert format_cell(None, released, 1) == "[c]"
    assert format_cell(2.25, released, 1) == "2.3"  # half up, not to even
    assert format_cell(0.125, released, 2) == "0.13"
    assert format_cell(math.nan, released, 1) == ""
    assert format_cell("a", released, 0) == "a"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (math.nan, ""),
        (pd.NaT, ""),
        (pd.Timestamp("2020-03-02 10:00"), "2020-03-02T10:00:00"),
        (3, "3"),
    ],
)
def test_label_text(value: object, text: str) -> None:
    """Labels format missing values as empty and timestamps as ISO."""
    assert label_text(value) == text


def test_select_view(table: SafeTable) -> None:
    """A view keeps statuses, renumbers its record's cells and keeps the total row."""
    view = table.select(output_id="E1/t/last", rows=[2, 1, 3])
    assert view.to_csv_text() == "week,cases_count\nw3,40\nw2,[c]\nTotal,58\n"
    assert view.total_row == 2
    assert view.record.cells_for(Rule.THRESHOLD) == ((1, 1),)
    assert dict(view.record.properties) == dict(table.record.properties)
    only_weeks = table.select(output_id="E1/t/w", columns=["week"], rows=[0, 1])
    assert only_weeks.record.status is RecordStatus.PASS
    assert only_weeks.total_row is None
    assert only_weeks.record.cells == ()
    same = table.select(output_id="E1/t/all")
    assert same.values == table.values
