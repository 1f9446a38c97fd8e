"""Cases found by testing against the survey's estimate of infections (ascertainment)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.base import LEVELS, PER, filled
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES
from ldsa.report.survey import _charts
from ldsa.report.survey._area import AreaSections
from ldsa.report.survey._common import SURVEY_LEVELS, weekly_sample
from ldsa.report.tables import ReleasedTable
from ldsa.stats import ascertainment_ratio

#: The survey level whose positivity each level of the cases plan is set against.
_PAIRS = {"la": "cis", "region": "region", "england": "england"}
_PERIOD_LABELS = ("period_start", "period_end", "weeks", "time_step")
#: A period's positivity is the mean of its released weekly estimates when they are at
#: least this share of its weeks (the survey began in late April 2020, after the period
#: can begin; a few weeks may be withheld).
COVERED = 0.75


class AscertainmentSections(AreaSections):
    """Weekly case rates against positivity, and cases per estimated infection."""

    @functools.cached_property
    def _case_rows(self) -> sdc.SafeTable:
        """The cases plan's periods (at this authority's step) from the survey's first week."""
        counts = self.plan(CASES).table(
            self.la_code,
            output_id=self.uid("cases_survey_counts"),
            description=f"{CASES.label}: counts per period",
        )
        first = self.survey_weeks[0].date().isoformat()
        rows = [r for r in range(counts.n_rows) if counts.text(r, "period_end") >= first]
        return counts.select(output_id=self.uid("cases_survey_periods"), rows=rows)

    def _period_positivity(self, counts: sdc.SafeTable) -> sdc.SafeTable:
        """Each level's mean weekly positivity over each period of the cases plan: the mean
        of its released weekly estimates (never of a withheld one, which the mean and the
        others would give away), where they cover at least :data:`COVERED` of its weeks."""
        labels = counts.released_frame()[list(_PERIOD_LABELS)].astype(str)
        frame = labels.copy()
        areas = []
        starts = pd.DatetimeIndex(labels["period_start"])
        ends = pd.DatetimeIndex(labels["period_end"])
        weeks = self.survey_weeks
        first = np.searchsorted(weeks, starts)  # the period's survey weeks: first..last
        last = np.searchsorted(weeks, ends, side="right") - 1
        spans = ((ends - starts).days + 1) // 7
        weekly_table = self.positivity.released_frame()
        for level in SURVEY_LEVELS:
            weekly = self.weekly_samples(level)
            released = weekly_table[f"{level}_positivity"].astype(float).to_numpy()
            sizes = weekly[["swabs", "participants", "households"]].min(axis=1).to_numpy()
            means, samples = [], []
            for a, b, span in zip(first, last, spans, strict=True):
                shown = np.flatnonzero(~np.isnan(released[a : b + 1])) + a
                if len(shown) < COVERED * span:
                    means.append(np.nan)
                    samples.append(sdc.SurveySample(0, 0, 0, 0))
                    continue
                means.append(float(released[shown].mean()))
                weakest = int(shown[np.argmin(sizes[shown])])
                samples.append(weekly_sample(weekly.iloc[weakest]))
            frame[f"{level}_positivity"] = means
            areas.append(
                sdc.SurveyEstimates(
                    prefix=level,
                    statistics=(f"{level}_positivity",),
                    samples=tuple(samples),
                    model=self.fits[level].model,
                )
            )
        return sdc.release_survey(
            frame,
            areas,
            labels=list(_PERIOD_LABELS),
            policy=self.policy,
            output_id=self.uid("positivity_per_case_period"),
            sample_note="each row: the mean of the period's released weekly estimates (at "
            f"least {COVERED:.0%} of its weeks); the sample of the weakest of those weeks",
            description="Mean weekly modelled positivity over each period of the cases step",
        )

    @functools.cached_property
    def ascertainment(self) -> sdc.SafeTable:
        """Cases per period, average weekly case rates per 100,000 and cases per estimated
        infection (weekly cases over positivity times population) of the authority (with
        its CIS area's positivity), its region and England."""
        counts = self._case_rows
        survey = self._period_positivity(counts)
        both = sdc.beside(
            counts,
            survey,
            policy=self.policy,
            output_id=self.uid("cases_and_positivity"),
            columns=[f"{level}_positivity" for level in SURVEY_LEVELS],
        )
        released = both.released_frame()
        weeks = released["weeks"].astype(int).to_numpy()
        frame: dict[str, np.ndarray] = {}
        sources: dict[str, tuple[str, ...]] = {}
        for level in LEVELS:
            count = f"{level}_{CASES.count_column}"
            per_week = filled(released[count]) / weeks
            frame[f"{level}_weekly_rate"] = per_week / self.populations[level] * PER
            sources[f"{level}_weekly_rate"] = (count,)
        for level in LEVELS:
            count = f"{level}_{CASES.count_column}"
            share = f"{_PAIRS[level]}_positivity"
            positivity = released[share].astype(float).fillna(0).to_numpy() / 100
            frame[f"{level}_cases_per_infection"] = ascertainment_ratio(
                filled(released[count]) / weeks, self.populations[level], positivity
            )
            sources[f"{level}_cases_per_infection"] = (count, share)
        keep = [*_PERIOD_LABELS, *(f"{level}_{CASES.count_column}" for level in LEVELS)]
        return sdc.release_from_estimates(
            both,
            pd.DataFrame(frame),
            sources,
            policy=self.policy,
            output_id=self.uid("cases_against_positivity"),
            keep=keep,
            decimals={
                **{f"{lv}_weekly_rate": 1 for lv in LEVELS},
                **{f"{lv}_cases_per_infection": 2 for lv in LEVELS},
            },
            description="Cases per period, average weekly case rates per 100,000 and cases "
            "per estimated infection (cases a week over the survey's modelled positivity "
            "times the population; the authority's with its CIS area's positivity)",
        )

    def _ascertainment_notice(self) -> Notice | None:
        if notice := self.survey_lacks():
            return notice
        if self.survey_weeks.empty:
            return Notice("The infection survey took no swabs in this period.")
        if self.step(CASES) is sdc.TimeStep.PERIOD:
            self.release.csv("cases_against_positivity", self.ascertainment)
            return Notice(
                f"Cases against positivity: {self.plan(CASES).step_note(self.la_code)} "
                "The whole period's figures are in the table below."
            )
        return None

    def cases_positivity_figure(self) -> FigureOutput | Notice:
        """The CIS area's positivity against the authority's weekly case rate."""
        if notice := self._ascertainment_notice():
            return notice
        self.release.csv("positivity_over_time", self.positivity)
        self.release.csv("cases_against_positivity", self.ascertainment)
        step = self.step(CASES)
        return _charts.dual_axis(
            self.positivity,
            self.ascertainment,
            authority=self.names()["la"],
            title=f"Survey positivity and cases, {self.names()['la']}",
            note=self.plan(CASES).step_note(self.la_code) if step is not sdc.TimeStep.WEEK else "",
        )

    def ascertainment_figure(self) -> FigureOutput | ReleasedTable | Notice:
        """Cases per estimated infection over time: the authority, region and England (a
        table of the whole period where cases are released only as a period total)."""
        if self._ascertainment_notice():
            if self.survey_lacks() or self.survey_weeks.empty:
                return Notice("Cases per estimated infection: not available (see above).")
            return self._ascertainment_table()
        self.release.csv("cases_against_positivity", self.ascertainment)
        step = self.step(CASES)
        return _charts.ratio_steps(
            self.ascertainment,
            self.names(),
            title="Cases per estimated infection",
            note=(
                f"{self.names()['la']} is set against its survey area's positivity. "
                + (
                    self.plan(CASES).step_note(self.la_code)
                    if step is not sdc.TimeStep.WEEK
                    else ""
                )
            ).strip(),
        )

    def _ascertainment_table(self) -> ReleasedTable:
        """The whole period's cases, rates and cases per estimated infection, as a table."""
        names = self.names()
        headers = {"period_start": "From", "period_end": "To"}
        for level in LEVELS:
            headers[f"{level}_weekly_rate"] = f"{names[level]}: cases per 100,000 a week"
            headers[f"{level}_cases_per_infection"] = "Cases per estimated infection"
        shown = self.ascertainment.select(
            output_id=self.uid("cases_against_positivity_shown"), columns=list(headers)
        )
        caption = (
            f"Cases per estimated infection over the whole period: {names['la']} (with its "
            f"survey area's positivity), {names['region']} and England"
        )
        return ReleasedTable(shown, caption, headers)
