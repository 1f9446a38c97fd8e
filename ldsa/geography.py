"""The local-authority registry: codes, names, types, upper tiers, regions and CIS areas.

Geography is versioned: ldsa works on the 2021 lower-tier authorities (309 in England).
Every LA code a user passes is checked here before any job starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable, Iterator

import pandas as pd

from ldsa.data.schemas import LA_CODE_PATTERN
from ldsa.errors import InvalidParameterError

#: The boundary vintage of the authorities ldsa reports on.
GEOGRAPHY_VINTAGE = "LTLA 2021"

_LA_CODE = re.compile(LA_CODE_PATTERN)


@dataclasses.dataclass(frozen=True)
class Authority:
    """One lower-tier local authority and the areas it belongs to."""

    la_code: str
    la_name: str
    la_type: str
    utla_code: str
    region_code: str
    region_name: str
    cis_area: str


@dataclasses.dataclass(frozen=True)
class Geography:
    """All authorities of one geography table, looked up by LA code."""

    authorities: tuple[Authority, ...]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Geography:
        """Build the registry from a table with the ``geography`` schema's columns."""
        fields = [field.name for field in dataclasses.fields(Authority)]
        rows = frame.sort_values("la_code")[fields].itertuples(index=False, name=None)
        return cls(tuple(Authority(*(str(value) for value in row)) for row in rows))

    def __iter__(self) -> Iterator[Authority]:
        return iter(self.authorities)

    def __len__(self) -> int:
        return len(self.authorities)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every LA code, sorted."""
        return tuple(authority.la_code for authority in self.authorities)

    def authority(self, la_code: str) -> Authority:
        """Return the authority with this code; raise a helpful error if there is none."""
        return self._by_code()[self.validate_code(la_code)]

    def in_region(self, region_code: str) -> tuple[Authority, ...]:
        """Every authority in the region, sorted by code."""
        return tuple(a for a in self.authorities if a.region_code == region_code)

    def validate_code(self, la_code: str) -> str:
        """Return ``la_code`` if it is a known authority, else raise InvalidParameterError.

        The message says whether the code is malformed or just unknown, and suggests the
        nearest known codes and names.
        """
        if not isinstance(la_code, str) or not _LA_CODE.fullmatch(la_code):
            raise InvalidParameterError(
                f"la_code {la_code!r}: not a GSS local-authority code (expected E06, E07, E08 "
                "or E09 followed by 6 digits, e.g. 'E06000001'). "
                "How to fix: run `ldsa authorities` to list valid codes."
            )
        if la_code not in self._by_code():
            close = difflib.get_close_matches(la_code, self.codes, n=3, cutoff=0.8)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise InvalidParameterError(
                f"la_code {la_code!r}: no such authority in the {GEOGRAPHY_VINTAGE} geography "
                f"of this store ({len(self)} authorities).{hint} How to fix: run `ldsa "
                "authorities --store STORE` to list the store's codes."
            )
        return la_code

    def validate_codes(self, la_codes: Iterable[str]) -> tuple[str, ...]:
        """Validate several codes, reporting every bad one at once; return them de-duplicated."""
        problems: list[str] = []
        valid: dict[str, None] = {}
        for code in la_codes:
            try:
                valid[self.validate_code(code)] = None
            except InvalidParameterError as error:
                problems.append(str(error))
        if problems:
            raise InvalidParameterError("\n".join(problems))
        return tuple(valid)

    def _by_code(self) -> dict[str, Authority]:
        cached: dict[str, Authority] | None = self.__dict__.get("_index")
        if cached is None:
            cached = {authority.la_code: authority for authority in self.authorities}
            object.__setattr__(self, "_index", cached)
        return cached
