"""Prepare's destination: only an absent or empty folder or an earlier store is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldsa.data import prepare
from ldsa.data.prepare import check_destination
from ldsa.errors import ExitCode, InvalidParameterError, StoreError


def _fake_store(folder: Path, extra: dict[str, str] | None = None) -> Path:
    """A folder laid out like a store: a manifest listing its one table file."""
    (folder / "la").mkdir(parents=True)
    (folder / "la" / "cases.parquet").write_bytes(b"PAR1")
    manifest = {"store_format": "1", "files_sha256": {"la/cases.parquet": "0" * 64}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["absent", "empty", "store", "absent_parent"])
def test_writable_destinations(tmp_path: Path, kind: str) -> None:
    """An absent folder (or parent), an empty folder and an earlier store are accepted."""
    source = (tmp_path / "extract").resolve()
    source.mkdir()
    store = tmp_path / ("new/deeper/store" if kind == "absent_parent" else "store")
    if kind == "empty":
        store.mkdir()
    elif kind == "store":
        _fake_store(store)
    check_destination(source, store)


@pytest.mark.parametrize("store", [".", "sub", "sub/deeper", ".."])
def test_overlap_with_the_input_is_refused(tmp_path: Path, store: str) -> None:
    """A store that is, lies inside or contains the input folder is a parameter error."""
    source = tmp_path / "extract"
    source.mkdir()
    (source / "cases.parquet").write_bytes(b"data")
    with pytest.raises(InvalidParameterError, match="overlap the input folder") as caught:
        check_destination(source, source / store)
    assert caught.value.exit_code == ExitCode.INVALID_PARAMETER
    assert _snapshot(source) == {"cases.parquet": b"data"}


def test_overlap_through_a_link_is_refused(tmp_path: Path) -> None:
    """The input reached through a symbolic link is still the input."""
    source = tmp_path / "extract"
    source.mkdir()
    (tmp_path / "alias").symlink_to(source)
    with pytest.raises(InvalidParameterError, match="overlap"):
        check_destination(source, tmp_path / "alias")


def test_folder_of_user_files_is_refused(tmp_path: Path) -> None:
    """A non-empty folder without a store manifest is refused, and left as it was."""
    store = tmp_path / "mine"
    (store / "sub").mkdir(parents=True)
    (store / "sub" / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not empty and not an ldsa store") as caught:
        check_destination(tmp_path / "extract", store)
    assert caught.value.exit_code == ExitCode.STORE
    assert "notes.txt" not in str(caught.value)
    assert _snapshot(store) == {"sub/notes.txt": b"keep me"}


@pytest.mark.parametrize(
    "manifest",
    ["{not json", "[1, 2]", '{"files_sha256": {}}', '{"store_format": "1", "files_sha256": []}'],
)
def test_folder_with_a_foreign_manifest_is_refused(tmp_path: Path, manifest: str) -> None:
    """A manifest.json that is not a store's (unreadable, or listing no files) is refused."""
    store = tmp_path / "mine"
    store.mkdir()
    (store / "manifest.json").write_text(manifest)
    with pytest.raises(StoreError, match="not an ldsa store"):
        check_destination(tmp_path / "extract", store)


def test_store_holding_user_files_is_refused(tmp_path: Path) -> None:
    """A store with a file its manifest does not list is refused (prepare would delete it)."""
    store = _fake_store(tmp_path / "store", {"notes.txt": "keep me"})
    with pytest.raises(StoreError, match="1 file"):
        check_destination(tmp_path / "extract", store)
    assert _snapshot(store)["notes.txt"] == b"keep me"


def test_regular_file_is_refused(tmp_path: Path) -> None:
    """A regular file in the store's place is refused, not replaced."""
    target = tmp_path / "storefile"
    target.write_text("keep me")
    with pytest.raises(StoreError, match="not a folder"):
        check_destination(tmp_path / "extract", target)
    assert target.read_text() == "keep me"


def test_symbolic_link_is_refused(tmp_path: Path) -> None:
    """A link in the store's place is refused (replacing it would not write where it points)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(StoreError, match="symbolic link"):
        check_destination(tmp_path / "extract", tmp_path / "link")


def test_failed_final_rename_puts_the_earlier_store_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the complete store cannot be renamed into place, the earlier store is restored."""
    store = _fake_store(tmp_path / "store")
    before = _snapshot(store)
    partial = tmp_path / ".store.partial-1"
    partial.mkdir()
    rename = Path.rename

    def failing(self: Path, target: Path) -> Path:
        if self == partial:
            raise OSError("disk gone")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OSError, match="disk gone"):
        prepare._swap_into_place(partial, store)
    assert _snapshot(store) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.partial-1", "store"]
