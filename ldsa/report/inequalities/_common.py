"""What every section of the inequalities report shares: the outcomes, every authority's
released value of each, and the raw aggregates they are computed from.

Every authority's point is built from released values only: its period total from the
batch-wide plan (``Report.authorities``), withheld where the plan withholds it, and
statistics of that total (rates, age-standardised rates, the ratio of deaths registered to
those expected) released against it with :func:`ldsa.sdc.release_rates`. Deprivation
scores and populations are published figures (:func:`ldsa.sdc.release_public`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.atomic import write_atomic
from ldsa.config import cache_dir, code_fingerprint
from ldsa.errors import InvalidParameterError
from ldsa.report.base import PER, Report, filled
from ldsa.report.figures import Notice
from ldsa.report.measures import CASES, COVID_DEATHS, DEATHS, Measure
from ldsa.stats import crude_rate, dsr
from ldsa.stats.intervals import poisson_limits

UNRELIABLE_BELOW = 10
#: Years before the pandemic whose deaths give the expected deaths (ONS's five-year average).
BASELINE_YEARS = (2015, 2019)
LABELS = ["la_code", "la_name", "region_code", "period_start", "period_end"]
IMD_SOURCE = "English indices of deprivation 2019 (MHCLG), local authority summaries"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One outcome compared across authorities."""

    name: str  #: short name: output ids and CSV names
    measure: Measure  #: the counted measure its released period total comes from
    label: str  #: what it is, as a heading says it
    unit: str  #: its unit, as an axis says it
    short: str  #: a few words, for table rows and sentences


CASE_RATE = Outcome(
    "case_rate", CASES, "Case rate over the period", "Cases per 100,000 people",
    "case rate",
)  # fmt: skip
ALL_CAUSE = Outcome(
    "all_cause_asmr", DEATHS, "Age-standardised mortality, all causes",
    "Deaths per 100,000 a year (age-standardised)", "all-cause mortality rate",
)  # fmt: skip
COVID = Outcome(
    "covid_asmr", COVID_DEATHS, "Age-standardised mortality, Covid-19",
    "Deaths per 100,000 a year (age-standardised)", "Covid-19 mortality rate",
)  # fmt: skip
EXCESS = Outcome(
    "excess_ratio", DEATHS, "Deaths registered against those expected",
    "Deaths registered per 100 expected", "deaths per 100 expected",
)  # fmt: skip
OUTCOMES = (CASE_RATE, ALL_CAUSE, COVID, EXCESS)


class InequalitiesBase(Report):
    """Every authority's released outcomes, and why an outcome is missing."""

    def outcome(self, which: Outcome | str) -> Outcome:
        """One of :data:`OUTCOMES`, by name (or itself)."""
        if isinstance(which, Outcome):
            return which
        for outcome in OUTCOMES:
            if outcome.name == which:
                return outcome
        raise InvalidParameterError(
            f"template {self.SPEC.name}: no outcome named {which!r}; it has "
            f"{', '.join(o.name for o in OUTCOMES)}."
        )

    def outcome_lacking(self, which: Outcome | str) -> Notice | None:
        """Why an outcome cannot be shown on this store (its input is missing), or None."""
        outcome = self.outcome(which)
        if outcome.name not in self._lacking:
            self._lacking[outcome.name] = self._outcome_lacking(outcome)
        return self._lacking[outcome.name]

    @functools.cached_property
    def _lacking(self) -> dict[str, Notice | None]:
        return {}

    def _outcome_lacking(self, outcome: Outcome) -> Notice | None:
        if notice := self.lacks("deprivation") or self.lacks_measure(outcome.measure):
            return notice
        if outcome in (ALL_CAUSE, COVID):
            return self.lacks_ages("deaths", "deaths")
        if outcome is EXCESS:
            return self.lacks_years(
                "deaths", "week_registered", BASELINE_YEARS[0], "deaths registered each week"
            )
        return None

    @functools.cached_property
    def years(self) -> float:
        """Length of the period's whole weeks in years."""
        return len(self.weeks) * 7 / 365.25

    @functools.cached_property
    def people(self) -> pd.DataFrame:
        """Every authority's population by age band in the denominator year (published)."""
        people = self.context.store.all_la_table("population_bands")
        return people[people["year"] == self.denominator_year]

    def all_authorities(self, measure: Measure) -> sdc.SafeTable:
        """Every authority's released total of a measure (``Report.authorities``, once)."""
        if measure.name not in self._all:
            self._all[measure.name] = self.authorities(measure)
        return self._all[measure.name]

    @functools.cached_property
    def _all(self) -> dict[str, sdc.SafeTable]:
        return {}

    def deprivation(self, counts: sdc.SafeTable) -> sdc.SafeTable:
        """Every authority's IMD 2019 average score and decile (1 = most deprived) and its
        population: published figures, with the labels of ``counts`` (every authority)."""
        frame = counts.released_frame()[LABELS].astype(str)
        key = tuple(frame.iloc[0]) + tuple(frame.iloc[-1])
        if key not in self._deprivation:
            self._deprivation[key] = self._public(frame, len(self._deprivation))
        return self._deprivation[key]

    @functools.cached_property
    def _deprivation(self) -> dict[tuple[str, ...], sdc.SafeTable]:
        return {}

    def _public(self, frame: pd.DataFrame, number: int) -> sdc.SafeTable:
        imd = self.context.store.deprivation().set_index("la_code")
        population = self.people.groupby("la_code")["population"].sum()
        codes = frame["la_code"]
        frame["imd_score"] = imd["imd_score"].reindex(codes).to_numpy(dtype=float)
        frame["imd_decile"] = imd["imd_decile"].reindex(codes).to_numpy(dtype=float)
        frame["population"] = population.reindex(codes).to_numpy(dtype=float)
        return sdc.release_public(
            frame,
            ["imd_score", "imd_decile", "population"],
            source=f"{IMD_SOURCE}; {self.population_source()}",
            policy=self.policy,
            output_id=self.uid(f"deprivation_{number}"),
            decimals={"imd_score": 1, "imd_decile": 0, "population": 0},
            description="Every authority's deprivation score and decile and its population",
        )

    @functools.cached_property
    def _population(self) -> np.ndarray:
        population = self.people.groupby("la_code")["population"].sum()
        return population.reindex(self._codes).to_numpy(dtype=float)

    def every_authority(self, which: Outcome | str) -> sdc.SafeTable:
        """Every authority's released total and value of an outcome with 95% limits,
        deprivation beside it (one row each; withheld where the total is)."""
        outcome = self.outcome(which)
        if outcome.name not in self._every:
            self._every[outcome.name] = self._every_authority(outcome)
        return self._every[outcome.name]

    @functools.cached_property
    def _every(self) -> dict[str, sdc.SafeTable]:
        return {}

    def _every_authority(self, outcome: Outcome) -> sdc.SafeTable:
        counts = self.all_authorities(outcome.measure)
        observed = filled(counts.released_frame()[outcome.measure.count_column])
        frame = self._statistics(outcome, observed)
        rates = sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, outcome.measure.count_column),
            policy=self.policy,
            output_id=self.uid(f"{outcome.name}_values"),
            decimals={"expected": 1} | dict.fromkeys(["value", "lower", "upper"], 1),
            unreliable_below=UNRELIABLE_BELOW if outcome in (ALL_CAUSE, COVID) else None,
            description=f"{outcome.label}: every authority's released total and value",
        )
        return sdc.beside(
            rates,
            self.deprivation(counts),
            policy=self.policy,
            output_id=self.uid(f"{outcome.name}_all_authorities"),
            columns=["imd_score", "imd_decile", "population"],
            description=f"{outcome.label} and deprivation: every authority",
        )

    def _statistics(self, outcome: Outcome, observed: np.ndarray) -> pd.DataFrame:
        """Each authority's value and 95% limits (and expected deaths for the ratio)."""
        if outcome is CASE_RATE:
            rate = crude_rate(observed, self._population, multiplier=PER)
            return rate[["value", "lower", "upper"]].reset_index(drop=True)
        if outcome is EXCESS:
            expected = self.raw.expected.reindex(self._codes).to_numpy(dtype=float)
            lower, upper, _ = poisson_limits(observed, 0.95)
            return pd.DataFrame(
                {"expected": expected, "value": observed / expected * 100,
                 "lower": lower / expected * 100, "upper": upper / expected * 100}
            )  # fmt: skip
        bands = self.raw.bands[self.raw.bands["measure"] == outcome.measure.name]
        rates = self.standardised(bands, self._codes)
        return rates[["value", "lower", "upper"]].reset_index(drop=True)

    @functools.cached_property
    def _codes(self) -> list[str]:
        counts = self.all_authorities(CASES)
        return [counts.text(r, "la_code") for r in range(counts.n_rows)]

    def standardised(self, bands: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
        """Age-standardised rates per 100,000 a year (ESP2013, Dobson) of groups of
        ``bands`` (``group``, ``age_band``, ``deaths``), with person-years of the groups'
        people (``bands['la_code']`` names whose)."""
        people = self.people.groupby(["la_code", "age_band"])["population"].sum()
        years = people.reindex(
            pd.MultiIndex.from_frame(bands[["la_code", "age_band"]]), fill_value=0
        ).to_numpy(dtype=float)
        frame = pd.DataFrame(
            {"group": bands["group"].to_numpy(), "age_band": bands["age_band"].to_numpy(),
             "deaths": bands["deaths"].to_numpy(dtype=float),
             "person_years": years * self.years}
        )  # fmt: skip
        summed = frame.groupby(["group", "age_band"], sort=False).sum().reset_index()
        summed["band"] = summed["age_band"].map({b: i for i, b in enumerate(AGE_BANDS)})
        summed = summed.sort_values(["group", "band"], kind="stable")
        rates = dsr(summed, count="deaths", population="person_years", by="group",
                    age_band="age_band")  # fmt: skip
        return rates.set_index("group").reindex(groups)

    @functools.cached_property
    def raw(self) -> RawDeaths:
        """Deaths by authority and age band over the period, and the deaths expected from
        2015 to 2019 (computed once per store and period, cached; never shown)."""
        return raw_deaths(self)


@dataclasses.dataclass(frozen=True)
class RawDeaths:
    """Raw aggregates of every authority's deaths (never released as they are)."""

    bands: pd.DataFrame  #: la_code, group (= la_code), measure, age_band, deaths
    expected: pd.Series  #: deaths expected over the period (five-year average), by la_code


def raw_deaths(report: InequalitiesBase) -> RawDeaths:
    """Every authority's deaths by age band in the period's weeks (all causes and Covid-19)
    and its expected deaths, read from the store once and cached on disk by a key of
    everything they depend on (reading every authority's deaths takes seconds)."""
    store = report.context.store
    weeks = report.weeks
    key = json.dumps(
        {"store": store.sha256, "weeks": [str(weeks[0].date()), len(weeks)],
         "code": code_fingerprint("ldsa.report.inequalities._common")},
        sort_keys=True,
    )  # fmt: skip
    path = cache_dir() / "inequalities" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    bands_file, expected_file = path.with_suffix(".bands.csv"), path.with_suffix(".expected.csv")
    if not (bands_file.is_file() and expected_file.is_file()):
        bands, expected = _count_deaths(report)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(bands_file, bands.to_csv(index=False))
        write_atomic(expected_file, expected.to_csv(header=True))
    bands = pd.read_csv(bands_file, dtype={"la_code": str, "age_band": str, "measure": str})
    expected = pd.read_csv(expected_file, index_col=0, dtype={"la_code": str}).iloc[:, 0]
    return RawDeaths(bands.assign(group=bands["la_code"]), expected.astype(float))


def _count_deaths(report: InequalitiesBase) -> tuple[pd.DataFrame, pd.Series]:
    store = report.context.store
    codes = list(store.geography.codes)
    if "deaths" in store.missing_tables:
        return _empty_bands(), pd.Series(np.nan, index=pd.Index(codes, name="la_code"))
    rows = store.all_la_table("deaths")
    rows = rows[["la_code", "week_registered", "age_band", "cause_group", "deaths"]]
    week = pd.DatetimeIndex(rows["week_registered"])
    inside = rows[(week >= report.weeks[0]) & (week <= report.weeks[-1])]
    parts = []
    for measure, chosen in (
        (DEATHS, inside),
        (COVID_DEATHS, inside.query(str(COVID_DEATHS.query))),
    ):
        counted = chosen.groupby(["la_code", "age_band"])["deaths"].sum()
        grid = pd.MultiIndex.from_product([codes, AGE_BANDS], names=["la_code", "age_band"])
        part = counted.reindex(grid, fill_value=0).reset_index()
        parts.append(part.assign(measure=measure.name))
    bands = pd.concat(parts, ignore_index=True)[["la_code", "measure", "age_band", "deaths"]]
    return bands, _expected(rows, week, report.weeks, codes)


def _expected(
    rows: pd.DataFrame, week: pd.DatetimeIndex, weeks: pd.DatetimeIndex, codes: list[str]
) -> pd.Series:
    """Deaths expected over ``weeks``: for each week, the average of the deaths registered
    in the same week of the year (ISO week; week 53 as week 52) in 2015 to 2019."""
    iso = week.isocalendar()
    first, last = BASELINE_YEARS
    base = (iso["year"].to_numpy() >= first) & (iso["year"].to_numpy() <= last)
    number = np.minimum(iso["week"].to_numpy()[base], 52)
    base_rows = rows[base]
    by_week = base_rows.groupby([base_rows["la_code"], number])["deaths"].sum()
    average = by_week.unstack(fill_value=0).reindex(index=codes, columns=range(1, 53),
                                                    fill_value=0) / (last - first + 1)  # fmt: skip
    wanted = np.minimum(weeks.isocalendar()["week"].to_numpy(), 52)
    times = np.bincount(wanted, minlength=53)[1:]
    return pd.Series(average.to_numpy(dtype=float) @ times, index=pd.Index(codes, name="la_code"))


def _empty_bands() -> pd.DataFrame:
    return pd.DataFrame({"la_code": [], "measure": [], "age_band": [], "deaths": []})


def values(table: sdc.SafeTable, column: str) -> np.ndarray:
    """A released column as floats, withheld values NaN."""
    return np.asarray(sdc.figure_series(table, column).y, dtype=float)


def drawn_rows(table: sdc.SafeTable, column: str = "value") -> list[int]:
    """Rows whose ``column`` and deprivation score are released (the points drawn)."""
    shown = ~np.isnan(values(table, column)) & ~np.isnan(values(table, "imd_score"))
    return [int(r) for r in np.flatnonzero(shown)]
