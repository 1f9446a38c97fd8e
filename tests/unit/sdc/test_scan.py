"""Unit tests of scan_outputs: every planted breach is found, a clean release has none."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ldsa.sdc import (
    Finding,
    FindingRule,
    Policy,
    plan_linked_counts,
    release_counts,
    release_rates,
    render_csv,
    render_html_table,
    scan_outputs,
)

B = FindingRule.BELOW_THRESHOLD
R = FindingRule.RECOVERABLE
N = FindingRule.NOT_ROUNDED
U = FindingRule.UNMARKED


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _release_all(root: Path, policy: Policy) -> None:
    """Write a realistic set of released tables through the layer."""
    frame = pd.DataFrame(
        {
            "age_band": ["0-19", "20-64", "65+"],
            "female_count": [25, 4, 30],
            "male_count": [31, 40, 0],
        }
    )
    table = release_counts(
        frame,
        ["female_count", "male_count"],
        policy=policy,
        output_id="E1/overview/by_age",
        total_row=True,
        total_column="total_count",
    )
    rates = release_rates(
        table,
        pd.DataFrame({"rate": [1.0, 2.0, 3.0, 4.0]}),
        {"rate": "female_count"},
        policy=policy,
        output_id="E1/overview/rates",
    )
    linked = pd.DataFrame(
        {
            "la_code": ["E1", "E2", "E3"] * 2,
            "region_code": ["R"] * 6,
            "period_start": ["2020-03-02"] * 3 + ["2020-03-09"] * 3,
            "cases_count": [3, 40, 50, 12, 13, 90],
        }
    )
    plan = plan_linked_counts(
        linked,
        count_column="cases_count",
        period_column="period_start",
        policy=policy,
        cumulative=True,
    )
    comparators = plan.table("E1", output_id="E1/overview/comparators")
    html = ""
    for name, safe in (("by_age", table), ("rates", rates), ("comparators", comparators)):
        _write(root, f"E1/tables/{name}.csv", render_csv(safe))
        html += render_html_table(safe, caption=name)
    _write(root, "E1/overview.html", f"<html><body>{html}</body></html>")
    _write(root, "E1/tables/areas.csv", "la_code,region_code\nE1,R\n")


def test_clean_release_default(tmp_path: Path, default_policy: Policy) -> None:
    """Tables released through the layer under the default policy give no findings."""
    _release_all(tmp_path, default_policy)
    assert scan_outputs(tmp_path, default_policy) == []


def test_clean_release_strict(tmp_path: Path, strict_policy: Policy) -> None:
    """Tables released through the layer under the strict policy give no findings."""
    _release_all(tmp_path, strict_policy)
    assert scan_outputs(tmp_path, strict_policy) == []


def test_planted_csv_breaches(tmp_path: Path, default_policy: Policy) -> None:
    """Small counts, recoverable cells and unmarked gaps planted in CSVs are all found."""
    _write(tmp_path, "E1/tables/small.csv", 'week,cases_count,rate\nw1,5,3.2\nw2,"1,200",1\n')
    _write(tmp_path, "E1/tables/column.csv", "band,cases_count\na,[c]\nb,30\nTotal,40\n")
    _write(tmp_path, "E1/tables/row.csv", "band,x_count,y_count,total_count\na,[c],30,45\n")
    _write(tmp_path, "E1/tables/gaps.csv", "week,cases_count\nw1,\nw2,nan\nw3,-2\n")
    _write(tmp_path, "E1/other.csv", "week,cases_count\nw1,1\n")  # not a released table
    findings = scan_outputs(tmp_path, default_policy)
    assert findings == [
        Finding("E1/tables/column.csv", "column", "row 1, column cases_count", R),
        Finding("E1/tables/gaps.csv", "gaps", "row 1, column cases_count", U),
        Finding("E1/tables/gaps.csv", "gaps", "row 2, column cases_count", U),
        Finding("E1/tables/gaps.csv", "gaps", "row 3, column cases_count", B),
        Finding("E1/tables/row.csv", "row", "row 1, column x_count", R),
        Finding("E1/tables/small.csv", "small", "row 1, column cases_count", B),
    ]
    assert (
        str(findings[0])
        == "E1/tables/column.csv: column: row 1, column cases_count: recoverable-from-total"
    )


def test_planted_rounding_breaches(tmp_path: Path, strict_policy: Policy) -> None:
    """Under strict, zeros, 7 and unrounded counts are found; a short row is a gap."""
    _write(tmp_path, "E1/tables/t.csv", "week,cases_count\nw1,0\nw2,7\nw3,12\nw4,15\nw5\n\n")
    assert [(f.cell, f.rule) for f in scan_outputs(tmp_path, strict_policy)] == [
        ("row 1, column cases_count", B),
        ("row 2, column cases_count", B),
        ("row 3, column cases_count", N),
        ("row 5, column cases_count", U),
    ]


def test_planted_html_breaches(tmp_path: Path, default_policy: Policy) -> None:
    """Breaches in HTML tables, with or without ldsa markup, are found."""
    plain = (
        "<table id='plain'><tr><th>band</th><th>Deaths count</th></tr>"
        "<tr><td>a</td><td>3</td></tr></table>"
    )
    marked = (
        '<table data-output-id="E1/x"><thead><tr><th data-kind="label">band</th>'
        '<th data-kind="count">n</th><th data-kind="count">m</th>'
        '<th data-kind="count" data-role="total">all</th></tr></thead><tbody>'
        '<tr><td>a</td><td data-kind="count">[c]</td><td data-kind="count">40</td>'
        '<td data-kind="count">55</td></tr>'
        '<tr data-role="total"><td>All people</td><td data-kind="count">20</td>'
        '<td data-kind="count">[c]</td><td data-kind="count">60</td></tr></tbody></table>'
    )
    unnamed = "<table><tr><td>x</td><td>count</td></tr><tr><td>a</td><td>2</td></tr></table>"
    _write(tmp_path, "E1/report.html", f"<p>intro</p>{plain}{marked}<td>stray</td>{unnamed}")
    found = [(f.table, f.cell, f.rule) for f in scan_outputs(tmp_path, default_policy)]
    assert found == [
        ("E1/x", "row 1, column n", R),
        ("E1/x", "row 2, column m", R),
        ("plain", "row 1, column Deaths count", B),
        ("table 3", "row 1, column count", B),
    ]


def test_empty_csv(tmp_path: Path, default_policy: Policy) -> None:
    """An empty CSV has no findings."""
    _write(tmp_path, "E1/tables/empty.csv", "")
    assert scan_outputs(tmp_path, default_policy) == []


def test_planted_derived_statistics(tmp_path: Path, default_policy: Policy) -> None:
    """A rate or limit shown beside its suppressed count is found, in CSV and in HTML."""
    _write(
        tmp_path,
        "E1/tables/headline.csv",
        "measure,la_count,region_count,la_rate,la_lower,region_rate\n"
        "cases,[c],90,12.5,[c],3.3\n"
        "deaths,40,[c],21.7,15.1,[c]\n",
    )
    html = (
        '<table data-output-id="E1/w"><thead><tr>'
        '<th data-kind="label" data-column="week_start">Week</th>'
        '<th data-kind="count" data-column="la_cases_count">Cases</th>'
        '<th data-kind="statistic" data-column="la_rate">Rate</th></tr></thead><tbody>'
        '<tr><td>w1</td><td data-kind="count">[c]</td><td>2.0</td></tr>'
        '<tr><td>w2</td><td data-kind="count">[c]</td><td>[c]</td></tr></tbody></table>'
    )
    _write(tmp_path, "E1/overview.html", html)
    found = [(f.table, f.cell, f.rule) for f in scan_outputs(tmp_path, default_policy)]
    d = FindingRule.DERIVED
    assert found == [
        ("E1/w", "row 1, column Rate", d),
        ("headline", "row 1, column la_rate", d),
    ]


def test_statistics_beside_counts_without_a_level(tmp_path: Path, default_policy: Policy) -> None:
    """A statistic whose first word starts no count (rate, weekly_rate, expected) derives
    from the authority's own counts; labels (a category, the weeks, a marked label column
    of numbers) and a comparator's statistic without a count of its own do not."""
    _write(
        tmp_path,
        "E1/tables/by_age.csv",
        "period_start,period_end,weeks,time_step,age_group,cases_count,weekly_rate\n"
        "2021-01-04,2021-01-10,1,week,0-9,[c],3.5\n"
        "2021-01-04,2021-01-10,1,week,10+,[c],[c]\n"
        "2021-01-11,2021-01-17,1,week,0-9,25,6.5\n",
    )
    _write(
        tmp_path,
        "E1/tables/excess.csv",
        "period_start,period_end,la_deaths_count,expected,excess,england_rate\n"
        "2021-01-04,2021-01-10,[c],12.5,-1.5,3.0\n"
        "2021-01-11,2021-01-17,40,12.5,27.5,3.0\n",
    )
    html = (
        '<table data-output-id="E1/d"><thead><tr>'
        '<th data-kind="label" data-column="cohort">Cohort</th>'
        '<th data-kind="count" data-column="cases_count">Cases</th>'
        '<th data-kind="statistic" data-column="rate">Rate</th></tr></thead><tbody>'
        '<tr><td>2020</td><td data-kind="count">[c]</td><td>2.0</td></tr></tbody></table>'
    )
    _write(tmp_path, "E1/report.html", html)
    found = [(f.table, f.cell) for f in scan_outputs(tmp_path, default_policy, relations=False)]
    assert found == [
        ("E1/d", "row 1, column Rate"),
        ("by_age", "row 1, column weekly_rate"),
        ("excess", "row 1, column excess"),
        ("excess", "row 1, column expected"),
    ]


def test_a_statistic_named_after_its_count_derives_from_that_count_only(
    tmp_path: Path, default_policy: Policy
) -> None:
    """A 7-day rate named after the 7-day count (``seven_day_rate`` beside
    ``seven_day_count``) may be shown where only the day's count is withheld, not where
    its own count is."""
    _write(
        tmp_path,
        "E1/tables/daily.csv",
        "period_start,period_end,weekday,cases_count,seven_day_count,seven_day_rate\n"
        "2021-01-04,2021-01-10,Sunday,[c],46,4.1\n"
        "2021-01-11,2021-01-17,Monday,15,[c],4.0\n",
    )
    found = [(f.table, f.cell) for f in scan_outputs(tmp_path, default_policy, relations=False)]
    assert found == [("daily", "row 2, column seven_day_rate")]


def test_counts_and_statistics_in_other_digits(tmp_path: Path, default_policy: Policy) -> None:
    """A count written in fullwidth or Arabic-Indic digits, or as a superscript, is no
    released count (unmarked); a statistic written in them is still a statistic, found
    beside its withheld count."""
    _write(
        tmp_path,
        "E1/tables/t.csv",
        "band,cases_count,rate\n"
        "a,\uff11\uff12,1.0\n"
        "b,\u0661\u0662,2.0\n"
        "c,\u00b2,3.0\n"
        "d,[c],\uff15.\uff10\n"
        "e,40,4.5\n",
    )
    found = [(f.cell, f.rule) for f in scan_outputs(tmp_path, default_policy)]
    assert sorted(found) == [
        ("row 1, column cases_count", U),
        ("row 2, column cases_count", U),
        ("row 3, column cases_count", U),
        ("row 4, column rate", FindingRule.DERIVED),
    ]
