"""The overview report: headline figures, population pyramid, weekly cases and deaths.

The template ``notebooks/overview.ipynb`` calls :meth:`Overview.open` and displays what the
methods return; every calculation is here.
"""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from ldsa.ageband import AGE_BANDS
from ldsa.calendar import week_start
from ldsa.report import figures, text
from ldsa.report.context import ReportContext
from ldsa.report.figures import FigureOutput
from ldsa.report.tables import TableOutput
from ldsa.stats import crude_rate

LEVELS = ("la", "region", "england")
#: Counted measures: (store table, date column, filter on rows, label).
MEASURES: dict[str, tuple[str, str, str | None, str]] = {
    "cases": ("cases", "date", None, "Cases (positive tests by specimen date)"),
    "covid_deaths": (
        "deaths",
        "week_registered",
        "cause_group == 'covid'",
        "Deaths with Covid-19 as underlying cause",
    ),
    "deaths": ("deaths", "week_registered", None, "Deaths from all causes (by week registered)"),
}
PER = 100_000


@dataclasses.dataclass(frozen=True)
class Overview:
    """The overview of one authority over one period."""

    context: ReportContext

    @classmethod
    def open(cls, store: str, la_code: str, period_start: str, period_end: str) -> Overview:
        """Validate the template parameters and open the store."""
        return cls(ReportContext.open(store, la_code, period_start, period_end))

    @functools.cached_property
    def populations(self) -> dict[str, int]:
        """Total population of the authority, its region and England in the denominator year."""
        return {level: int(self.population_bands(level)["population"].sum()) for level in LEVELS}

    def population_bands(self, level: str) -> pd.DataFrame:
        """Population by sex and age band in the denominator year."""
        frame = self.context.table(level, "population_bands")
        return frame[frame["year"] == self._population_year(frame)].reset_index(drop=True)

    def _population_year(self, frame: pd.DataFrame) -> int:
        years = sorted(int(y) for y in frame["year"].unique())
        wanted = self.context.population_year
        return max((y for y in years if y <= wanted), default=years[0])

    def weekly(self, measure: str) -> pd.DataFrame:
        """Weekly counts and rates per 100,000 (full weeks only) for all three areas."""
        table, column, query, _label = MEASURES[measure]
        names = self.context.areas()
        frames = []
        for level in LEVELS:
            rows = self.context.table(level, table)
            if query:
                rows = rows.query(query)
            weeks = week_start(rows[column]) if column == "date" else pd.DatetimeIndex(rows[column])
            counts = rows.groupby(weeks)[table].sum().rename("count")
            full = _full_weeks(self.context)
            counts = counts.reindex(full, fill_value=0)
            frame = counts.rename_axis("week_start").reset_index()
            frame["area"], frame["label"] = level, names[level]
            frame["rate"] = frame["count"] / self.populations[level] * PER
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @functools.cached_property
    def totals(self) -> pd.DataFrame:
        """Counts over the period and crude rates per 100,000 with 95% intervals."""
        rows = []
        for measure, (table, column, query, label) in MEASURES.items():
            for level in LEVELS:
                frame = self.context.table(level, table)
                if query:
                    frame = frame.query(query)
                count = int(self.context.in_period(frame, column)[table].sum())
                rows.append({"measure": measure, "label": label, "level": level, "count": count})
        totals = pd.DataFrame(rows)
        totals["population"] = totals["level"].map(self.populations)
        rates = crude_rate(totals["count"], totals["population"], multiplier=PER)
        return pd.concat([totals, rates[["value", "lower", "upper"]]], axis=1)

    def headline_table(self) -> TableOutput:
        """Headline figures: population, counts and rates for the LA, region and England."""
        names = self.context.areas()
        totals = {(row.measure, row.level): row for row in self.totals.itertuples(index=False)}
        rows = [
            ["Population (mid-" + str(self.context.population_year) + ")"]
            + [f"{self.populations[level]:,}" for level in LEVELS]
        ]
        for measure, (_t, _c, _q, label) in MEASURES.items():
            cells = [totals[(measure, level)] for level in LEVELS]
            rows.append([label] + [f"{cell.count:,}" for cell in cells])
            rows.append([f"{label}: rate per 100,000"] + [f"{cell.value:,.1f}" for cell in cells])
        frame = pd.DataFrame(rows, columns=["Measure", *(names[level] for level in LEVELS)])
        return TableOutput.from_frame(frame, f"Headline figures, {self.context.period_label}")

    def pyramid(self) -> FigureOutput:
        """Age-sex pyramid of the authority with England's shape as an outline."""
        shapes = {}
        for level in ("la", "england"):
            frame = self.population_bands(level)
            frame = frame.assign(percent=frame["population"] / frame["population"].sum() * 100)
            order = {band: i for i, band in enumerate(AGE_BANDS)}
            shapes[level] = frame.sort_values("age_band", key=lambda s: s.map(order))
        title = f"{self.context.authority.la_name}, mid-{self.context.population_year}"
        return figures.population_pyramid(shapes["la"], shapes["england"], title)

    def weekly_figure(self, measure: str) -> FigureOutput:
        """Weekly rates per 100,000 for the authority, its region and England."""
        label = MEASURES[measure][3]
        noun = "cases" if measure == "cases" else "deaths"
        return figures.weekly_rates(self.weekly(measure), noun, label)

    def messages(self) -> text.Messages:
        """Key messages in plain English, from the headline figures."""
        return text.Messages(text.key_messages(self.totals, self.context.areas()))


def _full_weeks(context: ReportContext) -> pd.DatetimeIndex:
    """Mondays of the weeks lying wholly within the period."""
    first = week_start(pd.DatetimeIndex([context.period_start]))[0]
    if first < pd.Timestamp(context.period_start):
        first += pd.Timedelta(days=7)
    last = pd.Timestamp(context.period_end) - pd.Timedelta(days=6)
    return pd.DatetimeIndex(pd.date_range(first, last, freq="7D").astype("datetime64[ms]"))
