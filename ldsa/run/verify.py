"""A store checked against its own manifest before a run reads it.

The store's SHA-256 (the hash of its manifest) names the data in every report, manifest
and cache key, and the manifest lists the SHA-256 of every file. A file changed, swapped or
truncated after ``ldsa prepare`` would be reported under a hash that does not describe it,
and the answer would depend on what each cache had already read. Every listed file is
hashed once per run, in the run's own process, before disclosure planning or any job.
"""

from __future__ import annotations

from pathlib import Path

from ldsa.data.store import MANIFEST, Store, file_sha256
from ldsa.errors import StoreError

#: Files named in the error when many differ.
_NAMED = 5


def verify_store(store: Store) -> None:
    """Check every file the store's manifest lists against its recorded SHA-256.

    Raises
    ------
    StoreError
        When the manifest lists no file hashes, or a listed file is missing, unreadable or
        differs from its hash; the message names the files (never their contents).
    """
    listed = store.manifest.get("files_sha256")
    if not isinstance(listed, dict) or not listed:
        raise StoreError(
            f"{store.path / MANIFEST}: lists no file hashes, so the store cannot be checked. "
            "How to fix: prepare the store again."
        )
    changed = sorted(
        str(name) for name, digest in listed.items() if not _matches(store.path, name, digest)
    )
    if changed:
        named = ", ".join(changed[:_NAMED]) + (
            f" and {len(changed) - _NAMED} more" if len(changed) > _NAMED else ""
        )
        raise StoreError(
            f"{store.path}: {len(changed)} store file(s) missing or changed since the store was "
            f"prepared (their SHA-256 is not the manifest's): {named}. How to fix: prepare "
            "the store again; never edit or copy files inside a store."
        )


def _matches(root: Path, name: object, digest: object) -> bool:
    if not isinstance(name, str) or not isinstance(digest, str):
        return False
    path = root / name
    if not path.resolve().is_relative_to(root.resolve()) or not path.is_file():
        return False  # a listed name outside the store, or a folder: not the file recorded
    try:
        return file_sha256(path) == digest
    except OSError:
        return False
