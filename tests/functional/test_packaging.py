"""The built wheel carries the package data and runs ``ldsa --version`` from its own files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_contents_and_entry_point(tmp_path: Path) -> None:
    """The wheel holds templates, ESP2013 and policies, and its ldsa runs from an unpacked copy."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
         str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("ldsa-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unpacked")
    assert "ldsa/run/templates/report.html.j2" in names
    assert "ldsa/stats/data/esp2013.csv" in names
    assert "ldsa/py.typed" in names
    assert "ldsa/notebooks/overview.ipynb" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ldsa = ldsa.cli:console_main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    environment = {**os.environ, "PYTHONPATH": str(tmp_path / "unpacked")}
    check = (
        "import ldsa, importlib.resources as r; "
        "assert ldsa.__file__.startswith({!r}); "
        "assert (r.files('ldsa.stats') / 'data' / 'esp2013.csv').is_file(); "
        "from ldsa.run.templates import discover; "
        "assert str(discover()['overview'].path).startswith({!r}); "
        "from ldsa.cli import main; raise SystemExit(main(['--version']))"
    ).format(str(tmp_path / "unpacked"), str(tmp_path / "unpacked"))
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=tmp_path, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ldsa ")
