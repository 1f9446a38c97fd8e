"""The latest complete periods: rates with limits and the change on the period before."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.base import PER, filled
from ldsa.report.cases_and_testing._common import (
    UNRELIABLE_BELOW,
    CasesBase,
    p_value_text,
)
from ldsa.report.figures import Notice
from ldsa.report.measures import CASES
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import day_text
from ldsa.stats import (
    compare_counts,
    crude_rate,
)


class LatestSections(CasesBase):
    """The latest complete periods: rates with limits and the change on the period before."""

    @functools.cached_property
    def latest(self) -> sdc.SafeTable:
        """The last two complete periods of the authority's step: cases, the average weekly
        rate per 100,000 with 95% limits (the authority), the region's and England's."""
        series = self.plan(CASES).table(
            self.la_code, output_id=self.uid("latest_counts"), description="Cases per period"
        )
        rows = self._complete_rows(series)[-2:]
        counts = series.select(output_id=self.uid("latest_periods"), rows=rows)
        released = counts.released_frame()
        weeks = released["weeks"].astype(int).to_numpy()
        column = CASES.count_column
        la = crude_rate(
            filled(released[f"la_{column}"]), self.populations["la"] * weeks, multiplier=PER
        )
        rates = pd.DataFrame(
            {
                "la_rate": la["value"],
                "la_lower": la["lower"],
                "la_upper": la["upper"],
                **{
                    f"{level}_rate": filled(released[f"{level}_{column}"])
                    / weeks
                    / self.populations[level]
                    * PER
                    for level in ("region", "england")
                },
            }
        )
        sources = {c: f"{c.split('_')[0]}_{column}" for c in rates.columns}
        return sdc.release_rates(
            counts,
            rates,
            sources,
            policy=self.policy,
            output_id=self.uid("latest"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Cases in the last two complete periods and average weekly rates "
            "per 100,000 people",
        )

    def latest_table(self) -> ReleasedTable | Notice:
        """The latest two periods as an accessible table, or why there are none."""
        if notice := self._latest_notice():
            return notice
        names = self.names()
        headers = {
            "period_start": "From",
            "period_end": "To",
            f"la_{CASES.count_column}": f"{names['la']}: cases",
            "la_rate": f"{names['la']}: weekly rate per 100,000",
            "la_lower": "95% lower limit",
            "la_upper": "95% upper limit",
            "region_rate": f"{names['region']}: weekly rate",
            "england_rate": "England: weekly rate",
        }
        self.release.csv("latest", self.latest)
        step = self.step(CASES)
        if self.incomplete_from > self.context.period_end:  # data run on past the period
            when = f"of the period ({day_text(self.context.period_end)} the last day)"
        else:
            when = f"before {day_text(self.incomplete_from)} (later days are still incomplete)"
        caption = (
            f"Cases in the last two complete {step.noun} {when}, average weekly rates per "
            "100,000 people"
        )
        shown = self.latest.select(output_id=self.uid("latest_shown"), columns=list(headers))
        return ReleasedTable(shown, caption, headers)

    def _latest_notice(self) -> Notice | None:
        """Why the latest periods are not shown (cases released only whole-period), or None."""
        if self.step(CASES) is not sdc.TimeStep.PERIOD:
            return None
        return Notice(
            "The latest weeks are not shown: the authority's weekly, monthly and quarterly "
            "numbers are too small to release, so its cases are released only as a total for "
            "the whole period (in the statistical neighbours table below)."
        )

    def change(self) -> str:
        """The change on the previous period, in words, from the released counts only."""
        if self._latest_notice():
            return (
                "The change on the previous week is not shown: the authority's cases are "
                "released only as a total for the whole period, to protect confidentiality."
            )
        safe, column = self.latest, f"la_{CASES.count_column}"
        noun = self.step(CASES).value
        if safe.n_rows < 2 or any(safe.status(r, column).suppressed for r in (0, 1)):
            return f"The change on the previous {noun} is not shown, to protect confidentiality."
        previous, current = (int(safe.value(r, column) or 0) for r in (0, 1))
        if safe.text(0, "weeks") != safe.text(1, "weeks"):
            return (
                f"Cases: {current:,} in the latest {noun} against {previous:,} in the one "
                "before (periods of different lengths: not compared)."
            )
        row = compare_counts([current], [previous]).iloc[0]
        size = f" ({row['percent']:+.0f}%)" if np.isfinite(row["percent"]) else ""
        verdict = {
            "increased": "a statistically significant increase",
            "decreased": "a statistically significant decrease",
        }.get(str(row["direction"]), "not a statistically significant change")
        end = dt.date.fromisoformat(safe.text(1, "period_end"))
        return (
            f"Cases: {current:,} in the {noun} to {day_text(end)}, "
            f"{int(row['change']):+,} on the {noun} before{size}: {verdict} "
            f"(exact test, {p_value_text(float(row['p_value']))})."
        )
