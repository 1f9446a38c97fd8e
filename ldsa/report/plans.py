"""Weekly counts of every authority, protected together once per store, policy and period.

A suppressed LA value must not be recoverable as its region minus the other authorities,
or as this week's running total minus last week's, so every report of a batch takes its
weekly counts from one :class:`~ldsa.sdc.LinkedPlan` built from all authorities. Building
one takes about a second, so plans are cached on disk (canonical JSON, keyed by a hash of
everything they depend on) and every report after the first only reads them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.calendar import week_start
from ldsa.config import cache_dir, code_fingerprint
from ldsa.data.store import Store
from ldsa.report.context import full_weeks

#: Counted measures: (store table, date column, rows to count, display name).
MEASURES: dict[str, tuple[str, str, str | None, str]] = {
    "cases": ("cases", "date", None, "Cases (positive tests by specimen date)"),
    "covid_deaths": (
        "deaths",
        "week_registered",
        "cause_group == 'covid'",
        "Deaths with Covid-19 as underlying cause",
    ),
    "deaths": ("deaths", "week_registered", None, "Deaths from all causes (by week registered)"),
}
PERIOD_COLUMN = "week_start"


def count_column(measure: str) -> str:
    """The released count column of a measure, e.g. ``cases_count``."""
    return f"{measure}_count"


def warm_plans(
    store: Store, policy: sdc.Policy, period_start: dt.date, period_end: dt.date
) -> None:
    """Build and cache every measure's plan once, before a batch's workers start."""
    weeks = full_weeks(period_start, period_end)
    for measure in MEASURES:
        linked_plan(store, policy, measure, weeks, store.geography.codes[0])


def all_authorities(store: Store, measure: str, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly counts of one measure for every authority (zero-filled), with its region."""
    table, column, query, _label = MEASURES[measure]
    rows = store.all_la_table(table)
    if query:
        rows = rows.query(query)
    keys = week_start(rows[column]) if column == "date" else pd.DatetimeIndex(rows[column])
    counts = rows.groupby([rows["la_code"], keys.rename(PERIOD_COLUMN)])[table].sum()
    codes = store.geography.codes
    grid = pd.MultiIndex.from_product([codes, weeks], names=["la_code", PERIOD_COLUMN])
    series = counts.reindex(grid, fill_value=0).astype("int64").rename(count_column(measure))
    frame = series.reset_index()
    frame[PERIOD_COLUMN] = frame[PERIOD_COLUMN].dt.strftime("%Y-%m-%d")
    regions = {a.la_code: a.region_code for a in store.geography}
    frame.insert(1, "region_code", frame["la_code"].map(regions))
    return frame


def linked_plan(
    store: Store, policy: sdc.Policy, measure: str, weeks: pd.DatetimeIndex, la_code: str
) -> sdc.LinkedPlan:
    """The protected weekly counts of one authority, its region and England for one measure.

    The plan is built from every authority the first time it is asked for, and each
    authority's part is cached (a file each); later reports read only their own part.
    """
    folder = _cache_folder(store, policy, measure, weeks)
    path = folder / f"{la_code}.json"
    if not path.is_file():
        plan = sdc.plan_linked_counts(
            all_authorities(store, measure, weeks),
            count_column=count_column(measure),
            period_column=PERIOD_COLUMN,
            policy=policy,
            cumulative=True,
        )
        folder.mkdir(parents=True, exist_ok=True)
        for authority in plan.region_of:
            # Workers may race here; both write the same bytes.
            write_atomic(folder / f"{authority}.json", plan.for_authority(authority).to_json())
    return sdc.LinkedPlan.from_json(path.read_text(encoding="utf-8"), policy)


def _cache_folder(store: Store, policy: sdc.Policy, measure: str, weeks: pd.DatetimeIndex) -> Path:
    key = json.dumps(
        {
            "store": store.sha256,
            "policy": repr(policy),
            "measure": measure,
            "weeks": [weeks[0].date().isoformat(), weeks[-1].date().isoformat(), len(weeks)],
            "code": code_fingerprint("ldsa.sdc", "ldsa.report.plans"),
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return cache_dir() / "plans" / f"{measure}-{digest}"
