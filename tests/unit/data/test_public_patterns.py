"""Patterns of the published-file readers match ASCII text exactly (issue 14): no Unicode
digit (fullwidth, Arabic-Indic) passes for [0-9], and no final new line passes for the end."""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
import pytest

from ldsa.data.public import _files, crosswalk, deprivation, lookups, survey

FULLWIDTH_ONE = "\uff11"  # "１"
ARABIC_INDIC_ONE = "\u0661"  # "١"

#: (pattern, a text it must match) for every code or number pattern of the readers.
PATTERNS = {
    "LSOA": (deprivation._LSOA_PATTERN, "E01000001"),
    "LAD19": (lookups._LAD19_PATTERN, "E06000001"),
    "England LA": (crosswalk._ENGLAND_LA.pattern, "E09000001"),
    "vintage file": (crosswalk._VINTAGE_FILE.pattern, "lad21_names_codes_uk_dec2021.csv"),
    "whole number": (_files._WHOLE, "1,234,001"),
    "decimal": (_files._DECIMAL, "-12,001.51"),
    "reference period": (survey._REFERENCE_PERIOD, "13 March 2022 to 19 March 2021"),
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_matches_ascii_only_and_to_the_end(name: str) -> None:
    """Each pattern matches its ASCII text, and refuses the same text with a fullwidth or
    Arabic-Indic digit for the last "1", or with a new line after it."""
    pattern, text = PATTERNS[name]
    assert re.match(pattern, text)
    last = text.rindex("1")
    for digit in (FULLWIDTH_ONE, ARABIC_INDIC_ONE):
        assert not re.match(pattern, text[:last] + digit + text[last + 1 :]), digit
    assert not re.match(pattern, text + "\n")


def _failures(column: pa.Column, values: list[str]) -> list[str]:
    schema = pa.DataFrameSchema({"value": column})
    return [str(f) for f in _files.validate("file.csv", pd.DataFrame({"value": values}), schema)]


@pytest.mark.parametrize(
    ("column", "good", "bad"),
    [
        (_files.count_column(), "12", f"1{FULLWIDTH_ONE}"),
        (_files.number_column(), "1.5", f"{FULLWIDTH_ONE}.5"),
        (
            _files.code_column(lookups._LAD19_PATTERN, "an English LA code (E06-E09)"),
            "E06000001",
            "E06000001\n",
        ),
        (
            _files.code_column(lookups._LAD19_PATTERN, "an English LA code (E06-E09)"),
            "E06000001",
            f"E0600000{FULLWIDTH_ONE}",
        ),
    ],
)
def test_published_columns_refuse_unicode_digits_and_new_lines(
    column: pa.Column, good: str, bad: str
) -> None:
    """A column check passes ASCII values and refuses the look-alike in one failure that
    names the row but not the value."""
    assert _failures(column, [good, good]) == []
    (failure,) = _failures(column, [good, bad])
    assert "1 row(s)" in failure
    assert "failing rows 2" in failure
    assert bad.strip() not in failure
