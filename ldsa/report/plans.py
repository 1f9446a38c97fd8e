"""Weekly counts of every authority, protected together once per store, policy and period.

A suppressed LA value must not be recoverable as its region minus the other authorities,
or as this week's running total minus last week's, so every report of a batch takes its
weekly counts from one :class:`~ldsa.sdc.LinkedPlan` built from all authorities. Building
one takes about a second, so plans are cached on disk (canonical JSON, keyed by a hash of
everything they depend on) and every report after the first only reads them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from ldsa import sdc
from ldsa.calendar import week_start
from ldsa.config import cache_dir
from ldsa.data.store import Store

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


def weekly_counts(frame: pd.DataFrame, measure: str, weeks: pd.DatetimeIndex) -> pd.Series:
    """Count one measure's rows of a store table by week, zero-filled over ``weeks``."""
    table, column, query, _label = MEASURES[measure]
    rows = frame.query(query) if query else frame
    keys = week_start(rows[column]) if column == "date" else pd.DatetimeIndex(rows[column])
    counts = rows.groupby(keys)[table].sum()
    return counts.reindex(weeks, fill_value=0).astype("int64")


def all_authorities(store: Store, measure: str, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly counts of one measure for every authority, with its region."""
    table = MEASURES[measure][0]
    frames = []
    for authority in store.geography:
        counts = weekly_counts(store.la_table(authority.la_code, table), measure, weeks)
        frames.append(
            pd.DataFrame(
                {
                    "la_code": authority.la_code,
                    "region_code": authority.region_code,
                    PERIOD_COLUMN: [day.date().isoformat() for day in weeks],
                    count_column(measure): counts.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def linked_plan(
    store: Store, policy: sdc.Policy, measure: str, weeks: pd.DatetimeIndex
) -> sdc.LinkedPlan:
    """The protected weekly counts of every authority, region and England for one measure."""
    path = _cache_path(store, policy, measure, weeks)
    if path.is_file():
        return sdc.LinkedPlan.from_json(path.read_text(encoding="utf-8"), policy)
    plan = sdc.plan_linked_counts(
        all_authorities(store, measure, weeks),
        count_column=count_column(measure),
        period_column=PERIOD_COLUMN,
        policy=policy,
        cumulative=True,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_text(plan.to_json(), encoding="utf-8")
    os.replace(partial, path)  # concurrent workers may race here; both write the same bytes
    return plan


def _cache_path(store: Store, policy: sdc.Policy, measure: str, weeks: pd.DatetimeIndex) -> Path:
    key = json.dumps(
        {
            "store": store.sha256,
            "policy": repr(policy),
            "measure": measure,
            "weeks": [weeks[0].date().isoformat(), weeks[-1].date().isoformat(), len(weeks)],
            "format": 1,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return cache_dir() / "plans" / f"{measure}-{digest}.json"
