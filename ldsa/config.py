"""Where ldsa keeps generated files between runs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Cache of dummy stores and disclosure plans (``LDSA_CACHE_DIR`` overrides).

    Defaults to ``$XDG_CACHE_HOME/ldsa`` or ``~/.cache/ldsa``.
    """
    configured = os.environ.get("LDSA_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ldsa"
