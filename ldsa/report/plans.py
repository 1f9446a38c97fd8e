"""Counts of every authority, protected together once per store, policy, measure and period.

A suppressed LA value must not be recoverable as its region minus the other authorities,
or as this week's running total minus last week's, so every report of a batch takes its
counts from one :class:`~ldsa.sdc.LinkedPlan` built from all authorities. Plans are cached
on disk, one small file per authority, keyed by a hash of everything they depend on; a
cached part is used only if its digest matches that key and its released values match the
authority's own counts in the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.calendar import week_start
from ldsa.config import cache_dir, code_fingerprint
from ldsa.data.store import Store
from ldsa.report.context import full_weeks

PERIOD_COLUMN = "week_start"


@dataclasses.dataclass(frozen=True)
class Measure:
    """A counted measure: where its rows are in the store, and how it is released."""

    table: str  #: store table
    date_column: str  #: "date" (days, grouped into weeks) or a week column
    query: str | None  #: which rows count (None: all)
    label: str  #: display name
    cumulative: bool  #: whether running totals are released


MEASURES: dict[str, Measure] = {
    "cases": Measure("cases", "date", None, "Cases (positive tests by specimen date)", True),
    "covid_deaths": Measure(
        "deaths",
        "week_registered",
        "cause_group == 'covid'",
        "Deaths with Covid-19 as underlying cause",
        True,
    ),
    "deaths": Measure(
        "deaths", "week_registered", None, "Deaths from all causes (by week registered)", False
    ),
}


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


def weekly_counts(rows: pd.DataFrame, measure: str, weeks: pd.DatetimeIndex) -> pd.Series:
    """Counts of one measure per (la_code, week) over ``weeks``, zero-filled (rows of any
    set of authorities; the index is the authorities found times the weeks)."""
    spec = MEASURES[measure]
    if spec.query:
        rows = rows.query(spec.query)
    column = rows[spec.date_column]
    keys = week_start(column) if spec.date_column == "date" else pd.DatetimeIndex(column)
    return rows.groupby([rows["la_code"], keys.rename(PERIOD_COLUMN)])[spec.table].sum()


def all_authorities(store: Store, measure: str, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly counts of one measure for every authority (zero-filled), with its region."""
    counts = weekly_counts(store.all_la_table(MEASURES[measure].table), measure, weeks)
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
    """The protected counts of one authority, its region and England for one measure.

    The plan is built from every authority the first time it is asked for, and each
    authority's part is cached (a file each); later reports read only their own part,
    after checking its digest and its values against the store.
    """
    key = _cache_key(store, policy, measure, weeks)
    folder = cache_dir() / "plans" / f"{measure}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    path = folder / f"{la_code}.json"
    if not path.is_file():
        plan = sdc.plan_linked_counts(
            all_authorities(store, measure, weeks),
            count_column=count_column(measure),
            period_column=PERIOD_COLUMN,
            policy=policy,
            cumulative=MEASURES[measure].cumulative,
        )
        _write_parts(plan, folder, key)
    text = path.read_text(encoding="utf-8")
    return sdc.LinkedPlan.from_json(
        text, policy, key=key, raw=_own_counts(store, measure, weeks, la_code)
    )


def _write_parts(plan: sdc.LinkedPlan, folder: Path, key: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for authority in plan.region_of:
        # Workers may race here; both write the same bytes.
        write_atomic(folder / f"{authority}.json", plan.for_authority(authority).to_json(key))


def _own_counts(
    store: Store, measure: str, weeks: pd.DatetimeIndex, la_code: str
) -> dict[str, npt.ArrayLike]:
    """Raw weekly counts of an authority, its region and England, to verify a cached part."""
    authority = store.authority(la_code)
    table = MEASURES[measure].table
    frames = {
        "la": store.la_table(la_code, table),
        "region": store.region_table(authority.region_code, table),
        "england": store.england_table(table),
    }
    out: dict[str, npt.ArrayLike] = {"la_code": la_code}
    for level, frame in frames.items():
        rows = frame.assign(la_code=level)
        counts = weekly_counts(rows, measure, weeks).droplevel(0)
        out[level] = counts.reindex(weeks, fill_value=0).to_numpy(dtype=np.int64)
    return out


def _cache_key(store: Store, policy: sdc.Policy, measure: str, weeks: pd.DatetimeIndex) -> str:
    return json.dumps(
        {
            "store": store.sha256,
            "policy": hashlib.sha256(policy.to_yaml().encode("utf-8")).hexdigest(),
            "measure": dataclasses.asdict(MEASURES[measure]) | {"name": measure},
            "weeks": [weeks[0].date().isoformat(), weeks[-1].date().isoformat(), len(weeks)],
            "code": code_fingerprint("ldsa.sdc", "ldsa.report.plans"),
        },
        sort_keys=True,
    )
