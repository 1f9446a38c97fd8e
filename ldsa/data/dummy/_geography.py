"""The dummy country: 309 authorities in England's 2021 structure, with fictional names.

Counts per type and region are England's in April 2021 (59 unitary, 181 non-metropolitan
districts in 24 counties, 36 metropolitan districts, 33 London boroughs). LA codes are
GSS-shaped but drawn from an unused range (``E0x9xxxxx``) so that no dummy authority
carries a real authority's code; region codes and names are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ldsa.data.dummy._names import la_names
from ldsa.data.schemas import LA_TYPE_PREFIX


@dataclass(frozen=True)
class _Region:
    code: str
    name: str
    population: float  # mid-2020, millions
    unitaries: int
    met_counties: tuple[int, ...]  # metropolitan districts per former metropolitan county
    counties: tuple[int, ...]  # non-metropolitan districts per county
    london_boroughs: int = 0


REGIONS: tuple[_Region, ...] = (
    _Region("E12000001", "North East", 2.68, 7, (5,), ()),
    _Region("E12000002", "North West", 7.37, 6, (10, 5), (6, 12)),
    _Region("E12000003", "Yorkshire and The Humber", 5.53, 5, (4, 5), (7,)),
    _Region("E12000004", "East Midlands", 4.88, 6, (), (8, 7, 7, 7)),
    _Region("E12000005", "West Midlands", 5.96, 4, (7,), (8, 5, 6)),
    _Region("E12000006", "East of England", 6.29, 6, (), (5, 12, 10, 7, 5)),
    _Region("E12000007", "London", 9.00, 0, (), (), 33),
    _Region("E12000008", "South East", 9.22, 13, (), (5, 11, 12, 5, 11, 7)),
    _Region("E12000009", "South West", 5.66, 12, (), (8, 6, 4)),
)
#: Number of infection-survey (CIS) areas, as in the survey's 2020 geography.
CIS_AREAS = 116
_MAX_CIS_SIZE = 5
_COASTAL_SHARE = 0.2
_STUDENT_TOWNS = 12


@dataclass(frozen=True)
class Geography:
    """Authorities in a fixed order (region, then UTLA groups), one array entry each."""

    la_code: tuple[str, ...]
    la_name: tuple[str, ...]
    la_type: tuple[str, ...]
    utla_code: tuple[str, ...]
    region: npt.NDArray[np.int64]  # index into REGIONS
    cis_index: npt.NDArray[np.int64]  # 0-based CIS area of each LA
    coastal: npt.NDArray[np.bool_]
    student: npt.NDArray[np.bool_]

    @property
    def size(self) -> int:
        """Number of authorities."""
        return len(self.la_code)

    @property
    def cis_codes(self) -> tuple[str, ...]:
        """Every CIS area code, in area order."""
        return tuple(_cis_code(i) for i in range(int(self.cis_index.max()) + 1))

    @property
    def region_code(self) -> tuple[str, ...]:
        """Region code of each authority."""
        return tuple(REGIONS[r].code for r in self.region)

    @property
    def region_name(self) -> tuple[str, ...]:
        """Region name of each authority."""
        return tuple(REGIONS[r].name for r in self.region)


def build_geography(generator: np.random.Generator, names: np.random.Generator) -> Geography:
    """Lay out the authorities, their UTLAs, CIS areas, names and area features."""
    la_types, utla_groups, regions = _layout(generator)
    codes = _la_codes(la_types)
    utla = _utla_codes(codes, utla_groups)
    coastal = (generator.random(len(codes)) < _COASTAL_SHARE) & _coast_possible(la_types, regions)
    student = np.zeros(len(codes), dtype=bool)
    eligible = np.flatnonzero(np.isin(la_types, ["unitary", "non_metropolitan_district"]))
    student[generator.choice(eligible, _STUDENT_TOWNS, replace=False)] = True
    coastal &= ~student
    la_name = la_names(names, la_types, coastal.tolist())
    return Geography(
        la_code=tuple(codes),
        la_name=tuple(la_name),
        la_type=tuple(la_types),
        utla_code=tuple(utla),
        region=np.asarray(regions, dtype=np.int64),
        cis_index=_cis_areas(generator, np.asarray(regions)),
        coastal=coastal,
        student=student,
    )


def _layout(generator: np.random.Generator) -> tuple[list[str], list[int], list[int]]:
    """Return each LA's type, UTLA group number and region, UTLA groups kept together."""
    la_types: list[str] = []
    groups: list[int] = []
    regions: list[int] = []
    group = 0
    for index, region in enumerate(REGIONS):
        blocks = _region_blocks(region)
        for block in generator.permutation(len(blocks)):
            la_type, count, shared = blocks[block]
            for _ in range(count):
                la_types.append(la_type)
                regions.append(index)
                groups.append(group if shared else -1)
            group += 1
    return la_types, groups, regions


def _region_blocks(region: _Region) -> list[tuple[str, int, bool]]:
    """(LA type, number of LAs, whether they share a county UTLA) per block of a region."""
    blocks = [("unitary", 1, False)] * region.unitaries
    blocks += [("metropolitan_district", n, False) for n in region.met_counties]
    blocks += [("non_metropolitan_district", n, True) for n in region.counties]
    blocks += [("london_borough", 1, False)] * region.london_boroughs
    return blocks


def _la_codes(la_types: list[str]) -> list[str]:
    counters = dict.fromkeys(LA_TYPE_PREFIX, 0)
    codes = []
    for la_type in la_types:
        counters[la_type] += 1
        codes.append(f"{LA_TYPE_PREFIX[la_type]}9{counters[la_type]:05d}")
    return codes


def _utla_codes(codes: list[str], groups: list[int]) -> list[str]:
    """Districts take their county's E10 code; every other LA is its own UTLA."""
    county_number: dict[int, int] = {}
    utla = []
    for code, group in zip(codes, groups, strict=True):
        if group < 0:
            utla.append(code)
            continue
        county_number.setdefault(group, len(county_number) + 1)
        utla.append(f"E109{county_number[group]:05d}")
    return utla


def _coast_possible(la_types: list[str], regions: list[int]) -> npt.NDArray[np.bool_]:
    """Only unitaries and districts outside the landlocked regions reach the sea."""
    landlocked = {"E12000005", "E12000007"}
    return np.array(
        [
            t in ("unitary", "non_metropolitan_district") and REGIONS[r].code not in landlocked
            for t, r in zip(la_types, regions, strict=True)
        ]
    )


def _cis_areas(
    generator: np.random.Generator, regions: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Split each region's run of LAs into consecutive groups of 1..5 LAs."""
    counts = np.bincount(regions, minlength=len(REGIONS))
    per_region = _largest_remainder(counts * CIS_AREAS / counts.sum())
    index = np.empty(len(regions), dtype=np.int64)
    start = area = 0
    for count, areas in zip(counts, per_region, strict=True):
        sizes = np.ones(areas, dtype=np.int64)
        for _ in range(count - areas):
            open_areas = np.flatnonzero(sizes < _MAX_CIS_SIZE)
            sizes[generator.choice(open_areas)] += 1
        index[start : start + count] = np.repeat(np.arange(area, area + areas), sizes)
        start += count
        area += areas
    return index


def _largest_remainder(shares: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    whole = np.floor(shares).astype(np.int64)
    missing = round(shares.sum()) - whole.sum()
    whole[np.argsort(-(shares - whole), kind="stable")[:missing]] += 1
    return whole


def _cis_code(index: int) -> str:
    return f"J06{index + 1:06d}"
