"""Positivity by age group in the CIS area, at the finest step its sample allows."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.data.survey_groups import SURVEY_AGE_GROUPS, YOUNGEST
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.survey import _charts
from ldsa.report.survey._ascertainment import AscertainmentSections
from ldsa.report.survey._common import sample_of
from ldsa.report.tables import ReleasedTable
from ldsa.stats import design_based_positivity

#: Steps tried for the age groups, finest first.
AGE_STEPS = (sdc.TimeStep.MONTH, sdc.TimeStep.QUARTER, sdc.TimeStep.PERIOD)
_GROUPS = tuple(label for label, _ in SURVEY_AGE_GROUPS)


@dataclasses.dataclass(frozen=True)
class AgeRows:
    """The rows of the age table at one step: labels, each row's sample and week span."""

    step: sdc.TimeStep
    frame: pd.DataFrame  #: period_start, period_end, time_step, age_group
    samples: tuple[sdc.SurveySample, ...]
    withheld: int


class AgeSections(AscertainmentSections):
    """Positivity by age group: a post-stratified share of each group's swabs."""

    def _age_rows(self, step: sdc.TimeStep) -> AgeRows:
        timeline = sdc.Timeline(tuple(w.date() for w in self.survey_weeks))
        weekly = {group: self.weekly_samples("cis", group) for group in _GROUPS}
        sampled = [group for group in _GROUPS if weekly[group]["swabs"].sum() > 0]
        labels, samples = [], []
        for start, end in timeline.intervals(step):
            for group in sampled:
                labels.append((timeline.first_day(start), timeline.last_day(end), group))
                samples.append(sample_of(weekly[group].iloc[start:end]))
        frame = pd.DataFrame(labels, columns=["period_start", "period_end", "age_group"])
        frame.insert(2, "time_step", step.value)
        frame.insert(3, "cis_area", self.context.authority.cis_area)
        withheld = sum(
            sdc.survey.sample_rule(s, self.policy, direct=True) is not None for s in samples
        )
        return AgeRows(step, frame, tuple(samples), withheld)

    @functools.cached_property
    def _age_choice(self) -> AgeRows:
        """The finest step at which at most ``max_withheld_share`` of the values are
        withheld, else the whole period."""
        for step in AGE_STEPS:
            rows = self._age_rows(step)
            if rows.withheld <= self.policy.max_withheld_share * len(rows.samples):
                return rows
        return rows

    def _age_estimates(self, rows: AgeRows) -> pd.DataFrame:
        """Post-stratified positivity (per cent, Wilson on the Kish effective sample) of
        each row: each swab weighted by its age band and sex's people over its swabs."""
        cells = self._in_level(self._cells, "cis")
        cells = cells[cells["swabs"] > 0]
        periods = pd.IntervalIndex.from_arrays(
            pd.to_datetime(rows.frame["period_start"]).drop_duplicates(),
            pd.to_datetime(rows.frame["period_end"]).drop_duplicates(),
            closed="both",
        )
        which = periods.get_indexer(pd.DatetimeIndex(cells["week_start"]))
        cells = cells.assign(period=which)[which >= 0]
        keys = ["period", "age_group", "age_band", "sex"]
        cells = cells.groupby(keys, as_index=False)[["swabs", "positives"]].sum()
        people = self.people("cis")
        bands = people.assign(age_band=_band(people["age"].to_numpy()))
        size = bands.groupby(["age_band", "sex"])["population"].sum()
        cells["people"] = size.reindex(
            pd.MultiIndex.from_frame(cells[["age_band", "sex"]])
        ).to_numpy()
        cells = cells[cells["people"] > 0]
        swabs = cells["swabs"].to_numpy()
        first = np.repeat(np.cumsum(swabs) - swabs, swabs)  # each swab's cell's first swab
        positive = (np.arange(swabs.sum()) - first < np.repeat(cells["positives"], swabs)) * 1.0
        expanded = pd.DataFrame(
            {
                "period": np.repeat(cells["period"].to_numpy(), swabs),
                "age_group": np.repeat(cells["age_group"].to_numpy(), swabs),
                "positive": positive,
                "weight": np.repeat((cells["people"] / cells["swabs"]).to_numpy(), swabs),
            }
        )
        found = (
            design_based_positivity(expanded, by=["period", "age_group"]) if len(expanded) else None
        )
        index = pd.MultiIndex.from_arrays(
            [rows.frame.groupby("period_start", sort=False).ngroup(), rows.frame["age_group"]]
        )
        columns = ["value", "lower", "upper"]
        if found is None:
            return pd.DataFrame(np.nan, index=range(len(rows.frame)), columns=columns)
        return (
            found.set_index(["period", "age_group"])[columns].reindex(index).reset_index(drop=True)
        )

    @functools.cached_property
    def by_age(self) -> sdc.SafeTable:
        """Positivity per age group and period of the chosen step, with 95% intervals;
        released where each row's positive and negative swabs, participants and households
        allow (direct estimates)."""
        rows = self._age_choice
        estimates = self._age_estimates(rows)
        frame = rows.frame.assign(
            cis_positivity=estimates["value"].to_numpy(),
            cis_lower=estimates["lower"].to_numpy(),
            cis_upper=estimates["upper"].to_numpy(),
        )
        area = sdc.SurveyEstimates(
            prefix="cis",
            statistics=("cis_positivity", "cis_lower", "cis_upper"),
            samples=rows.samples,
        )
        return sdc.release_survey(
            frame,
            [area],
            labels=["period_start", "period_end", "time_step", "cis_area", "age_group"],
            policy=self.policy,
            output_id=self.uid("positivity_by_age"),
            sample_note=(
                "each row: the CIS area's swabs and positive swabs of the age group in the "
                "period (exact sums), and its participants and households (the largest "
                "week's, a lower bound)"
            ),
            description=(
                "Percentage of swabs testing positive by age group in the CIS area, weighted "
                "to its population by age band and sex, with 95% intervals (Wilson on the "
                f"Kish effective sample size), per {rows.step.value}"
            ),
        )

    def age_figure(self) -> FigureOutput | ReleasedTable | Notice:
        """Positivity by age group: a heatmap over time, or a table of the whole period."""
        if notice := self.survey_lacks():
            return notice
        if self.survey_weeks.empty:
            return Notice("The infection survey took no swabs in this period.")
        table = self.by_age
        if table.n_rows == 0:
            return Notice("The survey swabbed no one in this area in the period.")
        self.release.csv("positivity_by_age", table)
        step = self._age_choice.step
        note = "" if step is AGE_STEPS[0] else (
            f" Shown by {step.value if step is not sdc.TimeStep.PERIOD else 'the whole period'}: "
            f"at finer steps more than {self.policy.max_withheld_share:.0%} of the values "
            "would be withheld."
        )  # fmt: skip
        if step is sdc.TimeStep.PERIOD:
            headers = {
                "age_group": "Age group",
                "cis_positivity": "% of swabs positive",
                "cis_lower": "95% lower",
                "cis_upper": "95% upper",
            }
            shown = table.select(
                output_id=self.uid("positivity_by_age_shown"), columns=list(headers)
            )
            caption = (
                f"Positivity by age group over the whole period, the {self.area_name()}.{note}"
            )
            return ReleasedTable(shown, caption, headers)
        figure = _charts.age_heatmap(
            table, title=f"Positivity by age group, survey area {self.context.authority.cis_area}"
        )
        return dataclasses.replace(figure, caption=figure.caption + note) if note else figure


def _band(ages: np.ndarray) -> np.ndarray:
    """The store's five-year band of each age (ages from :data:`YOUNGEST`)."""
    low = np.minimum(np.maximum(ages, YOUNGEST) // 5 * 5, 90)
    return np.where(
        low >= 90, "90+", np.char.add(np.char.add(low.astype(str), "-"), (low + 4).astype(str))
    )
