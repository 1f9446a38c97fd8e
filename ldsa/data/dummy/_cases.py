"""Cases: one row per positive case, by specimen date, with age, sex, pillar and test type.

Daily counts per LA are Poisson around the epidemic's expected cases. Ages come from the
LA's population weighted by an attack-rate profile that changes between epochs (older
people in spring 2020, when mostly hospital patients were tested; school ages in Delta;
young adults in Omicron). Pillar 1 (hospital) dominates early; lateral-flow (LFD) cases
appear from 2021.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ldsa.data.dummy._days import Floats, Ints, epoch_day, interpolate, period_days
from ldsa.data.dummy._draw import draw_age_sex, normalised_cdf
from ldsa.data.dummy._epidemic import ATTACK_AGES, ATTACK_BASE, Epidemic, attack_profile
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import Population
from ldsa.data.dummy._small_areas import SmallAreas, case_area_cdf, draw_areas
from ldsa.data.dummy._write import ChunkWriter, blocks, categories
from ldsa.data.schemas import PILLARS, SEXES, TEST_TYPES

#: First day of each epoch and its relative attack rate at ATTACK_AGES.
_EPOCHS: tuple[tuple[dt.date, tuple[float, ...]], ...] = (
    (dt.date(2020, 3, 1), (0.1, 0.1, 0.15, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.6, 2.5, 3.0)),
    (dt.date(2020, 8, 1), ATTACK_BASE),
    (dt.date(2021, 5, 1), (0.8, 1.4, 2.2, 2.0, 1.6, 1.3, 1.1, 0.9, 0.5, 0.3, 0.3, 0.35)),
    (dt.date(2021, 12, 1), (0.6, 0.9, 1.1, 1.1, 1.4, 1.5, 1.4, 1.1, 0.6, 0.4, 0.5, 0.6)),
)
#: Share of cases found in pillar 1 (hospitals, care workers) as testing expanded.
_PILLAR_1 = (
    ("2020-03-01", 0.97),
    ("2020-04-15", 0.85),
    ("2020-05-20", 0.45),
    ("2020-07-01", 0.25),
    ("2020-10-01", 0.10),
    ("2021-03-01", 0.06),
    ("2022-03-31", 0.04),
)
#: Share of pillar 2 cases confirmed by lateral-flow test only.
_LFD = (
    ("2020-12-31", 0.0),
    ("2021-01-15", 0.03),
    ("2021-04-01", 0.12),
    ("2021-11-30", 0.15),
    ("2022-01-11", 0.45),
    ("2022-03-31", 0.55),
)
_OLD_AGE, _OLD_PILLAR_1 = 75, 2.0


def case_counts(generator: np.random.Generator, epidemic: Epidemic) -> Ints:
    """Draw confirmed cases ``[la, day]``."""
    return generator.poisson(epidemic.expected_cases).astype(np.int64)


def write_cases(
    write: ChunkWriter,
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    counts: Ints,
    areas: SmallAreas,
    area_generator: np.random.Generator,
) -> None:
    """Write one row per case, LA by LA in code order, days in order within each LA.

    Small areas come from their own stream (``area_generator``), so that every other
    column is drawn as it was before cases carried them.
    """
    cdf = _age_sex_cdf(population)
    epoch = np.searchsorted(_epoch_starts(), period_days(), side="right") - 1
    area_cdf = case_area_cdf(areas, geography.size)
    codes = areas.codes()
    for block in blocks(counts.sum(axis=1)):
        rows = _rows(generator, geography, cdf, epoch, counts, block)
        day = np.concatenate([np.repeat(np.arange(counts.shape[1]), counts[i]) for i in block])
        la = np.repeat(block, counts[block].sum(axis=1))
        rows["msoa_code"] = categories(draw_areas(area_generator, areas, area_cdf, la, day), codes)
        write(rows)


def _rows(
    generator: np.random.Generator,
    geography: Geography,
    cdf: Floats,
    epoch: Ints,
    counts: Ints,
    block: Ints,
) -> dict[str, Any]:
    la = np.repeat(block, counts[block].sum(axis=1))
    day = np.concatenate([np.repeat(np.arange(counts.shape[1]), counts[i]) for i in block])
    days = period_days()[day]
    sex, age = draw_age_sex(generator, cdf, la * len(_EPOCHS) + epoch[day])
    pillar_1 = generator.random(la.size) < _pillar_1_share(days, age)
    lfd = ~pillar_1 & (generator.random(la.size) < interpolate(_LFD, days))
    return {
        "specimen_date": days,
        "la_code": categories(la, geography.la_code),
        "age": age,
        "sex": categories(sex, SEXES),
        "pillar": categories(np.where(pillar_1, 0, 1), PILLARS),
        "test_type": categories(lfd.astype(np.int8), TEST_TYPES),
    }


def _age_sex_cdf(population: Population) -> Floats:
    """Cumulative age-sex distribution of cases ``[la * epoch, 182]``."""
    people = population.year(2020).astype(np.float64)  # [la, sex, age]
    profiles = np.stack([attack_profile(ATTACK_AGES, values) for _, values in _EPOCHS])
    weights = people[:, None, :, :] * profiles[None, :, None, :]
    return normalised_cdf(weights.reshape(-1, 2 * people.shape[2]))


def _pillar_1_share(days: Ints, age: Ints) -> Floats:
    share = interpolate(_PILLAR_1, days)
    return np.minimum(np.where(age >= _OLD_AGE, share * _OLD_PILLAR_1, share), 0.99)


def _epoch_starts() -> Ints:
    return np.array([epoch_day(start) for start, _ in _EPOCHS])
