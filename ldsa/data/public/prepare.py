"""Prepare a store from published public files, in the layout :func:`ldsa.data.prepare.
prepare_store` writes, so that :class:`~ldsa.data.store.Store` opens it.

Every file is read and validated first (every failure of every file raised at once), then
mapped to one boundary vintage by :mod:`ldsa.data.public.crosswalk`, aggregated and written
under a temporary name that is renamed into place only when complete: a failure leaves no
store. Inputs the public files lack are not faked: the manifest lists each missing table
and each column published only as a total, with the reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ldsa import __version__
from ldsa.ageband import AGE_BANDS, age_band
from ldsa.data.prepare import _swap_into_place, _write, _write_per_la, check_destination
from ldsa.data.public import (
    cases,
    deaths,
    deprivation,
    lookups,
    mortality_rates,
    population,
    survey,
)
from ldsa.data.public._files import PublishedFile, raise_if
from ldsa.data.public.crosswalk import (
    GEOGRAPHY_FOLDER,
    Crosswalk,
    Vintage,
    build_crosswalk,
    read_vintages,
)
from ldsa.data.public.standard_population import SOURCE as ESP_SOURCE
from ldsa.data.public.standard_population import check_standard_population
from ldsa.data.schemas import SCHEMA_VERSION
from ldsa.data.store import MANIFEST, STORE_FORMAT, file_sha256
from ldsa.errors import InputFailure, InvalidInputError, InvalidParameterError

#: A key column published only as a total holds this value ("all ages", "both sexes").
ALL = "all"
#: Vintages the public files are published on; the target must be one of them or later.
SOURCE_VINTAGES = ("LAD19", "LAD20", "LAD22")
SURVEY_ESTIMATES = "survey_estimates.parquet"
PUBLISHED_MORTALITY = "published_mortality.parquet"
MISSING_TABLES: dict[str, str] = {
    "tests": "tests and positive tests per authority and day are not in the public files "
    "(the dashboard archive held is cases only); the TRE extract's tests table has them",
    "survey": "infection-survey swabs per participant are record-level and not published; "
    f"ONS's modelled positivity by CIS sub-region and week is in {SURVEY_ESTIMATES} instead",
}
TOTALS_ONLY: dict[str, dict[str, str]] = {
    "cases": {
        "age_band": "cases by age are not in the published LTLA file",
        "sex": "cases by sex are not in the published LTLA file",
    },
    "deaths": {
        "age_band": "weekly deaths by authority are not published by age",
        "sex": "weekly deaths by authority are not published by sex",
        "cause_group": "underlying cause is not published; covid_mentioned splits deaths "
        "involving Covid-19 (any mention) from the rest",
        "week_of_death": "registrations only: week of death is not published (null)",
    },
}
NOTES: dict[str, str] = {
    "deaths.week_registered": "ONS registration weeks (Saturday to Friday), each labelled "
    "by the Monday inside it; registration weeks 1-13 of 2021 only",
    "deprivation.imd_score": "official IoD2019 average score where the authority is "
    "unchanged since 2019; for a merged authority, its districts' scores weighted by "
    "mid-2019 population (an approximation of MHCLG's LSOA-population weighting)",
    "deprivation.most_deprived_share": "share of the authority's LSOAs in England's most "
    "deprived IMD decile, counted from the LSOA deciles",
    "population": "ONS MYE2 mid-2019 and mid-2020 by sex and single year of age (90 = 90+)",
    "published_mortality": "ONS's deaths and age-standardised mortality rates (ESP2013, per "
    "100,000 with the annual mid-2019 population, not adjusted for the period) for deaths "
    "occurring 1 March to 30 June 2020, all causes and involving Covid-19 (any mention), "
    "as published for England, its regions and every authority; an authority that gathers "
    "several published areas has their deaths summed and no rate (it needs deaths by age), "
    "with a note, and each area's own rates as district rows",
}
_AREA_KEYS: dict[str, list[str]] = {
    "cases": ["date", "age_band", "sex"],
    "deaths": [
        "week_registered",
        "age_band",
        "sex",
        "cause_group",
        "covid_mentioned",
        "place_of_death",
    ],
    "population": ["year", "sex", "age"],
    "population_bands": ["year", "sex", "age_band"],
}
_MEASURE = {
    "cases": "cases",
    "deaths": "deaths",
    "population": "population",
    "population_bands": "population",
}


@dataclasses.dataclass(frozen=True)
class _Inputs:
    """Every validated input, on the target vintage."""

    geography: pd.DataFrame
    deprivation: pd.DataFrame
    survey: pd.DataFrame
    published_mortality: pd.DataFrame
    area: dict[str, pd.DataFrame]
    rows: dict[str, int]


def prepare_public_store(
    source_dir: Path, store: Path, *, vintage: str | None = None
) -> dict[str, Any]:
    """Validate the published files under ``source_dir`` and write their prepared store.

    Parameters
    ----------
    source_dir
        A folder laid out like ``../shared/data``: one sub-folder per source, with the
        published files under their published names.
    store
        Folder to write: absent, empty, or an earlier store (replaced atomically); never
        the source folder, inside it or containing it.
    vintage
        Boundary vintage to report on, such as ``"LAD22"`` (the 309 authorities of
        2021-2022) or ``"LAD23"``; None for the latest names-and-codes lookup found.

    Returns
    -------
    dict
        The store manifest.

    Raises
    ------
    InvalidInputError
        With every failure of every published file (nothing is written).
    InvalidParameterError
        When ``vintage`` is unknown or older than a source's boundaries, or ``store``
        overlaps ``source_dir``.
    StoreError
        When ``store`` holds anything but an earlier store (nothing is written or deleted).
    """
    check_destination(source_dir, store)
    store = store.resolve()  # "." has no name to put the partial folder beside
    vintages = read_vintages(source_dir)
    crosswalk = build_crosswalk(vintages, vintage)
    _check_target(vintages, crosswalk.target)
    inputs = _read_inputs(source_dir, {v.name: v for v in vintages}, crosswalk)
    partial = store.with_name(f".{store.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        outputs = _write_tables(inputs, crosswalk, partial)
        manifest = _manifest(source_dir, vintages, crosswalk, inputs.rows, outputs, partial)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _swap_into_place(partial, store)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _check_target(vintages: list[Vintage], target: Vintage) -> None:
    by_name = {v.name: v for v in vintages}
    missing = [name for name in SOURCE_VINTAGES if name not in by_name]
    if missing:
        raise_if(
            [
                InputFailure(
                    f"{GEOGRAPHY_FOLDER}/{name.lower()}_names_codes_uk_*.csv",
                    "*",
                    "file missing (a source is published on this vintage)",
                    -1,
                )
                for name in missing
            ]
        )
    newest = max((by_name[name] for name in SOURCE_VINTAGES), key=lambda v: v.start)
    if target.start < newest.start:
        later = ", ".join(v.name for v in vintages if v.start >= newest.start)
        raise InvalidParameterError(
            f"vintage {target.name!r}: older than the {newest.label} boundaries some public "
            f"files are published on, and merged authorities cannot be split. How to fix: "
            f"pass one of {later}, or none for the latest."
        )


def _read_inputs(source_dir: Path, vintages: dict[str, Vintage], crosswalk: Crosswalk) -> _Inputs:
    steps: dict[str, Callable[[], Any]] = {
        "regions": lambda: lookups.read_regions(source_dir, vintages["LAD19"]),
        "cis": lambda: lookups.read_cis_lookup(source_dir, vintages["LAD19"]),
        "cases": lambda: cases.read_cases(source_dir, vintages["LAD19"]),
        "deaths": lambda: deaths.read_deaths(source_dir, vintages["LAD20"]),
        "population": lambda: population.read_population(source_dir, vintages),
        "deprivation": lambda: deprivation.read_deprivation(source_dir, vintages, crosswalk),
        "esp2013": lambda: check_standard_population(source_dir),
        "mortality_regions": lambda: mortality_rates.read_regions(source_dir),
        "mortality_authorities": lambda: mortality_rates.read_authorities(
            source_dir, vintages["LAD20"]
        ),
    }
    failures: list[InputFailure] = []
    read: dict[str, Any] = {}
    for name, step in steps.items():
        try:
            read[name] = step()
        except InvalidInputError as error:
            failures += error.failures
    if "cis" in read:
        try:
            read["survey"] = survey.read_survey_estimates(
                source_dir, frozenset(read["cis"]["cis_area"])
            )
        except InvalidInputError as error:
            failures += error.failures
    if "mortality_regions" in read and "mortality_authorities" in read:
        try:
            read["published_mortality"] = mortality_rates.published_table(
                read["mortality_regions"], read["mortality_authorities"], crosswalk
            )
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    geography = lookups.geography_table(crosswalk, read["regions"], read["cis"])
    area = _area_tables(crosswalk, read)
    rows = {name: len(read[name]) for name in ("cases", "deaths", "population", "survey")}
    rows["published_mortality"] = len(read["mortality_regions"]) + len(
        read["mortality_authorities"]
    )
    return _Inputs(
        geography, read["deprivation"], read["survey"], read["published_mortality"], area, rows
    )


def _area_tables(crosswalk: Crosswalk, read: dict[str, Any]) -> dict[str, pd.DataFrame]:
    case_rows = read["cases"].assign(age_band=ALL, sex=ALL)
    death_rows = read["deaths"].assign(age_band=ALL, sex=ALL, cause_group=ALL)
    people = read["population"]
    tables = {
        "cases": crosswalk.aggregate(cases.SOURCES[0], case_rows, _AREA_KEYS["cases"], ["cases"]),
        "deaths": crosswalk.aggregate(deaths.SOURCE, death_rows, _AREA_KEYS["deaths"], ["deaths"]),
        "population": crosswalk.aggregate(
            population.EDITIONS[0].source("persons"),
            people,
            _AREA_KEYS["population"],
            ["population"],
        ),
    }
    bands = tables["population"].assign(age_band=age_band(tables["population"]["age"]))
    tables["population_bands"] = (
        bands.groupby(["la_code", *_AREA_KEYS["population_bands"]], sort=False)["population"]
        .sum()
        .reset_index()
        .assign(_order=lambda f: f["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)}))
        .sort_values(["la_code", "year", "sex", "_order"])
        .drop(columns="_order")
    )
    return tables


def _write_tables(inputs: _Inputs, crosswalk: Crosswalk, out: Path) -> dict[str, int]:
    rows = {
        "geography": _write(_arrow(inputs.geography), out / "geography.parquet"),
        "deprivation": _write(_arrow(inputs.deprivation), out / "deprivation.parquet"),
        SURVEY_ESTIMATES.removesuffix(".parquet"): _write(
            _arrow(inputs.survey.sort_values(["source", "cis_area", "week_start"])),
            out / SURVEY_ESTIMATES,
        ),
        PUBLISHED_MORTALITY.removesuffix(".parquet"): _write(
            _arrow(inputs.published_mortality), out / PUBLISHED_MORTALITY
        ),
    }
    regions = inputs.geography.set_index("la_code")["region_code"]
    for name, frame in inputs.area.items():
        keys, measure = _AREA_KEYS[name], _MEASURE[name]
        region = frame.assign(region_code=frame["la_code"].map(regions))
        by_region = region.groupby(["region_code", *keys], sort=True)[measure].sum().reset_index()
        england = frame.groupby(keys, sort=True)[measure].sum().reset_index()
        for level, table in (("region", by_region), ("england", england)):
            rows[f"{level}/{name}"] = _write(
                _arrow(_finish(name, table)), out / level / f"{name}.parquet"
            )
        per_la = _arrow(_finish(name, frame.sort_values(["la_code", *keys], kind="stable")))
        rows[f"la/{name}"] = _write_per_la(per_la, out / "la", name, list(crosswalk.codes))
    return rows


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Put the dummy store's columns in its order (deaths gain a null week_of_death)."""
    if name != "deaths":
        return frame.reset_index(drop=True)
    frame = frame.assign(week_of_death=pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ms]"))
    area = [c for c in ("la_code", "region_code") if c in frame]
    order = [*area, "week_registered", "week_of_death", *_AREA_KEYS["deaths"][1:], "deaths"]
    return frame[order].reset_index(drop=True)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """The store's Parquet types: dates as date32, counts as int64, plain strings."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for field in table.schema:
        type_ = field.type
        if pa.types.is_timestamp(type_):
            type_ = pa.date32()
        elif pa.types.is_integer(type_):
            type_ = pa.int64()
        elif pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
            type_ = pa.string()
        fields.append(pa.field(field.name, type_))
    return table.cast(pa.schema(fields))


def _sources(vintages: list[Vintage]) -> list[PublishedFile]:
    return [
        *(v.source for v in vintages),
        lookups.REGIONS,
        lookups.CIS_LOOKUP,
        *cases.SOURCES,
        deaths.SOURCE,
        mortality_rates.REGIONS,
        mortality_rates.AUTHORITIES,
        *population.sources(),
        deprivation.LA_SUMMARY,
        deprivation.LSOA_DECILES,
        deprivation.LSOA_LOOKUP,
        deprivation.MSOA_POPULATION,
        survey.RELEASES,
        survey.SNAPSHOTS,
        ESP_SOURCE,
    ]


def _manifest(
    source_dir: Path,
    vintages: list[Vintage],
    crosswalk: Crosswalk,
    input_rows: dict[str, int],
    outputs: dict[str, int],
    store: Path,
) -> dict[str, Any]:
    files = sorted(store.rglob("*.parquet"))
    return {
        "store_format": STORE_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "geography_vintage": crosswalk.target.label,
        "ldsa_version": __version__,
        "source": {"kind": "public"},
        "sources": [s.record(source_dir) for s in _sources(vintages)],
        "crosswalk": crosswalk.manifest(),
        "missing_tables": MISSING_TABLES,
        "totals_only": TOTALS_ONLY,
        "notes": NOTES,
        "input_rows": input_rows,
        "output_rows": outputs,
        "files_sha256": {str(p.relative_to(store)): file_sha256(p) for p in files},
    }
