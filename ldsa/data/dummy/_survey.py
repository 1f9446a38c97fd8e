"""Infection survey: swab visits of a household panel in every CIS area.

Households enrol from late April 2020 (most in the autumn 2020 expansion), are visited
weekly for their first month and then about monthly, and some leave early. Everyone in a
household is swabbed at the same visit; a few individual visits are missed. A swab is
positive with the probability that its LA's residents would test positive that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ldsa.data.dummy._days import Ints, epoch_day
from ldsa.data.dummy._draw import draw, draw_age_sex, normalised_cdf
from ldsa.data.dummy._epidemic import Epidemic
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import Population
from ldsa.data.dummy._write import ChunkWriter, categories
from ldsa.data.schemas import PERIOD_END, SEXES, SURVEY_RESULTS

#: Participants ever enrolled at scale 1 (England's survey swabbed about this many
#: people in a typical month at its height; we keep one panel of that size).
PARTICIPANTS = 200_000
_HOUSEHOLD_SIZES = np.array([0.28, 0.36, 0.15, 0.14, 0.07])  # 1 to 5 people
#: Households drawn per CIS area before the rest are spread by population.
_PER_AREA = 2
#: Enrolment windows and the share of households enrolling in each.
_ENROLMENT = (
    (dt.date(2020, 4, 26), dt.date(2020, 7, 31), 0.15),
    (dt.date(2020, 8, 1), dt.date(2020, 11, 30), 0.60),
    (dt.date(2020, 12, 1), dt.date(2021, 12, 31), 0.25),
)
_WEEKLY = (0, 7, 14, 21, 28)
_MONTHLY, _JITTER, _MONTHS = 30, 3, 24
_LEAVE, _MISSED, _VOID = 0.3, 0.05, 0.004
_YOUNGEST = 2


@dataclass(frozen=True)
class _Panel:
    """One entry per participant (ids are positions + 1), visits ``[participant, slot]``."""

    household: Ints
    la: Ints
    sex: Ints
    age: Ints
    visits: Ints  # day of each scheduled visit, or -1 where there is none


def write_survey(
    write: ChunkWriter,
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    epidemic: Epidemic,
    scale: float,
) -> int:
    """Write every swab visit, by participant then date; return the number of participants."""
    panel = _panel(generator, geography, population, max(round(PARTICIPANTS * scale), 1))
    taken = (panel.visits >= 0) & (generator.random(panel.visits.shape) >= _MISSED)
    person, slot = np.nonzero(taken)
    day = panel.visits[person, slot]
    la = panel.la[person]
    positive = generator.random(person.size) < epidemic.positivity[la, day - epidemic.days[0]]
    void = generator.random(person.size) < _VOID
    result = np.where(void, 2, np.where(positive, 0, 1))
    write(
        {
            "visit_date": day,
            "participant_id": person + 1,
            "household_id": panel.household[person] + 1,
            "la_code": categories(la, geography.la_code),
            "cis_area": categories(geography.cis_index[la], geography.cis_codes),
            "age": panel.age[person],
            "sex": categories(panel.sex[person], SEXES),
            "result": categories(result, SURVEY_RESULTS),
        }
    )
    return int(panel.la.size)


def _panel(
    generator: np.random.Generator, geography: Geography, population: Population, target: int
) -> _Panel:
    sizes = _household_sizes(generator, target, len(geography.cis_codes) * _PER_AREA)
    la = _household_las(generator, geography, population, sizes.size)
    visits = _visit_days(generator, sizes.size)
    household = np.repeat(np.arange(sizes.size), sizes)
    people = population.year(2020).astype(np.float64)
    people[:, :, :_YOUNGEST] = 0.0
    sex, age = draw_age_sex(
        generator, normalised_cdf(people.reshape(len(people), -1)), la[household]
    )
    return _Panel(household, la[household], sex, age, visits[household])


def _household_sizes(generator: np.random.Generator, target: int, minimum: int) -> Ints:
    """Household sizes whose total first reaches ``target`` people, at least ``minimum``."""
    mean = float(np.arange(1, 6) @ _HOUSEHOLD_SIZES)
    drawn = max(int(target / mean * 1.2) + 10, minimum)
    sizes = 1 + generator.choice(5, drawn, p=_HOUSEHOLD_SIZES)
    count = max(int(np.searchsorted(np.cumsum(sizes), target)) + 1, minimum)
    return np.asarray(sizes[:count], dtype=np.int64)


def _household_las(
    generator: np.random.Generator, geography: Geography, population: Population, count: int
) -> Ints:
    """LA of each household: a few in every CIS area first, the rest by population."""
    people = population.year(2020).sum(axis=(1, 2)).astype(np.float64)
    areas = int(geography.cis_index.max()) + 1
    in_area = geography.cis_index[None, :] == np.arange(areas)[:, None]
    seeded = np.repeat(np.arange(areas), _PER_AREA)[:count]
    first = draw(generator, normalised_cdf(in_area * people[None, :]), seeded)
    rest = draw(generator, normalised_cdf(people[None, :]), np.zeros(count - first.size, np.int64))
    return np.concatenate([first, rest])


def _visit_days(generator: np.random.Generator, count: int) -> Ints:
    """Visit days ``[household, slot]``: weekly for a month, then monthly; -1 for none."""
    window = generator.choice(len(_ENROLMENT), count, p=[w for _, _, w in _ENROLMENT])
    starts = np.array([epoch_day(a) for a, _, _ in _ENROLMENT])
    lengths = np.array([(b - a).days + 1 for a, b, _ in _ENROLMENT])
    enrol = starts[window] + generator.integers(0, lengths[window])
    monthly = _WEEKLY[-1] + _MONTHLY * np.arange(1, _MONTHS + 1)
    jitter = generator.integers(-_JITTER, _JITTER + 1, (count, _MONTHS))
    offsets = np.concatenate([np.broadcast_to(_WEEKLY, (count, 5)), monthly + jitter], axis=1)
    days = enrol[:, None] + offsets
    leaves = generator.random(count) < _LEAVE
    last = np.where(leaves, enrol + generator.integers(30, 700, count), epoch_day(PERIOD_END))
    last = np.minimum(last, epoch_day(PERIOD_END))
    return np.asarray(np.where(days <= last[:, None], days, -1), dtype=np.int64)
