"""Fixtures of the public-data tests: the published files, their vintages, one store."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from ldsa.data.public import Crosswalk, build_crosswalk, prepare_public_store, read_vintages
from ldsa.data.public.crosswalk import Vintage


@pytest.fixture(scope="session")
def public_dir(shared_dir: Path) -> Path:
    """The published files (../shared/data)."""
    return shared_dir / "data"


@pytest.fixture(scope="session")
def vintages(public_dir: Path) -> dict[str, Vintage]:
    """Every boundary vintage of the geography lookups, by name."""
    return {v.name: v for v in read_vintages(public_dir)}


@pytest.fixture(scope="session")
def crosswalk(vintages: dict[str, Vintage]) -> Crosswalk:
    """The crosswalk to the default (latest) vintage."""
    return build_crosswalk(list(vintages.values()))


@pytest.fixture(scope="session")
def public_store(
    public_dir: Path, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Path:
    """The store prepared from the published files on the default vintage: built once per
    run, by the first test worker that needs it, under pytest's shared temporary folder."""
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent
    store = root / "public-store"
    with (root / "public-store.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait, then reuse it
        if not store.is_dir():
            prepare_public_store(public_dir, store)
    return store


@pytest.fixture
def linked_sources(public_dir: Path, tmp_path: Path) -> Path:
    """A source folder under tmp_path whose files are links to the published ones, for
    tests that plant a defective copy of one file."""
    out = tmp_path / "sources"
    for folder in public_dir.iterdir():
        if folder.is_dir():
            (out / folder.name).mkdir(parents=True)
            for file in folder.iterdir():
                (out / folder.name / file.name).symlink_to(file)
    return out
