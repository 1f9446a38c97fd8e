"""The built-in dummy store: generated once per (seed, scale), then reused from a cache."""

from __future__ import annotations

from pathlib import Path

from ldsa.config import cache_dir, code_fingerprint
from ldsa.data.dummy import DEFAULT_SCALE, DEFAULT_SEED
from ldsa.data.schemas import SCHEMA_VERSION
from ldsa.data.store import MANIFEST, Store


def dummy_dir(seed: int = DEFAULT_SEED, scale: float = DEFAULT_SCALE) -> Path:
    """The cache folder of one dummy extract and its store.

    Keyed by seed, scale, schema version and the code that generates and prepares it, so
    a changed generator never reuses an old store.
    """
    code = code_fingerprint("ldsa.data")[:12]
    return cache_dir() / f"dummy-seed{seed}-scale{scale:g}-schema{SCHEMA_VERSION}-{code}"


def default_store_path() -> Path:
    """The store the templates' default ``store="dummy"`` parameter refers to."""
    return dummy_dir() / "store"


def ensure_dummy_store(seed: int = DEFAULT_SEED, scale: float = DEFAULT_SCALE) -> Path:
    """Return the dummy store for ``seed`` and ``scale``, generating and preparing it if needed."""
    from ldsa.data.dummy import generate_extract  # imported here: only this path needs it
    from ldsa.data.prepare import prepare_store

    folder = dummy_dir(seed, scale)
    store = folder / "store"
    if (store / MANIFEST).is_file():
        source = Store(store).manifest.get("source", {})
        if source.get("seed") == seed and source.get("scale") == scale:
            return store
    generate_extract(folder / "extract", seed=seed, scale=scale)
    prepare_store(folder / "extract", store)
    return store
