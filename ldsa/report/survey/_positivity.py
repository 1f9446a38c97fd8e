"""Modelled positivity over time: per cent, "around 1 in N", 95% intervals and the trend."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.survey import _charts
from ldsa.report.survey._common import SURVEY_LEVELS, weekly_sample
from ldsa.report.survey._public import PublicSections
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats import Trend, one_in_n, survey_trend
from ldsa.stats.survey_trend import TREND_WEEKS

#: Weeks shown in the table of the latest estimates.
LATEST_WEEKS = 4
_TREND_TEXT = {
    Trend.INCREASED: "positivity increased",
    Trend.DECREASED: "positivity decreased",
    Trend.LEVEL: "positivity was level",
    Trend.UNCERTAIN: "the trend is uncertain",
}


@dataclasses.dataclass(frozen=True)
class Latest:
    """A level's latest released estimate and its trend, in words."""

    sentence: str
    trend: Trend | None


def week_end_text(monday: str) -> str:
    """The Sunday ending a week, in words ("11 December 2021")."""
    sunday = dt.date.fromisoformat(monday) + dt.timedelta(days=6)
    return day_text(sunday)


class PositivitySections(PublicSections):
    """Modelled positivity over time for the CIS area, its region and England."""

    @functools.cached_property
    def positivity(self) -> sdc.SafeTable:
        """Modelled positivity per survey week (per cent, 95% limits, 1 in N) of the CIS
        area, the region and England, and the CIS area's participants and households that
        week; released where the survey rules allow (:mod:`ldsa.sdc.survey`)."""
        weeks = self.survey_weeks
        frame = pd.DataFrame(
            {
                "period_start": weeks,
                "period_end": weeks + pd.Timedelta(days=6),
                "cis_area": self.context.authority.cis_area,
            }
        ).reset_index(drop=True)
        areas = []
        for level in SURVEY_LEVELS:
            fit = self.fits[level]
            values = fit.weekly["value"].to_numpy()
            frame[f"{level}_positivity"] = values
            frame[f"{level}_lower"] = fit.weekly["lower"].to_numpy()
            frame[f"{level}_upper"] = fit.weekly["upper"].to_numpy()
            frame[f"{level}_one_in_n"] = np.where(
                np.isfinite(values), one_in_n(np.nan_to_num(values / 100)), np.nan
            )
            samples = self.weekly_samples(level)
            areas.append(
                sdc.SurveyEstimates(
                    prefix=level,
                    statistics=(
                        f"{level}_positivity",
                        f"{level}_lower",
                        f"{level}_upper",
                        f"{level}_one_in_n",
                    ),
                    samples=tuple(weekly_sample(row) for _, row in samples.iterrows()),
                    model=fit.model,
                    counts=("participants", "households") if level == "cis" else (),
                )
            )
        return sdc.release_survey(
            frame,
            areas,
            labels=["period_start", "period_end", "cis_area"],
            policy=self.policy,
            output_id=self.uid("positivity_over_time"),
            sample_note=(
                "each row: the level's valid swabs, distinct participants and households "
                "in the row's week (CIS area: its own; region and England: the sum over "
                "their CIS areas, which share no one); each model: every swab of the level "
                "in the survey weeks of the period (participants and households: the "
                "largest week's, a lower bound)"
            ),
            decimals={
                **{
                    f"{lvl}_{s}": 2
                    for lvl in SURVEY_LEVELS
                    for s in ("positivity", "lower", "upper")
                },
                **{f"{lvl}_one_in_n": 0 for lvl in SURVEY_LEVELS},
            },
            description=(
                "Modelled percentage of people in private households testing positive for "
                "Covid-19 (infection survey), per week, with 95% confidence intervals and "
                "'1 in N', for the CIS area, its region and England; the CIS area's "
                "participants and households swabbed each week"
            ),
        )

    def positivity_figure(self) -> FigureOutput | Notice:
        """Positivity per week with the CIS area's 95% interval, its region and England."""
        if notice := self.survey_lacks():
            return self._public_figure() if self._has_public else notice
        if self.survey_weeks.empty:
            return Notice("The infection survey took no swabs in this period.")
        table = self.positivity
        self.release.csv("positivity_over_time", table)
        return _charts.positivity_lines(
            table,
            self.survey_names(),
            title="Percentage of people testing positive (modelled)",
            note=self._model_note(),
        )

    def _model_note(self) -> str:
        """Why a level has no estimates, when a model was not fitted."""
        notes = []
        for level, name in self.survey_names().items():
            if self.fits[level].reason is not None:
                notes.append(f"{name}: no model ({self.fits[level].reason}).")
        return " ".join(notes)

    def latest_table(self) -> ReleasedTable | Notice:
        """The last weeks' estimates as a table (per cent, 95% limits, 1 in N)."""
        public = self.survey_lacks() is not None
        if (public and not self._has_public) or (not public and self.survey_weeks.empty):
            return Notice("No survey estimates to tabulate: see above.")
        table = self.public_positivity if public else self.positivity
        levels = ("cis",) if public else SURVEY_LEVELS
        rows = list(range(max(0, table.n_rows - LATEST_WEEKS), table.n_rows))
        headers = {"period_end": "Week ending"}
        names = {"cis": "Survey area", "region": self.names()["region"], "england": "England"}
        for level in levels:
            headers[f"{level}_positivity"] = f"{names[level]}: %"
            headers[f"{level}_lower"] = "95% lower"
            headers[f"{level}_upper"] = "95% upper"
            headers[f"{level}_one_in_n"] = "1 in N"
        shown = table.select(
            output_id=self.uid("positivity_latest"), columns=list(headers), rows=rows
        )
        self.release.csv("positivity_published" if public else "positivity_over_time", table)
        caption = (
            f"ONS's estimates of the percentage testing positive in the last {len(rows)} "
            f"reference weeks of the period, the {self.area_name()} (95% credible intervals)"
            if public
            else f"Modelled percentage testing positive in the last {len(rows)} weeks: the "
            f"{self.area_name()}, {self.names()['region']} and England"
        )
        return ReleasedTable(shown, caption, headers)

    def latest(self, level: str) -> Latest:
        """A level's estimate in the last survey week, in words, and its trend against the
        estimate :data:`TREND_WEEKS` weeks before (both released, else no trend)."""
        name = self.survey_names()[level]
        table = self.positivity
        last = table.n_rows - 1
        column = f"{level}_positivity"
        if last < 0 or table.status(last, column).suppressed:
            return Latest(
                f"{name}: the estimate for the latest week is not shown (the sample behind "
                "it is too small to release, or the model could not be fitted).",
                None,
            )
        ending = week_end_text(table.text(last, "period_start"))
        sentence = (
            f"{name}: {table.text(last, column)}% of people in private households would have "
            f"tested positive in the week ending {ending} (95% confidence interval "
            f"{table.text(last, f'{level}_lower')}% to {table.text(last, f'{level}_upper')}%), "
            f"around 1 in {int(float(table.text(last, f'{level}_one_in_n'))):,} people."
        )
        earlier = last - TREND_WEEKS
        needed = (column, f"{level}_lower", f"{level}_upper")
        if earlier < 0 or any(table.status(earlier, c).suppressed for c in needed):
            return Latest(sentence + " No trend: the estimate two weeks before is not shown.", None)
        now, then = ([float(table.value(row, c) or 0) for c in needed] for row in (last, earlier))
        trend = survey_trend(now[0], (now[1], now[2]), then[0], (then[1], then[2]))[0]
        return Latest(sentence + f" Compared with two weeks before, {_TREND_TEXT[trend]}.", trend)
