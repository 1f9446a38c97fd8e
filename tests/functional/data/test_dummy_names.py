"""The dummy country's names are fictional: none is a real authority's (../shared lists)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ldsa.data.dummy import generate_extract

#: Real authority names that must never appear (the full lists in ../shared are also used).
REAL_NAMES = (
    "Birmingham", "Leeds", "Manchester", "Liverpool", "Cornwall", "Isles of Scilly",
    "City of London", "Westminster", "Ashford", "Selby", "Pendle", "Norwich", "Bristol",
    "Oxford", "Cambridge", "Durham", "Hartlepool", "Torbay", "Rutland", "Wigan", "Hart",
    "Eden", "Bath", "Kent", "Surrey", "Lincoln", "Preston", "Reading", "Slough", "York",
)  # fmt: skip


def test_names_are_fictional(geography: pd.DataFrame, shared_dir: Path) -> None:
    """No name matches or contains a real authority's name (nor any in ../shared lists)."""
    real = set(REAL_NAMES)
    lists = sorted((shared_dir / "data" / "geography").glob("lad*_names_codes_*.csv"))
    assert lists, "no LAD name lists in ../shared/data/geography"
    for path in lists:
        table = pd.read_csv(path)
        real |= set(table[next(c for c in table.columns if c.endswith("NM"))].dropna())
    names = list(geography["la_name"])
    assert len(set(names)) == len(names)
    for name in names:
        for real_name in real:
            pattern = rf"\b{re.escape(real_name.lower())}\b"
            assert not re.search(pattern, name.lower()), (name, real_name)


@pytest.fixture(scope="module")
def geography(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The geography table of a small dummy extract (names do not depend on scale)."""
    out_dir = tmp_path_factory.mktemp("dummy_names")
    generate_extract(out_dir, seed=11, scale=0.002)
    return pq.read_table(out_dir / "geography.parquet").to_pandas()
