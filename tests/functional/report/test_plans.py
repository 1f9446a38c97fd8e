"""Batch-wide disclosure plans: built from every authority, cached, identical on reuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa import sdc
from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.data.store import Store
from ldsa.report import plans
from ldsa.report.measures import CASES, COVID_DEATHS, DEATHS
from ldsa.sdc.national import authorities_table


@pytest.fixture(scope="module")
def store(small_store: Path) -> Store:
    """The small dummy store."""
    return Store(small_store)


def test_all_authorities_add_up_to_england(store: Store) -> None:
    """The all-authority weekly counts sum to England's, week by week."""
    weeks = plans.full_weeks(PERIOD_START, PERIOD_END)
    frame = plans.all_authorities(store, DEATHS, weeks)
    assert len(frame) == len(store.geography) * len(weeks)
    england = store.england_table("deaths").groupby("week_registered")["deaths"].sum()
    by_week = frame.groupby("week_start")["deaths_count"].sum()
    expected = england.reindex(weeks, fill_value=0).to_numpy()
    assert (by_week.to_numpy() == expected).all()


def test_plan_is_cached_and_identical(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second report reads the cached plan and gets the very same released table; every
    authority's period total is cached with it, and equals each authority's own."""
    monkeypatch.setenv("LDSA_CACHE_DIR", str(tmp_path))
    policy = sdc.load_policy("default")
    weeks = plans.full_weeks(PERIOD_START, PERIOD_END)
    code = store.geography.codes[5]
    first = plans.linked_plan(store, policy, COVID_DEATHS, weeks, code)
    monkeypatch.setattr(sdc, "plan_linked_counts", lambda *a, **k: pytest.fail("rebuilt"))
    second = plans.linked_plan(store, policy, COVID_DEATHS, weeks, code)
    one = first.table(code, output_id="x")
    two = second.table(code, output_id="x")
    assert one.to_csv_text() == two.to_csv_text()
    assert len(list(tmp_path.glob("plans/covid_deaths-*/E*.json"))) == len(store.geography)
    everyone = plans.period_totals(store, policy, COVID_DEATHS, weeks, code)
    table = authorities_table(everyone, names={}, output_id="all")
    assert table.n_rows == len(store.geography)
    mine = table.released_frame().set_index("la_code").loc[code, "covid_deaths_count"]
    period = first.period_table(code, output_id="p").released_frame()
    assert mine == period["la_covid_deaths_count"].iloc[0]


def test_part_of_plan_matches_whole(store: Store) -> None:
    """An authority's part of the plan releases exactly what the whole plan does."""
    policy = sdc.load_policy("default")
    weeks = plans.full_weeks(PERIOD_START, PERIOD_END)
    whole = sdc.plan_linked_counts(
        plans.all_authorities(store, CASES, weeks),
        count_column="cases_count",
        period_column=plans.PERIOD_COLUMN,
        policy=policy,
        cumulative=True,
    )
    for code in store.geography.codes[:3]:
        part = whole.for_authority(code)
        assert (
            part.table(code, output_id="x").to_csv_text()
            == whole.table(code, output_id="x").to_csv_text()
        )
