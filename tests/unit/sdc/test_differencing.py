"""``ldsa check`` across files: each planted way to difference released CSVs is found."""

from __future__ import annotations

from pathlib import Path

from ldsa.sdc import FindingRule, Policy, check_release
from ldsa.sdc.differencing import Breach, scan_relations

HEAD = (
    "period_start,period_end,weeks,time_step,la_cases_count,region_cases_count,england_cases_count"
)
WEEKS = [("2021-01-04", "2021-01-10"), ("2021-01-11", "2021-01-17"), ("2021-01-18", "2021-01-24")]
AREAS = "la_code,region_code\n{la},{region}\n"


def _series(root: Path, la: str, rows: list[tuple[str, str, str]], name: str = "x-cases") -> None:
    """Write one authority's weekly series: (la, region, england) per week."""
    folder = root / la / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [HEAD] + [
        f"{first},{last},1,week,{a},{b},{c}"
        for (first, last), (a, b, c) in zip(WEEKS, rows, strict=True)
    ]
    (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _areas(root: Path, la: str, region: str) -> None:
    (root / la / "tables" / "x-areas.csv").write_text(AREAS.format(la=la, region=region))


def _total(root: Path, la: str, cells: tuple[str, str, str]) -> None:
    """Write the authority's period total (all three weeks) as a headline-style table."""
    text = (
        "measure_id,la_code,region_code,period_start,period_end,la_count,region_count,"
        f"england_count\ncases,{la},R1,{WEEKS[0][0]},{WEEKS[-1][1]},{','.join(cells)}\n"
    )
    (root / la / "tables" / "x-headline.csv").write_text(text, encoding="utf-8")


def _breaches(root: Path, policy: Policy) -> list[Breach]:
    return sorted({f.breach for f in scan_relations(root, policy).findings}, key=str)


def test_clean_pair_of_authorities(tmp_path: Path, default_policy: Policy) -> None:
    """Two authorities whose weeks add up to their region's, nothing withheld: clean."""
    _series(tmp_path, "A", [("20", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "B", [("30", "50", "90"), ("40", "70", "90"), ("40", "80", "90")])
    for la in "AB":
        _areas(tmp_path, la, "R1")
    report = check_release(tmp_path, default_policy)
    assert report.findings == ()
    assert report.relations >= 6


def test_region_less_the_others_pins_a_week(tmp_path: Path, default_policy: Policy) -> None:
    """A week withheld in one authority and released in the other gives it away."""
    _series(tmp_path, "A", [("[c]", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "B", [("45", "50", "90"), ("40", "70", "90"), ("40", "80", "90")])
    for la in "AB":
        _areas(tmp_path, la, "R1")
    assert _breaches(tmp_path, default_policy) == [Breach.PINNED]
    rules = {f.rule for f in check_release(tmp_path, default_policy).findings}
    assert rules == {FindingRule.PINNED}


def test_small_sum_between_totals(tmp_path: Path, default_policy: Policy) -> None:
    """Two withheld weeks whose total less the rest is 1..9 give a small sum away."""
    _series(tmp_path, "A", [("[c]", "[c]", "90"), ("[c]", "[c]", "90"), ("40", "80", "90")])
    _total(tmp_path, "A", ("46", "[c]", "270"))
    _areas(tmp_path, "A", "R1")
    assert Breach.SMALL_SUM in _breaches(tmp_path, default_policy)


def test_zero_worked_out_is_not_a_breach(tmp_path: Path, default_policy: Policy) -> None:
    """A withheld cell worked out as exactly 0 discloses nothing when zeros are released;
    authorities listed but without files (C, in R2) are unknown parts of England."""
    _series(tmp_path, "A", [("[c]", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "B", [("50", "50", "90"), ("40", "70", "90"), ("40", "80", "90")])
    (tmp_path / "authorities.csv").write_text("la_code,region_code\nA,R1\nB,R1\nC,R2\n")
    assert _breaches(tmp_path, default_policy) == []


def test_rounded_release_tolerates_rounding(tmp_path: Path, strict_policy: Policy) -> None:
    """Under rounding a sum is flagged only when every value it could take is unsafe; a
    lone withheld cell is still pinned (though not propagated)."""
    _series(tmp_path, "A", [("[c]", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "B", [("45", "50", "90"), ("40", "70", "90"), ("40", "80", "90")])
    for la in "AB":
        _areas(tmp_path, la, "R1")
    assert _breaches(tmp_path, strict_policy) == [Breach.PINNED]


def test_inconsistent_copies_and_unknown_regions(tmp_path: Path, default_policy: Policy) -> None:
    """A cell published twice with two values, and an authority with no region, are found."""
    _series(tmp_path, "A", [("20", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "A", [("21", "50", "90"), ("30", "70", "90"), ("40", "80", "90")], "x-b")
    _series(tmp_path, "B", [("30", "51", "90"), ("40", "70", "90"), ("40", "80", "90")])
    _areas(tmp_path, "A", "R1")
    _areas(tmp_path, "B", "R1")
    _series(tmp_path, "C", [("30", "5", "90"), ("40", "7", "90"), ("40", "8", "90")])
    found = _breaches(tmp_path, default_policy)
    assert Breach.INCONSISTENT in found
    assert Breach.NO_REGION in found


def test_rows_without_periods_or_measures_are_skipped(
    tmp_path: Path, default_policy: Policy
) -> None:
    """Rows without periods, counts without a measure and markers other than numbers are
    read as nothing, never as values."""
    folder = tmp_path / "A" / "tables"
    folder.mkdir(parents=True)
    (folder / "x-pop.csv").write_text("age_band,la_percent\n0-4,5.1\n")
    (folder / "x-odd.csv").write_text(
        "period_start,period_end,la_count,la_cases_count\n"
        f"{WEEKS[0][0]},{WEEKS[0][1]},12,[u]\nnot a date,{WEEKS[0][1]},1,2\n"
    )
    _areas(tmp_path, "A", "R1")
    report = scan_relations(tmp_path, default_policy)
    assert report.findings == []


def test_region_of_one_authority(tmp_path: Path, strict_policy: Policy) -> None:
    """A region of one authority: its region column equals the authority's."""
    _series(tmp_path, "A", [("20", "20", "90"), ("30", "30", "90"), ("40", "40", "90")])
    _areas(tmp_path, "A", "R1")
    assert _breaches(tmp_path, strict_policy) == []


def test_rounding_slack_counts_every_published_term(tmp_path: Path, strict_policy: Policy) -> None:
    """An authority's week known from two rounded running totals carries two terms of
    rounding error, not one: region 40 less A's 60 - 40 less C's 20 leaves B anywhere in
    0..8 (four terms of +-2), which includes the safe 8, so nothing is flagged."""
    folder = tmp_path / "A" / "tables"
    folder.mkdir(parents=True)
    totals = [(20, 60, 90), (40, 120, 180), (60, 160, 270)]
    rows = [
        f"{WEEKS[0][0]},{WEEKS[i][1]},{i + 1},week,{a},{b},{c}"
        for i, (a, b, c) in enumerate(totals)
    ]
    (folder / "x-cumulative.csv").write_text(
        "period_start,period_end,weeks,time_step,la_cumulative_cases_count,"
        "region_cumulative_cases_count,england_cumulative_cases_count\n" + "\n".join(rows)
    )
    _series(tmp_path, "C", [("20", "60", "90"), ("20", "60", "90"), ("20", "40", "90")])
    (tmp_path / "authorities.csv").write_text("la_code,region_code\nA,R1\nB,R1\nC,R1\n")
    assert _breaches(tmp_path, strict_policy) == []
    (folder / "x-cumulative.csv").unlink()
    _series(tmp_path, "A", [("20", "60", "90"), ("20", "60", "90"), ("20", "40", "90")])
    assert _breaches(tmp_path, strict_policy) == [Breach.SMALL_SUM]  # three terms: 0..6


def _everyone(root: Path, folder: str, rows: list[tuple[str, str, str]]) -> None:
    """Write a table of every authority's period total (la_code, region_code, count)."""
    text = "la_code,region_code,period_start,period_end,cases_count\n" + "".join(
        f"{la},{region},{WEEKS[0][0]},{WEEKS[-1][1]},{count}\n" for la, region, count in rows
    )
    (root / folder / "tables" / "x-funnel.csv").write_text(text, encoding="utf-8")


def test_a_table_of_every_authority_is_read_row_by_row(
    tmp_path: Path, default_policy: Policy
) -> None:
    """Each row of a table of every authority is that authority's own cell in its own
    region: consistent copies are clean; a copy that differs, or a total that a region
    less the others would pin, is found."""
    _series(tmp_path, "A", [("20", "50", "90"), ("30", "70", "90"), ("40", "80", "90")])
    _series(tmp_path, "B", [("30", "50", "90"), ("40", "70", "90"), ("40", "80", "90")])
    _total(tmp_path, "A", ("90", "200", "270"))
    rows = [("A", "R1", "90"), ("B", "R1", "110"), ("C", "R2", "[c]"), ("D", "R2", "[c]")]
    _everyone(tmp_path, "A", rows)
    assert _breaches(tmp_path, default_policy) == []
    _everyone(tmp_path, "A", rows[:3])  # England less R1 is R2, all of it C's
    assert _breaches(tmp_path, default_policy) == [Breach.PINNED]
    _everyone(tmp_path, "A", [("A", "R1", "91"), *rows[1:]])
    assert _breaches(tmp_path, default_policy) == [Breach.INCONSISTENT]
