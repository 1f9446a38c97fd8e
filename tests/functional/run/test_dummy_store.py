"""The built-in dummy store: built once per seed, scale and code, then reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.data.store import Store
from ldsa.run import dummy_store


def test_built_once_then_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call generates and prepares the store; later calls reuse it untouched."""
    monkeypatch.setenv("LDSA_CACHE_DIR", str(tmp_path))
    path = dummy_store.ensure_dummy_store(seed=5, scale=0.002)
    assert path.is_relative_to(tmp_path)
    assert Store(path).manifest["source"] == {
        "kind": "dummy",
        "period_end": "2022-03-31",
        "period_start": "2020-03-01",
        "scale": 0.002,
        "seed": 5,
    }
    before = (path / "manifest.json").stat().st_mtime_ns
    import ldsa.data.dummy

    monkeypatch.setattr(ldsa.data.dummy, "generate_extract", lambda *a, **k: pytest.fail("rebuilt"))
    assert dummy_store.ensure_dummy_store(seed=5, scale=0.002) == path
    assert (path / "manifest.json").stat().st_mtime_ns == before


def test_key_names_seed_scale_schema_and_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Different seeds or scales get different folders; the default store is the default key."""
    monkeypatch.setenv("LDSA_CACHE_DIR", str(tmp_path))
    assert dummy_store.dummy_dir(1, 0.1) != dummy_store.dummy_dir(2, 0.1)
    assert dummy_store.dummy_dir(1, 0.1) != dummy_store.dummy_dir(1, 0.2)
    name = dummy_store.default_store_path().parent.name
    assert name.startswith("dummy-seed20200301-scale1-schema1-")
