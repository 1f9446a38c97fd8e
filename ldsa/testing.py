"""Helpers for tests of ldsa and of code built on it: a tiny, valid, hand-made extract,
released files of linked plans for scanners, and planted releases written cell by cell.

The dummy generator (:mod:`ldsa.data.dummy`) makes realistic England-wide extracts; this
module makes the smallest extract that passes validation (three authorities, a few
records per table), so each validation failure mode can be planted in a copy of it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ldsa.data.schemas import SCHEMA_VERSION
from ldsa.sdc import LinkedPlan

TINY_LA_CODES = ("E06000901", "E07000901", "E09000901")

_DATE = pa.date32()


def tiny_tables() -> dict[str, pa.Table]:
    """Return the tables of a tiny valid extract, keyed by table name."""
    codes = list(TINY_LA_CODES)
    day = dt.date(2020, 4, 1)
    return {
        "geography": pa.table(
            {
                "la_code": codes,
                "la_name": ["Tinyshire Vale", "Little Fennmoor", "Smallbridge Borough"],
                "la_type": ["unitary", "non_metropolitan_district", "london_borough"],
                "utla_code": ["E06000901", "E10000901", "E09000901"],
                "region_code": ["E12000001", "E12000006", "E12000007"],
                "region_name": ["North East", "East of England", "London"],
                "cis_area": ["J06000901", "J06000902", "J06000903"],
            }
        ),
        "deprivation": pa.table(
            {
                "la_code": codes,
                "imd_score": [30.5, 12.25, 22.0],
                "imd_rank": pa.array([1, 3, 2], pa.int64()),
                "imd_decile": pa.array([1, 9, 5], pa.int64()),
            }
        ),
        "population": pa.table(
            {
                "year": pa.array([2020] * 6, pa.int64()),
                "la_code": [c for c in codes for _ in (0, 1)],
                "sex": ["F", "M"] * 3,
                "age": pa.array([40] * 6, pa.int64()),
                "population": pa.array([500, 480, 900, 870, 1200, 1150], pa.int64()),
            }
        ),
        "deaths": pa.table(
            {
                "date_of_death": pa.array([dt.date(2015, 1, 2), dt.date(2020, 4, 3)], _DATE),
                "date_of_registration": pa.array([dt.date(2015, 1, 6), dt.date(2020, 4, 7)], _DATE),
                "la_code": codes[:2],
                "age": pa.array([88, 79], pa.int64()),
                "sex": ["F", "M"],
                "underlying_cause": ["I21", "U07.1"],
                "covid_mentioned": [False, True],
                "place_of_death": ["hospital", "care_home"],
            }
        ),
        "cases": pa.table(
            {
                "specimen_date": pa.array([day, day], _DATE),
                "la_code": codes[1:],
                "age": pa.array([34, 61], pa.int64()),
                "sex": ["M", "F"],
                "pillar": ["pillar_2", "pillar_1"],
                "test_type": ["PCR", "PCR"],
            }
        ),
        "tests": pa.table(
            {
                "date": pa.array([day] * 3, _DATE),
                "la_code": codes,
                "tests": pa.array([40, 55, 70], pa.int64()),
                "positive_tests": pa.array([0, 1, 1], pa.int64()),
            }
        ),
        "survey": pa.table(
            {
                "visit_date": pa.array([day, day], _DATE),
                "participant_id": pa.array([1, 2], pa.int64()),
                "household_id": pa.array([1, 2], pa.int64()),
                "la_code": codes[:2],
                "cis_area": ["J06000901", "J06000902"],
                "age": pa.array([45, 12], pa.int64()),
                "sex": ["F", "M"],
                "result": ["negative", "positive"],
            }
        ),
    }


def write_tiny_extract(out_dir: Path, tables: dict[str, pa.Table] | None = None) -> Path:
    """Write a tiny extract (the given tables, or :func:`tiny_tables`) and return its folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = tiny_tables() if tables is None else tables
    for name, table in tables.items():
        pq.write_table(table, out_dir / f"{name}.parquet")
    info = {"kind": "tiny", "schema_version": SCHEMA_VERSION, "row_counts": {}}
    info["row_counts"] = {name: table.num_rows for name, table in sorted(tables.items())}
    (out_dir / "extract.json").write_text(json.dumps(info, sort_keys=True, indent=2) + "\n")
    return out_dir


def write_linked_release(plans: Mapping[str, LinkedPlan], out_dir: Path) -> Path:
    """Write every authority's tables cut from linked plans as released CSVs, for scanners.

    Per authority and measure: its series (``x-<measure>_over_time.csv``), running totals
    (``x-<measure>_cumulative.csv``, when the plan has them) and period totals
    (``x-<measure>_period.csv``, which also names its region), in the file conventions of
    released reports (``<out_dir>/<la_code>/tables/``).
    """
    for measure, plan in plans.items():
        for la_code, region in plan.region_of.items():
            folder = out_dir / la_code / "tables"
            folder.mkdir(parents=True, exist_ok=True)
            tables = {
                "over_time": plan.table(la_code, output_id=f"{la_code}/x/{measure}"),
                "period": plan.period_table(la_code, output_id=f"{la_code}/x/{measure}_p"),
            }
            if plan.cumulative:
                tables["cumulative"] = plan.cumulative_table(la_code, output_id=f"{la_code}/x/c")
            for name, table in tables.items():
                text = table.to_csv_text()
                if name == "period":  # name the region, as a report's headline does
                    head, row = text.splitlines()
                    text = f"la_code,region_code,{head}\n{la_code},{region},{row}\n"
                (folder / f"x-{measure}_{name}.csv").write_text(text)
        rows = "".join(f"{la},{region}\n" for la, region in sorted(plan.region_of.items()))
        (out_dir / "authorities.csv").write_text(f"la_code,region_code\n{rows}")
    return out_dir


# Planted releases: released CSVs written cell by cell, for tests of the scanners (``ldsa
# check`` and the independent attack). Counts are the texts to write ("25", "[c]").

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Period = tuple[dt.date, dt.date]  # first and last day


def write_table(
    out_dir: Path, la_code: str, name: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> Path:
    """Write ``<out_dir>/<la_code>/tables/<name>.csv`` as given and return its path."""
    path = out_dir / la_code / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_authorities(out_dir: Path, regions: Mapping[str, str]) -> Path:
    """Write ``authorities.csv``: every authority of the batch and its region."""
    path = out_dir / "authorities.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{la_code},{region}\n" for la_code, region in sorted(regions.items()))
    path.write_text(f"la_code,region_code\n{rows}", encoding="utf-8")
    return path


def write_series(
    out_dir: Path,
    la_code: str,
    name: str,
    measure: str,
    rows: Iterable[tuple[Period, str, str, str]],
    *,
    cumulative: bool = False,
) -> Path:
    """A plan's table: per period the authority's, its region's and England's counts
    (running totals from the first day, named ``la_cumulative_<measure>_count``, when
    ``cumulative``)."""
    word = f"cumulative_{measure}" if cumulative else measure
    header = ["period_start", "period_end", "weeks", "time_step"]
    header += [f"{level}_{word}_count" for level in ("la", "region", "england")]
    return write_table(out_dir, la_code, name, header, ([*_period(p), *c] for p, *c in rows))


def write_breakdown(
    out_dir: Path,
    la_code: str,
    name: str,
    measure: str,
    category: str,
    rows: Iterable[tuple[Period, str, str]],
) -> Path:
    """A breakdown: per period and category (``category`` column), the part's count."""
    header = ["period_start", "period_end", "time_step", category, f"{measure}_count"]
    lines = ([*_period(p)[:2], _step(p), label, count] for p, label, count in rows)
    return write_table(out_dir, la_code, name, header, lines)


def write_days(
    out_dir: Path,
    la_code: str,
    name: str,
    measure: str,
    first_day: dt.date,
    counts: Sequence[str],
    sums: Sequence[str] | None = None,
) -> Path:
    """A daily breakdown (each day a part of its week, named by ``weekday``) from a Monday,
    with the seven-day count to each day from the seventh on (the days before only lead
    in, as :func:`ldsa.sdc.release_sums` leaves them out): ``sums`` when given, else the
    sum of the seven days, withheld where one is."""
    rows = []
    for day, count in enumerate(counts):
        if day < 6:
            continue
        window = counts[day - 6 : day + 1]
        total = "[c]" if any(not c.isdigit() for c in window) else str(sum(map(int, window)))
        date = first_day + dt.timedelta(days=day)
        week = date - dt.timedelta(days=date.weekday())
        period = (week, week + dt.timedelta(days=6))
        rows.append([*_period(period)[:2], "week", _WEEKDAYS[date.weekday()], count])
        rows[-1].append(total if sums is None else sums[day - 6])
    header = ["period_start", "period_end", "time_step", "weekday", f"{measure}_count"]
    return write_table(out_dir, la_code, name, [*header, "seven_day_count"], rows)


def write_running_totals(
    out_dir: Path, la_code: str, name: str, measure: str, rows: Iterable[tuple[Period, str]]
) -> Path:
    """Running totals released beside a series (:func:`ldsa.sdc.release_sums`): each row
    the total from the first row's first day to its own last day, named
    ``cumulative_<measure>_count`` without a level."""
    header = ["period_start", "period_end", "weeks", "time_step", f"cumulative_{measure}_count"]
    return write_table(out_dir, la_code, name, header, ([*_period(p), c] for p, c in rows))


def write_every_authority(
    out_dir: Path,
    la_code: str,
    name: str,
    measure: str,
    rows: Iterable[tuple[str, str, Period, str]],
) -> Path:
    """A table of every authority (:func:`ldsa.sdc.authorities_table`), in one authority's
    folder: per row an authority, its region, the period and its own count."""
    header = ["la_code", "la_name", "region_code", "period_start", "period_end"]
    lines = ([la, la, region, *_period(p)[:2], count] for la, region, p, count in rows)
    return write_table(out_dir, la_code, name, [*header, f"{measure}_count"], lines)


def _period(period: Period) -> list[str]:
    """period_start, period_end, weeks and time_step of a period of whole weeks."""
    weeks = ((period[1] - period[0]).days + 1) // 7
    return [period[0].isoformat(), period[1].isoformat(), str(weeks), _step(period)]


def _step(period: Period) -> str:
    return "week" if (period[1] - period[0]).days == 6 else "period"
