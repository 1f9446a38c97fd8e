"""What every section of the mortality report shares: its measures, groups and raw rows."""

from __future__ import annotations

import functools

import pandas as pd

from ldsa.ageband import AGE_BANDS
from ldsa.report.base import Report
from ldsa.report.figures import Notice
from ldsa.report.measures import COVID_DEATHS, DEATHS, Measure

COVID_MENTIONED = Measure(
    "covid_mentioned",
    "deaths",
    "week_registered",
    "covid_mentioned",
    "Deaths with Covid-19 mentioned on the death certificate",
    True,
)
DEATHS_OCCURRED = Measure(
    "deaths_occurred",
    "deaths",
    "week_of_death",
    None,
    "Deaths from all causes (by week of death)",
    False,
)
#: Measures standardised against England: all causes, and Covid-19 as underlying cause.
STANDARDISED = (DEATHS, COVID_DEATHS)
UNRELIABLE_BELOW = 10
#: Broad age groups of the excess-deaths model (few deaths per week in small authorities).
EXCESS_AGE_GROUPS = {"0-64": 65, "65-74": 75, "75-84": 85, "85+": 200}
#: Years of the life tables: before the pandemic (ONS's three-year tables) and during it.
LIFE_TABLE_YEARS = {"2017 to 2019": (2017, 2019), "2020 to 2021": (2020, 2021)}
SEXES = {"F": "Females", "M": "Males"}


def excess_age_group(band: str) -> str:
    """The excess-deaths age group of a five-year band (``"70-74"`` is ``"65-74"``)."""
    start = int(band.split("-")[0].rstrip("+"))
    return next(group for group, below in EXCESS_AGE_GROUPS.items() if start < below)


class MortalityBase(Report):
    """The raw rows the mortality sections read (never shown)."""

    @functools.cached_property
    def ages_lacking(self) -> Notice | None:
        """Why sections that need deaths by age (standardised rates, funnel plots, life
        expectancy) are empty, or None."""
        return self.lacks_ages("deaths", "deaths")

    @functools.cached_property
    def baseline_lacking(self) -> Notice | None:
        """Why the excess-deaths sections are empty (no deaths by age from 2015 to model
        the expected ones from), or None."""
        return self.lacks_years(
            "deaths", "week_registered", 2015, "deaths registered each week"
        ) or self.lacks_ages("deaths", "deaths")

    @functools.cached_property
    def _deaths(self) -> dict[str, pd.DataFrame]:
        """Deaths of the authority (every column), its region and England (the columns the
        standardised rates need: their tables are large)."""
        store, authority = self.context.store, self.context.authority
        columns = ["week_registered", "age_band", "cause_group", "deaths"]
        return {
            "la": store.la_table(self.la_code, "deaths"),
            "region": store.region_table(authority.region_code, "deaths", columns),
            "england": store.england_table("deaths", columns),
        }

    def _period_rows(self, level: str, measure: Measure) -> pd.DataFrame:
        """The level's rows of a measure within the plan's whole weeks."""
        rows = self._deaths[level]
        if measure.query:
            rows = rows.query(measure.query)
        weeks = pd.DatetimeIndex(rows[measure.date_column])
        first, last = self.weeks[0], self.weeks[-1]
        return rows[(weeks >= first) & (weeks <= last)]

    def _band_frame(self, level: str, measure: Measure) -> pd.DataFrame:
        """Deaths and person-years by five-year age band over the period."""
        key = (level, measure.name)
        if key not in self._bands:
            self._bands[key] = self._count_bands(level, measure)
        return self._bands[key]

    @functools.cached_property
    def _bands(self) -> dict[tuple[str, str], pd.DataFrame]:
        return {}

    def _count_bands(self, level: str, measure: Measure) -> pd.DataFrame:
        deaths = self._period_rows(level, measure).groupby("age_band")["deaths"].sum()
        population = self.population_bands(level).groupby("age_band")["population"].sum()
        years = len(self.weeks) * 7 / 365.25
        return pd.DataFrame(
            {
                "age_band": list(AGE_BANDS),
                "deaths": deaths.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                "person_years": population.reindex(AGE_BANDS, fill_value=0).to_numpy() * years,
            }
        )
