"""The LA registry: lookups, and clear errors for malformed or unknown codes."""

from __future__ import annotations

import pytest

from ldsa.errors import ExitCode, InvalidParameterError
from ldsa.geography import Geography
from ldsa.testing import TINY_LA_CODES, tiny_tables


@pytest.fixture
def geography() -> Geography:
    """The tiny extract's three authorities."""
    return Geography.from_frame(tiny_tables()["geography"].to_pandas())


def test_lookup_by_code(geography: Geography) -> None:
    """An authority is found by code with its name, region and CIS area."""
    authority = geography.authority("E09000901")
    assert (authority.la_name, authority.region_name, authority.cis_area) == (
        "Smallbridge Borough",
        "London",
        "J06000903",
    )
    assert geography.codes == TINY_LA_CODES
    assert [a.la_code for a in geography.in_region("E12000007")] == ["E09000901"]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "E0600000",
        "E10000001",
        "e06000901",
        "E06000901 ",
        "W06000001",
        "E06000901\n",  # $ would match before the new line
        "E06000901\r",
        "\uff25\uff10\uff16\uff10\uff10\uff10\uff19\uff10\uff11",  # fullwidth letters and digits
        "E0\uff16000901",  # a fullwidth 6: \\d would match it
        "E06\u0660\u0660\u06609\u06600\u0661",  # Arabic-Indic digits
        "E0600\U0001d7ce901",  # a mathematical bold digit
    ],
)
def test_malformed_codes_refused(geography: Geography, code: str) -> None:
    """Codes that are not exactly ASCII GSS LA codes are refused with the expected shape."""
    with pytest.raises(InvalidParameterError, match="not a GSS local-authority code") as caught:
        geography.validate_code(code)
    assert caught.value.exit_code == ExitCode.INVALID_PARAMETER


def test_unknown_code_suggests_neighbours(geography: Geography) -> None:
    """A well-formed but unknown code is refused with the nearest known codes."""
    with pytest.raises(InvalidParameterError, match="Did you mean E06000901"):
        geography.validate_code("E06000902")


def test_all_bad_codes_reported_together(geography: Geography) -> None:
    """Validating several codes reports every bad one at once and de-duplicates good ones."""
    assert geography.validate_codes(["E09000901", "E09000901"]) == ("E09000901",)
    with pytest.raises(InvalidParameterError) as caught:
        geography.validate_codes(["E09000901", "bad", "E08000001"])
    assert str(caught.value).count("la_code") == 2
