"""The prepared store: aggregated tables, one small folder per authority, and a manifest.

Layout (``STORE_FORMAT`` 1)::

    manifest.json               schema version, input hashes, row counts, file hashes
    geography.parquet           one row per authority
    deprivation.parquet         one row per authority
    survey.parquet              swabs, positives, distinct participants and households by
                                CIS area, week, age band, sex
    survey_samples.parquet      the same by CIS area and week, for all ages and per survey
                                age group (distinct counts of each row: exact)
    survey_estimates.parquet    public stores only: ONS modelled positivity by CIS area, week
    published_mortality.parquet public stores only: ONS deaths and age-standardised rates,
                                March to June 2020, for England, regions and authorities
    small_areas.parquet         extracts with small areas only: one row per small area (code,
                                name, authority, population, IMD-like score, deprivation
                                quintile within the authority, 1 = most deprived)
    la/<la_code>/<table>.parquet     one authority's aggregates (loads in milliseconds)
    la/<la_code>/cases_small_area.parquet   daily cases per small area (with small_areas)
    region/<table>.parquet      the same aggregates by region (comparators)
    england/<table>.parquet     the same aggregates for England (comparators)

``<table>`` is one of :data:`AREA_TABLES`. Every table is a plain Parquet file with dates as
``date32``; :class:`Store` reads them into pandas with dates as ``datetime64[ms]``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ldsa.data.schemas import SCHEMA_VERSION
from ldsa.errors import StoreError
from ldsa.geography import Authority, Geography

STORE_FORMAT = "1"
MANIFEST = "manifest.json"
#: Aggregates held for every authority, region and England.
AREA_TABLES: tuple[str, ...] = ("cases", "tests", "deaths", "population", "population_bands")
AREA_LEVELS: tuple[str, ...] = ("la", "region", "england")


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(functools.partial(handle.read, 1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_parquet(
    path: Path, columns: Sequence[str] | None = None, region_code: str | None = None
) -> pd.DataFrame:
    """Read a store table into pandas: dates as datetime64[ms], strings as plain str
    (``columns``: only these; ``region_code``: only that region's rows)."""
    rows = None if region_code is None else [("region_code", "=", region_code)]
    table = pq.read_table(path, columns=None if columns is None else list(columns), filters=rows)
    return _dates_as_ms(table.to_pandas(date_as_object=False))


@functools.lru_cache(maxsize=64)
def _cached(
    path: str, columns: tuple[str, ...] | None, region_code: str | None, stamp: tuple[int, int]
) -> pd.DataFrame:
    """A table read once per process (a report reads its region's and England's tables for
    several sections); ``stamp`` (size, modification time) keys out a changed file."""
    return read_parquet(Path(path), columns, region_code)


@functools.lru_cache(maxsize=8)
def _cached_authorities(
    root: str, files: tuple[str, ...], stamps: tuple[tuple[int, int], ...]
) -> pd.DataFrame:
    """Every authority's file of one table, read once per process (``stamps`` keys out a
    changed file)."""
    dataset = ds.dataset(
        list(files),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([("la_code", pa.string())])),
        partition_base_dir=root,
    )
    return _dates_as_ms(dataset.to_table().to_pandas(date_as_object=False))


def _dates_as_ms(frame: pd.DataFrame) -> pd.DataFrame:
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype):
            frame[name] = frame[name].astype("datetime64[ms]")
    return frame


@dataclasses.dataclass(frozen=True)
class Store:
    """A prepared store opened for reading.

    Parameters
    ----------
    path
        The store folder written by ``ldsa prepare``.
    """

    path: Path

    def __post_init__(self) -> None:
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            raise StoreError(
                f"{self.path}: not a prepared store (no {MANIFEST}). How to fix: run "
                "`ldsa prepare EXTRACT STORE`, or `ldsa run` to build the dummy store."
            )
        info = self.manifest
        if info.get("store_format") != STORE_FORMAT or info.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(
                f"{manifest}: store format {info.get('store_format')!r} / schema "
                f"{info.get('schema_version')!r}, but this ldsa reads format {STORE_FORMAT!r} / "
                f"schema {SCHEMA_VERSION!r}. How to fix: prepare the store again."
            )

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """The store's manifest.json."""
        try:
            info: object = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise StoreError(
                f"{self.path / MANIFEST}: unreadable ({type(error).__name__}). How to fix: "
                "prepare the store again."
            ) from None
        if not isinstance(info, dict):
            raise StoreError(
                f"{self.path / MANIFEST}: not a store manifest (expected a JSON object, got "
                f"{type(info).__name__}). How to fix: prepare the store again."
            )
        return info

    @functools.cached_property
    def sha256(self) -> str:
        """Hash of the manifest, which lists the hash of every file in the store."""
        return file_sha256(self.path / MANIFEST)

    @property
    def is_dummy(self) -> bool:
        """True when the store was prepared from generated dummy data."""
        return self.source_kind == "dummy"

    @property
    def source_kind(self) -> str:
        """Where the data came from: ``dummy``, ``public`` (published files) or
        ``extract`` (a record-level extract)."""
        kind = self.manifest.get("source", {}).get("kind")
        return kind if kind in ("dummy", "public") else "extract"

    @property
    def sources(self) -> tuple[str, ...]:
        """Each published source file in words (title, publisher, vintage, licence), once
        each; empty unless the store was prepared from published files."""
        lines = (
            f"{s.get('title', '')}. {s.get('publisher', '')}; {s.get('vintage', '')}; "
            f"{s.get('licence', '')}."
            for s in self.manifest.get("sources", [])
            if isinstance(s, dict)
        )
        return tuple(dict.fromkeys(lines))

    @functools.cached_property
    def geography(self) -> Geography:
        """The authorities this store covers."""
        return Geography.from_frame(self._read(self.path / "geography.parquet"))

    def authority(self, la_code: str) -> Authority:
        """The authority with this code (validated)."""
        return self.geography.authority(la_code)

    def deprivation(self) -> pd.DataFrame:
        """IMD score, rank and decile of every authority."""
        return self._read(self.path / "deprivation.parquet")

    def survey(self) -> pd.DataFrame:
        """Survey swabs and positives, and the distinct participants and households with a
        valid swab, by CIS area, week, age band and sex."""
        return self._read(self.path / "survey.parquet")

    def survey_samples(self) -> pd.DataFrame:
        """The survey's sample by CIS area and week, for all ages (``age_group`` "all") and
        per survey age group: swabs, positives, distinct participants and households."""
        return self._read(self.path / "survey_samples.parquet")

    @property
    def has_survey_samples(self) -> bool:
        """Whether the store holds :meth:`survey_samples` (stores prepared by ldsa before
        it counted participants and households do not: prepare them again)."""
        return (self.path / "survey_samples.parquet").is_file()

    @property
    def missing_tables(self) -> dict[str, str]:
        """Tables this store lacks because its inputs do not have them, with the reason
        (a public store has no tests or survey swabs); empty for an extract's store."""
        return dict(self.manifest.get("missing_tables", {}))

    @property
    def has_small_areas(self) -> bool:
        """Whether the store holds cases per small area (stores prepared from published
        files, or by ldsa before it carried small areas, do not)."""
        return (self.path / "small_areas.parquet").is_file()

    def small_areas(self, la_code: str) -> pd.DataFrame:
        """One authority's small areas: ``msoa_code``, ``msoa_name``, ``population``,
        ``imd_score`` and ``imd_quintile`` (within the authority, 1 = most deprived)."""
        self.geography.validate_code(la_code)
        frame = self._read(self.path / "small_areas.parquet")
        mine = frame[frame["la_code"] == la_code].drop(columns=["la_code"])
        return mine.reset_index(drop=True)

    def small_area_cases(self, la_code: str) -> pd.DataFrame:
        """One authority's daily cases per small area: ``date``, ``msoa_code``, ``cases``
        (days without a case in an area have no row)."""
        self.geography.validate_code(la_code)
        return self._read(self.path / "la" / la_code / "cases_small_area.parquet")

    def survey_estimates(self) -> pd.DataFrame:
        """Published modelled survey positivity by CIS area and week (public stores)."""
        return self._read(self.path / "survey_estimates.parquet")

    @property
    def has_published_mortality(self) -> bool:
        """Whether the store holds :meth:`published_mortality` (public stores)."""
        return (self.path / "published_mortality.parquet").is_file()

    def published_mortality(self) -> pd.DataFrame:
        """ONS's published deaths and age-standardised mortality rates, deaths occurring
        1 March to 30 June 2020, by level, area, cause and sex (public stores)."""
        return self._read(self.path / "published_mortality.parquet")

    def la_table(
        self, la_code: str, table: str, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One authority's slice of an aggregate table (``columns``: only these)."""
        self.geography.validate_code(la_code)
        return self._read(self.path / "la" / la_code / f"{_table(table)}.parquet", columns)

    def all_la_table(self, table: str) -> pd.DataFrame:
        """Every authority's slice of an aggregate table, with an ``la_code`` column."""
        root = self.path / "la"
        files = [root / code / f"{_table(table)}.parquet" for code in self.geography.codes]
        missing = [f for f in files if not f.is_file()]
        if missing:
            self._read(missing[0])  # raises the incomplete-store error
        stamps = tuple((f.stat().st_size, f.stat().st_mtime_ns) for f in files)
        try:
            frame = _cached_authorities(str(root), tuple(map(str, files)), stamps)
        except (pa.ArrowException, OSError) as error:
            raise self._unreadable(root / "*" / f"{table}.parquet", error) from None
        return frame.copy(deep=False)

    def region_table(
        self, region_code: str, table: str, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One region's rows of an aggregate table (``columns``: only these)."""
        # Filtered as it is read: a region's rows are a ninth of the file.
        return self._read(self.path / "region" / f"{_table(table)}.parquet", columns, region_code)

    def england_table(self, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """England's rows of an aggregate table (``columns``: only these)."""
        return self._read(self.path / "england" / f"{_table(table)}.parquet", columns)

    def _read(
        self, path: Path, columns: Sequence[str] | None = None, region_code: str | None = None
    ) -> pd.DataFrame:
        if not path.is_file():
            relative = path.relative_to(self.path)
            table = path.name.removesuffix(".parquet")
            if table in self.missing_tables:
                raise StoreError(
                    f"{self.path}: this store has no {table} table: {self.missing_tables[table]}."
                )
            raise StoreError(
                f"{self.path}: store file {relative} is missing; the store is incomplete. "
                "How to fix: prepare the store again."
            )
        status = path.stat()
        key = None if columns is None else tuple(dict.fromkeys(columns))
        try:
            frame = _cached(str(path), key, region_code, (status.st_size, status.st_mtime_ns))
        except (pa.ArrowException, OSError) as error:
            raise self._unreadable(path, error) from None
        # A shallow copy: pandas copies on write, so a caller's changes never reach the cache.
        return frame.copy(deep=False)

    def _unreadable(self, path: Path, error: Exception) -> StoreError:
        """The error for a store file that exists but cannot be read (truncated, damaged)."""
        return StoreError(
            f"{self.path}: store file {path.relative_to(self.path)} is unreadable or truncated "
            f"({type(error).__name__}; expected a complete Parquet file). How to fix: prepare "
            "the store again."
        )


def _table(table: str) -> str:
    if table not in AREA_TABLES:
        raise StoreError(
            f"table {table!r}: not a store table; expected one of {', '.join(AREA_TABLES)}."
        )
    return table
