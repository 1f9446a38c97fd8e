"""The batch-wide linked plan: adaptive time steps, zeros, running totals and its doors."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa.errors import DisclosureError, InvalidParameterError
from ldsa.sdc import LinkedPlan, Policy, Rule, TimeStep, check_release, plan_linked_counts
from ldsa.testing import write_linked_release

N_WEEKS = 52
WEEKS = [(dt.date(2021, 1, 4) + dt.timedelta(weeks=i)).isoformat() for i in range(N_WEEKS)]


def _frame(series: dict[str, tuple[str, list[int]]]) -> pd.DataFrame:
    rows = [
        (la, region, week, count)
        for la, (region, counts) in series.items()
        for week, count in zip(WEEKS, counts, strict=True)
    ]
    return pd.DataFrame(rows, columns=["la_code", "region_code", "week", "cases_count"])


def _plan(policy: Policy, series: dict[str, tuple[str, list[int]]], cumulative: bool = True):
    return plan_linked_counts(
        _frame(series),
        count_column="cases_count",
        period_column="week",
        policy=policy,
        cumulative=cumulative,
    )


RNG = np.random.default_rng(7)
BIG = {f"E0800000{i}": ("R1", list(RNG.poisson(60, N_WEEKS))) for i in range(1, 5)}
BIG |= {f"E0900000{i}": ("R2", list(RNG.poisson(45, N_WEEKS))) for i in range(1, 4)}
SMALL = {f"E060000S{i}": ("R1", list(RNG.poisson(3, N_WEEKS))) for i in range(1, 4)}
ZERO = {"E0600000Z": ("R2", [0] * N_WEEKS)}
SERIES = BIG | SMALL | ZERO
S = "E060000S1"


@pytest.fixture(scope="module")
def plan(default_policy: Policy) -> LinkedPlan:
    """Seven large authorities, one small, one with no cases, in two regions."""
    return _plan(default_policy, SERIES)


def test_large_weekly_small_coarser_with_reason(plan: LinkedPlan) -> None:
    """Large authorities are weekly; a small one is coarsened and the reason says why."""
    assert plan.step("E08000001") is TimeStep.WEEK
    assert plan.step_note("E08000001") == ""
    assert plan.step(S).rank > TimeStep.WEEK.rank
    note = plan.step_note(S)
    assert note.startswith("Shown ")
    assert "weeks" in note


def test_zeros_beside_a_small_region_follow_the_region(default_policy: Policy) -> None:
    """An authority of true zeros loses nothing weekly, but its region (small weeks) would
    be drawn beside it as fragments: it takes the region's step, and the note says so."""
    small_region = {"E0600000Z": ("R3", [0] * N_WEEKS), "E060000T1": ("R3", [2] * N_WEEKS)}
    plan = _plan(default_policy, BIG | small_region)
    assert plan.step("E0600000Z") is plan.step("E060000T1")
    assert plan.step("E0600000Z").rank > TimeStep.WEEK.rank
    assert "of the region's values, drawn beside it, would be withheld" in plan.step_note(
        "E0600000Z"
    )
    assert plan.step_note("E060000T1").startswith("Shown quarterly because")


def test_tables_at_the_step(plan: LinkedPlan) -> None:
    """Series, running totals and period totals come at the authority's step."""
    small = plan.table(S, output_id="s/o/series")
    step = plan.step(S)
    assert small.columns[:4] == ("period_start", "period_end", "weeks", "time_step")
    assert small.columns[4:] == ("la_cases_count", "region_cases_count", "england_cases_count")
    assert small.n_rows == len(plan.timeline.intervals(step))
    assert {small.text(r, "time_step") for r in range(small.n_rows)} == {step.value}
    running = plan.cumulative_table(S, output_id="s/o/cumulative")
    assert running.columns[4] == "la_cumulative_cases_count"
    assert {running.text(r, "period_start") for r in range(running.n_rows)} == {WEEKS[0]}
    total = plan.period_table("E08000001", output_id="b/o/period")
    expected = sum(int(v) for v in SERIES["E08000001"][1])
    assert total.value(0, "la_cases_count") == expected
    assert dict(small.record.properties)["time_step"] == step.value


def test_true_zero_released_as_zero(plan: LinkedPlan) -> None:
    """Under default a true zero is 0: series, running totals and the total, never [c]."""
    for table in (
        plan.table("E0600000Z", output_id="z/o/s"),
        plan.cumulative_table("E0600000Z", output_id="z/o/c"),
        plan.period_table("E0600000Z", output_id="z/o/p"),
    ):
        assert {
            table.text(
                r,
                "la_cases_count"
                if "la_cases_count" in table.columns
                else "la_cumulative_cases_count",
            )
            for r in range(table.n_rows)
        } == {"0"}


def test_released_values_are_true_and_safe(plan: LinkedPlan) -> None:
    """Every released LA value equals the sum of its weeks and is never 1..9."""
    for la, (_, counts) in SERIES.items():
        table = plan.table(la, output_id="x")
        frame = table.released_frame()
        for row in range(table.n_rows):
            value = frame["la_cases_count"][row]
            if pd.isna(value):
                continue
            first = WEEKS.index(frame["period_start"][row])
            assert value == sum(counts[first : first + int(frame["weeks"][row])])
            assert not 0 < value < 10


@pytest.mark.parametrize("name", ["default", "strict"])
def test_release_passes_the_differencing_scan(
    name: str, tmp_path: Path, default_policy: Policy, strict_policy: Policy
) -> None:
    """The released tables of every authority give no relation away, under both presets."""
    policy = {"default": default_policy, "strict": strict_policy}[name]
    plan = _plan(policy, SERIES)
    report = check_release(write_linked_release({"cases": plan}, tmp_path), policy)
    assert report.findings == ()
    assert report.relations > 100


def test_strict_protects_zeros_consistently(strict_policy: Policy) -> None:
    """Under strict no zero is released, and no running total sits between two equal ones."""
    plan = _plan(strict_policy, SERIES)
    for la in SERIES:
        running = plan.cumulative_table(la, output_id="x").released_frame()
        values = running["la_cumulative_cases_count"].tolist()
        shown = [(i, v) for i, v in enumerate(values) if not pd.isna(v)]
        assert 0 not in [v for _, v in shown]
        for (i, a), (j, b) in itertools.pairwise(shown):
            assert a <= b
            if a == b:
                assert j == i + 1  # nothing withheld between two equal totals


def test_no_running_total_pins_a_week(plan: LinkedPlan) -> None:
    """Consecutive released running totals never differ by a lone withheld week."""
    for la in SERIES:
        weekly = plan.table(la, output_id="w").released_frame()
        running = plan.cumulative_table(la, output_id="c").released_frame()
        hidden = weekly["la_cases_count"].isna().to_numpy()
        known = ~running["la_cumulative_cases_count"].isna().to_numpy()
        points = [-1, *np.flatnonzero(known)]
        for before, after in itertools.pairwise(points):
            between = hidden[before + 1 : after + 1]
            assert between.sum() != 1


def test_part_for_one_authority_gives_the_same_tables(plan: LinkedPlan) -> None:
    """An authority's part holds what its tables need, and gives identical tables."""
    for la in (S, "E08000001"):
        part = plan.for_authority(la)
        assert list(part.region_of) == [la]
        for method in ("table", "cumulative_table", "period_table"):
            whole = getattr(plan, method)(la, output_id="x")
            mine = getattr(part, method)(la, output_id="x")
            assert whole.to_csv_text() == mine.to_csv_text()
            assert whole.record == mine.record


def test_json_round_trip_and_verification(plan: LinkedPlan, default_policy: Policy) -> None:
    """A part written under a key reads back identical, and checks against raw counts."""
    part = plan.for_authority(S)
    text = part.to_json("key-1")
    raw = _raw(S)
    again = LinkedPlan.from_json(text, default_policy, key="key-1", raw=raw)
    assert again.to_json("key-1") == text
    assert again.table(S, output_id="x").to_csv_text() == part.table(S, output_id="x").to_csv_text()


def _raw(la: str) -> dict[str, object]:
    region = SERIES[la][0]
    weekly = {name: np.array(counts) for name, (_, counts) in SERIES.items()}
    return {
        "la_code": la,
        "la": weekly[la],
        "region": sum(w for n, w in weekly.items() if SERIES[n][0] == region),
        "england": sum(weekly.values()),
    }


@pytest.mark.parametrize(
    "tamper",
    ["other-key", "edited-value", "edited-digest", "not-json", "no-content", "old-format"],
)
def test_tampered_cache_refused(plan: LinkedPlan, default_policy: Policy, tamper: str) -> None:
    """A cached plan written for other inputs, or changed since, is refused clearly."""
    text = plan.for_authority(S).to_json("key-1")
    document = json.loads(text)
    key = "key-1"
    if tamper == "other-key":
        key = "key-2"
    elif tamper == "edited-value":
        cells = document["content"]["cells"]
        hidden = next(c for c in cells if c[4] is None)
        hidden[4], hidden[5] = 3, None
        text = json.dumps(document)
    elif tamper == "edited-digest":
        document["digest"] = "0" * 64
        text = json.dumps(document)
    elif tamper == "not-json":
        text = "{not json"
    elif tamper == "no-content":
        text = json.dumps({"key": key, "digest": document["digest"]})
    else:
        document["content"]["format"] = 1
        text = json.dumps(document)
    with pytest.raises(DisclosureError, match="cached disclosure plan: refused"):
        LinkedPlan.from_json(text, default_policy, key=key)


def test_cache_with_a_true_but_unsafe_value_refused(
    plan: LinkedPlan, default_policy: Policy
) -> None:
    """A cache whose digest was recomputed over an unsuppressed small value still fails
    the check against the store."""
    from ldsa.sdc.linked import _digest

    la, week = next(
        (la, c)
        for la in SMALL
        for c in json.loads(plan.for_authority(la).to_json("k"))["content"]["cells"]
        if c[0] == "la" and c[5] == "threshold"
    )
    document = json.loads(plan.for_authority(la).to_json("k"))
    cells = document["content"]["cells"]
    cells[cells.index(week)] = [*week[:4], int(sum(SERIES[la][1][week[2] : week[3]])), None]
    body = json.dumps(document["content"], sort_keys=True, separators=(",", ":"))
    document["digest"] = _digest("k", body)
    forged = json.dumps(document)
    LinkedPlan.from_json(forged, default_policy, key="k")  # the digest alone cannot tell
    with pytest.raises(DisclosureError, match="does not match the store"):
        LinkedPlan.from_json(forged, default_policy, key="k", raw=_raw(la))


def test_no_side_doors(plan: LinkedPlan) -> None:
    """A plan or a table with chosen values cannot be made outside the layer."""
    fields = {f.name: getattr(plan, f.name) for f in dataclasses.fields(LinkedPlan)}
    with pytest.raises(DisclosureError, match="only the disclosure layer"):
        LinkedPlan(**fields)
    with pytest.raises(DisclosureError, match="only the disclosure layer"):
        dataclasses.replace(plan, cells={})
    for door in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(DisclosureError, match="cannot be pickled"):
            door(plan)
    table = plan.table("E08000001", output_id="x")
    for door in (pickle.dumps, copy.copy):
        with pytest.raises(DisclosureError, match="cannot be pickled"):
            door(table)


def test_errors(plan: LinkedPlan, default_policy: Policy) -> None:
    """Unknown authorities, misnamed or bad counts and LAs in two regions are refused."""
    with pytest.raises(InvalidParameterError, match="unknown LA code"):
        plan.table("Z9", output_id="x")
    with pytest.raises(InvalidParameterError, match="unknown LA code"):
        plan.for_authority("Z9")
    flat = _plan(default_policy, BIG, cumulative=False)
    with pytest.raises(InvalidParameterError, match="no running totals"):
        flat.cumulative_table("E08000001", output_id="x")
    frame = _frame(BIG)
    with pytest.raises(ValueError, match="must end in"):
        plan_linked_counts(
            frame.rename(columns={"cases_count": "cases"}),
            count_column="cases",
            period_column="week",
            policy=default_policy,
        )
    bad = frame.assign(cases_count=frame["cases_count"].astype(float))
    bad.loc[0, "cases_count"] = 1.5
    with pytest.raises(ValueError, match="whole counts"):
        plan_linked_counts(
            bad, count_column="cases_count", period_column="week", policy=default_policy
        )
    moved = frame.copy()
    moved.loc[0, "region_code"] = "R9"
    with pytest.raises(ValueError, match="more than one region"):
        plan_linked_counts(
            moved, count_column="cases_count", period_column="week", policy=default_policy
        )


def test_missing_pairs_count_as_zero(default_policy: Policy) -> None:
    """An (LA, week) pair absent from the frame counts as 0."""
    frame = _frame(BIG | ZERO)
    frame = frame[~((frame["la_code"] == "E0600000Z") & (frame["week"] == WEEKS[3]))]
    plan = plan_linked_counts(
        frame, count_column="cases_count", period_column="week", policy=default_policy
    )
    assert plan.table("E0600000Z", output_id="x").text(3, "la_cases_count") == "0"


def test_one_authority_regions(default_policy: Policy, tmp_path: Path) -> None:
    """A region of one authority shows the same numbers and withholds the same cells."""
    series = {"A": ("R9", [0, 3, 12, 40, 2, 0, 9, 30] * 6 + [5, 5, 5, 5]), **BIG}
    plan = _plan(default_policy, series)
    table = plan.table("A", output_id="x")
    for row in range(table.n_rows):
        assert table.text(row, "la_cases_count") == table.text(row, "region_cases_count")
    report = check_release(write_linked_release({"cases": plan}, tmp_path), default_policy)
    assert report.findings == ()
    assert plan.policy.name == "default"
    assert Rule.LINKED.value == "linked"
