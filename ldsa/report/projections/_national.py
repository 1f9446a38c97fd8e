"""What every projections report of a batch shares, computed once and cached.

Every authority's backtest (so that a national summary can stand beside each report's own
one), every region's and England's; the national summary, pooled over every authority; and
for each region, the authority whose part of the batch-wide deaths plan has the finest
step (the region's released deaths at that step are in its tables: the reports read them
there, for the case-fatality ratio of authorities with too few deaths of their own).
The batch computes them before its jobs start (:func:`warm_batch`, called by
:func:`ldsa.run.batch.run_batch`); a report opened on its own (in Jupyter) computes them
the first time, under a lock, and later reports read the cache. Cached under
``LDSA_CACHE_DIR`` (or ``~/.cache/ldsa``) in ``projections/``, keyed by the store, policy,
period and code, like the plans.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.config import cache_dir, code_fingerprint
from ldsa.data.store import Store
from ldsa.report.measures import COVID_DEATHS
from ldsa.stats.projection import summarise_backtest

if TYPE_CHECKING:
    from ldsa.report.projections._backtest import BacktestSections
    from ldsa.report.projections._deaths import DeathsSections

#: The England "area code" of the scores.
ENGLAND = "england"
_FORMAT = 2


@dataclasses.dataclass(frozen=True)
class BatchFigures:
    """The batch-wide figures of the projections reports."""

    scores: dict[str, pd.DataFrame]  #: backtest scores by LA code, region code, "england"
    pooled: pd.DataFrame  #: summarise_backtest of every authority's scores together
    authorities: int  #: authorities pooled (every authority of the store)
    largest: dict[str, str]  #: region code: its authority with the finest deaths step


def batch_figures(report: BacktestSections, areas: Sequence[str] | None = None) -> BatchFigures:
    """The batch's figures for the report's store, policy and period: from the cache, or
    computed (once: other processes wait on a lock) and cached. ``areas``: the areas whose
    scores are read from the cache (None: all)."""
    key = _key(report)
    folder = cache_dir() / "projections" / hashlib.sha256(key.encode()).hexdigest()[:32]
    if (found := _read(folder, key, areas)) is not None:
        return found
    with _locked(folder):
        if (found := _read(folder, key, areas)) is not None:
            return found
        figures = compute(report)  # type: ignore[arg-type]
        _write(folder, key, figures)
        return figures


def compute(report: DeathsSections) -> BatchFigures:
    """Every authority's, region's and England's backtest, the summary pooled over every
    authority, and each region's most populous authority (see the module's docstring)."""
    store = report.context.store
    daily = store.all_la_table("cases").groupby(["la_code", "date"])["cases"].sum()
    held = set(daily.index.get_level_values("la_code"))
    scores: dict[str, pd.DataFrame] = {}
    for code in store.geography.codes:
        counts = daily.xs(code, level="la_code") if code in held else None
        scores[code] = report.backtest_of(report.daily_from(counts))
    regions = sorted({a.region_code for a in store.geography})
    for region in regions:
        rows = store.region_table(region, "cases")
        scores[region] = report.backtest_of(report.daily_from(rows.groupby("date")["cases"].sum()))
    scores[ENGLAND] = report.backtest_of(report.daily("england"))
    frames = [scores[c] for c in store.geography.codes if not scores[c].empty]
    pooled = summarise_backtest(pd.concat(frames or [scores[ENGLAND].iloc[:0]]))
    people = store.all_la_table("population_bands")
    people = people[people["year"] == report.denominator_year]
    sizes = people.groupby("la_code")["population"].sum()
    finest = {region: _finest(report, store, region, sizes) for region in regions}
    return BatchFigures(scores, pooled, len(store.geography.codes), finest)


def _finest(report: DeathsSections, store: Store, region: str, sizes: pd.Series) -> str:
    """Of the region's :data:`_TRIED` most populous authorities, the one whose part of the
    deaths plan has the finest step (the first of a month or finer): the region's
    released deaths at that step are in its tables. Only a hint for the reports, which
    read that part themselves."""
    members = sorted(
        (a.la_code for a in store.geography if a.region_code == region),
        key=lambda code: (-int(sizes.get(code, 0)), code),
    )
    if report.lacks_measure(COVID_DEATHS):
        return members[0]
    best, rank = members[0], len(sdc.TimeStep)
    for code in members[:_TRIED]:
        step = report.plan_of(COVID_DEATHS, code).step(code)
        if step.rank < rank:
            best, rank = code, step.rank
        if rank <= sdc.TimeStep.MONTH.rank:  # months make a window of 8 weeks or more
            break
    return best


#: The most populous authorities of a region whose steps are looked at (the finest steps
#: are those of the largest; each look reads and verifies a part of the plan).
_TRIED = 5


def _key(report: BacktestSections) -> str:
    store = report.context.store
    return json.dumps(
        {
            "format": _FORMAT,
            "store": store.sha256,
            "policy": hashlib.sha256(report.policy.to_yaml().encode("utf-8")).hexdigest(),
            "period": [str(report.context.period_start), str(report.context.period_end)],
            "code": code_fingerprint(  # what the scores rest on (not the plans: see _finest)
                "ldsa.stats.projection",
                "ldsa.stats.reproduction",
                "ldsa.stats.scoring",
                "ldsa.report.projections._common",
                "ldsa.report.projections._backtest",
                "ldsa.report.projections._national",
            ),
        },
        sort_keys=True,
    )


def _read(folder: Path, key: str, areas: Sequence[str] | None) -> BatchFigures | None:
    meta, table = folder / "figures.json", folder / "scores.parquet"
    if not (meta.is_file() and table.is_file()):
        return None
    document = json.loads(meta.read_text(encoding="utf-8"))
    if document.get("key") != key:
        return None
    wanted = list(document["areas"] if areas is None else areas)
    scores: dict[str, pd.DataFrame] = {}
    if wanted:
        frame = pd.read_parquet(table, filters=[("area", "in", wanted)])
        scores = {
            str(area): part.drop(columns="area").reset_index(drop=True)
            for area, part in frame.groupby("area", sort=False)
        }
        for area in wanted:
            scores.setdefault(area, frame.iloc[:0].drop(columns="area"))
    return BatchFigures(
        scores=scores,
        pooled=pd.DataFrame(document["pooled"]["data"], columns=document["pooled"]["columns"]),
        authorities=int(document["authorities"]),
        largest=dict(document["largest"]),
    )


def _write(folder: Path, key: str, figures: BatchFigures) -> None:
    frames = [part.assign(area=area) for area, part in figures.scores.items()]
    buffer = io.BytesIO()
    pd.concat(frames, ignore_index=True).to_parquet(buffer, index=False)
    write_atomic(folder / "scores.parquet", buffer.getvalue())
    document = {
        "key": key,
        "areas": list(figures.scores),
        "pooled": figures.pooled.to_dict(orient="split", index=False),  # columns in order
        "authorities": figures.authorities,
        "largest": figures.largest,
    }
    write_atomic(folder / "figures.json", json.dumps(document, sort_keys=True))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
