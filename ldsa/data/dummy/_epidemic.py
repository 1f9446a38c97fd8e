"""The epidemic: wave curves at the real times, regional offsets, and what they imply.

Each wave is an asymmetric hyperbolic-secant bump (exponential growth, peak, exponential
decline) in England's daily confirmed cases, with the peak date and size read off the
public dashboard by eye. Regions reach each wave earlier or later, and harder or softer;
LAs add a little jitter. Infections are cases divided by the ascertainment (the share of
infections confirmed), which grows as testing expands through 2020; survey positivity
follows infections, and Covid deaths follow their own wave curves a couple of weeks later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ldsa.data.dummy._days import Floats, Ints, epoch_day, interpolate, period_days, weekday_factor
from ldsa.data.dummy._deprivation import Deprivation
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import Population


@dataclass(frozen=True)
class Wave:
    """One wave: peak date, e-folding days before and after it, and a day's count at the peak
    (cases or deaths in England at scale 1)."""

    name: str
    peak: dt.date
    rise: float
    fall: float
    height: float


#: Daily confirmed cases in England at the peak (scale 1), before regional effects.
CASE_WAVES: tuple[Wave, ...] = (
    Wave("spring_2020", dt.date(2020, 4, 8), 7, 30, 3_700),
    Wave("autumn_2020", dt.date(2020, 11, 10), 18, 18, 20_000),
    Wave("alpha", dt.date(2020, 12, 29), 10, 26, 44_000),
    Wave("delta", dt.date(2021, 7, 17), 15, 14, 32_000),
    Wave("delta_plateau", dt.date(2021, 10, 15), 45, 60, 30_000),
    Wave("omicron", dt.date(2022, 1, 3), 9, 14, 125_000),
    Wave("omicron_ba2", dt.date(2022, 3, 24), 20, 8, 50_000),
)


def _death_wave(name: str, peak: dt.date, rise: float, fall: float, total: float) -> Wave:
    """A wave of ``total`` deaths: the bump's area is about pi * (rise + fall) / 2."""
    return Wave(name, peak, rise, fall, total / (np.pi * (rise + fall) / 2))


#: Covid (U07.1 underlying) deaths per wave in England (scale 1), by date of death.
DEATH_WAVES: tuple[Wave, ...] = (
    _death_wave("spring_2020", dt.date(2020, 4, 6), 7, 14, 47_000),
    _death_wave("autumn_2020", dt.date(2020, 11, 25), 18, 20, 20_000),
    _death_wave("alpha", dt.date(2021, 1, 16), 12, 20, 52_000),
    _death_wave("delta", dt.date(2021, 8, 1), 14, 14, 4_000),
    _death_wave("delta_plateau", dt.date(2021, 11, 1), 45, 35, 12_000),
    _death_wave("omicron", dt.date(2022, 1, 14), 10, 18, 9_000),
    _death_wave("omicron_ba2", dt.date(2022, 4, 5), 20, 10, 2_000),
)
#: Days each region (North East ... South West) is ahead (-) or behind (+), per wave.
_REGION_OFFSET = np.array(
    [
        [3, 0, 2, 2, 0, 0, -7, -2, 5],
        [-10, -12, -8, -3, -3, 5, 3, 6, 4],
        [8, 5, 7, 6, 5, -5, -8, -7, 3],
        [0, -8, -3, 0, 0, 3, 0, 3, 5],
        [0, 0, 0, 0, 0, 0, 5, 0, -5],
        [7, 3, 5, 5, 4, 0, -10, -3, 3],
        [3, 3, 3, 2, 2, 0, 0, -2, -3],
    ],
    dtype=np.float64,
)
#: How hard each wave hit each region, relative to England.
_REGION_SIZE = np.array(
    [
        [1.2, 1.3, 1.0, 1.0, 1.2, 0.9, 1.4, 0.8, 0.5],
        [1.8, 1.8, 1.6, 1.2, 1.0, 0.6, 0.8, 0.5, 0.6],
        [0.8, 0.9, 0.8, 0.9, 1.0, 1.3, 1.4, 1.3, 0.7],
        [1.3, 1.3, 1.1, 1.0, 1.0, 0.9, 0.9, 0.8, 0.9],
        [1.0, 0.9, 1.0, 1.1, 1.0, 1.1, 0.8, 1.0, 1.2],
        [1.0, 1.0, 0.9, 0.9, 0.9, 1.0, 1.3, 1.0, 0.9],
        [0.8, 0.8, 0.9, 0.9, 0.9, 1.1, 1.0, 1.2, 1.2],
    ]
)
#: Confirmed cases in England from March 2020 to March 2022 at scale 1.
TOTAL_CASES = 20_000_000
#: Share of infections confirmed as cases: low while testing was scarce in spring 2020.
_ASCERTAINMENT = (
    ("2020-03-01", 0.03),
    ("2020-04-15", 0.06),
    ("2020-06-01", 0.15),
    ("2020-08-01", 0.25),
    ("2020-10-01", 0.35),
    ("2021-01-01", 0.40),
    ("2021-06-01", 0.45),
    ("2021-12-01", 0.40),
    ("2022-03-31", 0.30),
)
#: Cases by day of week (Monday first): fewer swabs are taken at weekends.
WEEKDAY = np.array([1.17, 1.15, 1.13, 1.04, 0.90, 0.75, 0.86])
BANK_HOLIDAY_FACTOR = 0.7
#: Survey positivity at the Omicron peak, which scales every other day's.
_PEAK_POSITIVITY = 0.065
_POSITIVE_DAYS = 10
#: Case and Covid death rates rise with deprivation (log change per 10 IMD points).
CASE_DEPRIVATION, DEATH_DEPRIVATION = 0.12, 0.25
#: Relative attack rate by age, interpolated between these ages (autumn 2020 profile).
ATTACK_AGES = (0, 5, 10, 15, 20, 25, 35, 50, 65, 75, 85, 90)
ATTACK_BASE = (0.6, 0.7, 1.0, 1.3, 1.6, 1.3, 1.1, 1.0, 0.75, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Epidemic:
    """Per-LA timing and size of every wave, and the expected cases and positivity."""

    days: Ints  # days since 1970-01-01 from PERIOD_START to PERIOD_END
    offset: Floats  # [la, wave] days behind England's peak
    size: Floats  # [la, wave] relative size of the wave in the LA (England: 1)
    expected_cases: Floats  # [la, day] including weekday and bank-holiday effects
    positivity: Floats  # [la, day] share of people who would test positive

    def curve(self, waves: tuple[Wave, ...], days: Ints, weight: Floats) -> Floats:
        """Sum of ``waves`` per LA and day, shifted and sized for each LA, times ``weight``."""
        return wave_curve(waves, self.offset, self.size, days, weight)


def wave_curve(
    waves: tuple[Wave, ...], offset: Floats, size: Floats, days: Ints, weight: Floats
) -> Floats:
    """Sum of ``waves`` ``[la, day]``, each LA's wave ``w`` shifted by ``offset[la, w]`` days
    and sized by ``size[la, w]``, times ``weight[la]``."""
    total = np.zeros((offset.shape[0], days.size))
    for w, wave in enumerate(waves):
        peak = epoch_day(wave.peak) + offset[:, w : w + 1]
        shape = wave_shape(days[None, :] - peak, wave.rise, wave.fall)
        total += wave.height * size[:, w : w + 1] * shape
    return total * weight[:, None]


def wave_shape(offset: Floats, rise: float, fall: float) -> Floats:
    """Hyperbolic-secant bump, 1 at ``offset`` 0, exponential on each side."""
    x = np.clip(offset, -40 * rise, 40 * fall)
    return 2.0 / (np.exp(-x / rise) + np.exp(x / fall))


def attack_profile(ages: tuple[int, ...], values: tuple[float, ...]) -> Floats:
    """Relative attack rate for single years 0..90 from values at a few ages."""
    return np.interp(np.arange(91), ages, values)


def ascertainment(days: Ints) -> Floats:
    """Share of infections confirmed as cases on each day."""
    return interpolate(_ASCERTAINMENT, days)


def build_epidemic(
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    deprivation: Deprivation,
    scale: float,
) -> Epidemic:
    """Draw LA jitter around the regional waves and derive expected cases and positivity."""
    people = population.year(2020).sum(axis=(1, 2)).astype(np.float64)
    jitter = generator.normal(0, 2, (geography.size, len(CASE_WAVES)))
    offset = _REGION_OFFSET.T[geography.region] + jitter
    size = _REGION_SIZE.T[geography.region] * np.exp(generator.normal(0, 0.12, offset.shape))
    size /= (people @ size / people.sum())[None, :]  # England's size of each wave stays 1
    weight = _case_weight(population, deprivation) * np.exp(generator.normal(0, 0.08, people.size))
    days = period_days()
    per_day = wave_curve(CASE_WAVES, offset, size, days, weight)
    smooth = per_day * TOTAL_CASES * scale / per_day.sum()
    expected = smooth * weekday_factor(days, WEEKDAY, BANK_HOLIDAY_FACTOR)[None, :]
    expected *= smooth.sum() / expected.sum()
    positivity = _positivity(smooth / scale, people, days)
    return Epidemic(days, offset, size, expected, positivity)


def _case_weight(population: Population, deprivation: Deprivation) -> Floats:
    """Per-person case rate of each LA from its age structure and deprivation."""
    people = population.year(2020).sum(axis=1).astype(np.float64)
    attack = attack_profile(ATTACK_AGES, ATTACK_BASE)
    per_person = people @ attack / people.sum(axis=1)
    rate = per_person / per_person.mean() * deprivation.multiplier(CASE_DEPRIVATION)
    return np.asarray(rate * people.sum(axis=1) / people.sum(axis=1).mean(), dtype=np.float64)


def _positivity(cases: Floats, people: Floats, days: Ints) -> Floats:
    """Share testing positive: infections of the last ten days over the population."""
    infections = cases / ascertainment(days)[None, :]
    kernel = np.ones(_POSITIVE_DAYS)
    recent = np.stack([np.convolve(row, kernel)[: days.size] for row in infections])
    prevalence = recent / people[:, None]
    england = recent.sum(axis=0) / people.sum()
    winter = (days >= epoch_day(dt.date(2021, 12, 1))) & (days <= epoch_day(dt.date(2022, 1, 31)))
    scaled = prevalence * _PEAK_POSITIVITY / england[winter].max()
    return np.asarray(np.clip(scaled, 0.0, 0.25), dtype=np.float64)
