"""Breakdowns of a linked plan's totals: boundaries, parents, zeros, rounding and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from ldsa.errors import InvalidParameterError
from ldsa.sdc import (
    BreakdownOption,
    CellStatus,
    LinkedPlan,
    Policy,
    RecordStatus,
    Rule,
    SafeTable,
    TimeStep,
    breakdown_withheld_share,
    check_release,
    choose_breakdown,
    plan_linked_counts,
    release_breakdown,
    render_csv,
    scan_outputs,
)
from ldsa.sdc.linked import _issue_plan
from ldsa.sdc.protection import CellOutcome
from ldsa.testing import write_linked_release

# 13 weeks: January (weeks 0-3), February (4-7), March (8-11), April (12: its Thursday).
WEEKS = [dt.date(2021, 1, 4) + dt.timedelta(weeks=i) for i in range(13)]
BANDS = ("a", "b", "c", "d")
BASE = [30, 30, 40]
COLUMNS = {"date_column": "date", "category_column": "age_band", "count_column": "cases_count"}
LA = "E1"
E5 = [3] * 12 + [12]  # a small authority: monthly (12 a month)


def _parts(groups: dict[int, list[int]]) -> pd.DataFrame:
    """Raw parts of E1: per week the counts of bands a, b, ... (``BASE`` where not given),
    each band on its own day of the week."""
    rows = []
    for week, monday in enumerate(WEEKS):
        for band, count in enumerate(groups.get(week, BASE)):
            rows.append((monday + dt.timedelta(days=band), BANDS[band], count))
    return pd.DataFrame(rows, columns=["date", "age_band", "cases_count"])


def _plan(
    policy: Policy, parts: pd.DataFrame, *, cumulative: bool = False, small: bool = False
) -> LinkedPlan:
    """E1's weekly totals from its parts, three large authorities beside it in its region;
    with ``small``, E5 in a region of its own (monthly)."""
    days = pd.to_datetime(parts["date"])
    week = ((days - pd.Timestamp(WEEKS[0])).dt.days // 7).to_numpy()
    totals = parts.groupby(week)["cases_count"].sum().reindex(range(len(WEEKS)), fill_value=0)
    rows = [(LA, "R1", WEEKS[i].isoformat(), int(totals[i])) for i in range(len(WEEKS))]
    for k, la in enumerate(["E2", "E3", "E4"]):
        rows += [(la, "R1", w.isoformat(), 70 + (3 * i + 5 * k) % 11) for i, w in enumerate(WEEKS)]
    if small:
        rows += [("E5", "R2", w.isoformat(), c) for w, c in zip(WEEKS, E5, strict=True)]
    frame = pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])
    return plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=policy,
        cumulative=cumulative,
    )  # fmt: skip


def _release(
    policy: Policy,
    groups: dict[int, list[int]],
    *,
    step: TimeStep = TimeStep.WEEK,
    cumulative: bool = False,
    categories: Sequence[str] | None = None,
) -> tuple[LinkedPlan, SafeTable]:
    parts = _parts(groups)
    plan = _plan(policy, parts, cumulative=cumulative)
    table = release_breakdown(
        plan, LA, parts, step=step, policy=policy, output_id="E1/t/by_age",
        description="Cases by age band", categories=categories, **COLUMNS,
    )  # fmt: skip
    return plan, table


def _texts(table: SafeTable, first_row: int, n: int) -> list[str]:
    return [table.text(r, "cases_count") for r in range(first_row, first_row + n)]


def _rules(table: SafeTable) -> dict[Rule, int]:
    return {rule: len(cells) for rule, cells in table.record.cells}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(9, ["[c]", "[c]", "51"]), (10, ["10", "40", "51"]), (11, ["11", "40", "51"])],
)
def test_threshold_boundaries(default_policy: Policy, value: int, expected: list[str]) -> None:
    """A part at threshold - 1 is withheld with the smallest other part; at the threshold
    and above it is released."""
    _, table = _release(default_policy, {2: [value, 40, 51]})
    assert _texts(table, 6, 3) == expected
    assert _texts(table, 0, 3) == ["30", "30", "40"]


@pytest.mark.parametrize(
    ("group", "expected"),
    [([4, 5, 30, 61], ["[c]", "[c]", "[c]", "61"]), ([4, 6, 30, 60], ["[c]", "[c]", "30", "60"])],
)
def test_withheld_parts_sum_to_at_least_the_threshold(
    default_policy: Policy, group: list[int], expected: list[str]
) -> None:
    """Two small parts summing to threshold - 1 take a complement; summing to the
    threshold they protect each other."""
    _, table = _release(default_policy, {0: group})
    assert _texts(table, 0, 4) == expected


def test_ties_take_the_first_category(default_policy: Policy) -> None:
    """Of two equal smallest parts, the first in category order is the complement."""
    _, table = _release(default_policy, {0: [3, 20, 20, 57]})
    assert _texts(table, 0, 4) == ["[c]", "[c]", "20", "57"]
    assert table.record.cells_for(Rule.SECONDARY) == ((1, 4),)
    assert table.record.cells_for(Rule.THRESHOLD) == ((0, 4),)


def test_parent_withheld_by_the_plan_withholds_every_part(default_policy: Policy) -> None:
    """Where the plan withholds E1's week (a small week, or its complement), every part is
    withheld as linked; elsewhere parts are released."""
    plan, table = _release(default_policy, {5: [2, 3, 0]})
    cells = plan.cells[("la", LA)]
    withheld = [week for week in range(len(WEEKS)) if cells[(week, week + 1)].value is None]
    assert 5 in withheld
    for week in range(len(WEEKS)):
        statuses = {table.status(r, "cases_count") for r in range(3 * week, 3 * week + 3)}
        assert statuses == (
            {CellStatus.SUPPRESSED_DISCLOSURE} if week in withheld else {CellStatus.RELEASED}
        )
    assert _rules(table) == {Rule.LINKED: 3 * len(withheld)}
    assert table.record.status is RecordStatus.REVIEW


def test_coarser_step_with_a_withheld_week(default_policy: Policy) -> None:
    """Monthly parts: January and February hold withheld weeks (week 4 is small; the plan
    withholds weeks 1 and 3 beside it), so their totals are unknown and every part is
    linked; the period total is released, so its parts are protected as usual."""
    groups = {4: [2, 3, 0]}
    plan, monthly = _release(default_policy, groups, step=TimeStep.MONTH)
    cells = plan.cells[("la", LA)]
    assert [w for w in range(len(WEEKS)) if cells[(w, w + 1)].value is None] == [1, 3, 4]
    assert monthly.n_rows == 4 * 3
    assert [monthly.text(r, "period_start") for r in (0, 3, 6, 9)] == [
        "2021-01-04", "2021-02-01", "2021-03-01", "2021-03-29",
    ]  # fmt: skip
    assert _texts(monthly, 0, 6) == ["[c]"] * 6
    assert _texts(monthly, 6, 6) == ["120", "120", "160", "30", "30", "40"]
    assert _rules(monthly) == {Rule.LINKED: 6}
    _, period = _release(default_policy, groups, step=TimeStep.PERIOD)
    assert period.n_rows == 3
    assert _texts(period, 0, 3) == ["362", "363", "480"]


def _edited(plan: LinkedPlan, withheld: list[tuple[int, int]]) -> LinkedPlan:
    """The plan with some of E1's cells withheld (to set what its released cells
    determine)."""
    cells = {area: dict(found) for area, found in plan.cells.items()}
    for interval in withheld:
        cells[("la", LA)][interval] = CellOutcome(None, Rule.LINKED)
    return _issue_plan(plan, cells=cells)


def test_known_parents_are_those_the_released_cells_determine(default_policy: Policy) -> None:
    """February's weeks 5 and 6 are withheld, and so are the period total and every
    running total but those at February's edges: February is known as their difference,
    and unknown without one of them."""
    parts = _parts({})
    plan = _plan(default_policy, parts, cumulative=True)
    running = [(0, end) for end in range(1, len(WEEKS)) if end not in (4, 8)]
    hidden = [(5, 6), (6, 7), (0, len(WEEKS)), *running]
    for extra, expected in (([], ["120", "120", "160"]), ([(0, 8)], ["[c]"] * 3)):
        table = release_breakdown(
            _edited(plan, hidden + extra), LA, parts, step=TimeStep.MONTH,
            policy=default_policy, output_id="x", **COLUMNS,
        )  # fmt: skip
        assert _texts(table, 3, 3) == expected
        assert _texts(table, 0, 3) == ["120", "120", "160"]


def test_zeros_under_default_and_strict(default_policy: Policy, strict_policy: Policy) -> None:
    """Zeros are released under default; under strict they are withheld, and two withheld
    zeros (a sum of 0) take a complement; a zero is never a complement while another part
    can be."""
    _, default = _release(default_policy, {0: [0, 0, 100], 1: [3, 0, 50, 47]})
    assert _texts(default, 0, 4) == ["0", "0", "100", "0"]
    assert _texts(default, 4, 4) == ["[c]", "0", "50", "[c]"]
    _, strict = _release(strict_policy, {0: [0, 0, 100], 1: [0, 40, 60]})
    assert _texts(strict, 0, 3) == ["[c]", "[c]", "[c]"]
    assert _texts(strict, 3, 3) == ["[c]", "[c]", "60"]
    assert strict.record.cells_for(Rule.ZEROS) == ((0, 4), (1, 4), (3, 4))
    assert strict.record.cells_for(Rule.SECONDARY) == ((2, 4), (4, 4))


def test_rounding_under_strict(strict_policy: Policy) -> None:
    """Under strict each released part is rounded from its own raw value (half up), and
    7 is withheld while 8 is released."""
    _, table = _release(strict_policy, {0: [12, 13, 77], 1: [7, 8, 85], 2: [10, 15, 35]})
    assert _texts(table, 0, 3) == ["10", "15", "75"]
    assert _texts(table, 3, 3) == ["[c]", "[c]", "85"]
    assert _texts(table, 6, 3) == ["10", "15", "35"]
    assert table.status(0, "cases_count") is CellStatus.ROUNDED
    rules = _rules(table)
    assert rules[Rule.THRESHOLD] == 1
    assert rules[Rule.SECONDARY] == 1
    assert rules[Rule.ROUNDED] == 3 * len(WEEKS) - 2


def test_table_shape_and_record(default_policy: Policy) -> None:
    """Tidy columns, one row per (period, category) in order, and a record naming the
    method, the parent, the authority, the step and the grouping."""
    _, table = _release(default_policy, {}, step=TimeStep.QUARTER, categories=["c", "b", "a"])
    assert table.columns == ("period_start", "period_end", "time_step", "age_band", "cases_count")
    assert [table.text(r, "age_band") for r in range(3)] == ["c", "b", "a"]
    assert table.text(0, "period_end") == "2021-03-28"
    assert table.text(3, "period_start") == "2021-03-29"
    assert table.text(0, "time_step") == "quarter"
    assert table.record.status is RecordStatus.PASS
    assert table.record.row_labels[0] == "2021-01-04 to 2021-03-28 / c"
    properties = dict(table.record.properties)
    assert properties["method"] == "release_breakdown"
    assert properties["parent_count_column"] == "cases_count"
    assert properties["la_code"] == LA
    assert properties["time_step"] == "quarter"
    assert properties["la_time_step"] == "week"
    assert properties["categories"] == "c, b, a"
    assert properties["category_column"] == "age_band"


def test_rows_summed_and_missing_pairs_zero(default_policy: Policy) -> None:
    """Several rows of one period and category are summed (dates as text, dates or
    datetimes); a category without rows is 0; an aware datetime counts on its wall-clock
    date (Monday 00:30 in Tokyo is in the week it starts, though Sunday in UTC)."""
    parts = _parts({})
    plan = _plan(default_policy, parts)
    parts["date"] = parts["date"].astype(object)
    parts.loc[0, "date"] = "2021-01-04"
    parts.loc[1, "date"] = pd.Timestamp("2021-01-05 10:00")
    table = release_breakdown(
        plan, LA, parts, step=TimeStep.MONTH, policy=default_policy, output_id="x",
        categories=["a", "b", "c", "d"], **COLUMNS,
    )  # fmt: skip
    assert _texts(table, 0, 4) == ["120", "120", "160", "0"]
    tokyo = pd.DataFrame(
        {
            "date": [pd.Timestamp("2021-01-11 00:30", tz="Asia/Tokyo")],
            "age_band": ["a"],
            "cases_count": [40],
        }
    )
    moved = _parts({1: [0, 60, 40]})
    moved["date"] = pd.to_datetime(moved["date"]).dt.tz_localize("Asia/Tokyo")
    moved = pd.concat([moved, tokyo], ignore_index=True)
    table = release_breakdown(
        _plan(default_policy, _parts({1: [40, 60, 40]})), LA, moved, step=TimeStep.WEEK,
        policy=default_policy, output_id="x", **COLUMNS,
    )  # fmt: skip
    assert _texts(table, 3, 3) == ["40", "60", "40"]


def test_same_release_from_the_authority_part_of_the_plan(default_policy: Policy) -> None:
    """The authority's part of the plan (what a report holds) gives the same table."""
    parts = _parts({5: [2, 3, 0], 7: [3, 20, 20, 57]})
    plan = _plan(default_policy, parts, cumulative=True)
    for step in (TimeStep.WEEK, TimeStep.MONTH, TimeStep.PERIOD):
        whole, part = (
            release_breakdown(
                p, LA, parts, step=step, policy=default_policy, output_id="x", **COLUMNS
            )
            for p in (plan, plan.for_authority(LA))
        )
        assert whole.values == part.values
        assert whole.record == part.record


def test_an_unsafe_parent_withholds_every_part(default_policy: Policy) -> None:
    """Should a plan ever release an unsafe total, its parts are all withheld."""
    parts = _parts({})
    plan = _plan(default_policy, parts)
    cells = {area: dict(found) for area, found in plan.cells.items()}
    cells[("la", LA)][(0, 1)] = CellOutcome(5, None)  # and the period total to match
    cells[("la", LA)][(0, len(WEEKS))] = CellOutcome(5 + 100 * (len(WEEKS) - 1), None)
    broken = _issue_plan(plan, cells=cells)
    table = release_breakdown(
        broken, LA, _parts({0: [2, 3, 0]}), step=TimeStep.WEEK, policy=default_policy,
        output_id="x", **COLUMNS,
    )  # fmt: skip
    assert _texts(table, 0, 3) == ["[c]"] * 3


def test_released_csv_passes_the_scanners(
    tmp_path: Path, default_policy: Policy, strict_policy: Policy
) -> None:
    """Written as CSV beside the plan's tables, a breakdown gives the scanners nothing to
    find, under both presets."""
    groups = {0: [3, 20, 20, 57], 2: [0, 0, 100], 5: [2, 3, 0], 8: [4, 5, 30, 61]}
    for policy in (default_policy, strict_policy):
        folder = tmp_path / policy.name
        plan, table = _release(policy, groups, cumulative=True)
        write_linked_release({"cases": plan}, folder)
        text = render_csv(table)
        assert text == table.to_csv_text()
        assert "[c]" in text
        (folder / LA / "tables" / "by_age.csv").write_text(text, encoding="utf-8")
        assert scan_outputs(folder, policy, relations=False) == []
        assert check_release(folder, policy).findings == ()


def test_withheld_share(default_policy: Policy, strict_policy: Policy) -> None:
    """The share withheld of the parts that say anything: a zero released under default
    is neither lost nor telling; under strict zeros are withheld, so they count."""
    parts = _parts({0: [3, 20, 20, 57], 1: [0, 0, 100]})
    plan = _plan(default_policy, parts)
    share = breakdown_withheld_share(
        plan, LA, parts, step=TimeStep.WEEK, policy=default_policy, **COLUMNS
    )
    assert share == pytest.approx(2 / (4 + 1 + 11 * 3))
    zeros = _parts({week: [0, 0, 0] for week in range(len(WEEKS))})
    assert breakdown_withheld_share(
        _plan(default_policy, zeros), LA, zeros, step=TimeStep.PERIOD, policy=default_policy,
        **COLUMNS,
    ) == 0.0  # fmt: skip
    strict_plan = _plan(strict_policy, parts)
    assert breakdown_withheld_share(
        strict_plan, LA, parts, step=TimeStep.WEEK, policy=strict_policy, **COLUMNS
    ) == pytest.approx((2 + 4 + 11 * 2) / (4 + 4 + 11 * 4))


def _options(parts: pd.DataFrame, broad: pd.DataFrame) -> list[BreakdownOption]:
    return [
        BreakdownOption("age bands", parts, TimeStep.WEEK),
        BreakdownOption("age bands", parts, TimeStep.MONTH),
        BreakdownOption("broad ages", broad, TimeStep.PERIOD, ("young", "old")),
    ]


def _broad(parts: pd.DataFrame) -> pd.DataFrame:
    young = parts["age_band"].isin(["a", "b"])
    return parts.assign(age_band=young.map({True: "young", False: "old"}))


def test_choose_the_finest_option_that_serves(default_policy: Policy) -> None:
    """The first option withholding at most the allowed share is taken; the note says why
    (empty when the finest served), and the last is taken when none serves."""
    fine = _parts({})
    plan = _plan(default_policy, fine)
    choice = choose_breakdown(
        plan, LA, _options(fine, _broad(fine)), policy=default_policy, **COLUMNS
    )
    assert choice.option.step is TimeStep.WEEK
    assert choice.note == ""
    assert choice.shares == (("age bands, weekly", 0.0),)

    weekly_small = _parts({w: [4, 6, 90] for w in range(len(WEEKS))})
    plan = _plan(default_policy, weekly_small)
    options = _options(weekly_small, _broad(weekly_small))
    choice = choose_breakdown(plan, LA, options, policy=default_policy, **COLUMNS)
    assert choice.option is options[1]
    assert choice.shares == (
        ("age bands, weekly", pytest.approx(26 / 39)),
        ("age bands, monthly", pytest.approx(2 / 12)),  # April: one week
    )
    assert choice.note == (
        "Shown by age bands, monthly, because with finer groupings more than 20% of the "
        "values would be withheld to protect confidentiality (age bands, weekly: 67%)."
    )

    tiny = _parts({w: [3, 3, 94] for w in range(len(WEEKS))})
    plan = _plan(default_policy, tiny)
    options = _options(tiny, _broad(tiny))
    choice = choose_breakdown(plan, LA, options[:2], policy=default_policy, **COLUMNS)
    assert choice.option is options[1]
    assert choice.note.startswith("Shown by age bands, monthly, the coarsest grouping available")
    assert "with 25% of its values withheld" in choice.note
    assert choice.note.endswith("(age bands, weekly: 100%).")
    alone = choose_breakdown(plan, LA, options[:1], policy=default_policy, **COLUMNS)
    assert alone.note.endswith("values withheld to protect confidentiality.")
    broad = choose_breakdown(plan, LA, options, policy=default_policy, **COLUMNS)
    assert broad.option is options[2]
    assert broad.shares[-1] == ("broad ages, whole-period", 0.0)


def test_choose_skips_options_finer_than_the_authority(default_policy: Policy) -> None:
    """Options finer than the authority's step are skipped; none left is an error."""
    parts = _parts({})
    plan = _plan(default_policy, parts, small=True)
    assert plan.step("E5") is TimeStep.MONTH
    e5_parts = pd.DataFrame({"date": WEEKS, "age_band": ["a", "b"] * 6 + ["a"], "cases_count": E5})
    options = [
        BreakdownOption("bands", e5_parts, TimeStep.WEEK),
        BreakdownOption("bands", e5_parts, TimeStep.MONTH),
    ]
    choice = choose_breakdown(plan, "E5", options, policy=default_policy, **COLUMNS)
    assert choice.option is options[1]
    assert [name for name, _ in choice.shares] == ["bands, monthly"]
    with pytest.raises(InvalidParameterError, match="no option at the authority's step"):
        choose_breakdown(plan, "E5", options[:1], policy=default_policy, **COLUMNS)


SECRET_DATE = "1999-12-31"
SECRET_COUNT = 7919
SECRET_BAND = "zebra-band"


def _bad(column: str, value: object) -> pd.DataFrame:
    parts = _parts({})
    parts[column] = parts[column].astype(object)
    parts.loc[4, column] = value
    return parts


@pytest.mark.parametrize(
    ("parts", "categories", "message"),
    [
        (_bad("date", SECRET_DATE), None, "column 'date': 1 row(s) fall outside the plan's weeks"),
        (_bad("date", "2021-05-03"), None, "1 row(s) fall outside"),
        (_bad("date", "not a date " + SECRET_BAND), None, "column 'date': 1 row(s) are not dates"),
        (_bad("cases_count", -SECRET_COUNT), None, "column 'cases_count': 1 row(s) are missing"),
        (_bad("cases_count", SECRET_COUNT + 0.5), None, "negative or fractional"),
        (_bad("cases_count", None), None, "1 row(s) are missing"),
        (_bad("age_band", None), None, "column 'age_band': 1 row(s) have no category"),
        (_bad("age_band", SECRET_BAND), ["a", "b", "c"], "1 row(s) hold a category not in"),
        (_parts({}), ["a", "b", "a"], "expected distinct categories"),
        (_parts({})[:0], None, "at least one"),
    ],
)  # fmt: skip
def test_bad_parts_are_refused_without_quoting_values(
    default_policy: Policy, parts: pd.DataFrame, categories: list[str] | None, message: str
) -> None:
    """Rows that are not whole counts, dates in the plan's weeks or known categories are
    refused with the column, the reason and a row count, never a value."""
    plan = _plan(default_policy, _parts({}))
    with pytest.raises(ValueError, match="How to fix") as error:
        release_breakdown(
            plan, LA, parts, step=TimeStep.WEEK, policy=default_policy, output_id="E1/t/x",
            categories=categories, **COLUMNS,
        )  # fmt: skip
    text = str(error.value)
    assert text.startswith("E1/t/x: parts: ")
    assert message in text
    for secret in (SECRET_DATE, str(SECRET_COUNT), SECRET_BAND):
        assert secret not in text


def test_mixed_time_zones_are_not_dates(default_policy: Policy) -> None:
    """A date column mixing aware and naive dates cannot be read: every row is counted as
    not a date."""
    parts = _parts({})
    parts["date"] = pd.to_datetime(parts["date"]).dt.tz_localize("Europe/London").astype(object)
    parts.loc[0, "date"] = "2021-01-04"
    with pytest.raises(ValueError, match=f"{len(parts)} row\\(s\\) are not dates"):
        release_breakdown(
            _plan(default_policy, _parts({})), LA, parts, step=TimeStep.WEEK,
            policy=default_policy, output_id="x", **COLUMNS,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"date_column": "day"}, "no column 'day' in parts"),
        ({"count_column": "cases"}, "count column 'cases' must end in '_count'"),
        ({"count_column": "la_cases_count"}, "not start with la_, region_, england_"),
        ({"category_column": "la_code"}, "category column 'la_code' must not be one of"),
        ({"category_column": "time_step"}, "must not be one of"),
        ({"category_column": "people_count"}, "end in '_count'"),
        ({"category_column": "cases_band"}, "or start with 'cases_'"),
    ],
)
def test_bad_column_names_are_refused(
    default_policy: Policy, columns: dict[str, str], message: str
) -> None:
    """Missing columns, and names the scanners would misread, are refused."""
    parts = _parts({})
    parts = parts.assign(cases=parts["cases_count"], la_code=parts["age_band"])
    parts = parts.assign(la_cases_count=parts["cases_count"], time_step=parts["age_band"])
    parts = parts.assign(people_count=parts["age_band"], cases_band=parts["age_band"])
    plan = _plan(default_policy, _parts({}))
    with pytest.raises(ValueError, match="How to fix: rename the columns") as error:
        release_breakdown(
            plan, LA, parts, step=TimeStep.WEEK, policy=default_policy, output_id="x",
            **(COLUMNS | columns),
        )  # fmt: skip
    assert message in str(error.value)


def test_parameters_are_checked(default_policy: Policy, strict_policy: Policy) -> None:
    """A step finer than the authority's, an unknown authority, another policy and parts
    that do not add up to the plan's totals are refused, saying how to fix them."""
    parts = _parts({})
    plan = _plan(default_policy, parts, small=True)
    with pytest.raises(InvalidParameterError, match=r"step 'week' is finer than E5's series"):
        release_breakdown(
            plan, "E5", parts, step=TimeStep.WEEK, policy=default_policy, output_id="x",
            **COLUMNS,
        )  # fmt: skip
    with pytest.raises(InvalidParameterError, match="unknown LA code"):
        breakdown_withheld_share(
            plan, "E9", parts, step=TimeStep.WEEK, policy=default_policy, **COLUMNS
        )
    with pytest.raises(InvalidParameterError, match="policy differs from the plan's"):
        breakdown_withheld_share(
            plan, LA, parts, step=TimeStep.WEEK, policy=strict_policy, **COLUMNS
        )
    more = _parts({0: [31, 30, 40]})
    with pytest.raises(ValueError, match="parts of 1 period\\(s\\) do not add up") as error:
        release_breakdown(
            _plan(default_policy, parts), LA, more, step=TimeStep.WEEK,
            policy=default_policy, output_id="x", **COLUMNS,
        )  # fmt: skip
    assert "31" not in str(error.value)
