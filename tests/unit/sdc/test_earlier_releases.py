"""Consistent protection across releases: a plan made against the ledger's earlier
releases keeps their steps and withheld cells, and the two releases pass the ledger check
together where the same plan made without them does not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa import sdc
from ldsa.sdc import Policy
from ldsa.sdc.ledger import check_against_ledger, earlier_cells, ledger_digest, record_release
from ldsa.sdc.timeline import TimeStep

START = dt.date(2021, 1, 4)
REGIONS = {"E1": "R1", "E2": "R1", "E3": "R1", "E4": "R2", "E5": "R2"}
#: E3's first 22 weeks lose 5 of 22 points weekly (23%, more than the 20% allowed), so the
#: first release shows it monthly; with four busy weeks more, 5 of 26 (19%) would do weekly.
SMALL = {3: 3, 7: 4, 11: 2, 15: 5, 19: 3}
FIRST_WEEKS, SECOND_WEEKS = 22, 26


def _counts(n_weeks: int, *, small: bool = True) -> pd.DataFrame:
    """The first ``n_weeks`` of the same weekly counts (the store extended by new weeks);
    without ``small``, E3 is as busy as the others."""
    busy = np.random.default_rng(7).integers(40, 120, size=(len(REGIONS), SECOND_WEEKS))
    rows = []
    for la, (code, region) in enumerate(REGIONS.items()):
        for week in range(n_weeks):
            if code == "E3" and small:
                value = SMALL.get(week, 15 if week < FIRST_WEEKS else 30)
            else:
                value = int(busy[la, week])
            day = (START + dt.timedelta(weeks=week)).isoformat()
            rows.append((code, region, day, value))
    return pd.DataFrame(rows, columns=["la_code", "region_code", "week_start", "cases_count"])


def _plan(
    n_weeks: int,
    policy: Policy,
    earlier: object = None,
    *,
    cumulative: bool = True,
    small: bool = True,
) -> sdc.LinkedPlan:
    return sdc.plan_linked_counts(
        _counts(n_weeks, small=small),
        count_column="cases_count",
        period_column="week_start",
        policy=policy,
        cumulative=cumulative,
        earlier=earlier,  # type: ignore[arg-type]
    )


def _release(plan: sdc.LinkedPlan, root: Path) -> Path:
    """Every authority's series, running totals and period total, as a batch writes them."""
    lines = ["la_code,region_code", *(f"{c},{r}" for c, r in REGIONS.items())]
    root.mkdir(parents=True)
    (root / "authorities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for code in REGIONS:
        tables = root / code / "tables"
        tables.mkdir(parents=True)
        cut = {
            "weekly": plan.table(code, output_id=f"{code}/t/weekly"),
            "total": plan.period_table(code, output_id=f"{code}/t/total"),
        }
        if plan.cumulative:
            cut["cumulative"] = plan.cumulative_table(code, output_id=f"{code}/t/cumulative")
        for name, table in cut.items():
            (tables / f"{code}_{name}.csv").write_text(sdc.render_csv(table), encoding="utf-8")
    return root


def _spans(plan: sdc.LinkedPlan, released: bool) -> set[tuple[object, ...]]:
    """Every cell of a plan released (or withheld), as area and days, but the period total
    (the second release's period is longer)."""
    first, last = plan.timeline.first_day, plan.timeline.last_day
    return {
        (area, first(start), last(end))
        for area, found in plan.cells.items()
        for (start, end), outcome in found.items()
        if (outcome.value is not None) is released and end < plan.timeline.n_weeks
    }


@pytest.mark.parametrize("cumulative", [True, False])
def test_second_release_planned_against_the_first_passes_the_ledger_check(
    tmp_path: Path, default_policy: Policy, cumulative: bool
) -> None:
    """Without running totals, the first release's period total is a period the second
    does not publish: it is added to the second's relations as known."""
    first = _plan(FIRST_WEEKS, default_policy, cumulative=cumulative)
    assert first.step("E3") is TimeStep.MONTH
    ledger = tmp_path / "ledger"
    record_release(ledger, _release(first, tmp_path / "first"), default_policy)

    naive = _plan(SECOND_WEEKS, default_policy, cumulative=cumulative)
    assert naive.step("E3") is TimeStep.WEEK  # on its own numbers, weekly now
    unsafe = check_against_ledger(ledger, _release(naive, tmp_path / "naive"), default_policy)
    assert unsafe.findings, "the test needs a second release that is unsafe with the first"

    earlier = earlier_cells(ledger)["cases_count"]
    second = _plan(SECOND_WEEKS, default_policy, earlier, cumulative=cumulative)
    assert second.step("E3") is TimeStep.MONTH
    assert "as in the earlier release" in second.step_note("E3")
    outcome = check_against_ledger(ledger, _release(second, tmp_path / "second"), default_policy)
    assert outcome.findings == (), outcome.findings
    assert outcome.compared
    assert outcome.relations > 0


def test_what_was_withheld_stays_withheld_and_nothing_known_is_a_complement(
    tmp_path: Path, default_policy: Policy
) -> None:
    first = _plan(FIRST_WEEKS, default_policy)
    ledger = tmp_path / "ledger"
    record_release(ledger, _release(first, tmp_path / "first"), default_policy)
    second = _plan(SECOND_WEEKS, default_policy, earlier_cells(ledger)["cases_count"])
    assert _spans(first, released=False) <= _spans(second, released=False)
    again = _spans(first, released=True) & _spans(second, released=False)
    assert not again, again


def _days(plan: sdc.LinkedPlan, interval: tuple[int, int]) -> tuple[dt.date, dt.date]:
    return plan.timeline.first_day(interval[0]), plan.timeline.last_day(interval[1]) + dt.timedelta(
        days=1
    )


def test_what_earlier_releases_give_away_alone_is_theirs(default_policy: Policy) -> None:
    """Earlier releases that pin a week between them (a month and three of its weeks shown,
    the fourth withheld) cannot be repaired now: the plan finishes, keeps the week
    withheld, and spans that are no run of whole weeks are left out."""
    alone = _plan(SECOND_WEEKS, default_policy)
    weeks = [(w, w + 1) for w in range(4)]
    shown = {_days(alone, w): w != (2, 3) for w in weeks} | {_days(alone, (0, 4)): True}
    tuesday = START + dt.timedelta(days=1)
    shown[(tuesday, tuesday + dt.timedelta(days=2))] = True  # not whole weeks: left out
    plan = _plan(SECOND_WEEKS, default_policy, {("la", "E1"): shown})
    assert plan.cells[("la", "E1")][(2, 3)].value is None
    assert plan.cells[("la", "E1")][(0, 1)].value is not None


def _parts(n_weeks: int) -> pd.DataFrame:
    """E4's counts split in two age bands, each on its own day of the week."""
    frame = _counts(n_weeks, small=False).query("la_code == 'E4'")
    rows = []
    for monday, total in zip(frame["week_start"], frame["cases_count"], strict=True):
        day = dt.date.fromisoformat(monday)
        rows += [(day, "a", total // 2), (day + dt.timedelta(days=1), "b", total - total // 2)]
    return pd.DataFrame(rows, columns=["date", "age_band", "cases_count"])


COLUMNS = {"date_column": "date", "category_column": "age_band", "count_column": "cases_count"}


def test_a_breakdown_keeps_its_earlier_grouping_step_and_withheld_parts(
    default_policy: Policy,
) -> None:
    """Shown monthly before, E4's age bands stay monthly although weekly would do now; the
    band withheld in January stays withheld, with the other band as its complement."""
    base = _plan(SECOND_WEEKS, default_policy, small=False)
    months = base.timeline.intervals(TimeStep.MONTH)[:5]
    earlier = {
        (f"age_band={band}", "E4"): {
            _days(base, m): not (band == "a" and m == months[0]) for m in months
        }
        for band in ("a", "b")
    }
    plan = _plan(SECOND_WEEKS, default_policy, earlier, small=False)
    parts = _parts(SECOND_WEEKS)
    options = [
        sdc.BreakdownOption("two age bands", parts, TimeStep.WEEK),
        sdc.BreakdownOption("two age bands", parts, TimeStep.MONTH),
    ]
    choice = sdc.choose_breakdown(plan, "E4", options, policy=default_policy, **COLUMNS)
    assert choice.option.step is TimeStep.MONTH
    assert "as in the earlier release" in choice.note
    fresh = sdc.choose_breakdown(base, "E4", options, policy=default_policy, **COLUMNS)
    assert fresh.option.step is TimeStep.WEEK
    table = sdc.release_breakdown(
        plan, "E4", parts, step=TimeStep.MONTH, policy=default_policy, output_id="E4/t/bands",
        **COLUMNS,
    )  # fmt: skip
    january = [row for row in sdc.render_csv(table).splitlines() if row.startswith("2021-01-04")]
    assert len(january) == 2
    assert all(row.endswith("[c]") for row in january), january


def test_a_breakdown_shown_otherwise_before_is_chosen_afresh(default_policy: Policy) -> None:
    """Earlier parts of other categories match no option: the usual choice stands."""
    base = _plan(SECOND_WEEKS, default_policy, small=False)
    earlier = {("age_band=z", "E4"): {_days(base, (0, 4)): True, _days(base, (4, 8)): True}}
    plan = _plan(SECOND_WEEKS, default_policy, earlier, small=False)
    parts = _parts(SECOND_WEEKS)
    options = [sdc.BreakdownOption("two age bands", parts, TimeStep.WEEK)]
    choice = sdc.choose_breakdown(plan, "E4", options, policy=default_policy, **COLUMNS)
    assert (choice.option.step, choice.note) == (TimeStep.WEEK, "")


def test_survey_areas_are_no_earlier_cells_of_a_plan(
    tmp_path: Path, default_policy: Policy
) -> None:
    release = tmp_path / "release"
    (release / "E4" / "tables").mkdir(parents=True)
    (release / "authorities.csv").write_text("la_code,region_code\nE1,R1\n", encoding="utf-8")
    (release / "E4" / "tables" / "E1_survey.csv").write_text(
        "period_start,period_end,cis_area,cis_swabs_count,la_cases_count\n"
        "2021-01-04,2021-01-10,J06000001,250,40\n",
        encoding="utf-8",
    )
    record_release(tmp_path / "ledger", release, default_policy)
    found = earlier_cells(tmp_path / "ledger")
    assert set(found) == {"cases_count"}
    assert earlier_cells(None) == {}


def test_earlier_parts_go_with_the_authority_s_cached_part(default_policy: Policy) -> None:
    base = _plan(SECOND_WEEKS, default_policy, small=False)
    earlier = {("age_band=a", "E4"): {_days(base, (0, 4)): False, _days(base, (4, 8)): True}}
    part = _plan(SECOND_WEEKS, default_policy, earlier, small=False).for_authority("E4")
    assert part.earlier_parts == {"E4": {"age_band=a": {(0, 4): False, (4, 8): True}}}
    again = sdc.LinkedPlan.from_json(part.to_json("key"), default_policy, key="key")
    assert again.earlier_parts == part.earlier_parts
    assert sdc.period_totals_part(part).earlier_parts == {}


def test_the_ledger_s_name_changes_with_each_release(
    tmp_path: Path, default_policy: Policy
) -> None:
    ledger = tmp_path / "ledger"
    assert ledger_digest(None) == ledger_digest(ledger) == ""
    record_release(ledger, _release(_plan(FIRST_WEEKS, default_policy), tmp_path / "a"),
                   default_policy)  # fmt: skip
    one = ledger_digest(ledger)
    record_release(ledger, _release(_plan(SECOND_WEEKS, default_policy), tmp_path / "b"),
                   default_policy)  # fmt: skip
    assert len(one) == 64
    assert ledger_digest(ledger) not in ("", one)
