"""Daily cases and the 7-day rate of the last weeks."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import charts
from ldsa.report.base import PER, filled
from ldsa.report.cases_and_testing._common import (
    RECENT_WEEKS,
    UNRELIABLE_BELOW,
    CasesBase,
    dates_of,
)
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.groupings import WEEKDAYS
from ldsa.report.measures import CASES
from ldsa.stats import (
    crude_rate,
)


class DailySections(CasesBase):
    """Daily cases and the 7-day rate of the last weeks."""

    @functools.cached_property
    def _daily_parts(self) -> pd.DataFrame:
        """The authority's cases per day of the plan's weeks, with the day of the week."""
        rows = self.context.store.la_table(self.la_code, "cases")
        counts = rows.groupby("date")["cases"].sum()
        days = pd.date_range(self.weeks[0], self.weeks[-1] + pd.Timedelta(days=6), freq="D")
        return pd.DataFrame(
            {
                "date": days,
                "weekday": [WEEKDAYS[d] for d in days.day_of_week],
                "cases_count": counts.reindex(days, fill_value=0).to_numpy(),
            }
        )

    @functools.cached_property
    def daily(self) -> sdc.SafeTable:
        """Cases per day (each week's days, its parts) and the 7-day count ending on each
        day, with the 7-day rate per 100,000 and 95% limits; days from the incomplete ones
        on have no rate. Only for an authority whose cases are released weekly."""
        days = sdc.release_breakdown(
            self.plan(CASES),
            self.la_code,
            self._daily_parts,
            step=sdc.TimeStep.WEEK,
            date_column="date",
            category_column="weekday",
            count_column="cases_count",
            policy=self.policy,
            output_id=self.uid("daily_counts"),
            categories=WEEKDAYS,
            description="Cases by specimen date, per day",
        )
        weeks = self.plan(CASES).table(self.la_code, output_id=self.uid("daily_weeks"))
        rolling = sdc.release_sums(
            days,
            "cases_count",
            window=7,
            name="seven_day_count",
            policy=self.policy,
            output_id=self.uid("daily_sums"),
            description="Cases in the 7 days to each day",
            totals=sdc.GroupTotals(weeks, f"la_{CASES.count_column}", key="period_start"),
        )
        released = rolling.released_frame()
        complete = np.asarray(dates_of(released) < pd.Timestamp(self.incomplete_from))
        rate = crude_rate(
            filled(released["seven_day_count"]),
            np.full(len(released), self.populations["la"]),
                          multiplier=PER)  # fmt: skip
        frame = pd.DataFrame(
            {
                column: np.where(complete, rate[source].to_numpy(), np.nan)
                for column, source in (
                    ("seven_day_rate", "value"),
                    ("seven_day_lower", "lower"),
                    ("seven_day_upper", "upper"),
                )
            }
        )
        rates = sdc.release_rates(
            rolling, frame, dict.fromkeys(frame.columns, "seven_day_count"), policy=self.policy,
            output_id=self.uid("daily_rates"), decimals=1, unreliable_below=UNRELIABLE_BELOW,
        )  # fmt: skip
        return sdc.beside(
            rolling, rates, policy=self.policy, output_id=self.uid("daily"),
            columns=list(frame.columns),
            description="Cases per day, the 7-day count and the 7-day rate per 100,000 people "
            "(not given for incomplete days)",
        )  # fmt: skip

    def daily_withheld_share(self) -> float:
        """The share of the last :data:`RECENT_WEEKS` weeks' days that are withheld."""
        table = self.daily
        recent = range(max(0, table.n_rows - 7 * RECENT_WEEKS), table.n_rows)
        withheld = sum(table.status(r, "cases_count").suppressed for r in recent)
        return withheld / max(len(recent), 1)

    def _daily_notice(self) -> Notice | None:
        """Why daily cases are not shown for this authority, or None."""
        step = self.step(CASES)
        if step is not sdc.TimeStep.WEEK:
            return Notice(
                "Daily cases are not shown: the authority's cases are released "
                f"{step.adjective}, and its days would be too small to release."
            )
        share = self.daily_withheld_share()
        if share > self.policy.max_withheld_share:
            return Notice(
                f"Daily cases are not shown: {share:.0%} of the last {RECENT_WEEKS} weeks' days "
                "would be withheld to protect confidentiality; the weekly chart above shows "
                "the same cases by week."
            )
        return None

    @functools.cached_property
    def _recent_days(self) -> sdc.SafeTable:
        self.release.csv("daily", self.daily)
        table = self.daily
        recent = list(range(max(0, table.n_rows - 7 * RECENT_WEEKS), table.n_rows))
        return table.select(output_id=self.uid("daily_recent"), rows=recent)

    def daily_figure(self) -> FigureOutput | Notice:
        """Daily cases of the last weeks with the 7-day average, or why not."""
        if notice := self._daily_notice():
            return notice
        return charts.daily_counts(
            self._recent_days, count_column="cases_count", average_column="seven_day_count",
            title=f"Cases by specimen date, {self.names()['la']}",
            incomplete=self.incomplete_from,
        )  # fmt: skip

    def rolling_rate_figure(self) -> FigureOutput | None:
        """The 7-day rate per 100,000 of the last weeks with its 95% interval; None where
        daily cases are not shown (the daily figure says why)."""
        if self._daily_notice():
            return None
        return charts.rate_with_interval(
            self._recent_days, x_column="day", value_column="seven_day_rate",
            lower_column="seven_day_lower", upper_column="seven_day_upper",
            title="7-day case rate per 100,000 people",
            ylabel="Cases in 7 days per 100,000", label=self.names()["la"],
            note="Each day's rate counts the cases of that day and the 6 before it; "
            "incomplete days have none.",
        )  # fmt: skip
