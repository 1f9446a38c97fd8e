"""Where ldsa keeps generated files between runs."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
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


@functools.cache
def code_fingerprint(*modules: str) -> str:
    """SHA-256 of the source of some ldsa modules or packages (every ``.py`` file in them).

    Cache keys include it, so that a changed generator or disclosure rule never reuses
    what older code wrote.
    """
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"code_fingerprint: no module {name!r}")
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for file in files:
            digest.update(file.name.encode("utf-8"))
            digest.update(file.read_bytes())
    return digest.hexdigest()
