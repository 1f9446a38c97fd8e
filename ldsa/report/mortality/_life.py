"""Life expectancy at birth before and during the pandemic."""

from __future__ import annotations

import functools

import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.report.figures import Notice
from ldsa.report.mortality._common import (
    LIFE_TABLE_YEARS,
    SEXES,
    MortalityBase,
)
from ldsa.report.tables import ReleasedTable
from ldsa.stats import (
    life_expectancy,
)


class LifeSections(MortalityBase):
    """Life expectancy at birth before and during the pandemic."""

    @functools.cached_property
    def life_expectancy(self) -> sdc.SafeTable:
        """Life expectancy at birth by sex, before and during the pandemic, with 95%
        limits; withheld with its count of deaths, unreliable under PHE's rules."""
        rows = self._deaths["la"]
        year = pd.DatetimeIndex(rows["week_registered"]).year
        bands = self.context.store.la_table(self.la_code, "population_bands")
        frames, labels = [], []
        for label, (first, last) in LIFE_TABLE_YEARS.items():
            chosen = rows[(year >= first) & (year <= last)]
            people = bands[bands["year"].between(first, last)]
            for sex in SEXES:
                deaths = chosen[chosen["sex"] == sex].groupby("age_band")["deaths"].sum()
                years = people[people["sex"] == sex].groupby("age_band")["population"].sum()
                frames.append(
                    pd.DataFrame(
                        {
                            "group": f"{label}|{sex}",
                            "age": [float(b.split("-")[0].rstrip("+")) for b in AGE_BANDS],
                            "deaths": deaths.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                            "population": years.reindex(AGE_BANDS, fill_value=0).to_numpy(),
                        }
                    )
                )
                labels.append((label, SEXES[sex]))
        frame = pd.concat(frames, ignore_index=True)
        table = life_expectancy(frame, by="group", age_starts=tuple(range(0, 95, 5)))
        at_birth = table[table["age"] == 0].set_index("group")
        counts = sdc.release_counts(
            pd.DataFrame(
                {
                    "years": [label for label, _ in labels],
                    "sex": [sex for _, sex in labels],
                    "deaths_count": frame.groupby("group", sort=False)["deaths"].sum().to_numpy(),
                }
            ),
            ["deaths_count"],
            policy=self.policy,
            output_id=self.uid("life_table_deaths"),
            description="Deaths registered in the years of each life table, by sex",
        )
        order = [f"{label}|{sex}" for label in LIFE_TABLE_YEARS for sex in SEXES]
        values = at_birth.reindex(order)
        expectancy = pd.DataFrame(
            {
                "life_expectancy": values["value"].to_numpy(),
                "lower": values["lower"].to_numpy(),
                "upper": values["upper"].to_numpy(),
            }
        )
        return sdc.release_rates(
            counts,
            expectancy,
            dict.fromkeys(expectancy.columns, "deaths_count"),
            policy=self.policy,
            output_id=self.uid("life_expectancy"),
            decimals=1,
            description="Life expectancy at birth in years, with 95% confidence limits",
        )

    def life_expectancy_table(self) -> ReleasedTable | Notice:
        """Life expectancy at birth as an accessible table."""
        if notice := self.ages_lacking:
            return notice
        headers = {
            "years": "Years",
            "sex": "Sex",
            "deaths_count": "Deaths",
            "life_expectancy": "Life expectancy at birth (years)",
            "lower": "95% lower limit",
            "upper": "95% upper limit",
        }
        self.release.csv("life_expectancy", self.life_expectancy)
        caption = (
            f"Life expectancy at birth, {self.names()['la']}: abridged life tables on "
            "five-year age bands (Chiang II, Silcocks)"
        )
        return ReleasedTable(self.life_expectancy, caption, headers)
