"""Atomic file writes: a temporary name in the same folder, then a rename.

A reader never sees a half-written file under its final name, and a killed writer leaves
only a hidden ``.<name>.partial-<pid>`` file, which nothing treats as complete.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PARTIAL_MARK = ".partial-"


def partial_path(path: Path) -> Path:
    """The temporary name ``path`` is written under before the rename."""
    return path.with_name(f".{path.name}{PARTIAL_MARK}{os.getpid()}")


def write_atomic(path: Path, data: str | bytes) -> str:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return its SHA-256."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(path)
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return hashlib.sha256(content).hexdigest()


def remove_partials(folder: Path) -> None:
    """Delete the leftovers of killed writers anywhere under ``folder``."""
    for leftover in folder.rglob(f".*{PARTIAL_MARK}*"):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
