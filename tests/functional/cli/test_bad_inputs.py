"""A corpus of bad inputs (issue 14), one per failure mode, each through the ``ldsa``
command in a subprocess: bad extracts, stores, policies, parameters and releases.

Every case asserts the documented exit code, a message that says where and what (and,
except for argparse's usage errors, how to fix it), no traceback, no planted data value
in anything printed, and nothing half-written: no store when prepare fails, no reports
folder when a run is refused. ``LDSA_BAD_INPUTS_TABLE=FILE`` appends a row per case
(case, exit code, first line of the message) to FILE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ldsa.data.prepare import prepare_store
from ldsa.errors import ExitCode
from ldsa.sdc import load_policy, write_checker_pack
from ldsa.testing import TINY_LA_CODES, tiny_tables, write_tiny_extract

#: Planted in bad data: neither may ever appear in what ldsa prints.
PLANTED_TEXT = "Mr J Smith 12 High St"
PLANTED_NUMBER = 987654321
A, B, C = TINY_LA_CODES

Setup = Callable[[Path], object]


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: the command (``{x}`` the case's extract, ``{s}`` its store copy,
    ``{S}`` the shared store, ``{new}`` a store that must not appear, ``{out}`` and
    ``{work}`` run folders, ``{p}`` its policy file, ``{d}`` its folder), what to plant,
    the exit code and a part of the message."""

    name: str
    args: tuple[str, ...]
    code: ExitCode
    message: str
    setup: Setup | None = None


# --- planting defects


def _table(x: Path, table: str) -> pa.Table:
    return pq.read_table(x / f"{table}.parquet")


def _put(x: Path, table: str, frame: pa.Table) -> None:
    pq.write_table(frame, x / f"{table}.parquet")


def column(table: str, name: str, values: list[object], type_: pa.DataType) -> Setup:
    """Replace one column of a table of the case's extract."""

    def plant(d: Path) -> None:
        frame = _table(d / "x", table)
        array = pa.array(values * (frame.num_rows // len(values) or 1), type_)[: frame.num_rows]
        _put(d / "x", table, frame.set_column(frame.column_names.index(name), name, array))

    return plant


def first(table: str, name: str, value: object, type_: pa.DataType | None = None) -> Setup:
    """Set the first row of one column (the others keep their values)."""

    def plant(d: Path) -> None:
        frame = _table(d / "x", table)
        old = frame.column(name)
        values = [value, *old.to_pylist()[1:]]
        array = pa.array(values, type_ or old.type)
        _put(d / "x", table, frame.set_column(frame.column_names.index(name), name, array))

    return plant


def drop(table: str, name: str) -> Setup:
    return lambda d: _put(d / "x", table, _table(d / "x", table).drop_columns([name]))


def extra(table: str) -> Setup:
    def plant(d: Path) -> None:
        frame = _table(d / "x", table)
        _put(d / "x", table, frame.append_column("notes", pa.array([PLANTED_TEXT] * len(frame))))

    return plant


def rename(table: str, name: str, new: str) -> Setup:
    def plant(d: Path) -> None:
        frame = _table(d / "x", table)
        names = [new if n == name else n for n in frame.column_names]
        _put(d / "x", table, frame.rename_columns(names))

    return plant


def no_rows(table: str) -> Setup:
    return lambda d: _put(d / "x", table, _table(d / "x", table).slice(0, 0))


def duplicate_first_row(table: str) -> Setup:
    def plant(d: Path) -> None:
        frame = _table(d / "x", table)
        _put(d / "x", table, pa.concat_tables([frame, frame.slice(0, 1)]))

    return plant


def replace_file(table: str, how: str) -> Setup:
    def plant(d: Path) -> None:
        path = d / "x" / f"{table}.parquet"
        data = path.read_bytes()
        path.unlink()
        if how == "folder":
            path.mkdir()
        elif how == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif how == "garbage":
            path.write_bytes(f"{PLANTED_TEXT}\n{PLANTED_NUMBER}\n".encode())
        elif how == "csv":
            path.write_text(f"la_code,tests\n{A},{PLANTED_NUMBER}\n")

    return plant


def _empty_extract(d: Path) -> None:
    shutil.rmtree(d / "x")
    (d / "x").mkdir()


def remove(name: str) -> Setup:
    return lambda d: (d / name).unlink()


def text_file(name: str, text: str) -> Setup:
    def plant(d: Path) -> None:
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return plant


def store_edit(action: Callable[[Path], object]) -> Setup:
    return lambda d: action(d / "s")


def _swap(s: Path) -> None:
    one, two = s / "la" / A / "cases.parquet", s / "la" / B / "cases.parquet"
    data = one.read_bytes()
    one.write_bytes(two.read_bytes())
    two.write_bytes(data)


def _truncate(s: Path) -> None:
    path = s / "la" / A / "cases.parquet"
    path.write_bytes(path.read_bytes()[:100])


def _edit_manifest(s: Path, edit: Callable[[dict[str, object]], object]) -> None:
    manifest = json.loads((s / "manifest.json").read_text())
    edit(manifest)
    (s / "manifest.json").write_text(json.dumps(manifest))


def _files(manifest: dict[str, object]) -> dict[str, str]:
    files = manifest["files_sha256"]
    assert isinstance(files, dict)
    return files


DEFAULT = load_policy("default").to_yaml()


def policy(text: str) -> Setup:
    return text_file("p.yaml", text)


def key(name: str, value: str) -> Setup:
    """The default policy renamed, with one key's line replaced."""
    lines = [
        f"{name}: {value}" if line.startswith(f"{name}:") else line
        for line in DEFAULT.replace("name: default", "name: mine").splitlines()
    ]
    return policy("\n".join(lines) + "\n")


def _pack(d: Path, edit: Callable[[Path], object]) -> None:
    reports = d / "r"
    (reports / A / "tables").mkdir(parents=True)
    (reports / A / "tables" / "t.csv").write_text("band,cases_count\na,12\nb,40\n")
    write_checker_pack(reports / "checker", [], load_policy("default"), reports_dir=reports)
    edit(reports / "checker")


def _nb(d: Path, text: str) -> None:
    (d / "nb").mkdir()
    (d / "nb" / "broken.ipynb").write_text(text)


# --- the corpus

X = ("prepare", "{x}", "{new}")  # an extract is refused by prepare: no store appears


def run(
    *extra: str,
    store: str = "{S}",
    out: str = "{out}",
    work: str = "{work}",
    templates: str = "overview",
    authority: str = A,
) -> tuple[str, ...]:
    """``ldsa run`` of one template for one authority, with ``extra`` options."""
    return ("run", "--store", store, "--out", out, "--work", work, "--no-progress",
            "--templates", templates, "--authorities", authority, *extra)  # fmt: skip


RUN_S = run()
STORE_RUN = run(store="{s}")
CHECK_P = ("check", "{d}", "--policy", "{p}")
I3, I4, I5, I6 = (
    ExitCode.INVALID_INPUT,
    ExitCode.INVALID_PARAMETER,
    ExitCode.STORE,
    ExitCode.POLICY,
)
USAGE = ExitCode.USAGE
TZ = pa.timestamp("ms", "Europe/London")
DAY = dt.date(2020, 4, 1)

CASES = [
    # extract: geography
    Case(
        "geo-missing-column",
        X,
        I3,
        "geography.parquet: column 'la_name': required column missing",
        drop("geography", "la_name"),
    ),
    Case("geo-extra-column", X, I3, "column 'notes': column not in the schema", extra("geography")),
    Case(
        "geo-misnamed-column",
        X,
        I3,
        "column 'Region_Name': column not in the schema",
        rename("geography", "region_name", "Region_Name"),
    ),
    Case(
        "geo-code-newline",
        X,
        I3,
        "geography.parquet: column 'la_code': expected GSS-shaped LA code",
        first("geography", "la_code", f"{A}\n"),
    ),
    Case(
        "geo-code-fullwidth",
        X,
        I3,
        "geography.parquet: column 'la_code': expected GSS-shaped LA code",
        first("geography", "la_code", "E06000\uff19\uff10\uff11"),
    ),
    Case(
        "geo-code-arabic-digits",
        X,
        I3,
        "geography.parquet: column 'la_code': expected GSS-shaped LA code",
        first("geography", "la_code", "E06\u0660\u0660\u0660\u0669\u0660\u0661"),
    ),
    Case(
        "geo-code-lowercase",
        X,
        I3,
        "geography.parquet: column 'la_code': expected GSS-shaped LA code",
        first("geography", "la_code", A.lower()),
    ),
    Case(
        "geo-duplicate-code",
        X,
        I3,
        "geography.parquet: column 'la_code': duplicate key",
        first("geography", "la_code", B),
    ),
    Case("geo-no-rows", X, I3, "geography.parquet: column '*': no rows", no_rows("geography")),
    Case(
        "geo-la-type-free-text",
        X,
        I3,
        "column 'la_type': expected one of",
        first("geography", "la_type", PLANTED_TEXT),
    ),
    Case(
        "geo-name-empty",
        X,
        I3,
        "column 'la_name': expected name of 1..80 characters",
        first("geography", "la_name", ""),
    ),
    Case(
        "geo-name-null",
        X,
        I3,
        "column 'la_name': missing values",
        first("geography", "la_name", None, pa.string()),
    ),
    Case(
        "geo-region-code",
        X,
        I3,
        "column 'region_code': expected GSS-shaped region code",
        first("geography", "region_code", str(PLANTED_NUMBER)),
    ),
    Case(
        "geo-cis-area",
        X,
        I3,
        "column 'cis_area': expected CIS area code",
        first("geography", "cis_area", "J0600090"),
    ),
    Case(
        "geo-code-number-type",
        X,
        I3,
        "column 'la_code': wrong type",
        column("geography", "la_code", [PLANTED_NUMBER, 2, 3], pa.int64()),
    ),
    Case(
        "geo-folder",
        X,
        I3,
        "geography.parquet: column '*': a folder, not a file",
        replace_file("geography", "folder"),
    ),
    Case(
        "geo-missing",
        X,
        I3,
        "geography.parquet: column '*': file missing",
        remove("x/geography.parquet"),
    ),
    Case(
        "geo-truncated",
        X,
        I3,
        "geography.parquet: column '*': not a readable Parquet file",
        replace_file("geography", "truncated"),
    ),
    # extract: deprivation
    Case(
        "dep-score-text",
        X,
        I3,
        "column 'imd_score': wrong type",
        column("deprivation", "imd_score", [PLANTED_TEXT], pa.string()),
    ),
    Case(
        "dep-score-nan",
        X,
        I3,
        "deprivation.parquet: column 'imd_score'",
        first("deprivation", "imd_score", float("nan")),
    ),
    Case(
        "dep-decile-range",
        X,
        I3,
        "column 'imd_decile': expected decile in 1..10",
        first("deprivation", "imd_decile", 11),
    ),
    Case(
        "dep-unknown-code",
        X,
        I3,
        "column 'la_code': expected LA code present in geography",
        first("deprivation", "la_code", "E06000999"),
    ),
    Case(
        "dep-duplicate-key",
        X,
        I3,
        "deprivation.parquet: column 'la_code': duplicate key",
        first("deprivation", "la_code", B),
    ),
    Case(
        "dep-missing-column",
        X,
        I3,
        "column 'imd_rank': required column missing",
        drop("deprivation", "imd_rank"),
    ),
    # extract: population
    Case(
        "pop-count-free-text",
        X,
        I3,
        "column 'population': wrong type: expected int64, got text",
        column("population", "population", [PLANTED_TEXT], pa.string()),
    ),
    Case(
        "pop-count-negative",
        X,
        I3,
        "column 'population': expected integer >= 0",
        first("population", "population", -PLANTED_NUMBER),
    ),
    Case(
        "pop-count-null",
        X,
        I3,
        "column 'population': missing values",
        first("population", "population", None),
    ),
    Case(
        "pop-count-float",
        X,
        I3,
        "column 'population': wrong type: expected int64, got float64",
        column("population", "population", [9876.5], pa.float64()),
    ),
    Case(
        "pop-age-range",
        X,
        I3,
        "column 'age': expected age in 0..90",
        first("population", "age", 150),
    ),
    Case(
        "pop-sex-unknown",
        X,
        I3,
        "column 'sex': expected one of F, M",
        first("population", "sex", "X"),
    ),
    Case(
        "pop-year-range",
        X,
        I3,
        "column 'year': expected year in 2015..2022",
        first("population", "year", 2031),
    ),
    Case(
        "pop-duplicate-key", X, I3, "population.parquet: column", duplicate_first_row("population")
    ),
    Case("pop-no-rows", X, I3, "population.parquet: column '*': no rows", no_rows("population")),
    # extract: deaths
    Case(
        "deaths-date-early",
        X,
        I3,
        "column 'date_of_death': expected date in",
        first("deaths", "date_of_death", dt.date(1990, 1, 1)),
    ),
    Case(
        "deaths-date-future",
        X,
        I3,
        "column 'date_of_registration': expected date in",
        first("deaths", "date_of_registration", dt.date(2031, 1, 1)),
    ),
    Case(
        "deaths-date-tz-aware",
        X,
        I3,
        "expected dates without a time zone, got timestamps with a time zone",
        column("deaths", "date_of_death", [dt.datetime(2020, 4, 3)], TZ),
    ),
    Case(
        "deaths-date-text",
        X,
        I3,
        "column 'date_of_death': wrong type",
        column("deaths", "date_of_death", [PLANTED_TEXT], pa.string()),
    ),
    Case(
        "deaths-registered-before-death",
        X,
        I3,
        "expected date_of_registration on or after date_of_death",
        first("deaths", "date_of_registration", dt.date(2015, 1, 1)),
    ),
    Case(
        "deaths-cause-free-text",
        X,
        I3,
        "column 'underlying_cause': expected ICD-10 code",
        first("deaths", "underlying_cause", PLANTED_TEXT),
    ),
    Case(
        "deaths-flag-text",
        X,
        I3,
        "column 'covid_mentioned': wrong type",
        column("deaths", "covid_mentioned", ["yes"], pa.string()),
    ),
    Case(
        "deaths-place-unknown",
        X,
        I3,
        "column 'place_of_death': expected one of",
        first("deaths", "place_of_death", PLANTED_TEXT),
    ),
    Case("deaths-age-negative", X, I3, "column 'age': expected age in", first("deaths", "age", -1)),
    Case(
        "deaths-code-unknown",
        X,
        I3,
        "deaths.parquet: column 'la_code': expected LA code present in geography",
        first("deaths", "la_code", "E08000999"),
    ),
    # extract: cases
    Case("cases-no-rows", X, I3, "cases.parquet: column '*': no rows", no_rows("cases")),
    Case(
        "cases-date-future",
        X,
        I3,
        "column 'specimen_date': expected date in",
        first("cases", "specimen_date", dt.date(2023, 1, 1)),
    ),
    Case(
        "cases-date-tz-aware",
        X,
        I3,
        "column 'specimen_date': wrong type: expected dates without a time zone",
        column("cases", "specimen_date", [dt.datetime(2020, 4, 1)], TZ),
    ),
    Case(
        "cases-pillar-unknown",
        X,
        I3,
        "column 'pillar': expected one of",
        first("cases", "pillar", "pillar_9"),
    ),
    Case(
        "cases-test-type-unknown",
        X,
        I3,
        "column 'test_type': expected one of",
        first("cases", "test_type", "antibody"),
    ),
    Case(
        "cases-age-nan",
        X,
        I3,
        "cases.parquet: column 'age': wrong type",
        column("cases", "age", [float("nan"), 61.0], pa.float64()),
    ),
    Case(
        "cases-code-newline",
        X,
        I3,
        "cases.parquet: column 'la_code': expected GSS-shaped LA code",
        first("cases", "la_code", f"{B}\n"),
    ),
    Case(
        "cases-code-fullwidth",
        X,
        I3,
        "cases.parquet: column 'la_code': expected GSS-shaped LA code",
        first("cases", "la_code", "E07000\uff19\uff10\uff11"),
    ),
    Case(
        "cases-missing-column",
        X,
        I3,
        "column 'pillar': required column missing",
        drop("cases", "pillar"),
    ),
    Case("cases-sex-null", X, I3, "column 'sex': missing values", first("cases", "sex", None)),
    # extract: tests
    Case(
        "tests-count-free-text",
        X,
        I3,
        "column 'tests': wrong type: expected int64, got text",
        column("tests", "tests", [PLANTED_TEXT], pa.string()),
    ),
    Case(
        "tests-count-nan",
        X,
        I3,
        "column 'tests': wrong type: expected int64, got float64",
        column("tests", "tests", [1.0, float("nan"), 2.0], pa.float64()),
    ),
    Case(
        "tests-count-negative",
        X,
        I3,
        "column 'tests': expected integer >= 0",
        first("tests", "tests", -5),
    ),
    Case(
        "tests-positives-above-tests",
        X,
        I3,
        "(row check)",
        first("tests", "positive_tests", PLANTED_NUMBER),
    ),
    Case("tests-duplicate-key", X, I3, "tests.parquet: column", duplicate_first_row("tests")),
    Case(
        "tests-extra-column",
        X,
        I3,
        "tests.parquet: column 'notes': column not in the schema",
        extra("tests"),
    ),
    Case(
        "tests-misnamed-column",
        X,
        I3,
        "column 'Tests': column not in the schema",
        rename("tests", "tests", "Tests"),
    ),
    Case(
        "tests-missing",
        X,
        I3,
        "tests.parquet: column '*': file missing",
        remove("x/tests.parquet"),
    ),
    Case(
        "tests-folder",
        X,
        I3,
        "tests.parquet: column '*': a folder, not a file",
        replace_file("tests", "folder"),
    ),
    Case(
        "tests-truncated",
        X,
        I3,
        "tests.parquet: column '*': not a readable Parquet file",
        replace_file("tests", "truncated"),
    ),
    Case(
        "tests-garbage",
        X,
        I3,
        "tests.parquet: column '*': not a readable Parquet file",
        replace_file("tests", "garbage"),
    ),
    Case(
        "tests-csv-named-parquet",
        X,
        I3,
        "tests.parquet: column '*': not a readable Parquet file",
        replace_file("tests", "csv"),
    ),
    Case("tests-no-rows", X, I3, "tests.parquet: column '*': no rows", no_rows("tests")),
    # extract: survey
    Case(
        "survey-result-unknown",
        X,
        I3,
        "column 'result': expected one of",
        first("survey", "result", PLANTED_TEXT),
    ),
    Case(
        "survey-id-negative",
        X,
        I3,
        "column 'participant_id': expected id >= 1",
        first("survey", "participant_id", -PLANTED_NUMBER),
    ),
    Case(
        "survey-cis-unknown",
        X,
        I3,
        "survey.parquet: column 'cis_area'",
        first("survey", "cis_area", "J06000999"),
    ),
    Case("survey-duplicate-visit", X, I3, "survey.parquet: column", duplicate_first_row("survey")),
    Case(
        "survey-missing-column",
        X,
        I3,
        "column 'household_id': required column missing",
        drop("survey", "household_id"),
    ),
    # extract: the folder and its description
    Case("extract-absent", ("prepare", "{d}/nothing", "{new}"), I3, "extract folder not found"),
    Case(
        "extract-a-file",
        ("validate", "{d}/file"),
        I3,
        "file: column '*': a file, not a folder",
        text_file("file", PLANTED_TEXT),
    ),
    Case(
        "extract-info-not-json",
        X,
        I3,
        "extract.json: column '*': not valid JSON",
        text_file("x/extract.json", PLANTED_TEXT),
    ),
    Case(
        "extract-info-other-version",
        X,
        I3,
        "extract.json: column 'schema_version': another schema version",
        text_file("x/extract.json", '{"schema_version": "99"}'),
    ),
    Case(
        "extract-empty-folder",
        X,
        I3,
        "geography.parquet: column '*': file missing",
        _empty_extract,
    ),
    # prepare's destination and options
    Case("prepare-into-extract", ("prepare", "{x}", "{x}"), I4, "overlap the input folder"),
    Case(
        "prepare-into-user-folder",
        ("prepare", "{x}", "{d}/user"),
        I5,
        "not empty and not an ldsa store",
        text_file("user/notes.txt", PLANTED_TEXT),
    ),
    Case(
        "prepare-onto-a-file",
        ("prepare", "{x}", "{d}/file"),
        I5,
        "not a folder",
        text_file("file", PLANTED_TEXT),
    ),
    Case(
        "prepare-vintage-without-public",
        ("prepare", "--vintage", "LAD22", "{x}", "{new}"),
        I4,
        "--vintage applies to published files only",
    ),
    Case(
        "prepare-public-empty",
        ("prepare", "--from", "public", "{d}/pub", "{new}"),
        I3,
        "How to fix",
        text_file("pub/readme.txt", PLANTED_TEXT),
    ),
    # stores
    Case("store-absent", run(store="{d}/nothing"), I5, "nothing"),
    Case("store-a-file", run(store="{d}/file"), I5, "file", text_file("file", PLANTED_TEXT)),
    Case(
        "store-empty-folder", run(store="{d}/empty"), I5, "empty", lambda d: (d / "empty").mkdir()
    ),
    Case(
        "store-manifest-missing",
        STORE_RUN,
        I5,
        "manifest.json",
        store_edit(lambda s: (s / "manifest.json").unlink()),
    ),
    Case(
        "store-manifest-not-json",
        STORE_RUN,
        I5,
        "manifest.json",
        store_edit(lambda s: (s / "manifest.json").write_text(PLANTED_TEXT)),
    ),
    Case(
        "store-manifest-hash-edited",
        STORE_RUN,
        I5,
        "la/E06000901/cases.parquet",
        store_edit(
            lambda s: _edit_manifest(
                s, lambda m: _files(m).update({f"la/{A}/cases.parquet": "0" * 64})
            )
        ),
    ),
    Case(
        "store-manifest-lists-absent-file",
        STORE_RUN,
        I5,
        "la/E06000901/extra.parquet",
        store_edit(
            lambda s: _edit_manifest(
                s, lambda m: _files(m).update({f"la/{A}/extra.parquet": "0" * 64})
            )
        ),
    ),
    Case(
        "store-manifest-schema-version",
        STORE_RUN,
        I5,
        "How to fix",
        store_edit(lambda s: _edit_manifest(s, lambda m: m.update({"schema_version": "99"}))),
    ),
    Case(
        "store-files-swapped",
        STORE_RUN,
        I5,
        "2 store file(s) missing or changed",
        store_edit(_swap),
    ),
    Case(
        "store-file-truncated", STORE_RUN, I5, "la/E06000901/cases.parquet", store_edit(_truncate)
    ),
    Case(
        "store-file-missing",
        STORE_RUN,
        I5,
        "la/E06000901/cases.parquet",
        store_edit(lambda s: (s / "la" / A / "cases.parquet").unlink()),
    ),
    Case(
        "store-authority-folder-missing",
        STORE_RUN,
        I5,
        f"la/{A}/",
        store_edit(lambda s: shutil.rmtree(s / "la" / A)),
    ),
    Case(
        "store-geography-garbage",
        STORE_RUN,
        I5,
        "geography.parquet",
        store_edit(lambda s: (s / "geography.parquet").write_text(PLANTED_TEXT)),
    ),
    Case("authorities-store-absent", ("authorities", "--store", "{d}/nothing"), I5, "nothing"),
    # policies: every key, and the file as a whole
    Case("policy-threshold-text", CHECK_P, I6, "key 'threshold'", key("threshold", "ten")),
    Case("policy-threshold-negative", CHECK_P, I6, "key 'threshold'", key("threshold", "-1")),
    Case("policy-threshold-float", CHECK_P, I6, "key 'threshold'", key("threshold", "10.5")),
    Case("policy-threshold-bool", CHECK_P, I6, "key 'threshold'", key("threshold", "true")),
    Case(
        "policy-threshold-weaker",
        CHECK_P,
        I6,
        "weaker than the default policy (threshold 5 below 10)",
        key("threshold", "5"),
    ),
    Case(
        "policy-zeros-text",
        CHECK_P,
        I6,
        "key 'zeros_are_disclosive'",
        key("zeros_are_disclosive", "maybe"),
    ),
    Case("policy-round-base-negative", CHECK_P, I6, "key 'round_base'", key("round_base", "-5")),
    Case("policy-tie-rule-unknown", CHECK_P, I6, "key 'tie_rule'", key("tie_rule", "bankers")),
    Case("policy-rounding-unknown", CHECK_P, I6, "key 'rounding'", key("rounding", "up")),
    Case(
        "policy-midpoint-without-base",
        CHECK_P,
        I6,
        "midpoint rounding needs a round_base",
        key("rounding", "midpoint"),
    ),
    Case("policy-dof-text", CHECK_P, I6, "key 'dof_threshold'", key("dof_threshold", "many")),
    Case("policy-nk-n-zero", CHECK_P, I6, "key 'nk_n'", key("nk_n", "0")),
    Case("policy-nk-k-above-one", CHECK_P, I6, "key 'nk_k'", key("nk_k", "1.5")),
    Case("policy-p-ratio-negative", CHECK_P, I6, "key 'p_ratio'", key("p_ratio", "-0.1")),
    Case(
        "policy-derived-from-unknown",
        CHECK_P,
        I6,
        "key 'derived_from'",
        key("derived_from", "rounded"),
    ),
    Case(
        "policy-withheld-share-range",
        CHECK_P,
        I6,
        "key 'max_withheld_share'",
        key("max_withheld_share", "2.0"),
    ),
    Case("policy-name-a-list", CHECK_P, I6, "key 'name'", key("name", "[a, b]")),
    Case("policy-version-a-mapping", CHECK_P, I6, "key 'version'", key("version", "{a: 1}")),
    Case(
        "policy-key-missing",
        CHECK_P,
        I6,
        "missing key(s) nk_k",
        policy(DEFAULT.replace("name: default", "name: mine").replace("nk_k: 0.9\n", "")),
    ),
    Case(
        "policy-key-unknown",
        CHECK_P,
        I6,
        "unknown key(s) thresold",
        policy(DEFAULT.replace("name: default", "name: mine") + "thresold: 10\n"),
    ),
    Case(
        "policy-key-twice",
        CHECK_P,
        I6,
        "key 'threshold' given twice",
        policy(DEFAULT.replace("name: default", "name: mine") + "threshold: 10\n"),
    ),
    Case(
        "policy-malformed-yaml", CHECK_P, I6, "not valid YAML", policy("threshold: [10\nname: {\n")
    ),
    Case(
        "policy-not-a-mapping",
        CHECK_P,
        I6,
        "expected a mapping of policy keys",
        policy("- threshold\n- 10\n"),
    ),
    Case("policy-empty-file", CHECK_P, I6, "expected a mapping of policy keys", policy("")),
    Case(
        "policy-not-utf8",
        CHECK_P,
        I6,
        "not UTF-8 text",
        lambda d: (d / "p.yaml").write_bytes(b"name: \xff\xfe\n"),
    ),
    Case(
        "policy-file-absent",
        ("check", "{d}", "--policy", "{d}/absent.yaml"),
        I6,
        "cannot read policy file",
    ),
    Case("policy-preset-unknown", ("check", "{d}", "--policy", "lenient"), I6, "unknown preset"),
    Case(
        "policy-reason-too-short",
        CHECK_P,
        I6,
        "key 'weaker_than_default'",
        policy(
            DEFAULT.replace("name: default", "name: mine").replace("threshold: 10", "threshold: 5")
            + "weaker_than_default: why\n"
        ),
    ),
    Case(
        "policy-reason-not-weaker",
        CHECK_P,
        I6,
        "no key is weaker than the default",
        policy(
            DEFAULT.replace("name: default", "name: mine")
            + 'weaker_than_default: "published figures only"\n'
        ),
    ),
    Case(
        "policy-impersonates-strict",
        CHECK_P,
        I6,
        "a built-in preset's name",
        policy(DEFAULT.replace("name: default", "name: strict")),
    ),
    Case(
        "policy-weaker-in-run",
        run("--policy", "{p}"),
        I6,
        "weaker than the default policy",
        key("threshold", "1"),
    ),
    Case(
        "policy-malformed-in-run",
        run("--policy", "{p}"),
        I6,
        "not valid YAML",
        policy(": : :\n  - [\n"),
    ),
    # run parameters
    Case(
        "run-authority-unknown",
        run(authority="E06000999"),
        I4,
        "la_code 'E06000999': no such authority",
    ),
    Case("run-authority-lowercase", run(authority=A.lower()), I4, "e06000901"),
    Case("run-authority-newline", run(authority=f"{A}\n"), I4, "la_code"),
    Case("run-authority-fullwidth", run(authority="E06000\uff19\uff10\uff11"), I4, "la_code"),
    Case("run-authority-empty", run(authority=""), I4, "la_code"),
    Case("run-template-unknown", run(templates="overveiw"), I4, "overveiw"),
    Case(
        "run-period-reversed",
        run("--period-start", "2021-03-01", "--period-end", "2021-01-01"),
        I4,
        "period_start is after period_end",
    ),
    Case(
        "run-period-too-short",
        run("--period-start", "2021-03-02", "--period-end", "2021-03-05"),
        I4,
        "holds no whole week",
    ),
    Case(
        "run-period-malformed",
        run("--period-start", "2021-13-01"),
        I4,
        "period_start '2021-13-01': not an ISO date",
    ),
    Case(
        "run-period-words",
        run("--period-end", "yesterday"),
        I4,
        "period_end 'yesterday': not an ISO date",
    ),
    Case("run-period-outside-data", run("--period-start", "2019-01-01"), I4, "outside the data's"),
    Case("run-workers-zero", run("--workers", "0"), USAGE, "argument --workers"),
    Case("run-workers-negative", run("--workers", "-1"), USAGE, "argument --workers"),
    Case("run-workers-text", run("--workers", "abc"), USAGE, "argument --workers"),
    Case(
        "run-out-a-file",
        run(out="{d}/file"),
        I4,
        "a file, not a folder",
        text_file("file", PLANTED_TEXT),
    ),
    Case(
        "run-out-inside-a-file",
        run(out="{d}/file/r"),
        I4,
        "lies inside a file",
        text_file("file", PLANTED_TEXT),
    ),
    Case("run-out-unwritable", run(out="/proc/ldsa-no-such/r"), I4, "cannot be created"),
    Case(
        "run-work-a-file",
        run(work="{d}/file"),
        I4,
        "a file, not a folder",
        text_file("file", PLANTED_TEXT),
    ),
    Case("run-out-inside-the-store", run(store="{s}", out="{s}/reports"), I4, "inside the store"),
    Case("run-work-inside-the-store", run(store="{s}", work="{s}/work"), I4, "inside the store"),
    Case("run-out-is-the-store", run(store="{s}", out="{s}"), I4, "the store itself"),
    Case("run-out-holds-the-store", run(store="{s}", out="{d}"), I4, "a folder holding the store"),
    Case(
        "run-scheduler-without-dask",
        run("--scheduler", "tcp://127.0.0.1:1"),
        I4,
        "--scheduler ADDRESS goes with --executor dask",
    ),
    Case(
        "run-dask-without-scheduler",
        run("--executor", "dask"),
        I4,
        "--scheduler ADDRESS goes with --executor dask",
    ),
    Case("run-executor-unknown", run("--executor", "slurm"), USAGE, "argument --executor"),
    Case("run-notebooks-absent", run("--notebooks", "{d}/nothing"), I4, "nothing"),
    Case(
        "run-notebook-broken",
        run("--notebooks", "{d}/nb", templates="broken"),
        ExitCode.TEMPLATE,
        "broken",
        lambda d: _nb(d, PLANTED_TEXT),
    ),
    Case("run-seed-text", run("--seed", "abc"), USAGE, "argument --seed"),
    Case("run-scale-range", run("--scale", "5"), USAGE, "argument --scale"),
    Case("unknown-command", ("publish", "{d}"), USAGE, "invalid choice"),
    # check and site
    Case("check-folder-absent", ("check", "{d}/nothing"), I4, "nothing: no such folder"),
    Case(
        "check-a-file",
        ("check", "{d}/file"),
        I4,
        "file: a file, not a reports folder",
        text_file("file", PLANTED_TEXT),
    ),
    Case(
        "check-pack-policy-edited",
        ("check", "{d}/r"),
        I6,
        "changed afterwards",
        lambda d: _pack(
            d,
            lambda c: (c / "policy.yaml").write_text(
                (c / "policy.yaml").read_text().replace("threshold: 10", "threshold: 1")
            ),
        ),
    ),
    Case(
        "check-pack-policy-removed",
        ("check", "{d}/r"),
        I6,
        "policy.yaml",
        lambda d: _pack(d, lambda c: (c / "policy.yaml").unlink()),
    ),
    Case(
        "check-pack-other-policy",
        ("check", "{d}/r", "--policy", "strict"),
        I6,
        "another policy than strict",
        lambda d: _pack(d, lambda c: None),
    ),
    Case(
        "check-planted-breach",
        ("check", "{d}/r"),
        ExitCode.DISCLOSURE,
        "t.csv",
        text_file(f"r/{A}/tables/t.csv", f"band,cases_count\na,3\nb,{PLANTED_NUMBER}\n"),
    ),
    Case(
        "check-superscript-count",
        ("check", "{d}/r"),
        ExitCode.DISCLOSURE,
        "t.csv",
        text_file(
            f"r/{A}/tables/t.csv",
            "period_start,period_end,cases_count\n2021-01-04,2021-01-10,\u00b2\n",
        ),
    ),
    Case("site-without-manifest", ("site", "--out", "{d}"), I4, "no readable run manifest"),
    Case(
        "site-manifest-garbage",
        ("site", "--out", "{d}"),
        I4,
        "no readable run manifest",
        text_file("manifest.json", PLANTED_TEXT),
    ),
    Case(
        "validate-tables-folder-a-file",
        ("validate", "{d}/x/tests.parquet"),
        I3,
        "tests.parquet: column '*': a file, not a folder",
    ),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny valid extract and its store, built once for every case."""
    root = tmp_path_factory.mktemp("inputs")
    write_tiny_extract(root / "x", tiny_tables())
    prepare_store(root / "x", root / "store")
    return root


#: A process that imports the command line once, then forks a fresh process for each
#: case that runs ``ldsa ARGS`` (``ldsa.cli.main``, as ``python -m ldsa`` does) in the
#: case's folder with its own stdout, stderr and environment, and reports its exit code:
#: every case still runs in a process of its own, without paying the imports each time.
_LAUNCHER = """
import atexit, json, os, sys, traceback
import ldsa.cli, ldsa.data.extract, ldsa.data.prepare, ldsa.data.public, ldsa.run.pipeline
import ldsa.report.overview, ldsa.sdc.checker
for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.chdir(request["cwd"])
            os.environ.update(request["env"])
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            for fd, name in ((1, "stdout"), (2, "stderr")):
                os.dup2(os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            sys.argv = ["ldsa", *request["args"]]
            try:
                code = ldsa.cli.main(request["args"])
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            atexit._run_exitfuncs()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


@dataclasses.dataclass
class Launcher:
    """Runs ``ldsa ARGS`` in a process of its own, forked from :data:`_LAUNCHER`, or with
    ``LDSA_BAD_INPUTS_SPAWN=1`` as ``python -m ldsa`` (slower: every import every time)."""

    process: subprocess.Popen[str] | None

    def __call__(self, args: list[str], cwd: Path, logs: Path) -> tuple[int, str, str]:
        env = {"LDSA_CACHE_DIR": str(logs / "cache")}
        if self.process is None:
            done = subprocess.run(
                [sys.executable, "-m", "ldsa", *args], cwd=cwd, capture_output=True,
                text=True, env={**os.environ, **env}, check=False, timeout=300,
            )  # fmt: skip
            return done.returncode, done.stdout, done.stderr
        out, err = logs / "stdout", logs / "stderr"
        request = {
            "args": args,
            "cwd": str(cwd),
            "env": env,
            "stdout": str(out),
            "stderr": str(err),
        }
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        code = int(self.process.stdout.readline())
        return code, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ldsa() -> Iterator[Launcher]:
    """The command line, one process per case."""
    if os.environ.get("LDSA_BAD_INPUTS_SPAWN") == "1":
        yield Launcher(None)
        return
    process = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        yield Launcher(process)
    finally:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case: Case, inputs: Path, ldsa: Launcher, tmp_path: Path) -> None:
    """The case is refused with its exit code and a message saying where, what and how to
    fix it, with no traceback and no planted value, and leaves nothing half-written."""
    d = tmp_path / "case"
    d.mkdir()
    if any("{x}" in arg for arg in case.args) or "x/" in " ".join(case.args):
        shutil.copytree(inputs / "x", d / "x")
    if any("{s}" in arg for arg in case.args):
        shutil.copytree(inputs / "store", d / "s")
    if case.setup is not None:
        case.setup(d)
    fields = {"x": d / "x", "s": d / "s", "S": inputs / "store", "new": d / "new",
              "out": d / "out", "work": d / "work", "p": d / "p.yaml", "d": d}  # fmt: skip
    args = [arg.format(**fields) for arg in case.args]
    before = _listing(d)
    code, stdout, stderr = ldsa(args, d, tmp_path)
    printed = stdout + stderr
    lines = stderr.strip().splitlines() or [""]
    message = " ".join(lines[:2]) if lines[0].endswith("validation failure(s):") else lines[0]
    if os.environ.get("LDSA_BAD_INPUTS_TABLE"):
        with open(os.environ["LDSA_BAD_INPUTS_TABLE"], "a", encoding="utf-8") as table:
            table.write(f"{case.name}\t{code}\t{message.replace(str(d), '{d}')[:160]}\n")
    assert code == case.code, printed
    assert case.message in stderr, stderr
    assert "Traceback" not in printed
    assert "internal error" not in printed
    assert PLANTED_TEXT not in printed
    assert str(PLANTED_NUMBER) not in printed
    if case.code != ExitCode.USAGE:
        assert "How to fix" in stderr or "how to fix" in stderr, stderr
    # Nothing half-written: no store, no reports, no temporary file, nothing changed.
    assert not (d / "new").exists()
    assert not (d / "out").exists()
    assert _listing(d) == before, "files were written or changed"


def _listing(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root`` but the cache (file contents; None for folders)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
        if p.relative_to(root).parts[0] != "cache"
    }
