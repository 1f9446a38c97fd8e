"""Growth rates and doubling or halving times; statistical neighbours."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd

from ldsa import sdc
from ldsa.report.base import LEVELS, PER, filled
from ldsa.report.cases_and_testing._common import (
    GROWTH_WINDOW,
    REPORTING_LAG_DAYS,
    UNRELIABLE_BELOW,
    CasesBase,
)
from ldsa.report.comparators import Comparators, neighbours
from ldsa.report.measures import CASES
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats import (
    crude_rate,
    growth_rate,
)


class GrowthSections(CasesBase):
    """Growth rates and doubling or halving times; statistical neighbours."""

    def _daily(self, level: str) -> pd.DataFrame:
        """Daily cases of a level through the data's end, every day present."""
        rows = self.context.table(level, "cases")
        counts = rows.groupby("date")["cases"].sum()
        days = pd.date_range(self.context.period_start, self.context.period_end, freq="D")
        return pd.DataFrame(
            {"date": days, "count": counts.reindex(days, fill_value=0).to_numpy(), "area": level}
        )

    @functools.cached_property
    def growth(self) -> sdc.SafeTable:
        """Growth rate per day over the last :data:`GROWTH_WINDOW` complete days, with the
        doubling or halving time, for the authority, its region and England."""
        frame = pd.concat([self._daily(level) for level in LEVELS], ignore_index=True)
        fitted = growth_rate(
            frame, by="area", window=GROWTH_WINDOW, incomplete_days=REPORTING_LAG_DAYS,
            as_of=pd.Timestamp(min(self.data_end, self.context.period_end)),
        ).set_index("area").reindex(list(LEVELS))  # fmt: skip
        names = self.names()
        # A doubling or halving time only where the interval excludes no growth: "doubling
        # in 250 days" of a trend that may be falling would mislead.
        growing, shrinking = fitted["lower"] > 0, fitted["upper"] < 0
        table = pd.DataFrame(
            {
                "area": [names[level] for level in LEVELS],
                "growth_percent": fitted["value"].to_numpy() * 100,
                "growth_lower": fitted["lower"].to_numpy() * 100,
                "growth_upper": fitted["upper"].to_numpy() * 100,
                "doubling_days": fitted["doubling_time"].where(growing).to_numpy(),
                "halving_days": fitted["halving_time"].where(shrinking).to_numpy(),
            }
        )
        return sdc.release_model(
            table,
            df_resid=GROWTH_WINDOW - 8,
            policy=self.policy,
            output_id=self.uid("growth"),
            term_column="area",
            group_sizes=dict(zip(table["area"], fitted["events"].astype(int), strict=True)),
            decimals=1,
            description=f"Growth rate per day of cases over the last {GROWTH_WINDOW} complete "
            "days (quasi-Poisson regression with weekday effects)",
        )

    def trend(self) -> str:
        """The authority's trend over the growth window in plain words, from the released
        growth rate only."""
        safe, name = self.growth, self.names()["la"]
        if safe.status(0, "growth_percent").suppressed or not safe.text(0, "growth_percent"):
            return f"The trend of cases in {name} is not shown: too few cases to fit one."
        interval = f"{safe.text(0, 'growth_lower')}% to {safe.text(0, 'growth_upper')}%"
        rate = f"{safe.text(0, 'growth_percent')}% a day, 95% interval {interval}"
        doubling, halving = safe.text(0, "doubling_days"), safe.text(0, "halving_days")
        if doubling:
            words = f"growing (growth rate {rate}), doubling in about {doubling} days"
        elif halving:
            words = f"shrinking (growth rate {rate}), halving in about {halving} days"
        else:
            words = f"no clear trend (growth rate {rate})"
        return f"Cases in {name} over the last {GROWTH_WINDOW} complete days: {words}."

    def growth_table(self) -> ReleasedTable:
        """Growth rates as an accessible table."""
        headers = {
            "area": "Area",
            "growth_percent": "Growth rate (% a day)",
            "growth_lower": "95% lower limit",
            "growth_upper": "95% upper limit",
            "doubling_days": "Doubling time (days)",
            "halving_days": "Halving time (days)",
        }
        self.release.csv("growth", self.growth)
        end = min(self.incomplete_from - dt.timedelta(days=1), self.context.period_end)
        caption = (
            f"Growth of cases over the {GROWTH_WINDOW} days to {day_text(end)}. A doubling "
            "time is given only where cases clearly grow, a halving time only where they "
            "clearly shrink (the interval excludes 0%); a blank cell means it does not apply."
        )
        return ReleasedTable(self.growth, caption, headers)

    @functools.cached_property
    def comparators(self) -> Comparators:
        """The authority's statistical neighbours."""
        return neighbours(self.context.store, self.la_code, self.denominator_year)

    @functools.cached_property
    def neighbours(self) -> sdc.SafeTable:
        """Cases over the period and rates per 100,000 with 95% limits: the authority and
        its statistical neighbours, each compared with England."""
        everyone = self.authorities(CASES)
        codes = [self.la_code, *self.comparators.codes]
        position = {everyone.text(r, "la_code"): r for r in range(everyone.n_rows)}
        counts = everyone.select(
            output_id=self.uid("neighbour_counts"),
            columns=["la_code", "la_name", "period_start", "period_end", CASES.count_column],
            rows=[position[code] for code in codes],
        )
        people = self.context.store.all_la_table("population_bands")
        people = people[people["year"] == self.denominator_year]
        population = people.groupby("la_code")["population"].sum().reindex(codes).to_numpy()
        rate = crude_rate(
            filled(counts.released_frame()[CASES.count_column]), population, multiplier=PER
        )
        frame = pd.DataFrame(
            {
                "rate": rate["value"],
                "lower": rate["lower"],
                "upper": rate["upper"],
            }
        )
        return sdc.release_rates(
            counts,
            frame,
            dict.fromkeys(frame.columns, CASES.count_column),
            policy=self.policy,
            output_id=self.uid("neighbours"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Cases over the period and rates per 100,000: the authority and its "
            "statistical neighbours",
        )

    def neighbours_table(self) -> ReleasedTable:
        """The authority and its neighbours as an accessible table."""
        headers = {
            "la_name": "Authority",
            "la_code": "Code",
            CASES.count_column: "Cases",
            "rate": "Rate per 100,000",
            "lower": "95% lower limit",
            "upper": "95% upper limit",
        }
        self.release.csv("neighbours", self.neighbours)
        caption = (
            f"Cases over the period: {self.names()['la']} (first row) and its statistical "
            f"neighbours, nearest first. {self.comparators.method}"
        )
        shown = self.neighbours.select(
            output_id=self.uid("neighbours_shown"), columns=list(headers)
        )
        return ReleasedTable(shown, caption, headers)
