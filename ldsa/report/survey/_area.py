"""The CIS area: which authorities share it, its sample, and how to read its estimates."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import text
from ldsa.report.survey._positivity import PositivitySections
from ldsa.report.tables import ReleasedTable


class AreaSections(PositivitySections):
    """The authorities sharing the CIS area, and cautions on reading its estimates."""

    @functools.cached_property
    def area_authorities(self) -> sdc.SafeTable:
        """The authorities of the CIS area with their populations (published figures)."""
        people = {
            a.la_code: int(
                self.context.store.la_table(a.la_code, "population_bands")
                .query("year == @self.denominator_year")["population"]
                .sum()
            )
            for a in self.sharing
        }
        total = sum(people.values())
        frame = pd.DataFrame(
            {
                "la_code": [a.la_code for a in self.sharing],
                "la_name": [a.la_name for a in self.sharing],
                "population": [people[a.la_code] for a in self.sharing],
                "share_percent": [
                    100 * people[a.la_code] / total if total else np.nan for a in self.sharing
                ],
            }
        )
        return sdc.release_public(
            frame,
            ["population", "share_percent"],
            source=f"{self.population_source()}, mid-{self.denominator_year}; the LAD to "
            "CIS-area lookup",
            policy=self.policy,
            output_id=self.uid("survey_area_authorities"),
            decimals={"population": 0, "share_percent": 1},
            description="The authorities sharing this authority's infection-survey area, "
            "with their populations",
        )

    def area_table(self) -> ReleasedTable:
        """The authorities sharing the CIS area, as a table."""
        headers = {
            "la_code": "Code",
            "la_name": "Authority",
            "population": f"Population (mid-{self.denominator_year})",
            "share_percent": "Share of the area's people (%)",
        }
        caption = (
            f"The {self.area_name().split(' (')[0]}: the authorities whose residents its "
            "estimates describe"
        )
        return self.release.table(
            "survey_area_authorities", self.area_authorities, caption, headers
        )

    def area_note(self) -> text.Messages:
        """How to read the area's estimates: shared, sample size, no ranking."""
        others = [a.la_name for a in self.sharing if a.la_code != self.la_code]
        name = self.names()["la"]
        lines = [
            (
                f"The survey does not estimate positivity for {name} alone: its estimates "
                f"are for the whole survey area, which {name} shares with "
                f"{_join(others)}. They describe the area's residents together."
                if others
                else f"The survey area is {name} alone: its estimates describe {name}."
            )
        ]
        typical = self._typical_sample()
        if typical:
            lines.append(typical)
        lines.append(
            "Smaller samples mean more uncertainty: the survey swabs a few hundred people a "
            "week in most areas, so an area's estimate has a much wider interval than its "
            "region's or England's, and a change of a few tenths of a per cent from one week "
            "to the next is usually within that uncertainty."
        )
        lines.append(
            "Ranking areas by their estimates is discouraged: the intervals of most areas "
            "overlap, so an area's place in a league table says little. Compare an area with "
            "its own past and with its region and England instead."
        )
        return text.Messages(lines)

    def _typical_sample(self) -> str:
        """The median week's released sample size, in words (from released values only)."""
        if self.survey_lacks() or self.survey_weeks.empty:
            return ""
        table = self.positivity.released_frame()
        people = table["cis_participants_count"].dropna()
        homes = table["cis_households_count"].dropna()
        if people.empty or homes.empty:
            return (
                "The survey swabbed too few people in this area in any week to say how many "
                "without risking disclosure."
            )
        return (
            f"In a typical week of the period (the median of the weeks shown), the survey "
            f"swabbed about {_about(float(people.median()))} people in "
            f"{_about(float(homes.median()))} households in this area."
        )


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _about(value: float) -> str:
    """A count rounded for prose: to 10 below 1,000, else to 100."""
    step = 10 if value < 1000 else 100
    return f"{int(round(value / step) * step):,}"
