"""The backtest: projections made at past dates, scored against what then happened."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.projections import _charts
from ldsa.report.projections._common import SCORED_WEEKS, SEED, WINDOW
from ldsa.report.projections._national import ENGLAND, BatchFigures, batch_figures
from ldsa.report.projections._projection import ProjectionSections
from ldsa.report.tables import ReleasedTable
from ldsa.stats.projection import backtest, summarise_backtest

#: Weeks ahead scored, and the first weeks of the period left for R to settle.
WEEKS_AHEAD = SCORED_WEEKS
BURN_IN_WEEKS = 6
#: Simulations per past projection (fewer than the live projection's: about 100 of them).
BACKTEST_SIMS = 300
_METHOD = "the report's projection method, made at the end of every past week"


@dataclasses.dataclass(frozen=True)
class BacktestSections(ProjectionSections):
    """How well the same method would have done at past dates."""

    @functools.cached_property
    def batch(self) -> BatchFigures:
        """What every projections report of the batch shares (computed once, cached)."""
        return batch_figures(self, [self.la_code, self.context.authority.region_code, ENGLAND])

    def _scores(self, level: str) -> pd.DataFrame:
        """The backtest of a level (``la``, ``region``, ``england``), from the batch's."""
        area = {"la": self.la_code, "region": self.context.authority.region_code}
        return self.batch.scores[area.get(level, ENGLAND)]

    def backtest_of(self, cases: np.ndarray) -> pd.DataFrame:
        """The backtest of daily cases over :attr:`days`: a projection made at the end of
        every complete week after the burn-in, scored :data:`WEEKS_AHEAD` weeks ahead."""
        weeks = self.complete_weeks[BURN_IN_WEEKS:]
        origins = [int(i) for i in self.week_rows(weeks)]
        intervals = [self.serial_interval(w + pd.Timedelta(days=6)) for w in weeks]
        found = {interval: interval.weights() for interval in dict.fromkeys(intervals)}
        weights = [found[interval] for interval in intervals]  # four variants, not 100 weeks
        return backtest(
                cases, origins, weights, weeks_ahead=WEEKS_AHEAD, window=WINDOW,
                n_sims=BACKTEST_SIMS, seed=SEED, min_events=self.policy.threshold,
            )  # fmt: skip

    @functools.cached_property
    def backtest_summary(self) -> sdc.SafeTable:
        """Coverage of the 50% and 90% intervals and the mean weighted interval score per
        week ahead: the level shown and England."""
        frames, events = [], []
        for level in dict.fromkeys((self.level, "england")):
            summary = summarise_backtest(self._scores(level))
            summary.insert(0, "area", self.names()[level])
            frames.append(summary)
            events += [int(n) for n in summary["observed"]]
        pooled = self.batch.pooled.copy()
        pooled.insert(0, "area", self.pooled_name())
        frames.append(pooled)
        events += [int(n) for n in pooled["observed"]]
        table = pd.concat(frames, ignore_index=True).drop(columns="observed")
        table["week"] = [f"{w} week{'s' if w > 1 else ''} ahead" for w in table["week"]]
        values = ["projections", "coverage_50", "coverage_90", "mean_wis"]
        return sdc.release_estimates(
            table, values, events=events, policy=self.policy,
            output_id=self.uid("backtest_summary"),
            decimals={"projections": 0, "coverage_50": 0, "coverage_90": 0, "mean_wis": 1},
            method=_METHOD,
            description="Backtest: coverage of the 50% and 90% intervals of past projections "
            "and their mean weighted interval score (cases): the area shown, England, and "
            "every authority's own projections pooled",
        )  # fmt: skip

    def pooled_name(self) -> str:
        """The pooled rows' area: "All 309 authorities"."""
        return f"All {self.batch.authorities} authorities"

    def national_messages(self) -> list[str]:
        """The authority's one-week-ahead coverage beside every authority's, in plain words
        (released values only)."""
        table = self.backtest_summary
        rows = {table.text(r, "area"): r for r in range(table.n_rows)
                if table.text(r, "week") == "1 week ahead"}  # fmt: skip
        pooled = rows.get(self.pooled_name())
        if pooled is None or table.status(pooled, "coverage_50").suppressed:
            return []
        line = (
            f"Across all authorities, past projections one week ahead held the outcome inside "
            f"their 50% interval {table.text(pooled, 'coverage_50')}% of the time and inside "
            f"their 90% interval {table.text(pooled, 'coverage_90')}% (the aim: 50% and 90%)"
        )
        mine = rows.get(self.names()[self.level])
        if mine is not None and not table.status(mine, "coverage_50").suppressed:
            line += (
                f"; for {self.names()[self.level]}, {table.text(mine, 'coverage_50')}% and "
                f"{table.text(mine, 'coverage_90')}%"
            )
        return [line + "."]

    def backtest_table(self) -> ReleasedTable | Notice:
        """The backtest's scores as a table."""
        if self.backtest_summary.n_rows == 0:
            return Notice("The period is too short for a backtest.")
        self.release.csv("backtest_summary", self.backtest_summary)
        headers = {
            "area": "Area",
            "week": "Projection",
            "projections": "Projections scored",
            "coverage_50": "Inside the 50% interval (%)",
            "coverage_90": "Inside the 90% interval (%)",
            "mean_wis": "Weighted interval score (cases)",
        }
        caption = (
            "Past projections scored against the cases that followed: a well-calibrated "
            "projection has about 50% and 90% of outcomes inside its intervals"
        )
        return ReleasedTable(self.backtest_summary, caption, headers)

    @functools.cached_property
    def backtest_weeks(self) -> sdc.SafeTable:
        """The level's one-week-ahead past projections (median, 50% and 90% intervals)."""
        scores = self._scores(self.level)
        first = scores[scores["week"] == 1].reset_index(drop=True)
        starts = [self.days[int(o) + 1] for o in first["origin"]]
        frame = pd.DataFrame(
            {
                "period_start": [str(d.date()) for d in starts],
                "period_end": [str((d + pd.Timedelta(days=6)).date()) for d in starts],
                "median": first["q50"], "lower_50": first["q25"], "upper_50": first["q75"],
                "lower_90": first["q5"], "upper_90": first["q95"],
            }
        )  # fmt: skip
        origins = first["origin"].to_numpy(dtype=int)
        cases = self.daily(self.level)
        events = np.array([int(cases[o - WINDOW + 1 : o + 1].sum()) for o in origins])
        if self.level == "la":  # not from a week the plan withholds (see la_r)
            weeks = pd.DatetimeIndex([self.days[o - WINDOW + 1] for o in origins])
            events = np.where(self.released_weeks(weeks), events, 0)
        columns = ["median", "lower_50", "upper_50", "lower_90", "upper_90"]
        return sdc.release_estimates(
            frame, columns, events=[int(n) for n in events], policy=self.policy,
            output_id=self.uid("backtest_weeks"), decimals=0, case_columns=columns,
            method=_METHOD,
            description="Backtest: each past week's cases as projected one week before",
        )  # fmt: skip

    def backtest_figure(self) -> FigureOutput | Notice:
        """Past one-week-ahead projections against the released weekly cases."""
        if self.level != "la" or self.weekly_plan is None:
            return Notice(
                "The chart of past projections is shown only for an authority whose weekly "
                "cases are released; the table above scores its region's."
            )
        if self.backtest_weeks.n_rows == 0:
            return Notice("The period is too short for a backtest.")
        self.release.csv("backtest_weeks", self.backtest_weeks)
        return _charts.backtest_chart(self.backtest_weeks, self.weekly_plan,
                                      name=self.names()["la"])  # fmt: skip


def coverage_of(scores: pd.DataFrame) -> dict[str, float]:
    """Coverage (per cent) and mean WIS of a set of scored projections (for benchmarks)."""
    return {
        "coverage_50": float(np.mean(scores["covered_50"]) * 100),
        "coverage_90": float(np.mean(scores["covered_90"]) * 100),
        "mean_wis": float(np.mean(scores["wis"])),
    }
