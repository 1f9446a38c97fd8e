"""Reading published CSV files: provenance, the exact header, and values checked as text.

A published file is read with every cell as text, then checked in two steps with pandera:
the text of each column (readable numbers, no suppression markers, no empty cells), then
the typed frame (ranges, codes, unique keys). Failures are collected lazily and raised as
one :class:`~ldsa.errors.InvalidInputError` naming file, column, reason and the number of
failing rows, never the values themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ldsa.data.extract import _summarise  # the extract's failure wording, shared on purpose
from ldsa.data.store import file_sha256
from ldsa.errors import InputFailure, InvalidInputError

OGL = "Open Government Licence v3.0"
#: How to fix any failure of a published file.
HOW_TO_FIX = (
    "How to fix: replace the named file with the publisher's original (its folder's "
    "PROVENANCE.md gives the source and layout) and run again."
)
#: Markers publishers put in place of a withheld or unavailable value.
SUPPRESSION_MARKERS: tuple[str, ...] = (
    "c",
    "x",
    "z",
    "u",
    ":",
    "..",
    "*",
    "-",
    "~",
    "[c]",
    "[x]",
    "[z]",
    "[u]",
    "[low]",
)
# Patterns are ASCII exactly: [0-9], not \d (which matches any Unicode digit, such as
# fullwidth ones), and \Z, not $ (which also matches before a final new line).
#: A whole number, optionally with thousands separators ("1,234") or a ".0" ending.
_WHOLE = r"^([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.0+)?\Z"
#: A decimal number, optionally signed, with thousands separators allowed.
_DECIMAL = r"^-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?\Z"


@dataclasses.dataclass(frozen=True)
class PublishedFile:
    """One published file: where it lives in the source folder and where it comes from."""

    folder: str
    name: str
    publisher: str
    title: str
    vintage: str
    licence: str = OGL

    @property
    def label(self) -> str:
        """The file's path within the source folder, as errors name it."""
        return f"{self.folder}/{self.name}"

    def path(self, source_dir: Path) -> Path:
        """Where the file is under ``source_dir``."""
        return source_dir / self.folder / self.name

    def record(self, source_dir: Path) -> dict[str, str]:
        """The file's provenance and SHA-256, for the store manifest."""
        return {
            "file": self.label,
            "sha256": file_sha256(self.path(source_dir)),
            "publisher": self.publisher,
            "title": self.title,
            "vintage": self.vintage,
            "licence": self.licence,
        }


def read_text_table(
    source_dir: Path, source: PublishedFile, columns: tuple[str, ...]
) -> pd.DataFrame:
    """Read a published CSV with every cell as text, after checking its header is ``columns``.

    Raises
    ------
    InvalidInputError
        When the file is missing or unreadable, or its header differs from ``columns``.
    """
    path = source.path(source_dir)
    if not path.is_file():
        raise invalid([InputFailure(source.label, "*", "file missing", -1)])
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        reason = f"not a readable CSV file ({type(error).__name__})"
        raise invalid([InputFailure(source.label, "*", reason, -1)]) from None
    failures = _header_failures(source.label, list(frame.columns), columns)
    if failures:
        raise invalid(failures)
    return frame


def _header_failures(file: str, found: list[str], expected: tuple[str, ...]) -> list[InputFailure]:
    missing = [name for name in expected if name not in found]
    extra = [name for name in found if name not in expected]
    failures = [
        InputFailure(file, name, "required column missing (has the header changed?)", -1)
        for name in missing
    ]
    failures += [
        InputFailure(file, name, "column not in the published layout", -1) for name in extra
    ]
    if not failures and found != list(expected):
        failures.append(InputFailure(file, "*", "columns in an unexpected order", -1))
    return failures


def invalid(failures: list[InputFailure]) -> InvalidInputError:
    """The error for failures of published files, with the published-file fix hint."""
    return InvalidInputError(sorted(set(failures)), how_to_fix=HOW_TO_FIX)


def count_column() -> pa.Column:
    """Text of a count: present, not a suppression marker, and a whole number."""
    return _text_column(_WHOLE, "a whole number (digits, thousands separators allowed)")


def number_column() -> pa.Column:
    """Text of a decimal number: present, not a suppression marker, and numeric."""
    return _text_column(_DECIMAL, "a number")


def _text_column(pattern: str, what: str) -> pa.Column:
    markers = list(SUPPRESSION_MARKERS)
    return pa.Column(
        str,
        checks=[
            pa.Check(
                lambda s: ~s.str.strip().isin(markers),
                error="no suppression markers (the published file withholds values)",
            ),
            pa.Check(lambda s: s.str.strip() != "", error="a value in every row (empty cells)"),
            pa.Check(
                lambda s: s.str.strip().isin([*markers, ""]) | s.str.strip().str.match(pattern),
                error=what,
            ),
        ],
    )


def code_column(pattern: str, what: str) -> pa.Column:
    """Text of a code matching ``pattern``."""
    return pa.Column(str, checks=pa.Check.str_matches(pattern, error=what))


def date_column(date_format: str) -> pa.Column:
    """Text of a date written as ``date_format`` (for example ``%Y-%m-%d``)."""
    return pa.Column(
        str,
        checks=pa.Check(
            lambda s: readable_dates(s, date_format), error=f"a date written {date_format}"
        ),
    )


def readable_dates(text: pd.Series, date_format: str) -> pd.Series:
    """True where ``text`` is a date written as ``date_format``."""
    return pd.Series(
        pd.to_datetime(text, format=date_format, errors="coerce"), index=text.index
    ).notna()


def check(
    source: PublishedFile,
    frame: pd.DataFrame,
    columns: Mapping[str, pa.Column],
    unique: list[str] | None = None,
) -> list[InputFailure]:
    """Validate ``frame`` lazily against the given columns; return every failure."""
    schema = pa.DataFrameSchema(dict(columns), strict=False, unique=unique)
    return validate(source.label, frame, schema)


def validate(label: str, frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[InputFailure]:
    """Validate ``frame`` lazily against ``schema``; return every failure, counted."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _summarise(label, errors.failure_cases)
    return []


def raise_if(failures: list[InputFailure]) -> None:
    """Raise the published-file error if there are failures."""
    if failures:
        raise invalid(failures)


def to_count(text: pd.Series) -> pd.Series:
    """Whole numbers from checked text (thousands separators dropped) as int64."""
    cleaned = text.str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned).astype("int64")


def to_number(text: pd.Series) -> pd.Series:
    """Decimal numbers from checked text as float64."""
    cleaned = text.str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned).astype("float64")


def to_date(text: pd.Series, date_format: str) -> pd.Series:
    """Dates from checked text as datetime64[ms]."""
    return pd.to_datetime(text, format=date_format).astype("datetime64[ms]")


def missing_codes(
    source: PublishedFile, column: str, found: Collection[str], expected: Collection[str], what: str
) -> list[InputFailure]:
    """A failure naming the authorities of ``expected`` that have no row in the file."""
    absent = sorted(set(expected) - set(found))
    if not absent:
        return []
    shown = ", ".join(absent[:5]) + (", ..." if len(absent) > 5 else "")
    reason = f"{len(absent)} authorities of {what} have no rows ({shown})"
    return [InputFailure(source.label, column, reason, -1)]


def read_code_lookup(
    source_dir: Path,
    source: PublishedFile,
    columns: tuple[str, ...],
    codes: Mapping[str, tuple[str, str]],
    key: str,
    authorities: tuple[str, Collection[str], str],
) -> pd.DataFrame:
    """Read a lookup keyed by ``key`` (one row each), every column of ``codes`` matching its
    (pattern, description), and every authority of ``authorities`` (column, codes, vintage
    label) present; raise every failure at once.
    """
    frame = read_text_table(source_dir, source, columns)
    checks = {column: code_column(*spec) for column, spec in codes.items()}
    failures = check(source, frame, checks, unique=[key])
    column, expected, label = authorities
    failures += missing_codes(source, column, frame[column], expected, label)
    raise_if(failures)
    return frame


def unknown_codes(
    source: PublishedFile, column: str, codes: pd.Series, known: Collection[str], what: str
) -> list[InputFailure]:
    """A failure counting the rows whose code is not one of ``known``."""
    bad = int((~codes.isin(list(known))).sum())
    if not bad:
        return []
    return [InputFailure(source.label, column, f"code not in {what}", bad)]
