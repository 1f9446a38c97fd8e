"""Rates by age group as a heatmap."""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from ldsa import sdc
from ldsa.report import charts
from ldsa.report.base import PER, filled
from ldsa.report.cases_and_testing._common import (
    CasesBase,
)
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.groupings import AGES
from ldsa.report.measures import CASES
from ldsa.report.tables import ReleasedTable


class AgeSections(CasesBase):
    """Rates by age group as a heatmap."""

    @functools.cached_property
    def _age_choice(self) -> sdc.BreakdownChoice:
        rows = self.context.store.la_table(self.la_code, "cases")
        inside = rows[(rows["date"] >= self.weeks[0])
                      & (rows["date"] <= self.weeks[-1] + pd.Timedelta(days=6))]  # fmt: skip
        options = []
        for step in sdc.TimeStep:
            for grouping in AGES:
                parts = pd.DataFrame(
                    {
                        "date": inside["date"],
                        "age_group": grouping.apply(inside["age_band"]),
                        "cases_count": inside["cases"],
                    }
                )
                options.append(sdc.BreakdownOption(grouping.name, parts, step, grouping.order))
        return sdc.choose_breakdown(
            self.plan(CASES),
            self.la_code,
            options,
            date_column="date",
            category_column="age_group",
            count_column="cases_count",
            policy=self.policy,
        )

    @functools.cached_property
    def by_age(self) -> sdc.SafeTable:
        """Cases per period and age group, and average weekly rates per 100,000 people of
        the group, at the finest grouping and step that can be released."""
        choice = self._age_choice
        counts = sdc.release_breakdown(
            self.plan(CASES),
            self.la_code,
            choice.option.parts,
            step=choice.option.step,
            date_column="date",
            category_column="age_group",
            count_column="cases_count",
            policy=self.policy,
            output_id=self.uid("age_counts"),
            categories=choice.option.categories,
            description=f"Cases by {choice.option.name}, per {choice.option.step.value}",
        )
        released = counts.released_frame()
        grouping = next(g for g in AGES if g.name == choice.option.name)
        bands = self.population_bands("la")
        people = bands.groupby(grouping.apply(bands["age_band"]))["population"].sum()
        weeks = released["period_end"].map(pd.Timestamp) - released["period_start"].map(
            pd.Timestamp
        )
        per_week = (weeks.dt.days.to_numpy() + 1) / 7
        population = people.reindex(released["age_group"]).to_numpy(dtype=float)
        frame = pd.DataFrame(
            {"weekly_rate": filled(released["cases_count"]) / per_week / population * PER}
        )
        return sdc.release_rates(
            counts,
            frame,
            {"weekly_rate": "cases_count"},
            policy=self.policy,
            output_id=self.uid("by_age"),
            decimals=1,
            description=f"Cases by {choice.option.name} and average weekly rates per 100,000",
        )

    def age_heatmap(self) -> FigureOutput | ReleasedTable | Notice:
        """Weekly rates per 100,000 by age group as a heatmap; a table of the whole period's
        rates where the numbers can only be released as period totals."""
        if notice := self.lacks_ages("cases", "cases"):
            return notice
        self.release.csv("by_age", self.by_age)
        choice = self._age_choice
        note = f" {choice.note}" if choice.note else ""
        if choice.option.step is sdc.TimeStep.PERIOD:
            headers = {
                "age_group": "Age group",
                "cases_count": "Cases",
                "weekly_rate": "Average weekly rate per 100,000",
            }
            shown = self.by_age.select(output_id=self.uid("by_age_shown"), columns=list(headers))
            caption = f"Cases by age over the whole period, {self.names()['la']}.{note}"
            return ReleasedTable(shown, caption, headers)
        figure = charts.heatmap(
            self.by_age,
            band_column="age_group",
            value_column="weekly_rate",
            title=f"Cases by age, {self.names()['la']}",
            unit="Cases per 100,000 people a week",
        )
        return dataclasses.replace(figure, caption=f"{figure.caption}{note}") if note else figure
