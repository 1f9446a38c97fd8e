"""``ldsa check`` across files, for the shapes of the newer templates: each planted way to
difference breakdowns, days and their seven-day sums, running totals beside a series,
tables of every authority and coarser tables is found; clean versions pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ldsa.sdc import Policy, check_release
from ldsa.sdc.differencing import Breach, RelationFinding, scan_relations
from ldsa.testing import (
    write_authorities,
    write_breakdown,
    write_days,
    write_every_authority,
    write_running_totals,
    write_series,
    write_table,
)

A, B, C, D = "E06000001", "E06000002", "E06000003", "E06000004"
R1, R2 = "E12000001", "E12000002"
MONDAY = dt.date(2021, 1, 4)
PINNED, SMALL_SUM = Breach.PINNED, Breach.SMALL_SUM


def week(i: int, weeks: int = 1) -> tuple[dt.date, dt.date]:
    """The i-th week (0-based), or ``weeks`` weeks from it."""
    first = MONDAY + dt.timedelta(weeks=i)
    return first, first + dt.timedelta(days=7 * weeks - 1)


def found(root: Path, policy: Policy) -> set[tuple[Breach, str, str]]:
    """(breach, area, period) of every finding across files."""
    return {(f.breach, f.area, f.period) for f in scan_relations(root, policy).findings}


def period(span: tuple[dt.date, dt.date]) -> str:
    return f"{span[0].isoformat()} to {span[1].isoformat()}"


def series(root: Path, la: tuple[str, ...], name: str = "x-cases_over_time") -> None:
    """A's weekly cases (its region's and England's large)."""
    rows = [(week(i), text, "900", "9000") for i, text in enumerate(la)]
    write_series(root, A, name, "cases", rows)
    write_authorities(root, {A: R1, B: R1, C: R2})


# --------------------------------------------------------------------------------------------
# Breakdowns: the parts of a period sum to the authority's count over it
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["default", "strict"])
def test_a_part_is_pinned_by_its_total(
    tmp_path: Path, name: str, default_policy: Policy, strict_policy: Policy
) -> None:
    """One withheld part beside a released total is pinned (under rounding too); two whose
    sum is safe are not."""
    policy = {"default": default_policy, "strict": strict_policy}[name]
    series(tmp_path, ("40", "50", "60"))
    parts = [("0-59", "20"), ("60-79", "15"), ("80+", "[c]")]
    write_breakdown(tmp_path, A, "x-by_age", "cases", "age_group", [(week(0), *p) for p in parts])
    assert found(tmp_path, policy) == {(PINNED, f"{A} age_group=80+", period(week(0)))}
    parts[1] = ("60-79", "[c]")
    write_breakdown(tmp_path, A, "x-by_age", "cases", "age_group", [(week(0), *p) for p in parts])
    assert found(tmp_path, policy) == set()


def test_a_withheld_total_is_pinned_by_its_parts(tmp_path: Path, default_policy: Policy) -> None:
    """Every part of a period released beside its withheld total gives the total away, and
    a total that is small gives a small sum of withheld parts."""
    series(tmp_path, ("40", "[c]", "[c]", "60"))
    rows = [(week(1), "Hospital", "20"), (week(1), "Elsewhere", "25")]
    rows += [(week(3), "Hospital", "55"), (week(3), "Elsewhere", "[c]"), (week(3), "Home", "[c]")]
    write_breakdown(tmp_path, A, "x-by_place", "cases", "place", rows)
    assert found(tmp_path, default_policy) == {
        (PINNED, A, period(week(1))),
        (SMALL_SUM, A, period(week(3))),
    }


@pytest.mark.parametrize(("total", "flagged"), [("40", False), ("45", True)])
def test_rounding_slack_of_a_small_sum_of_parts(
    tmp_path: Path, strict_policy: Policy, total: str, flagged: bool
) -> None:
    """Under strict (to 5, 0..7 unsafe) a total of 40 less a released 35 leaves the two
    withheld parts anywhere in 1..9 (two terms of +-2): not all unsafe. With 45 less 45 they
    are in 0..4: all unsafe."""
    series(tmp_path, (total, "50"))
    rows = [(week(0), "a", "35" if total == "40" else "45"), (week(0), "b", "[c]")]
    write_breakdown(tmp_path, A, "x-by_age", "cases", "age_group", [*rows, (week(0), "c", "[c]")])
    expected = {(SMALL_SUM, A, period(week(0)))} if flagged else set()
    assert found(tmp_path, strict_policy) == expected


def test_a_breakdown_at_two_steps(tmp_path: Path, default_policy: Policy) -> None:
    """A category's month is the sum of its weeks: released beside weekly parts it pins the
    one withheld week of that category (parts are areas with tilings of their own)."""
    series(tmp_path, ("40", "50"))
    weekly = [(week(i), c, v) for i, c, v in [(0, "a", "[c]"), (0, "b", "[c]"), (1, "a", "30")]]
    write_breakdown(tmp_path, A, "x-weekly", "cases", "age_group", [*weekly, (week(1), "b", "20")])
    two = [(week(0, 2), "a", "45"), (week(0, 2), "b", "45")]
    write_breakdown(tmp_path, A, "x-fortnightly", "cases", "age_group", two)
    assert found(tmp_path, default_policy) == {
        (PINNED, f"{A} age_group=a", period(week(0))),
        (PINNED, f"{A} age_group=b", period(week(0))),
    }


# --------------------------------------------------------------------------------------------
# Days of a week, and seven-day sums
# --------------------------------------------------------------------------------------------

LEAD = MONDAY - dt.timedelta(days=7)  # daily tables lead in a week: only its Sunday shows
DAYS = ["20", "12", "8", "30", "25", "15", "10"]  # the first week: 120; then 20 a day


def days(withheld: tuple[int, ...]) -> list[str]:
    """Days from LEAD: a week of lead-in, then two weeks from MONDAY, those at the positions
    given (counted from MONDAY) withheld."""
    texts = ["20"] * 7 + DAYS + ["20"] * 7
    return ["[c]" if i - 7 in withheld else t for i, t in enumerate(texts)]


def sums(shown: tuple[int, ...] | None = None, sunday: str | None = None) -> list[str]:
    """True seven-day sums to each day from the seventh; withheld where a window holds some
    but not all of the days ``shown`` counts (from MONDAY; None: none withheld), as a release
    can show them (a window holding every withheld day is the week less released days)."""
    true = [int(t) for t in ["20"] * 7 + DAYS + ["20"] * 7]
    out = []
    for end in range(6, len(true)):
        inside = [d for d in shown or () if end - 6 <= d + 7 <= end]
        out.append(
            "[c]"
            if inside and len(inside) < len(shown or ())
            else str(sum(true[end - 6 : end + 1]))
        )
    if sunday is not None:
        out[7] = sunday  # the first week's Sunday
    return out


def day(i: int) -> tuple[dt.date, dt.date]:
    """The i-th day from MONDAY."""
    first = MONDAY + dt.timedelta(days=i)
    return first, first


def test_a_day_is_pinned_by_its_week(tmp_path: Path, default_policy: Policy) -> None:
    """Six days released beside their week's total pin the seventh; two withheld days whose
    sum is safe, with the sums a release can show, are clean."""
    series(tmp_path, ("120", "140"))
    write_days(tmp_path, A, "x-daily", "cases", LEAD, days((2,)), sums((2,)))
    assert found(tmp_path, default_policy) == {(PINNED, A, period(day(2)))}
    write_days(tmp_path, A, "x-daily", "cases", LEAD, days((1, 2)), sums((1, 2)))
    assert found(tmp_path, default_policy) == set()


def test_a_rolling_sum_beside_six_released_days(tmp_path: Path, default_policy: Policy) -> None:
    """A seven-day sum released beside six released days and one withheld pins it; the
    library's rule (a sum withheld wherever a day is) leaves nothing to find without a week's
    total."""
    write_authorities(tmp_path, {A: R1})
    write_days(tmp_path, A, "x-daily", "cases", LEAD, days((8,)), sums())
    assert (PINNED, A, period(day(8))) in found(tmp_path, default_policy)
    write_days(tmp_path, A, "x-daily", "cases", LEAD, days((8, 9)))
    assert found(tmp_path, default_policy) == set()


def test_a_withheld_sum_that_a_week_gives_away(tmp_path: Path, default_policy: Policy) -> None:
    """Sunday's seven-day sum is the week: withheld beside a released week total, it is
    pinned; so is a window that is the week less its released Monday plus the next, or
    less its released Sunday plus the one before."""
    series(tmp_path, ("120", "140"))
    write_days(tmp_path, A, "x-daily", "cases", LEAD, days((1, 2)))
    assert found(tmp_path, default_policy) == {
        (PINNED, A, period(week(0))),  # the copy on Sunday
        (PINNED, A, period((day(1)[0], day(7)[1]))),  # Tuesday to Monday
        (PINNED, A, period((day(-1)[0], day(5)[1]))),  # Sunday (released) to Saturday
    }


@pytest.mark.parametrize(("sunday", "breach"), [("130", None), ("100", Breach.INCONSISTENT)])
def test_a_sum_of_rounded_days_beside_the_rounded_week(
    tmp_path: Path, strict_policy: Policy, sunday: str, breach: Breach | None
) -> None:
    """Under rounding, Sunday's sum of seven rounded days may differ from the week rounded
    once by up to half a base per term (eight terms: 16): 130 beside 120 is consistent,
    100 is not. Read first, the sum gives way to the week (fewer terms)."""
    series(tmp_path, ("120", "140"), "z-cases_over_time")
    counts = ["20"] * 7 + ["20", "10", "10", "30", "25", "15", "10"] + ["20"] * 7
    write_days(tmp_path, A, "x-daily", "cases", LEAD, counts, sums(sunday=sunday))
    expected = set() if breach is None else {(breach, A, period(week(0)))}
    assert found(tmp_path, strict_policy) == expected


# --------------------------------------------------------------------------------------------
# Running totals beside a series
# --------------------------------------------------------------------------------------------


def test_running_totals_beside_a_series(tmp_path: Path, default_policy: Policy) -> None:
    """Running totals released beside a series with two withheld weeks: withheld from the
    first on, clean; one released between them pins both weeks."""
    series(tmp_path, ("40", "[c]", "[c]", "70"))
    totals = ["40", "[c]", "[c]", "[c]"]
    write_running_totals(
        tmp_path, A, "x-cumulative", "cases", zip(map(week, range(4)), totals, strict=True)
    )
    assert found(tmp_path, default_policy) == set()
    totals[1] = "52"
    write_running_totals(
        tmp_path, A, "x-cumulative", "cases", zip(map(week, range(4)), totals, strict=True)
    )
    assert found(tmp_path, default_policy) == {(PINNED, A, period(week(1)))}


def test_a_withheld_running_total_that_the_period_gives_away(
    tmp_path: Path, default_policy: Policy
) -> None:
    """With the period's total released, every running total after the last withheld week
    is that total less the weeks after it: withheld, it is pinned."""
    series(tmp_path, ("40", "[c]", "[c]", "70"))
    write_series(tmp_path, A, "x-headline", "cases", [(week(0, 4), "190", "3600", "36000")])
    totals = ["40", "[c]", "[c]", "[c]"]
    write_running_totals(
        tmp_path, A, "x-cumulative", "cases", zip(map(week, range(4)), totals, strict=True)
    )
    assert found(tmp_path, default_policy) == {
        (PINNED, A, period(week(0, 3))),
        (PINNED, A, period(week(0, 4))),
    }


# --------------------------------------------------------------------------------------------
# Tables of every authority, and coarser tables
# --------------------------------------------------------------------------------------------


def test_every_authority_pins_a_region_less_its_others(
    tmp_path: Path, default_policy: Policy
) -> None:
    """A region's period total less its other authorities' (all in a table of every
    authority) pins the one withheld; two withheld with a safe sum are clean."""
    whole = week(0, 4)
    write_series(tmp_path, A, "x-headline", "cases", [(whole, "190", "400", "4000")])
    rows = [(A, R1, whole, "190"), (B, R1, whole, "200"), (C, R1, whole, "[c]")]
    write_every_authority(tmp_path, A, "x-funnel", "cases", rows)
    write_authorities(tmp_path, {A: R1, B: R1, C: R1, D: R2})
    assert found(tmp_path, default_policy) == {(PINNED, C, period(whole))}
    rows[1] = (B, R1, whole, "[c]")
    write_every_authority(tmp_path, A, "x-funnel", "cases", rows)
    assert found(tmp_path, default_policy) == set()


def test_a_coarser_table_beside_its_weeks(
    tmp_path: Path, default_policy: Policy, strict_policy: Policy
) -> None:
    """Coarser cells (two measures beside each other, as sdc.beside writes them) are sums
    of weeks: a fortnight holding one withheld week pins it; a four-week total holding two
    withheld weeks tells only their sum."""
    series(tmp_path, ("40", "[c]", "[c]", "50"), "x-tests_over_time")
    header = ["period_start", "period_end", "weeks", "time_step", "la_positive_tests_count"]
    header += ["la_cases_count"]
    fortnights = [[*map(str, week(0, 2)), "2", "period", "30", "45"]]
    write_table(tmp_path, A, "x-testing", header, fortnights)
    assert found(tmp_path, default_policy) == {(PINNED, A, period(week(1)))}
    assert found(tmp_path, strict_policy) == {(PINNED, A, period(week(1)))}
    four = [[*map(str, week(0, 4)), "4", "period", "30", "110"]]
    write_table(tmp_path, A, "x-testing", header, four)
    assert found(tmp_path, default_policy) == set()


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def test_copies_of_a_cell(tmp_path: Path, default_policy: Policy, strict_policy: Policy) -> None:
    """A cell withheld in one file and released in another is pinned (not a true zero,
    unless zeros are disclosive); released copies that differ are inconsistent."""
    series(tmp_path, ("40", "[c]"))
    series(tmp_path, ("40", "15"), "x-copy")
    assert found(tmp_path, default_policy) == {(PINNED, A, period(week(1)))}
    series(tmp_path, ("40", "0"), "x-copy")
    assert found(tmp_path, default_policy) == set()
    assert found(tmp_path, strict_policy) == {(PINNED, A, period(week(1)))}
    series(tmp_path, ("40", "[c]"), "x-copy")
    series(tmp_path, ("45", "[c]"), "x-over_time")
    assert found(tmp_path, default_policy) == {(Breach.INCONSISTENT, A, period(week(0)))}


def test_what_is_not_read(tmp_path: Path, default_policy: Policy) -> None:
    """A weekday that is no day of its period and a seven-day sum beside two counts (whose
    measure is unknown) are not read as cells; an authority whose region is unknown is
    reported."""
    header = ["period_start", "period_end", "time_step", "weekday", "cases_count"]
    odd = [[*map(str, week(0)), "week", "Someday", "50", "50"]]
    write_table(tmp_path, A, "x-daily", [*header, "seven_day_count"], odd)
    two = ["period_start", "period_end", "a_count", "b_count", "seven_day_count"]
    write_table(tmp_path, A, "x-two", two, [[*map(str, week(0)), "30", "40", "30"]])
    write_every_authority(tmp_path, A, "x-neighbours", "cases", [(B, "", week(0), "12")])
    write_authorities(tmp_path, {A: R1})
    file = f"{A}/tables/x-neighbours.csv"
    assert scan_relations(tmp_path, default_policy).findings == [
        RelationFinding(file, "cases_count", B, "", Breach.NO_REGION, 0)
    ]
    assert [str(f) for f in check_release(tmp_path, default_policy).findings] == [
        f"{file}: cases_count of {B}: all periods: region-unknown"
    ]
