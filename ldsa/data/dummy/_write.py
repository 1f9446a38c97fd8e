"""Parquet output: Arrow types per table, chunked atomic writes, and extract.json."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "date": pa.date32(),
    "float": pa.float64(),
    "bool": pa.bool_(),
}


def _schema(columns: str) -> pa.Schema:
    """Arrow schema from ``"name:type name:type ..."``."""
    return pa.schema([(n, _TYPES[t]) for n, t in (c.split(":") for c in columns.split())])


#: Arrow type of every column, in the order of the schema in ldsa.data.schemas.
ARROW_SCHEMAS: dict[str, pa.Schema] = {
    "geography": _schema(
        "la_code:str la_name:str la_type:str utla_code:str region_code:str region_name:str "
        "cis_area:str"
    ),
    "deprivation": _schema("la_code:str imd_score:float imd_rank:int imd_decile:int"),
    "population": _schema("year:int la_code:str sex:str age:int population:int"),
    "deaths": _schema(
        "date_of_death:date date_of_registration:date la_code:str age:int sex:str "
        "underlying_cause:str covid_mentioned:bool place_of_death:str"
    ),
    "cases": _schema(
        "specimen_date:date la_code:str msoa_code:str age:int sex:str pillar:str test_type:str"
    ),
    "tests": _schema("date:date la_code:str tests:int positive_tests:int"),
    "survey": _schema(
        "visit_date:date participant_id:int household_id:int la_code:str cis_area:str age:int "
        "sex:str result:str"
    ),
    "small_areas": _schema(
        "msoa_code:str msoa_name:str la_code:str population:int imd_score:float"
    ),
}
_ROW_GROUP = 1_000_000
#: Rows generated and written at a time: bounds memory at scale 1 (20 million cases).
CHUNK_ROWS = 2_000_000
_PARTIAL = ".partial"


class ChunkWriter(Protocol):
    """Writes one chunk of columns (name to NumPy or Arrow array) to an open table."""

    def __call__(self, columns: dict[str, Any]) -> None: ...


def categories(codes: npt.NDArray[np.integer[Any]], values: tuple[str, ...]) -> pa.Array:
    """Return a string column from positions into ``values`` (cheap for millions of rows)."""
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(values, type=pa.string())
    )
    return dictionary.cast(pa.string())


def blocks(rows: npt.NDArray[np.int64]) -> list[npt.NDArray[np.int64]]:
    """Split positions (LAs) into consecutive blocks of about CHUNK_ROWS rows in all."""
    block_of = np.cumsum(rows) // CHUNK_ROWS
    return [np.flatnonzero(block_of == b) for b in np.unique(block_of)]


def dates(days: npt.NDArray[np.int64]) -> pa.Array:
    """Return a date32 column from days since 1970-01-01."""
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


class _TableWriter:
    """Appends chunks of rows to an open Parquet file and counts them."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema) -> None:
        self._writer = writer
        self._schema = schema
        self.rows = 0

    def __call__(self, columns: dict[str, Any]) -> None:
        arrays = [_arrow(columns[f.name], f.type) for f in self._schema]
        chunk = pa.Table.from_arrays(arrays, schema=self._schema)
        self._writer.write_table(chunk, _ROW_GROUP)
        self.rows += chunk.num_rows


@contextmanager
def table_writer(out_dir: Path, table: str) -> Iterator[_TableWriter]:
    """Open ``table``'s Parquet file under a temporary name, renamed when complete."""
    final = out_dir / f"{table}.parquet"
    partial = final.with_name(final.name + _PARTIAL)
    schema = ARROW_SCHEMAS[table]
    writer = pq.ParquetWriter(partial, schema, compression="zstd", write_statistics=True)
    try:
        yield _TableWriter(writer, schema)
        writer.close()
        os.replace(partial, final)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Write JSON with sorted keys atomically (temporary name, then rename)."""
    partial = path.with_name(path.name + _PARTIAL)
    partial.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _arrow(values: Any, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    if arrow_type == pa.date32():
        return dates(np.asarray(values))
    return pa.array(values, type=arrow_type)
