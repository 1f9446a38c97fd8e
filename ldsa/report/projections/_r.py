"""The reproduction number and growth rate, week by week."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES
from ldsa.report.projections import _charts
from ldsa.report.projections._common import ProjectionsBase
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats.reproduction import growth_rate_from_r

#: R and its limits are shown to 2 decimal places, growth rates (% a day) to 1.
R_DECIMALS = 2
_METHOD = "Cori et al. 2013 renewal equation, 7-day windows, gamma prior mean 5 SD 5"


@dataclasses.dataclass(frozen=True)
class ReproductionSections(ProjectionsBase):
    """R week by week for the authority, its region and England."""

    def _r_frame(self, level: str, weeks: pd.DatetimeIndex) -> pd.DataFrame:
        """R (median and 95% limits) and the growth rate per day of a level's weeks."""
        fitted = self.r_estimates(level).iloc[self.week_rows(weeks)]
        growth = np.full(len(weeks), np.nan)
        for interval in dict.fromkeys(self.serial_interval(w) for w in weeks):
            mine = np.array([self.serial_interval(w) == interval for w in weeks])
            growth[mine] = growth_rate_from_r(fitted["median"].to_numpy()[mine],
                                              interval.weights())  # fmt: skip
        return pd.DataFrame(
            {
                f"{level}_r": fitted["median"].to_numpy(),
                f"{level}_r_lower": fitted["lower"].to_numpy(),
                f"{level}_r_upper": fitted["upper"].to_numpy(),
                f"{level}_growth_percent": np.round(growth * 100, 1) + 0.0,  # no "-0.0"
            }
        )

    @functools.cached_property
    def la_r(self) -> sdc.SafeTable | None:
        """The authority's R by week; None when its cases are not released weekly. A week's
        R is withheld where its cases are below the threshold, and where the plan withholds
        the cases of it or of either week before (R with its interval gives the week's
        cases back, and its infectiousness term the weeks' before)."""
        if self.weekly_plan is None:
            return None
        weeks = self.complete_weeks
        frame = pd.concat([_week_labels(weeks), self._r_frame("la", weeks)], axis=1)
        cases = self.r_estimates("la")["events"].to_numpy()[self.week_rows(weeks)]
        events = np.where(self.released_weeks(weeks), cases, 0)
        values = [c for c in frame.columns if c not in ("period_start", "period_end")]
        return sdc.release_estimates(
            frame, values, events=[int(n) for n in events], policy=self.policy,
            output_id=self.uid("r_authority"),
            decimals={c: 1 if c.endswith("percent") else R_DECIMALS for c in values},
            method=_METHOD,
            description="Reproduction number R by week (median, 95% credible interval) and "
            "growth rate per day: the authority",
        )  # fmt: skip

    @functools.cached_property
    def comparator_r(self) -> sdc.SafeTable:
        """R of the region and England by week, each withheld where its week has fewer
        cases than the threshold."""
        weeks = self.complete_weeks
        frame = _week_labels(weeks)
        parts = [self._r_frame(level, weeks) for level in ("region", "england")]
        frame = pd.concat([frame, *parts], axis=1)
        events = np.minimum(
            self.r_estimates("region")["events"].to_numpy()[self.week_rows(weeks)],
            self.r_estimates("england")["events"].to_numpy()[self.week_rows(weeks)],
        )
        values = [c for c in frame.columns if c not in ("period_start", "period_end")]
        return sdc.release_estimates(
            frame, values, events=[int(n) for n in events], policy=self.policy,
            output_id=self.uid("r_region_england"),
            decimals={c: 1 if c.endswith("percent") else R_DECIMALS for c in values},
            method=_METHOD,
            description="Reproduction number R by week (median, 95% credible interval) and "
            "growth rate per day: the region and England",
        )  # fmt: skip

    def r_figure(self) -> FigureOutput | Notice:
        """R by week: the authority (or its region) with its 95% interval, region, England."""
        if notice := self.lacks_measure(CASES):
            return notice
        self.release.csv("r_region_england", self.comparator_r)
        if self.la_r is not None:
            self.release.csv("r_authority", self.la_r)
        return _charts.r_lines(self.la_r, self.comparator_r, self.names(), self.level_note())

    def r_table(self) -> ReleasedTable:
        """The last eight weeks' R of the level shown, as a table."""
        level = self.level
        source = self.la_r if level == "la" and self.la_r is not None else self.comparator_r
        rows = list(range(max(0, source.n_rows - 8), source.n_rows))
        columns = ["period_start", "period_end", f"{level}_r", f"{level}_r_lower",
                   f"{level}_r_upper", f"{level}_growth_percent"]  # fmt: skip
        shown = source.select(output_id=self.uid("r_recent"), columns=columns, rows=rows)
        name = self.names()[level]
        headers = {
            "period_start": "Week from",
            "period_end": "Week to",
            f"{level}_r": "R (median)",
            f"{level}_r_lower": "95% lower limit",
            f"{level}_r_upper": "95% upper limit",
            f"{level}_growth_percent": "Growth rate (% a day)",
        }
        return ReleasedTable(shown, f"Reproduction number of {name}, the last 8 weeks", headers)

    def r_messages(self) -> list[str]:
        """The latest R in plain words, from released values only."""
        level = self.level
        source = self.la_r if level == "la" and self.la_r is not None else self.comparator_r
        name, last = self.names()[level], source.n_rows - 1
        lines = [self.level_note()] if self.level_note() else []
        if last < 0 or source.status(last, f"{level}_r").suppressed:
            return [*lines, f"The latest reproduction number of {name} is not shown."]
        low, high = source.text(last, f"{level}_r_lower"), source.text(last, f"{level}_r_upper")
        week_end = day_text(pd.Timestamp(source.text(last, "period_end")).date())
        if float(source.value(last, f"{level}_r_lower") or 0) > 1:
            trend = "cases were growing"
        elif float(source.value(last, f"{level}_r_upper") or 0) < 1:
            trend = "cases were falling"
        else:
            trend = "it is not clear whether cases were growing or falling"
        lines.append(
            f"In the week to {week_end}, each case in {name} passed the infection on to "
            f"{source.text(last, f'{level}_r')} people on average (R, 95% interval {low} to "
            f"{high}): {trend}."
        )
        return lines


def _week_labels(weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Each week's first and last day (ISO dates)."""
    return pd.DataFrame(
        {
            "period_start": [str(w.date()) for w in weeks],
            "period_end": [str((w + pd.Timedelta(days=6)).date()) for w in weeks],
        }
    )
