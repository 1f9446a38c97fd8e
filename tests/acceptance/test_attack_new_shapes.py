"""The independent attack on the shapes of the newer templates: breakdowns, days and their
seven-day sums, running totals beside a series, tables of every authority, coarser tables.

Each planted release (written cell by cell with :mod:`ldsa.testing`) gives away exactly the
cells listed; the attack must find those and no others, its exact linear audit must find
the same withheld cells determined, and ``ldsa check`` must find the same pinned cells. The
clean twin of each gives nothing away.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from ldsa import sdc
from ldsa.sdc import Policy, load_policy
from ldsa.sdc.differencing import Breach, scan_relations
from ldsa.testing import (
    write_authorities,
    write_breakdown,
    write_days,
    write_every_authority,
    write_linked_release,
    write_running_totals,
    write_series,
    write_table,
)

from .test_differencing_attack import attack, describe

A, B, C, D = "E06000001", "E06000002", "E06000003", "E06000004"
R1, R2 = "E12000001", "E12000002"
MONDAY = dt.date(2021, 1, 4)
LEAD = MONDAY - dt.timedelta(days=7)
Cell = tuple[str, dt.date, dt.date]  # area (a part: "<la> | <category>=<value>"), days


def week(i: int, weeks: int = 1) -> tuple[dt.date, dt.date]:
    """The i-th week from MONDAY, or ``weeks`` weeks from it."""
    first = MONDAY + dt.timedelta(weeks=i)
    return first, first + dt.timedelta(days=7 * weeks - 1)


def day(i: int, days: int = 1) -> tuple[dt.date, dt.date]:
    """The i-th day from MONDAY, or ``days`` days from it."""
    first = MONDAY + dt.timedelta(days=i)
    return first, first + dt.timedelta(days=days - 1)


def series(root: Path, la: tuple[str, ...], name: str = "x-cases_over_time") -> None:
    """A's weekly cases beside large region and England counts; A and B in R1, C in R2."""
    write_series(root, A, name, "cases", [(week(i), t, "900", "9000") for i, t in enumerate(la)])
    write_authorities(root, {A: R1, B: R1, C: R2})


def parts(root: Path, rows: list[tuple[int, str, str]], name: str = "x-by_age") -> None:
    """A's cases by age group: (week, group, count)."""
    write_breakdown(root, A, name, "cases", "age_group", [(week(w), g, n) for w, g, n in rows])


WEEK = ["20", "12", "10", "30", "25", "13", "10"]  # 120; the week after, 20 a day


def days(withheld: tuple[int, ...]) -> list[str]:
    """A lead-in week (only its Sunday is published), then two weeks from MONDAY."""
    texts = ["20"] * 7 + WEEK + ["20"] * 7
    return ["[c]" if i - 7 in withheld else t for i, t in enumerate(texts)]


def all_sums() -> list[str]:
    """Every seven-day sum, released."""
    true = [int(t) for t in ["20"] * 7 + WEEK + ["20"] * 7]
    return [str(sum(true[end - 6 : end + 1])) for end in range(6, len(true))]


def headline(root: Path, total: str) -> None:
    """A's total over the four weeks."""
    write_series(root, A, "x-headline", "cases", [(week(0, 4), total, "3600", "36000")])


def totals(root: Path, texts: list[str]) -> None:
    """A's running totals of four weeks, released beside its series."""
    rows = zip(map(week, range(4)), texts, strict=True)
    write_running_totals(root, A, "x-cumulative", "cases", rows)


def funnel(root: Path, b: str, c: str) -> None:
    """R1's total over four weeks, and every authority's (B and C as given)."""
    whole = week(0, 4)
    write_series(root, A, "x-headline", "cases", [(whole, "190", "400", "4000")])
    rows = [(A, R1, whole, "190"), (B, R1, whole, b), (C, R1, whole, c)]
    write_every_authority(root, A, "x-funnel", "cases", rows)
    write_authorities(root, {A: R1, B: R1, C: R1, D: R2})


def coarser(root: Path, span: tuple[dt.date, dt.date], count: str) -> None:
    """A's tests and cases side by side over one coarser period."""
    header = [
        "period_start",
        "period_end",
        "weeks",
        "time_step",
        "la_tests_count",
        "la_cases_count",
    ]
    row = [span[0].isoformat(), span[1].isoformat(), "0", "period", "300", count]
    write_table(root, A, "x-testing", header, [row])


@dataclasses.dataclass(frozen=True)
class Case:
    """A planted release, the withheld cells it gives away, and its policy."""

    write: Callable[[Path], object]
    pinned: frozenset[Cell] = frozenset()
    policy: str = "default"


def _cells(*cells: tuple[str, tuple[dt.date, dt.date]]) -> frozenset[Cell]:
    return frozenset((area, span[0], span[1]) for area, span in cells)


AGE = f"{A} | age_group="
CASES = {
    "part pinned by its total": Case(
        lambda r: (
            series(r, ("40", "50")),
            parts(r, [(0, "0-59", "20"), (0, "60-79", "15"), (0, "80+", "[c]")]),
        ),
        _cells((AGE + "80+", week(0))),
    ),
    "part pinned by its total, strict": Case(
        lambda r: (
            series(r, ("40", "50")),
            parts(r, [(0, "0-59", "20"), (0, "60-79", "15"), (0, "80+", "[c]")]),
        ),
        _cells((AGE + "80+", week(0))),
        "strict",
    ),
    "two parts withheld (clean)": Case(
        lambda r: (
            series(r, ("40", "50")),
            parts(r, [(0, "0-59", "20"), (0, "60-79", "[c]"), (0, "80+", "[c]")]),
        ),
    ),
    "two breakdowns of one total": Case(
        lambda r: (
            series(r, ("40", "50")),
            parts(r, [(0, "a", "20"), (0, "b", "[c]"), (0, "c", "[c]")]),
            write_breakdown(
                r, A, "x-by_place", "cases", "place", [(week(0), "X", "25"), (week(0), "Y", "[c]")]
            ),
        ),
        _cells((f"{A} | place=Y", week(0))),
    ),
    "total pinned by its parts": Case(
        lambda r: (
            series(r, ("40", "[c]", "[c]", "60")),
            parts(r, [(1, "0-59", "20"), (1, "60+", "25")]),
        ),
        _cells((A, week(1))),
    ),
    "a category's weeks beside its fortnight": Case(
        lambda r: (
            series(r, ("40", "50")),
            parts(r, [(0, "a", "[c]"), (0, "b", "[c]"), (1, "a", "30"), (1, "b", "20")]),
            write_breakdown(
                r,
                A,
                "x-by_age_2",
                "cases",
                "age_group",
                [(week(0, 2), "a", "45"), (week(0, 2), "b", "45")],
            ),
        ),
        _cells((AGE + "a", week(0)), (AGE + "b", week(0))),
    ),
    "day pinned by its week": Case(
        lambda r: (
            series(r, ("120", "140")),
            write_days(r, A, "x-daily", "cases", LEAD, days((2,)), all_sums()),
        ),
        _cells((A, day(2))),
    ),
    "day pinned by a rolling sum": Case(
        lambda r: (
            write_authorities(r, {A: R1}),
            write_days(r, A, "x-daily", "cases", LEAD, days((8,)), all_sums()),
        ),
        _cells((A, day(8))),
    ),
    "rolling sums withheld with their days (clean)": Case(
        lambda r: (
            write_authorities(r, {A: R1}),
            write_days(r, A, "x-daily", "cases", LEAD, days((8, 9))),
        ),
    ),
    "withheld sums the week gives away": Case(
        lambda r: (
            series(r, ("120", "140")),
            write_days(r, A, "x-daily", "cases", LEAD, days((1, 2))),
        ),
        _cells((A, week(0)), (A, day(1, 7)), (A, day(-1, 7))),
    ),
    "running total pins a week": Case(
        lambda r: (series(r, ("40", "[c]", "[c]", "70")), totals(r, ["40", "52", "[c]", "[c]"])),
        _cells((A, week(1))),
    ),
    "running totals withheld from a withheld week (clean)": Case(
        lambda r: (series(r, ("40", "[c]", "[c]", "70")), totals(r, ["40", "[c]", "[c]", "[c]"])),
    ),
    "running totals the period total gives away": Case(
        lambda r: (
            series(r, ("40", "[c]", "[c]", "70")),
            headline(r, "190"),
            totals(r, ["40", "[c]", "[c]", "[c]"]),
        ),
        _cells((A, week(0, 3)), (A, week(0, 4))),
    ),
    "region less its other authorities": Case(
        lambda r: funnel(r, "200", "[c]"), _cells((C, week(0, 4)))
    ),
    "two authorities withheld in a region (clean)": Case(lambda r: funnel(r, "[c]", "[c]")),
    "coarser period holding one withheld week": Case(
        lambda r: (series(r, ("40", "[c]", "[c]", "50")), coarser(r, week(0, 2), "45")),
        _cells((A, week(1))),
    ),
    "coarser period holding two withheld weeks (clean)": Case(
        lambda r: (series(r, ("40", "[c]", "[c]", "50")), coarser(r, week(0, 4), "110")),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_planted_release(tmp_path: Path, name: str) -> None:
    """The attack pins exactly the planted cells, its linear audit determines the same, and
    ``ldsa check`` pins the same cells."""
    case = CASES[name]
    case.write(tmp_path)
    policy = load_policy(case.policy)
    report = attack.scan(
        tmp_path, policy.threshold, zeros_disclosive=policy.zeros_are_disclosive,
        round_base=policy.round_base, linear_audit=True,
    )  # fmt: skip

    def cells(kind: str) -> set[Cell]:
        return {
            (f.areas[0], dt.date.fromisoformat(f.period_start), dt.date.fromisoformat(f.period_end))
            for f in report.findings
            if f.kind == kind
        }

    assert cells("pinned") == case.pinned, describe(report)
    # The audit reads a cell published anywhere as published: a withheld copy is not in it.
    copied = {
        (f.areas[0], dt.date.fromisoformat(f.period_start), dt.date.fromisoformat(f.period_end))
        for f in report.findings
        if "published in another" in f.relation
    }
    assert cells("linear_determined") == case.pinned - copied, describe(report)
    assert {f.kind for f in report.findings} <= {"pinned", "linear_determined"}, describe(report)
    checked = {
        (f.area.replace(" ", " | ", 1), *(dt.date.fromisoformat(d) for d in f.period.split(" to ")))
        for f in scan_relations(tmp_path, policy).findings
    }
    assert checked == case.pinned
    assert all(f.breach is Breach.PINNED for f in scan_relations(tmp_path, policy).findings)


@pytest.mark.parametrize(
    ("name", "released", "flagged"),
    [("default", "35", True), ("strict", "35", False), ("strict", "45", True)],
)
def test_a_small_sum_of_withheld_parts(
    tmp_path: Path, name: str, released: str, flagged: bool
) -> None:
    """Two withheld parts of a known total sum to its rest: 40 less 35 is 5, unsafe; under
    strict (to 5, 0..7 unsafe) it is anywhere in 1..9 (two terms of +-2), not all unsafe,
    and 45 less 45 is in 0..4, all unsafe. Both scanners agree."""
    policy = load_policy(name)
    series(tmp_path, ("40" if released == "35" else "45", "50"))
    parts(tmp_path, [(0, "a", released), (0, "b", "[c]"), (0, "c", "[c]")])
    report = attack.scan(
        tmp_path, policy.threshold, zeros_disclosive=policy.zeros_are_disclosive,
        round_base=policy.round_base,
    )  # fmt: skip
    sums = {(f.kind, f.period_start, f.period_end) for f in report.findings}
    first, last = (d.isoformat() for d in week(0))
    assert sums == ({("unsafe_sum", first, last)} if flagged else set()), describe(report)
    checked = {(f.breach, f.area, f.period) for f in scan_relations(tmp_path, policy).findings}
    expected = {(Breach.SMALL_SUM, A, f"{first} to {last}")} if flagged else set()
    assert checked == expected


def test_rows_the_attack_cannot_place(tmp_path: Path) -> None:
    """A weekday that is no day of its period, and a seven-day sum beside two counts, are
    noted and not read; a table of several authorities names them without a note."""
    header = ["period_start", "period_end", "time_step", "weekday", "cases_count"]
    odd = [[*map(str, week(0)), "week", "Someday", "50", "50"]]
    write_table(tmp_path, A, "x-daily", [*header, "seven_day_count"], odd)
    two = ["period_start", "period_end", "a_count", "b_count", "seven_day_count"]
    write_table(tmp_path, A, "x-two", two, [[*map(str, week(0)), "30", "40", "70"]])
    write_every_authority(tmp_path, A, "x-neighbours", "cases", [(B, R1, week(0), "12")])
    write_authorities(tmp_path, {A: R1, B: R1})
    report = attack.scan(tmp_path, 10)
    assert report.findings == [], describe(report)
    assert report.notes == [
        f"{A}/tables/x-daily.csv:2: weekday not a day of the period, skipped",
        f"{A}/tables/x-two.csv:2: seven_day_count: the measure summed is unknown, skipped",
    ]


# --------------------------------------------------------------------------------------------
# The library's own release of sums (found in an end-to-end run of the three templates)
# --------------------------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PLAN_WEEKS = [MONDAY + dt.timedelta(weeks=i) for i in range(6)]


def _plan(policy: Policy, measure: str, a_weeks: list[int]) -> sdc.LinkedPlan:
    """A's weekly counts as given; B and C (in R1) large, D alone in R2."""
    rows = [(A, R1, w.isoformat(), n) for w, n in zip(PLAN_WEEKS, a_weeks, strict=True)]
    for k, la in enumerate((B, C)):
        rows += [(la, R1, w.isoformat(), 60 + 7 * k + 3 * i) for i, w in enumerate(PLAN_WEEKS)]
    rows += [(D, R2, w.isoformat(), 90 + i) for i, w in enumerate(PLAN_WEEKS)]
    frame = pd.DataFrame(rows, columns=["la_code", "region_code", "week", f"{measure}_count"])
    return sdc.plan_linked_counts(
        frame, count_column=f"{measure}_count", period_column="week", policy=policy
    )


def _scanned(root: Path, policy: Policy) -> tuple[set[str], set[str]]:
    """What ``ldsa check`` and the attack find: each finding's period and kind."""
    checked = {f"{f.cell} ({f.rule.value})" for f in sdc.check_release(root, policy).findings}
    report = attack.scan(
        root, policy.threshold, zeros_disclosive=policy.zeros_are_disclosive,
        round_base=policy.round_base,
    )  # fmt: skip
    return checked, {f"{f.period_start} to {f.period_end} ({f.kind})" for f in report.findings}


@pytest.mark.parametrize("name", ["default", "strict"])
def test_the_library_daily_sums_give_nothing_away(tmp_path: Path, name: str) -> None:
    """A daily breakdown (one small day, so two withheld) and its seven-day sums, released
    by the library beside the plan's weekly table (sums the weeks determine released, as
    the cases report does), pin no withheld cell."""
    policy = load_policy(name)
    days = [20 + (3 * d) % 11 for d in range(7 * len(PLAN_WEEKS))]
    days[9] = 2  # a Wednesday
    plan = _plan(policy, "cases", [sum(days[7 * w : 7 * w + 7]) for w in range(len(PLAN_WEEKS))])
    write_linked_release({"cases": plan}, tmp_path)
    dates = [MONDAY + dt.timedelta(days=d) for d in range(len(days))]
    parts = pd.DataFrame(
        {"date": dates, "weekday": [WEEKDAYS[d.weekday()] for d in dates], "cases_count": days}
    )
    daily = sdc.release_breakdown(
        plan, A, parts, step=sdc.TimeStep.WEEK, date_column="date", category_column="weekday",
        count_column="cases_count", policy=policy, output_id="x/daily", categories=WEEKDAYS,
    )  # fmt: skip
    weeks = plan.table(A, output_id="x/weeks")
    sums = sdc.release_sums(
        daily, "cases_count", window=7, name="seven_day_count", policy=policy, output_id="x/s",
        totals=sdc.GroupTotals(weeks, "la_cases_count", key="period_start"),
    )  # fmt: skip
    (tmp_path / A / "tables" / "x-daily.csv").write_text(sums.to_csv_text(), encoding="utf-8")
    assert "[c]" in sums.to_csv_text()
    assert _scanned(tmp_path, policy) == (set(), set())


@pytest.mark.parametrize("name", ["default", "strict"])
def test_the_library_running_totals_give_nothing_away(tmp_path: Path, name: str) -> None:
    """Running totals released by the library beside the plan's weekly table (one week
    withheld) and its period total (those the period total determines released, as the
    mortality report does) pin no withheld cell."""
    policy = load_policy(name)
    plan = _plan(policy, "deaths", [40, 3, 45, 50, 55, 60])
    write_linked_release({"deaths": plan}, tmp_path)
    series = plan.table(A, output_id="x/deaths")
    whole = plan.period_table(A, output_id="x/whole")
    sums = sdc.release_sums(
        series, "la_deaths_count", window=None, name="cumulative_deaths_count",
        policy=policy, output_id="x/running",
        totals=sdc.GroupTotals(whole, "la_deaths_count"),
    )  # fmt: skip
    (tmp_path / A / "tables" / "x-running.csv").write_text(sums.to_csv_text(), encoding="utf-8")
    assert "[c]" in sums.to_csv_text()
    assert _scanned(tmp_path, policy) == (set(), set())


def nested(root: Path, quintiles: tuple[str, str, str]) -> None:
    """A's 81 cases of week 0 by neighbourhood, each named with its quintile (a and c in
    Q1, b in Q2, d in Q3; a and b withheld), beside A's cases by quintile."""
    series(root, ("81", "50"))
    header = ["period_start", "period_end", "time_step", "imd_quintile", "neighbourhood",
              "cases_count"]  # fmt: skip
    first, last = (d.isoformat() for d in week(0))
    areas = [("Q1", "a", "[c]"), ("Q2", "b", "[c]"), ("Q1", "c", "40"), ("Q3", "d", "20")]
    rows = [[first, last, "week", q, n, v] for q, n, v in areas]
    write_table(root, A, "x-neighbourhoods", header, rows)
    by_quintile = zip(("Q1", "Q2", "Q3"), quintiles, strict=True)
    rows_q = [(week(0), q, v) for q, v in by_quintile]
    write_breakdown(root, A, "x-quintiles", "cases", "imd_quintile", rows_q)


def _same_part(area: str) -> str:
    """ldsa check's name of a part ("<la> a/b=1/2") in the attack's ("<la> | a=1/b=2")."""
    la, _, part = area.partition(" ")
    if not part:
        return la
    names, _, values = part.partition("=")
    joined = "/".join(f"{n}={v}" for n, v in zip(names.split("/"), values.split("/"), strict=True))
    return f"{la} | {joined}"


@pytest.mark.parametrize(
    ("quintiles", "pinned"),
    [
        (("49", "[c]", "[c]"), {"imd_quintile=Q1/neighbourhood=a",
                                "imd_quintile=Q2/neighbourhood=b", "imd_quintile=Q2",
                                "imd_quintile=Q3"}),
        (("[c]", "[c]", "20"), set()),
    ],
)  # fmt: skip
def test_neighbourhoods_nested_in_quintiles(
    tmp_path: Path, quintiles: tuple[str, str, str], pinned: set[str]
) -> None:
    """Neighbourhoods named with their quintile nest in the quintiles: Q1 released as 49
    gives a away (49 less c's 40), and with it b, Q2 and Q3; Q1 and Q2 withheld together
    (as sdc.release_nested_breakdown may) give nothing away. Both scanners agree."""
    nested(tmp_path, quintiles)
    policy = load_policy("default")
    report = attack.scan(tmp_path, policy.threshold, zeros_disclosive=False, round_base=0,
                         linear_audit=True)  # fmt: skip
    found = {f.areas[0] for f in report.findings if f.kind == "pinned"}
    assert found == {f"{A} | {p}" for p in pinned}, describe(report)
    audit = {f.areas[0] for f in report.findings if f.kind == "linear_determined"}
    assert audit == found, describe(report)
    checked = {_same_part(f.area) for f in scan_relations(tmp_path, policy).findings}
    assert checked == found
