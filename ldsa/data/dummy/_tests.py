"""Tests: one row per LA and day, with the day's tests and positive tests.

Positive tests are the day's cases plus repeat positives of people already counted, so
that positivity agrees with the cases table. Test volumes follow England's expansion:
tens of thousands a day in spring 2020, hundreds of thousands by the autumn, and more than
a million a day once lateral-flow testing was offered to everyone in 2021.
"""

from __future__ import annotations

import numpy as np

from ldsa.data.dummy._days import Ints, interpolate, period_days, weekday_factor
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import Population
from ldsa.data.dummy._write import ChunkWriter, categories

#: Tests a day in England at scale 1 (PCR and LFD), between these dates.
_VOLUME = (
    ("2020-03-01", 8_000),
    ("2020-04-15", 25_000),
    ("2020-05-15", 100_000),
    ("2020-07-01", 150_000),
    ("2020-09-01", 200_000),
    ("2020-11-01", 330_000),
    ("2021-01-01", 450_000),
    ("2021-03-08", 1_300_000),
    ("2021-06-01", 1_000_000),
    ("2021-09-01", 1_000_000),
    ("2021-12-20", 1_800_000),
    ("2022-01-10", 1_600_000),
    ("2022-03-31", 700_000),
)
_WEEKDAY = np.array([1.10, 1.10, 1.08, 1.05, 1.00, 0.80, 0.87])
_BANK_HOLIDAY = 0.75
#: Repeat positive tests per case (people testing again within their episode).
_REPEAT_POSITIVES = 0.08
#: Where one day's positives exceed this share of its tests, tests are raised to match.
_MAX_POSITIVITY = 0.7


def write_tests(
    write: ChunkWriter,
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    cases: Ints,
    scale: float,
) -> None:
    """Write tests per LA and day, LA by LA in code order."""
    days = period_days()
    people = population.year(2020).sum(axis=(1, 2)).astype(np.float64)
    share = people / people.sum() * np.exp(generator.normal(0, 0.15, people.size))
    daily = interpolate(_VOLUME, days) * weekday_factor(days, _WEEKDAY, _BANK_HOLIDAY)
    tests = generator.poisson(share[:, None] * daily[None, :] * scale).astype(np.int64)
    positives = cases + generator.binomial(cases, _REPEAT_POSITIVES)
    tests = np.maximum(tests, np.ceil(positives / _MAX_POSITIVITY).astype(np.int64))
    la = np.repeat(np.arange(geography.size), days.size)
    write(
        {
            "date": np.tile(days, geography.size),
            "la_code": categories(la, geography.la_code),
            "tests": tests.ravel(),
            "positive_tests": positives.ravel(),
        }
    )
