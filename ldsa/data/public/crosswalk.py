"""Versioned geography: map authorities of any boundary vintage to one target vintage.

Published files come on different local-authority vintages (LAD 2019 has Buckinghamshire as
four districts and Northamptonshire as seven; Cumbria, North Yorkshire and Somerset were
reorganised in April 2023). Every change since 2019 is a merge of whole districts, so a
crosswalk forward in time is exact: counts and populations of the predecessors add up to
the successor. A crosswalk backwards would need a split and is refused.

The changes are the structural-change orders below; :func:`read_vintages` checks them
against the published names-and-codes lookups, so a lookup that disagrees is an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ldsa.data.public._files import (
    PublishedFile,
    check,
    code_column,
    invalid,
    raise_if,
    read_text_table,
)
from ldsa.errors import InputFailure, InvalidInputError, InvalidParameterError

GEOGRAPHY_FOLDER = "geography"
_ONS_GEOGRAPHY = "Office for National Statistics, Open Geography Portal"
_VINTAGE_FILE = re.compile(r"^lad([0-9]{2})_names_codes_uk_([a-z]{3})([0-9]{4})\.csv\Z")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ENGLAND_LA = re.compile(r"^E0[6-9][0-9]{6}\Z")


@dataclasses.dataclass(frozen=True)
class BoundaryChange:
    """Whole districts merged into one new authority on a date, by a structural-change order."""

    effective: dt.date
    successor: str
    predecessors: tuple[str, ...]
    order: str


_BUCKS = "The Buckinghamshire (Structural Changes) Order 2019"
_NORTHANTS = "The Northamptonshire (Structural Changes) Order 2020"
_CUMBRIA = "The Cumbria (Structural Changes) Order 2022"
_NORTH_YORKS = "The North Yorkshire (Structural Changes) Order 2022"
_SOMERSET = "The Somerset (Structural Changes) Order 2022"

#: Every change to England's lower-tier authorities since the LAD 2019 vintage.
BOUNDARY_CHANGES: tuple[BoundaryChange, ...] = (
    BoundaryChange(
        dt.date(2020, 4, 1),
        "E06000060",
        ("E07000004", "E07000005", "E07000006", "E07000007"),
        _BUCKS,
    ),
    BoundaryChange(
        dt.date(2021, 4, 1),
        "E06000061",
        ("E07000150", "E07000152", "E07000153", "E07000156"),
        _NORTHANTS,
    ),
    BoundaryChange(
        dt.date(2021, 4, 1), "E06000062", ("E07000151", "E07000154", "E07000155"), _NORTHANTS
    ),
    BoundaryChange(
        dt.date(2023, 4, 1), "E06000063", ("E07000026", "E07000028", "E07000029"), _CUMBRIA
    ),
    BoundaryChange(
        dt.date(2023, 4, 1), "E06000064", ("E07000027", "E07000030", "E07000031"), _CUMBRIA
    ),
    BoundaryChange(
        dt.date(2023, 4, 1),
        "E06000065",
        tuple(f"E07000{n}" for n in range(163, 170)),
        _NORTH_YORKS,
    ),
    BoundaryChange(
        dt.date(2023, 4, 1),
        "E06000066",
        ("E07000187", "E07000188", "E07000189", "E07000246"),
        _SOMERSET,
    ),
)

#: Authorities whose Covid figures UKHSA published combined with a neighbour: the
#: dashboard's cases have City of London within Hackney and Isles of Scilly within Cornwall,
#: so every table of a public store combines them the same way.
COMBINED: Mapping[str, str] = {"E09000001": "E09000012", "E06000053": "E06000052"}
_COMBINED_REASON = "published combined with its neighbour in the UKHSA dashboard's case data"


@dataclasses.dataclass(frozen=True)
class Vintage:
    """The English lower-tier authorities of one names-and-codes lookup."""

    name: str
    start: dt.date
    names: Mapping[str, str]
    source: PublishedFile

    @property
    def codes(self) -> frozenset[str]:
        """Every English authority code of the vintage."""
        return frozenset(self.names)

    @property
    def label(self) -> str:
        """For example ``'LAD23 (April 2023)'``."""
        return f"{self.name} ({self.start:%B %Y})"


@dataclasses.dataclass(frozen=True)
class Merge:
    """One authority of a crosswalk's output that gathers several source authorities."""

    la_code: str
    la_name: str
    merged: tuple[str, ...]
    reason: str


@dataclasses.dataclass(frozen=True)
class Crosswalk:
    """Where every known authority code goes in the target vintage.

    Parameters
    ----------
    target
        The vintage reported on.
    successor
        Every code of the target and earlier vintages, mapped to its reporting authority.
    names
        Name of every reporting authority.
    merges
        Reporting authorities that gather more than one source code, and why.
    """

    target: Vintage
    successor: Mapping[str, str]
    names: Mapping[str, str]
    merges: tuple[Merge, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The reporting authorities, sorted."""
        return tuple(sorted(self.names))

    def sources_of(self, la_code: str) -> tuple[str, ...]:
        """Every known code (of any vintage) that maps to ``la_code``."""
        return tuple(sorted(c for c, to in self.successor.items() if to == la_code))

    def aggregate(
        self,
        source: PublishedFile,
        frame: pd.DataFrame,
        keys: Sequence[str],
        measures: Sequence[str],
    ) -> pd.DataFrame:
        """Map ``frame``'s ``la_code`` to the target and add up ``measures`` over ``keys``.

        Raises
        ------
        InvalidInputError
            When some codes are neither in the target nor in an earlier vintage.
        """
        mapped = frame["la_code"].map(self.successor)
        bad = int(mapped.isna().sum())
        if bad:
            reason = (
                f"code not in {self.target.name} or an earlier vintage (a later boundary "
                "cannot be split back)"
            )
            raise invalid([InputFailure(source.label, "la_code", reason, bad)])
        grouped = frame.assign(la_code=mapped).groupby(["la_code", *keys], sort=True, dropna=False)
        return grouped[list(measures)].sum().reset_index()

    def manifest(self) -> dict[str, object]:
        """The crosswalk as the store manifest records it."""
        return {
            "target": self.target.label,
            "authorities": len(self.names),
            "merges": [dataclasses.asdict(m) for m in self.merges],
        }


def read_vintages(source_dir: Path) -> list[Vintage]:
    """Read every ``lad<yy>_names_codes_uk_<mon><yyyy>.csv`` lookup, oldest first.

    Raises
    ------
    InvalidInputError
        When a lookup is unreadable, or differs from the one before it by changes that are
        not in :data:`BOUNDARY_CHANGES`.
    """
    folder = source_dir / GEOGRAPHY_FOLDER
    found = (
        sorted(p.name for p in folder.glob("lad*_names_codes_uk_*.csv")) if folder.is_dir() else []
    )
    matches = [m for m in map(_VINTAGE_FILE.match, found) if m]
    if not matches:
        raise invalid(
            [
                InputFailure(
                    f"{GEOGRAPHY_FOLDER}/lad<yy>_names_codes_uk_*.csv", "*", "file missing", -1
                )
            ]
        )
    failures: list[InputFailure] = []
    vintages: list[Vintage] = []
    for match in matches:
        try:
            vintages.append(_read_vintage(source_dir, match))
        except InvalidInputError as error:
            failures += error.failures
    raise_if(failures)
    vintages.sort(key=lambda v: v.start)
    for before, after in itertools.pairwise(vintages):
        failures += _unexplained_changes(before, after)
    raise_if(failures)
    return vintages


def _read_vintage(source_dir: Path, match: re.Match[str]) -> Vintage:
    yy, month, year = match.groups()
    start = dt.date(int(year), _MONTHS.index(month) + 1, 1)
    name = f"LAD{yy}"
    source = PublishedFile(
        GEOGRAPHY_FOLDER,
        match.string,
        _ONS_GEOGRAPHY,
        f"Local Authority Districts ({start:%B %Y}) Names and Codes in the United Kingdom",
        f"{name}, {start:%B %Y}",
    )
    columns = (f"{name}CD", f"{name}NM", f"{name}NMW")
    frame = read_text_table(source_dir, source, columns)
    england = frame[frame[columns[0]].str.startswith("E")]
    raise_if(
        check(
            source,
            england,
            {columns[0]: code_column(_ENGLAND_LA.pattern, "an English LA code (E06-E09)")},
            unique=[columns[0]],
        )
    )
    return Vintage(
        name, start, dict(zip(england[columns[0]], england[columns[1]], strict=True)), source
    )


def _unexplained_changes(before: Vintage, after: Vintage) -> list[InputFailure]:
    changes = [c for c in BOUNDARY_CHANGES if before.start < c.effective <= after.start]
    retired = {code for c in changes for code in c.predecessors}
    expected = (before.codes - retired) | {c.successor for c in changes}
    differ = len(expected ^ after.codes)
    if not differ:
        return []
    reason = (
        f"{differ} English codes differ from {before.name} by changes not in ldsa's "
        "boundary-change table (ldsa.data.public.crosswalk.BOUNDARY_CHANGES)"
    )
    return [InputFailure(after.source.label, f"{after.name}CD", reason, -1)]


def build_crosswalk(vintages: Sequence[Vintage], target: str | None = None) -> Crosswalk:
    """The crosswalk from every vintage up to ``target`` (default: the latest) to ``target``.

    Parameters
    ----------
    vintages
        From :func:`read_vintages`, oldest first.
    target
        A vintage name such as ``"LAD22"`` (case-insensitive); None for the latest.

    Raises
    ------
    InvalidParameterError
        When ``target`` is not one of the vintages.
    """
    by_name = {v.name: v for v in vintages}
    name = vintages[-1].name if target is None else target.upper()
    if name not in by_name:
        raise InvalidParameterError(
            f"vintage {target!r}: no such boundary vintage among the geography lookups; "
            f"expected one of {', '.join(by_name)}. How to fix: pass one of those, or none "
            "for the latest."
        )
    chosen = by_name[name]
    successor = _successors(chosen, [v for v in vintages if v.start <= chosen.start])
    names = {code: chosen.names[code] for code in set(successor.values())}
    for minor, major in COMBINED.items():
        if minor in chosen.names:
            names[major] = f"{chosen.names[major]} and {chosen.names[minor]}"
    return Crosswalk(chosen, successor, names, _merges(chosen, successor, names))


def _successors(target: Vintage, earlier: Sequence[Vintage]) -> dict[str, str]:
    in_force = {
        code: change.successor
        for change in BOUNDARY_CHANGES
        if change.effective <= target.start
        for code in change.predecessors
    }
    successor: dict[str, str] = {}
    for code in sorted({c for v in earlier for c in v.codes}):
        to = code
        while to in in_force:
            to = in_force[to]
        successor[code] = COMBINED.get(to, to)
    return successor


def _merges(
    target: Vintage, successor: Mapping[str, str], names: Mapping[str, str]
) -> tuple[Merge, ...]:
    orders = {c.successor: f"{c.order}, in force {c.effective}" for c in BOUNDARY_CHANGES}
    merges = []
    for code in sorted(names):
        merged = tuple(sorted(c for c, to in successor.items() if to == code and c != code))
        if merged:
            reason = orders.get(code, _COMBINED_REASON)
            merges.append(Merge(code, names[code], merged, reason))
    return tuple(merges)
