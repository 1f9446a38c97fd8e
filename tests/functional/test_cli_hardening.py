"""Hostile command lines (issue 14): each is refused with its exit code and a message that
names no planted value, and nothing the user had is deleted or left half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ldsa.cli import main
from ldsa.data import store as store_module
from ldsa.data.store import MANIFEST, Store
from ldsa.errors import ExitCode, StoreError
from ldsa.testing import write_tiny_extract


def ldsa(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Run ``ldsa`` in this process; return its exit code and everything it printed."""
    code = main([str(arg) for arg in args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root`` (file contents; None for folders and links)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        if p.is_file() and not p.is_symlink()
        else None
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """A tiny valid extract."""
    return write_tiny_extract(tmp_path / "extract")


# --- item 1: prepare writes only into an absent or empty folder, or over an earlier store


@pytest.mark.parametrize(
    ("store", "exit_code", "message"),
    [
        ("user", ExitCode.STORE, "not empty and not an ldsa store"),
        ("extract", ExitCode.INVALID_PARAMETER, "overlap the input folder"),
        ("extract/store", ExitCode.INVALID_PARAMETER, "overlap the input folder"),
        (".", ExitCode.INVALID_PARAMETER, "overlap the input folder"),
        ("storefile", ExitCode.STORE, "not a folder"),
        ("link", ExitCode.STORE, "symbolic link"),
    ],
)
def test_prepare_refuses_a_destination_it_would_damage(
    capsys: pytest.CaptureFixture[str],
    extract: Path,
    tmp_path: Path,
    store: str,
    exit_code: ExitCode,
    message: str,
) -> None:
    """prepare onto a user's folder, the extract itself, inside or around it, a file or a
    link is refused before anything is written, and every file is left as it was."""
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "notes.txt").write_text("PLANTED-NOTE-7Q")
    (tmp_path / "storefile").write_text("PLANTED-FILE-7Q")
    (tmp_path / "link").symlink_to(tmp_path / "user")
    before = _tree(tmp_path)
    code, text = ldsa(capsys, "prepare", extract, tmp_path / store)
    assert code == exit_code, text
    assert message in text
    assert "PLANTED" not in text
    assert "Traceback" not in text
    assert _tree(tmp_path) == before  # nothing deleted, nothing half-written


def test_public_prepare_refuses_its_own_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """prepare --from public into the published files' folder is refused before reading it."""
    source = tmp_path / "public"
    source.mkdir()
    (source / "cases.csv").write_text("PLANTED-CSV-7Q")
    code, text = ldsa(capsys, "prepare", "--from", "public", source, source / "store")
    assert code == ExitCode.INVALID_PARAMETER, text
    assert _tree(source) == {"cases.csv": b"PLANTED-CSV-7Q"}
    code, text = ldsa(capsys, "prepare", "--from", "public", source, tmp_path / "user-file")
    assert code == ExitCode.INVALID_INPUT, text  # a real path: read, found wanting
    assert not (tmp_path / "user-file").exists()


def test_prepare_replaces_an_earlier_store_and_fills_an_empty_folder(
    capsys: pytest.CaptureFixture[str], extract: Path, tmp_path: Path
) -> None:
    """An empty folder is filled and an earlier store replaced, leaving no temporary folder;
    a store that also holds a user's file is refused and keeps it."""
    (tmp_path / "store").mkdir()
    assert ldsa(capsys, "prepare", extract, tmp_path / "store")[0] == ExitCode.OK
    assert ldsa(capsys, "prepare", extract, tmp_path / "store")[0] == ExitCode.OK
    assert Store(tmp_path / "store").geography.codes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extract", "store"]
    (tmp_path / "store" / "notes.txt").write_text("PLANTED-NOTE-7Q")
    code, text = ldsa(capsys, "prepare", extract, tmp_path / "store")
    assert code == ExitCode.STORE
    assert "1 file(s)" in text
    assert "PLANTED" not in text
    assert (tmp_path / "store" / "notes.txt").read_text() == "PLANTED-NOTE-7Q"
    assert (tmp_path / "store" / MANIFEST).is_file()


# --- item 2: a weakened policy never goes through unnoticed

DEFAULT_YAML = (Path(__file__).parents[2] / "ldsa" / "policies" / "default.yaml").read_text()


def _weak_policies() -> dict[str, str]:
    renamed = DEFAULT_YAML.replace("name: default", "name: mine")
    return {
        "appended": DEFAULT_YAML + "threshold: 1\n",
        "zero": renamed.replace("\nthreshold: 10", "\nthreshold: 0"),
        "nine": renamed.replace("\nthreshold: 10", "\nthreshold: 9"),
        "dominance": renamed.replace("nk_k: 0.9", "nk_k: 1.0"),
        "claims_default": DEFAULT_YAML.replace("\nthreshold: 10", "\nthreshold: 12"),
        "claims_strict": DEFAULT_YAML.replace("name: default", "name: Strict"),
    }


@pytest.mark.parametrize("policy", sorted(_weak_policies()))
def test_weakened_policy_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], extract: Path, tmp_path: Path, policy: str
) -> None:
    """``ldsa run`` and ``ldsa check`` refuse a weakened or impersonating policy file with
    exit 6 before any job starts or any file is read."""
    path = tmp_path / f"{policy}.yaml"
    path.write_text(_weak_policies()[policy])
    store = tmp_path / "store"
    assert ldsa(capsys, "prepare", extract, store)[0] == ExitCode.OK
    out = tmp_path / "reports"
    code, text = ldsa(
        capsys, "run", "--store", store, "--out", out, "--work", tmp_path / "work",
        "--policy", path, "--authorities", "E06000901", "--no-progress",
    )  # fmt: skip
    assert code == ExitCode.POLICY, text
    assert not out.exists()
    out.mkdir()
    code, text = ldsa(capsys, "check", out, "--policy", path)
    assert code == ExitCode.POLICY, text


def test_stated_weaker_policy_is_named_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A weaker policy that says why is accepted, and named as weaker where it is shown."""
    path = tmp_path / "published.yaml"  # not "public": that is a preset's name
    text = DEFAULT_YAML.replace("name: default", "name: published").replace(
        "\nthreshold: 10", "\nthreshold: 0"
    )
    path.write_text(text + 'weaker_than_default: "figures already published"\n')
    (tmp_path / "out").mkdir()
    code, text = ldsa(capsys, "check", tmp_path / "out", "--policy", path)
    assert code == ExitCode.OK, text
    assert "published (version 1.0; WEAKER than default: threshold 0 below 10; reason: " in text


# --- items 3 to 5: inputs that passed, messages that quoted data, crashes

PLANTED = "PLANTED-Mr-J-Smith-12-High-St-7Q"


def _rewrite(folder: Path, table: str, column: str, values: list[object], type_: object) -> None:
    path = folder / f"{table}.parquet"
    frame = pq.read_table(path)
    index = frame.column_names.index(column)
    pq.write_table(frame.set_column(index, column, pa.array(values, type_)), path)


@pytest.mark.parametrize(
    ("plant", "message"),
    [
        (
            lambda x: _rewrite(x, "population", "population", [PLANTED] * 6, pa.string()),
            "column 'population': wrong type: expected int64, got text (6 row(s)); failing "
            "rows 1, 2, 3, 4, 5, ...",
        ),
        (
            lambda x: _rewrite(x, "tests", "tests", [1.0, float("nan"), 2.0], pa.float64()),
            "column 'tests': wrong type: expected int64, got float64",
        ),
        (
            lambda x: _rewrite(
                x,
                "cases",
                "specimen_date",
                [dt.datetime(2020, 4, 1)] * 2,
                pa.timestamp("ms", "UTC"),
            ),
            "got timestamps with a time zone",
        ),
        (
            lambda x: _rewrite(x, "cases", "la_code", ["E07000901", "E09000901\n"], pa.string()),
            "column 'la_code': expected GSS-shaped LA code",
        ),
        (
            lambda x: _rewrite(
                x, "geography", "la_code", ["E06000901", "E07000901", "E09000\uff1901"], pa.string()
            ),
            "geography.parquet: column 'la_code': expected GSS-shaped LA code",
        ),
        (
            lambda x: pq.write_table(
                pq.read_table(x / "cases.parquet").slice(0, 0), x / "cases.parquet"
            ),
            "cases.parquet: column '*': no rows (expected at least one)",
        ),
        (
            lambda x: ((x / "tests.parquet").unlink(), (x / "tests.parquet").mkdir()),
            "tests.parquet: column '*': a folder, not a file",
        ),
    ],
)
def test_bad_extract_refused_without_quoting_it(
    capsys: pytest.CaptureFixture[str],
    extract: Path,
    tmp_path: Path,
    plant: Callable[[Path], object],
    message: str,
) -> None:
    """validate and prepare refuse each planted defect with exit 3, naming file, column,
    reason and rows but never the planted value, and prepare writes nothing."""
    plant(extract)
    code, text = ldsa(capsys, "validate", extract)
    assert code == ExitCode.INVALID_INPUT, text
    assert message in text
    assert "PLANTED" not in text
    before = _tree(tmp_path)
    code, text = ldsa(capsys, "prepare", extract, tmp_path / "store")
    assert code == ExitCode.INVALID_INPUT, text
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_damaged_store_file_is_a_store_error(
    capsys: pytest.CaptureFixture[str], extract: Path, tmp_path: Path, damage: str
) -> None:
    """A truncated or overwritten store file, read with a cold cache, is a store error
    (exit 5) saying which file and to prepare again, wherever it is read."""
    store = tmp_path / "store"
    assert ldsa(capsys, "prepare", extract, store)[0] == ExitCode.OK
    originals = {}
    for name in ("geography.parquet", "la/E07000901/cases.parquet"):
        path = store / name
        originals[name] = data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"PAR1" * 8)
    store_module._cached.cache_clear()  # a cold cache: a fresh process
    code, text = ldsa(capsys, "authorities", "--store", store)
    assert code == ExitCode.STORE, text
    assert "store file geography.parquet is unreadable or truncated" in text
    assert "prepare the store again" in text
    (store / "geography.parquet").write_bytes(originals["geography.parquet"])
    opened = Store(store)
    with pytest.raises(StoreError, match=r"la/E07000901/cases.parquet is unreadable or truncated"):
        opened.la_table("E07000901", "cases")
    with pytest.raises(StoreError, match=r"la/\*/cases.parquet is unreadable or truncated"):
        opened.all_la_table("cases")


@pytest.mark.parametrize("text", ["[1, 2]", "{", "\xff"])
def test_unreadable_store_manifest_is_a_store_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    """A store whose manifest is not a JSON object is a store error, not a crash."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / MANIFEST).write_text(text, encoding="latin-1")
    code, out = ldsa(capsys, "authorities", "--store", tmp_path / "store")
    assert code == ExitCode.STORE, out
