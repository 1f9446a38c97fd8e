"""Projections of weekly cases, with what-if scenarios against the baseline."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES
from ldsa.report.projections import _charts
from ldsa.report.projections._common import N_SIMS, SCORED_WEEKS, SEED, WINDOW
from ldsa.report.projections._r import ReproductionSections
from ldsa.report.projections._scenarios import describe_change
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats.fatality import map_draws
from ldsa.stats.projection import (
    MAX_PROJECTED_R,
    estimate_drift,
    project_cases,
    projectable,
    recalibrated_totals,
)
from ldsa.stats.scoring import QUANTILES

#: The column name of each quantile (``q5`` ... ``q95``).
QUANTILE_NAMES = [f"q{round(q * 100):d}" for q in QUANTILES]

#: Released columns of a projected week and the quantile each is.
BANDS = {"median": "q50", "lower_50": "q25", "upper_50": "q75", "lower_90": "q5",
         "upper_90": "q95"}  # fmt: skip
#: The baseline's name in tables and messages.
BASELINE = "No change (baseline)"
_METHOD = (
    "renewal equation simulated forward (Poisson), R drawn from its posterior over the last "
    "7 days and following a log random walk sized from the last 12 weeks; quantiles "
    "recalibrated on the errors of the level's last 26 past projections (conformal 90% level)"
)


@dataclasses.dataclass(frozen=True)
class ProjectionSections(ReproductionSections):
    """Weekly cases projected a few weeks on, and the scenarios."""

    @functools.cached_property
    def _draws(self) -> dict[str, np.ndarray]:
        cases = self.daily(self.level)
        weights = self.serial_interval(self.origin).weights()
        return project_cases(
            cases, weights, horizon=7 * self.horizon_weeks, window=WINDOW, n_sims=N_SIMS,
            seed=SEED, scenarios=self.scenarios,
            drift=estimate_drift(cases, weights, window=WINDOW),
        )  # fmt: skip

    def _scores(self, level: str) -> pd.DataFrame:
        """The level's backtest (see :class:`~._backtest.BacktestSections`)."""
        raise NotImplementedError

    @functools.cached_property
    def weekly_draws(self) -> dict[str, np.ndarray]:
        """Simulated cases per projected week (``n_sims x weeks``) of the baseline and each
        scenario, recalibrated as the backtest's projections are: each week's draws moved
        so that their quantiles are the recalibrated ones (the level's past errors)."""
        past = self._scores(self.level)
        out = {}
        for name, draws in self._draws.items():
            totals, raw, calibrated = recalibrated_totals(draws, past, scored_weeks=SCORED_WEEKS)
            out[name] = map_draws(totals, raw, calibrated)
        return out

    def projection_notice(self) -> Notice | None:
        """Why no projection is made (the last week's R is too high to project from, or
        there were no cases before it), or None."""
        weights = self.serial_interval(self.origin).weights()
        if projectable(self.daily(self.level), weights, window=WINDOW):
            return None
        return Notice(
            f"No projection is made for {self.names()[self.level]}: its cases in the last "
            f"complete week are not a steady continuation of the weeks before (R above "
            f"{MAX_PROJECTED_R:g}, or no cases before them), so the method cannot project them."
        )

    @property
    def window_cases(self) -> int:
        """Cases of the level in the last complete week (what R and the projection rest on)."""
        return int(self.daily(self.level)[-WINDOW:].sum())

    def _weeks_ahead(self) -> pd.DataFrame:
        first = pd.Timestamp(self.origin) + pd.Timedelta(days=1)
        starts = pd.date_range(first, periods=self.horizon_weeks, freq="7D")
        return pd.DataFrame(
            {
                "period_start": [str(d.date()) for d in starts],
                "period_end": [str((d + pd.Timedelta(days=6)).date()) for d in starts],
            }
        )

    @functools.cached_property
    def projection(self) -> sdc.SafeTable:
        """Projected cases per week: baseline and every scenario (median, 50% and 90%
        intervals), withheld when the last week holds fewer cases than the threshold."""
        frames = []
        for name, totals in self.weekly_draws.items():
            quantiles = dict(zip(QUANTILE_NAMES, np.quantile(totals, QUANTILES, axis=0),
                                 strict=True))  # fmt: skip
            frame = self._weeks_ahead()
            frame.insert(0, "scenario", BASELINE if name == "baseline" else name)
            for column, q in BANDS.items():
                frame[column] = quantiles[q]
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        return sdc.release_estimates(
            table, list(BANDS), events=[self.window_cases] * len(table), policy=self.policy,
            output_id=self.uid("projection"), decimals=0, case_columns=list(BANDS),
            method=_METHOD,
            description=f"Projected cases per week of {self.names()[self.level]}: baseline "
            "and scenarios, median with 50% and 90% intervals",
        )  # fmt: skip

    def _rows(self, name: str) -> list[int]:
        table = self.projection
        return [r for r in range(table.n_rows) if table.text(r, "scenario") == name]

    def projection_figure(self) -> FigureOutput | Notice:
        """A fan chart: released weekly cases of the last weeks, then the projection."""
        if notice := self.lacks_measure(CASES) or self.projection_notice():
            return notice
        self.release.csv("projection", self.projection)
        baseline = self.projection.select(output_id=self.uid("projection_baseline"),
                                          rows=self._rows(BASELINE))  # fmt: skip
        observed = self.weekly_plan if self.level == "la" else self.region_weekly()
        return _charts.fan_chart(
            baseline, observed, name=self.names()[self.level], note=self.level_note(),
            column=f"{self.level}_{CASES.count_column}",
        )  # fmt: skip

    def region_weekly(self) -> sdc.SafeTable | None:
        """The region's released weekly cases of the complete weeks, or None (see
        :class:`~._deaths.DeathsSections`)."""
        return None

    def projection_table(self) -> ReleasedTable | Notice:
        """Projected cases per week: the baseline and every scenario."""
        if notice := self.projection_notice():
            return notice
        headers = {
            "scenario": "Scenario",
            "period_start": "Week from",
            "period_end": "Week to",
            "median": "Projected cases (median)",
            "lower_50": "50% interval: from",
            "upper_50": "50% interval: to",
            "lower_90": "90% interval: from",
            "upper_90": "90% interval: to",
        }
        name = self.names()[self.level]
        return ReleasedTable(self.projection, f"Projected cases per week in {name}", headers)

    def scenario_messages(self) -> list[str]:
        """Each scenario against the baseline in plain words, from released values only."""
        if notice := self.projection_notice():
            return [notice.text]
        table, name = self.projection, self.names()[self.level]
        base = self._rows(BASELINE)
        if not base or table.status(base[-1], "median").suppressed:
            return [f"Projections for {name} are not shown: too few recent cases."]
        weeks = min(2, self.horizon_weeks)
        row = base[weeks - 1]
        end = day_text(pd.Timestamp(table.text(row, "period_end")).date())
        lines = [
            f"If transmission stays as it has been, {name} would have about "
            f"{_cases(table, row, 'median')} cases in the week to {end} (90% interval "
            f"{_cases(table, row, 'lower_90')} to {_cases(table, row, 'upper_90')})."
        ]
        for scenario in self.scenarios:
            mine = self._rows(scenario.name)[weeks - 1]
            start = day_text(pd.Timestamp(self.origin).date() + pd.Timedelta(
                days=1 + scenario.from_day))  # fmt: skip
            lines.append(
                f"{scenario.name}: if {describe_change(scenario)} from {start}, cases in the "
                f"week to {end} would be about {_cases(table, mine, 'median')} (90% interval "
                f"{_cases(table, mine, 'lower_90')} to {_cases(table, mine, 'upper_90')}) "
                f"rather than {_cases(table, row, 'median')}."
            )
        return lines


def _cases(table: sdc.SafeTable, row: int, column: str) -> str:
    """A released number of cases with thousands separated ("13,828")."""
    return f"{float(table.value(row, column) or 0):,.0f}"
