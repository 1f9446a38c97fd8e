"""Shared fixtures (the ../shared folder, small stores, policies), the hypothesis profile,
and each test's layer, from its folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from ldsa.sdc import Policy, load_policy

# Derandomised so that CI runs the same examples every time; no deadline on noisy machines.
# No example database, and hypothesis's own cache in a temporary folder: tests write
# nothing into the working tree.
settings.register_profile("ldsa", derandomize=True, deadline=None, print_blob=True, database=None)
settings.load_profile("ldsa")
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="ldsa-hypothesis-"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's ../shared folder; skip (or fail under LDSA_REQUIRE_SHARED=1) if absent."""
    if SHARED.is_dir():
        return SHARED
    message = f"../shared not found at {SHARED}: reference data and public files are needed"
    if os.environ.get("LDSA_REQUIRE_SHARED") == "1":
        pytest.fail(message + " (LDSA_REQUIRE_SHARED=1)")
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep ldsa's cache (dummy stores, disclosure plans) under the test's temporary folder."""
    previous = os.environ.get("LDSA_CACHE_DIR")
    os.environ["LDSA_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        del os.environ["LDSA_CACHE_DIR"]
    else:
        os.environ["LDSA_CACHE_DIR"] = previous


SMALL_SEED = 7
SMALL_SCALE = 0.01


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dummy extract (scale 0.01): every authority, realistic shapes, few records."""
    from ldsa.data.dummy import generate_extract

    out = tmp_path_factory.mktemp("dummy") / "extract"
    generate_extract(out, seed=SMALL_SEED, scale=SMALL_SCALE)
    return out


@pytest.fixture(scope="session")
def small_store(small_extract: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared store of :func:`small_extract`."""
    from ldsa.data.prepare import prepare_store

    store = tmp_path_factory.mktemp("store") / "store"
    prepare_store(small_extract, store)
    return store


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    """The ONS-SRS-style default preset (threshold 10, no rounding)."""
    return load_policy("default")


@pytest.fixture(scope="session")
def strict_policy() -> Policy:
    """The OpenSAFELY-style strict preset (redact 7 or fewer, round to 5)."""
    return load_policy("strict")


#: Test layers, one folder each (tests/<layer>/...), finest first.
LAYERS = ("unit", "property", "golden", "functional", "acceptance")
#: Fixtures that build a dummy store or read the published files: never in a unit test.
_HEAVY_FIXTURES = {"small_extract", "small_store", "public_store", "public_dir", "shared_dir"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its layer, the folder it lives in (``-m unit`` runs the fast
    layer alone), and refuse a unit test that needs a store, shared data or a kernel."""
    root = Path(__file__).parent
    for item in items:
        parts = Path(str(item.path)).relative_to(root).parts
        layer = parts[0] if parts[0] in LAYERS else None
        if layer is None:
            raise pytest.UsageError(f"{item.nodeid}: tests live in one of tests/{LAYERS}.")
        heavy = set(getattr(item, "fixturenames", ())) & _HEAVY_FIXTURES
        if layer == "unit" and (heavy or item.get_closest_marker("kernel")):
            raise pytest.UsageError(
                f"{item.nodeid}: a unit test may not use {sorted(heavy) or 'a kernel'}; "
                "move it to tests/functional."
            )
        item.add_marker(getattr(pytest.mark, layer))
