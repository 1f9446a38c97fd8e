"""Deaths: one row per registration, 2015-01-01 to the end of the period.

Non-Covid deaths follow population times a Gompertz mortality curve, with winter
seasonality, a flu bump of different size each winter (none in the Covid winters), and
the spring 2020 excess of deaths from other causes. Covid deaths (U07.1 underlying)
follow the death waves and fall mostly at old ages. Registration comes 1 to 10 working
days after death for most, weeks or months later for inquests, and never at weekends or
on bank holidays, so registrations dip in bank-holiday weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from ldsa.data.dummy._causes import CAUSES, age_group, cause_cdf, covid_place_cdf, place_cdf
from ldsa.data.dummy._days import (
    Floats,
    Ints,
    bank_holidays,
    day_of_week,
    epoch_day,
    period_days,
)
from ldsa.data.dummy._deprivation import Deprivation
from ldsa.data.dummy._draw import draw, draw_age_sex, normalised_cdf
from ldsa.data.dummy._epidemic import DEATH_WAVES, Epidemic
from ldsa.data.dummy._geography import Geography
from ldsa.data.dummy._population import YEARS, Population
from ldsa.data.dummy._write import ChunkWriter, blocks, categories
from ldsa.data.schemas import DEATHS_START, PERIOD_END, PLACES_OF_DEATH, SEXES

#: Deaths are drawn from this day so that late registrations in early 2015 are complete.
_FIRST_DEATH = dt.date(2014, 3, 1)
#: Deaths a day in England at scale 1 in 2015, before seasonality.
_DAILY = 1_380.0
_TREND = 0.005  # yearly growth as the population ages
_SEASON = 0.12  # winter peak in mid-January, summer trough in mid-July
#: Flu bump in early January of each year (severe in 2015 and 2018, absent with Covid).
_FLU = {2014: 0.05, 2015: 0.22, 2016: 0.04, 2017: 0.12, 2018: 0.18, 2019: 0.03, 2020: 0.03}
_SPRING_2020 = (dt.date(2020, 4, 12), 16.0, 0.18)  # non-Covid excess: peak, width, size
_MALE_COVID = 1.6  # Covid death rate of men relative to women of the same age
_DEPRIVATION = 0.08  # log change in all-cause mortality per 10 IMD points
#: Deaths with Covid mentioned but another underlying cause, per Covid-underlying death.
_MENTIONED_ONLY = 0.14
#: Non-Covid places of death shift from this day (more at home, fewer in hospital).
_COVID_ERA = dt.date(2020, 3, 15)
#: Second and third eras of Covid places of death (see _causes).
_COVID_ERA_STARTS = (dt.date(2020, 7, 1), dt.date(2021, 6, 1))
#: Shares of deaths registered slowly (weeks) and after an inquest (months).
_SLOW, _INQUEST = 0.12, 0.025
_LONGEST = 200  # working days


@dataclass(frozen=True)
class _Expected:
    days: Ints
    other: Floats  # [la, day]
    covid: Floats  # [la, day]


def write_deaths(
    write: ChunkWriter,
    generator: np.random.Generator,
    geography: Geography,
    population: Population,
    deprivation: Deprivation,
    epidemic: Epidemic,
    scale: float,
) -> None:
    """Write one row per registered death, LA by LA, in registration date order."""
    expected = _expected(population, deprivation, epidemic, scale)
    other = generator.poisson(expected.other).astype(np.int64)
    covid = generator.poisson(expected.covid).astype(np.int64)
    mentioned = np.clip(_MENTIONED_ONLY * expected.covid / np.maximum(expected.other, 1e-9), 0, 1)
    ages = _AgeCdfs.build(population)
    for block in blocks(other.sum(axis=1) + covid.sum(axis=1)):
        parts = [
            _other_rows(generator, expected.days, other, mentioned, ages, block),
            _covid_rows(generator, expected.days, covid, ages, block),
        ]
        write(_finish(generator, geography, parts))


@dataclass(frozen=True)
class _AgeCdfs:
    other: Floats  # [la * year, 182]
    covid: Floats  # [la, 182]

    @staticmethod
    def build(population: Population) -> _AgeCdfs:
        people = population.counts.astype(np.float64)  # [la, year, sex, age]
        other = people * mortality()[None, None]
        covid = population.year(2020) * covid_fatality()[None]
        return _AgeCdfs(
            other=normalised_cdf(other.reshape(-1, other.shape[2] * other.shape[3])),
            covid=normalised_cdf(covid.reshape(covid.shape[0], -1)),
        )


def mortality() -> Floats:
    """Annual all-cause death rate ``[sex, age]`` (Gompertz; the 90+ group is older)."""
    ages = np.arange(91, dtype=np.float64)
    male = 1e-4 + 2.3e-5 * np.exp(0.097 * ages)
    male[0] = 4e-3
    male[90] *= 1.5
    return np.stack([male * 0.65, male])


def covid_fatality() -> Floats:
    """Relative Covid death rate ``[sex, age]``, doubling every six years, higher in men."""
    rate = np.exp(0.115 * (np.arange(91) - 80.0))
    rate[90] *= 1.3
    return np.asarray(np.stack([rate, rate * _MALE_COVID]), dtype=np.float64)


def _expected(
    population: Population, deprivation: Deprivation, epidemic: Epidemic, scale: float
) -> _Expected:
    days = period_days(_FIRST_DEATH, PERIOD_END)
    year = np.clip(_year(days) - YEARS[0], 0, len(YEARS) - 1)
    weight = (population.counts * mortality()[None, None]).sum(axis=(2, 3))  # [la, year]
    weight *= deprivation.multiplier(_DEPRIVATION)[:, None]
    weight /= weight.sum(axis=0, keepdims=True)
    other = weight[:, year] * (national_daily(days) * scale)[None, :]
    covid_weight = (population.year(2020) * covid_fatality()[None]).sum(
        axis=(1, 2)
    ) * deprivation.multiplier(_DEPRIVATION + 0.17)
    covid = epidemic.curve(DEATH_WAVES, days, covid_weight / covid_weight.sum()) * scale
    return _Expected(days=days, other=other, covid=covid)


def national_daily(days: Ints) -> Floats:
    """Expected non-Covid deaths a day in England at scale 1."""
    years = (days - epoch_day(DEATHS_START)) / 365.25
    season = 1 + _SEASON * np.cos(2 * np.pi * (years - 14 / 365.25))
    flu = sum(
        size * np.exp(-(((days - epoch_day(dt.date(y, 1, 5))) / 22) ** 2))
        for y, size in _FLU.items()
    )
    peak, width, size = _SPRING_2020
    spring = size * np.exp(-(((days - epoch_day(peak)) / width) ** 2))
    daily = _DAILY * (1 + _TREND) ** years * season * (1 + flu + spring)
    return np.asarray(daily, dtype=np.float64)


def _other_rows(
    generator: np.random.Generator,
    days: Ints,
    counts: Ints,
    mentioned: Floats,
    ages: _AgeCdfs,
    block: Ints,
) -> dict[str, Ints]:
    la, day = _expand(counts, block)
    year = np.clip(_year(days[day]) - YEARS[0], 0, len(YEARS) - 1)
    sex, age = draw_age_sex(generator, ages.other, la * len(YEARS) + year)
    group = age_group(age)
    era = (days[day] >= epoch_day(_COVID_ERA)).astype(np.int64)
    return {
        "la": la,
        "death": days[day],
        "age": age,
        "sex": sex,
        "cause": draw(generator, cause_cdf(), group * 2 + sex),
        "mentioned": (generator.random(la.size) < mentioned[la, day]).astype(np.int64),
        "place": draw(generator, place_cdf(), era * 3 + group),
    }


def _covid_rows(
    generator: np.random.Generator, days: Ints, counts: Ints, ages: _AgeCdfs, block: Ints
) -> dict[str, Ints]:
    la, day = _expand(counts, block)
    sex, age = draw_age_sex(generator, ages.covid, la)
    era = np.searchsorted(_covid_eras(), days[day], side="right")
    return {
        "la": la,
        "death": days[day],
        "age": age,
        "sex": sex,
        "cause": np.zeros(la.size, dtype=np.int64),
        "mentioned": np.ones(la.size, dtype=np.int64),
        "place": draw(generator, covid_place_cdf(), era),
    }


def _finish(
    generator: np.random.Generator, geography: Geography, parts: list[dict[str, Ints]]
) -> dict[str, Any]:
    """Register the deaths, keep those registered in range, sort and name the columns."""
    rows = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    registered = registration_days(generator, rows["death"])
    keep = (registered >= epoch_day(DEATHS_START)) & (registered <= epoch_day(PERIOD_END))
    order = np.lexsort((rows["death"][keep], registered[keep], rows["la"][keep]))
    pick = {key: values[keep][order] for key, values in rows.items()}
    return {
        "date_of_death": pick["death"],
        "date_of_registration": registered[keep][order],
        "la_code": categories(pick["la"], geography.la_code),
        "age": pick["age"],
        "sex": categories(pick["sex"], SEXES),
        "underlying_cause": categories(pick["cause"], CAUSES),
        "covid_mentioned": pick["mentioned"].astype(bool),
        "place_of_death": categories(pick["place"], PLACES_OF_DEATH),
    }


def registration_days(generator: np.random.Generator, death: Ints) -> Ints:
    """Registration day of each death: a number of working days after it.

    Most deaths are registered within 1 to 10 working days; some take a few weeks, and
    deaths referred to a coroner can take months.
    """
    kind = generator.random(death.size)
    delay = 1 + generator.negative_binomial(2, 0.45, death.size)
    delay = np.where(kind < _SLOW, 5 + generator.geometric(0.1, death.size), delay)
    inquest = np.minimum(20 + generator.geometric(0.015, death.size), _LONGEST)
    delay = np.where(kind < _INQUEST, inquest, delay)
    working = _working_days(int(death.min()), int(death.max()) + 2 * _LONGEST)
    first = np.searchsorted(working, death, side="right")
    return np.asarray(working[first + delay - 1], dtype=np.int64)


def _working_days(first: int, last: int) -> Ints:
    days = np.arange(first, last + 1, dtype=np.int64)
    open_days = (day_of_week(days) < 5) & ~np.isin(days, bank_holidays())
    return days[open_days]


def _expand(counts: Ints, block: Ints) -> tuple[Ints, Ints]:
    """LA and day index of every death counted in ``counts[block]``."""
    la = np.repeat(block, counts[block].sum(axis=1))
    day = np.concatenate([np.repeat(np.arange(counts.shape[1]), counts[i]) for i in block])
    return la, day


def _covid_eras() -> Ints:
    return np.array([epoch_day(d) for d in _COVID_ERA_STARTS], dtype=np.int64)


def _year(days: Ints) -> Ints:
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    return np.asarray(years + 1970, dtype=np.int64)
