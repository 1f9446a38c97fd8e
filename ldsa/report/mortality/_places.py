"""Where people died, over time."""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from ldsa import sdc
from ldsa.report import charts
from ldsa.report.figures import FigureOutput
from ldsa.report.groupings import PLACES
from ldsa.report.measures import DEATHS
from ldsa.report.mortality._common import (
    MortalityBase,
)
from ldsa.report.tables import ReleasedTable


class PlaceSections(MortalityBase):
    """Where people died, over time."""

    @functools.cached_property
    def _place_choice(self) -> sdc.BreakdownChoice:
        rows = self._period_rows("la", DEATHS)
        options = []
        for step in (
            sdc.TimeStep.WEEK,
            sdc.TimeStep.MONTH,
            sdc.TimeStep.QUARTER,
            sdc.TimeStep.PERIOD,
        ):
            for grouping in PLACES:
                parts = pd.DataFrame(
                    {
                        "week_registered": rows["week_registered"],
                        "place": grouping.apply(rows["place_of_death"]),
                        "deaths_count": rows["deaths"],
                    }
                )
                options.append(sdc.BreakdownOption(grouping.name, parts, step, grouping.order))
        return sdc.choose_breakdown(
            self.plan(DEATHS),
            self.la_code,
            options,
            date_column="week_registered",
            category_column="place",
            count_column="deaths_count",
            policy=self.policy,
        )

    @functools.cached_property
    def places(self) -> sdc.SafeTable:
        """Deaths (all causes, by week registered) per period and place of death, at the
        finest grouping of places and step that can be released."""
        choice = self._place_choice
        return sdc.release_breakdown(
            self.plan(DEATHS),
            self.la_code,
            choice.option.parts,
            step=choice.option.step,
            date_column="week_registered",
            category_column="place",
            count_column="deaths_count",
            policy=self.policy,
            output_id=self.uid("place_of_death"),
            categories=choice.option.categories,
            description=f"Deaths by {choice.option.name}, per {choice.option.step.value}",
        )

    def place_figure(self) -> FigureOutput | ReleasedTable:
        """The share of deaths in each place over time (a table for a single period)."""
        self.release.csv("place_of_death", self.places)
        choice = self._place_choice
        if choice.option.step is sdc.TimeStep.PERIOD:
            caption = f"Deaths by place over the whole period, {self.names()['la']}."
            if choice.note:
                caption += f" {choice.note}"
            headers = {"place": "Place of death", "deaths_count": "Deaths"}
            shown = self.places.select(output_id=self.uid("places_shown"), columns=list(headers))
            return ReleasedTable(shown, caption, headers)
        figure = charts.shares_over_time(
            self.places,
            category_column="place",
            count_column="deaths_count",
            title=f"Where people died, {self.names()['la']}",
        )
        if not choice.note:
            return figure
        return dataclasses.replace(figure, caption=f"{figure.caption} {choice.note}")
