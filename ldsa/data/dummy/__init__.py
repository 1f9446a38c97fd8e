"""Dummy TRE extract: a seeded, England-shaped, entirely fictional record-level extract.

:func:`generate_extract` writes every table of :data:`ldsa.data.schemas.TABLES` in the
exact TRE schema, so that templates can be developed and tested anywhere. Authorities,
names and people are invented; epidemic waves, seasonality, delays and age patterns
follow England's 2015-2022 experience closely enough to exercise every analysis.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ldsa.data.dummy._cases import case_counts, write_cases
from ldsa.data.dummy._deaths import write_deaths
from ldsa.data.dummy._deprivation import build_deprivation
from ldsa.data.dummy._epidemic import build_epidemic
from ldsa.data.dummy._geography import build_geography
from ldsa.data.dummy._population import build_population
from ldsa.data.dummy._rng import rng, streams
from ldsa.data.dummy._small_areas import build_small_areas, write_small_areas
from ldsa.data.dummy._survey import PARTICIPANTS, write_survey
from ldsa.data.dummy._tables import write_deprivation, write_geography, write_population
from ldsa.data.dummy._tests import write_tests
from ldsa.data.dummy._write import ChunkWriter, table_writer, write_json
from ldsa.data.schemas import OPTIONAL_TABLES, PERIOD_END, PERIOD_START, SCHEMA_VERSION, TABLES

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "EXTRACT_INFO",
    "PARTICIPANTS",
    "ExtractInfo",
    "generate_extract",
]

DEFAULT_SEED = 20200301
#: England-sized by default: rates per 100,000, and the counts that disclosure control sees,
#: are then real-world ones (at scale ``s`` both are ``s`` times real ones).
DEFAULT_SCALE = 1.0
#: Largest scale accepted: twice England's volumes still fits in memory here.
MAX_SCALE = 2.0
EXTRACT_INFO = "extract.json"


@dataclass(frozen=True)
class ExtractInfo:
    """What :func:`generate_extract` wrote: where, from which seed and scale, how many rows."""

    out_dir: Path
    seed: int
    scale: float
    schema_version: str
    period_start: dt.date
    period_end: dt.date
    row_counts: dict[str, int] = field(default_factory=dict)
    participants: int = 0


def generate_extract(
    out_dir: Path, seed: int = DEFAULT_SEED, scale: float = DEFAULT_SCALE
) -> ExtractInfo:
    """Write a complete dummy extract: one Parquet file per table plus ``extract.json``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). Existing tables are replaced.
    seed
        Seed of every random draw: the same seed and scale give byte-identical files.
    scale
        Fraction of England's real volumes of cases, tests, deaths and survey visits
        (1, the default, is England-sized: about 20 million cases). Populations are always
        England-sized, so rates at scale ``s`` are ``s`` times real ones.

    Returns
    -------
    ExtractInfo
        The seed, scale, schema version, period and row count of every table.

    Raises
    ------
    ValueError
        If ``seed`` is negative or ``scale`` is not in (0, MAX_SCALE].

    Notes
    -----
    Each file is written under a temporary name and renamed when complete, and
    ``extract.json`` (removed first) is written last, so an interrupted run never leaves
    an extract that looks complete. Survey participants at scale 1: :data:`PARTICIPANTS`.
    """
    _check(seed, scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / EXTRACT_INFO).unlink(missing_ok=True)
    row_counts, participants = _write_tables(out_dir, seed, scale)
    info = ExtractInfo(
        out_dir, seed, scale, SCHEMA_VERSION, PERIOD_START, PERIOD_END, row_counts, participants
    )
    write_json(
        out_dir / EXTRACT_INFO,
        {
            "kind": "dummy",
            "seed": seed,
            "scale": scale,
            "schema_version": SCHEMA_VERSION,
            "period_start": PERIOD_START.isoformat(),
            "period_end": PERIOD_END.isoformat(),
            "row_counts": row_counts,
        },
    )
    return info


def _write_tables(out_dir: Path, seed: int, scale: float) -> tuple[dict[str, int], int]:
    seeds = streams(seed)
    geo = build_geography(rng(seeds["geography"]), rng(seeds["names"]))
    people = build_population(rng(seeds["population"]), geo)
    imd = build_deprivation(rng(seeds["deprivation"]), geo)
    epidemic = build_epidemic(rng(seeds["epidemic"]), geo, people, imd, scale)
    cases_rng = rng(seeds["cases"])
    counts = case_counts(cases_rng, epidemic)
    areas_rng = rng(seeds["small_areas"])
    areas = build_small_areas(areas_rng, geo, people, imd)
    writers: dict[str, Callable[[ChunkWriter], object]] = {
        "geography": lambda w: write_geography(w, geo),
        "deprivation": lambda w: write_deprivation(w, geo, imd),
        "population": lambda w: write_population(w, geo, people),
        "deaths": lambda w: write_deaths(
            w, rng(seeds["deaths"]), geo, people, imd, epidemic, scale
        ),
        "cases": lambda w: write_cases(w, cases_rng, geo, people, counts, areas, areas_rng),
        "tests": lambda w: write_tests(w, rng(seeds["tests"]), geo, people, counts, scale),
        "survey": lambda w: write_survey(w, rng(seeds["survey"]), geo, people, epidemic, scale),
        "small_areas": lambda w: write_small_areas(w, geo, areas),
    }
    row_counts: dict[str, int] = {}
    results: dict[str, object] = {}
    for table in (*TABLES, *OPTIONAL_TABLES):
        with table_writer(out_dir, table) as write:
            results[table] = writers[table](write)
        row_counts[table] = write.rows
    participants = results["survey"]
    return row_counts, participants if isinstance(participants, int) else 0


def _check(seed: int, scale: float) -> None:
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed}. Use e.g. 1.")
    if not (math.isfinite(scale) and 0 < scale <= MAX_SCALE):
        raise ValueError(
            f"scale: expected a fraction of England's volumes in (0, {MAX_SCALE}], got {scale}."
            " Use 1 for England-sized or 0.1 for a quick extract."
        )
