"""Counts of every authority, protected together once per store, policy, measure and period.

A suppressed LA value must not be recoverable as its region minus the other authorities,
or as this week's running total minus last week's, so every report of a batch takes its
counts from one :class:`~ldsa.sdc.LinkedPlan` built from all authorities. Plans are cached
on disk, one small file per authority, keyed by a hash of everything they depend on; a
cached part is used only if its digest matches that key and its released values match the
authority's own counts in the store.

With a release ledger (``ldsa run --ledger``), plans are made against every earlier
release it holds (:func:`ldsa.sdc.ledger.earlier_cells`) and cached under a key that names
those releases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
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
from ldsa.report.measures import Measure
from ldsa.sdc.ledger import EarlierCells, earlier_cells, ledger_digest

PERIOD_COLUMN = "week_start"


def warm_plans(
    store: Store,
    policy: sdc.Policy,
    period_start: dt.date,
    period_end: dt.date,
    measures: Iterable[Measure],
    ledger: Path | None = None,
) -> None:
    """Build and cache the plans of ``measures`` once, before a batch's workers start
    (against the earlier releases of ``ledger``, read once); measures of a table the store
    does not hold (a public store has no tests) are left to the sections that need them,
    which say so."""
    weeks = full_weeks(period_start, period_end)
    earlier = _Earlier(ledger)
    for measure in measures:
        if measure.table in store.missing_tables:
            continue
        covered = covered_weeks(store, measure, weeks)
        if not covered.empty:
            first = store.geography.codes[0]
            _read_part(store, policy, measure, covered, first, f"{first}.json", earlier)


def covered_weeks(store: Store, measure: Measure, weeks: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The weeks of ``weeks`` that the store's table of a measure covers: from the week of
    its first dated row to that of its last. A published file covering part of the period
    (deaths of 2021's first quarter) gives a shorter series, never weeks of false zeros;
    an extract covering the whole period gives ``weeks`` unchanged."""
    dates = store.england_table(measure.table, [measure.date_column])[measure.date_column]
    days = pd.DatetimeIndex(dates.dropna())
    if days.empty:
        return weeks[:0]
    first, last = (day - pd.Timedelta(days=day.day_of_week) for day in (days.min(), days.max()))
    return weeks[(weeks >= first.normalize()) & (weeks <= last.normalize())]


def weekly_counts(rows: pd.DataFrame, measure: Measure) -> pd.Series:
    """Counts of one measure per (la_code, week) (rows of any set of authorities; the index
    holds the authorities and weeks found)."""
    if measure.query:
        rows = rows.query(measure.query)
    column = rows[measure.date_column]
    keys = week_start(column) if measure.date_column == "date" else pd.DatetimeIndex(column)
    return rows.groupby([rows["la_code"], keys.rename(PERIOD_COLUMN)])[measure.summed].sum()


def all_authorities(store: Store, measure: Measure, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekly counts of one measure for every authority (zero-filled), with its region."""
    counts = weekly_counts(store.all_la_table(measure.table), measure)
    codes = store.geography.codes
    grid = pd.MultiIndex.from_product([codes, weeks], names=["la_code", PERIOD_COLUMN])
    series = counts.reindex(grid, fill_value=0).astype("int64").rename(measure.count_column)
    frame = series.reset_index()
    frame[PERIOD_COLUMN] = frame[PERIOD_COLUMN].dt.strftime("%Y-%m-%d")
    regions = {a.la_code: a.region_code for a in store.geography}
    frame.insert(1, "region_code", frame["la_code"].map(regions))
    return frame


def linked_plan(
    store: Store,
    policy: sdc.Policy,
    measure: Measure,
    weeks: pd.DatetimeIndex,
    la_code: str,
    ledger: Path | None = None,
) -> sdc.LinkedPlan:
    """The protected counts of one authority, its region and England for one measure.

    The plan is built from every authority the first time it is asked for, and each
    authority's part is cached (a file each); later reports read only their own part,
    after checking its digest and its values against the store.
    """
    return _read_part(store, policy, measure, weeks, la_code, f"{la_code}.json", _Earlier(ledger))


def period_totals(
    store: Store,
    policy: sdc.Policy,
    measure: Measure,
    weeks: pd.DatetimeIndex,
    la_code: str,
    ledger: Path | None = None,
) -> sdc.LinkedPlan:
    """The whole-period totals of every authority, its region and England for one measure
    (for charts of all authorities), cached once; the reporting authority's own values are
    checked against the store."""
    return _read_part(store, policy, measure, weeks, la_code, ALL_AUTHORITIES, _Earlier(ledger))


#: The cached part holding every authority's period total.
ALL_AUTHORITIES = "_all.json"


class _Earlier:
    """The earlier releases of a ledger: named cheaply (for the cache key), read in full
    only when a plan has to be made."""

    def __init__(self, ledger: Path | None) -> None:
        self.ledger = ledger

    @functools.cached_property
    def digest(self) -> str:
        return ledger_digest(self.ledger)

    @functools.cached_property
    def cells(self) -> EarlierCells:
        return earlier_cells(self.ledger)


def _read_part(
    store: Store,
    policy: sdc.Policy,
    measure: Measure,
    weeks: pd.DatetimeIndex,
    la_code: str,
    name: str,
    earlier: _Earlier,
) -> sdc.LinkedPlan:
    key = _cache_key(store, policy, measure, weeks, earlier.digest)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    folder = cache_dir() / "plans" / f"{measure.name}-{digest}"
    path = folder / name
    if not path.is_file():
        plan = sdc.plan_linked_counts(
            all_authorities(store, measure, weeks),
            count_column=measure.count_column,
            period_column=PERIOD_COLUMN,
            policy=policy,
            cumulative=measure.cumulative,
            earlier=earlier.cells.get(measure.count_column),
        )
        _write_parts(plan, folder, key)
    text = path.read_text(encoding="utf-8")
    return sdc.LinkedPlan.from_json(
        text, policy, key=key, raw=_own_counts(store, measure, weeks, la_code)
    )


def _write_parts(plan: sdc.LinkedPlan, folder: Path, key: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Workers may race here; both write the same bytes.
    write_atomic(folder / ALL_AUTHORITIES, sdc.period_totals_part(plan).to_json(key))
    for authority in plan.region_of:
        write_atomic(folder / f"{authority}.json", plan.for_authority(authority).to_json(key))


def _own_counts(
    store: Store, measure: Measure, weeks: pd.DatetimeIndex, la_code: str
) -> dict[str, npt.ArrayLike]:
    """Raw weekly counts of an authority, its region and England, to verify a cached part."""
    authority = store.authority(la_code)
    table, columns = measure.table, measure.columns
    frames = {
        "la": store.la_table(la_code, table, columns),
        "region": store.region_table(authority.region_code, table, columns),
        "england": store.england_table(table, columns),
    }
    out: dict[str, npt.ArrayLike] = {"la_code": la_code}
    for level, frame in frames.items():
        rows = frame.assign(la_code=level)
        counts = weekly_counts(rows, measure).droplevel(0)
        out[level] = counts.reindex(weeks, fill_value=0).to_numpy(dtype=np.int64)
    return out


def _cache_key(
    store: Store, policy: sdc.Policy, measure: Measure, weeks: pd.DatetimeIndex, earlier: str
) -> str:
    return json.dumps(
        {
            "store": store.sha256,
            "policy": hashlib.sha256(policy.to_yaml().encode("utf-8")).hexdigest(),
            "measure": dataclasses.asdict(measure),
            "weeks": [weeks[0].date().isoformat(), weeks[-1].date().isoformat(), len(weeks)],
            "code": code_fingerprint("ldsa.sdc", "ldsa.report.plans"),
            "earlier_releases": earlier,
        },
        sort_keys=True,
    )
