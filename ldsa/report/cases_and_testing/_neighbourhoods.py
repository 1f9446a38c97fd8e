"""Neighbourhood hotspots: case rates per small area, the highest and the fastest-rising,
and rates by deprivation quintile of the authority's small areas with their SII.

Cases per small area are parts of the authority's weekly cases in the batch-wide plan,
nested in deprivation quintiles: :func:`ldsa.sdc.release_nested_breakdown` protects the
quintiles against the authority's counts there and each quintile's neighbourhoods against
the quintile, so that the quintiles' chart loses nothing to the neighbourhoods' gaps. The
step is the finest (week, month, quarter, the whole period) at which neither table
withholds more than the policy's ``max_withheld_share``; where no step serves single
neighbourhoods, the quintiles alone are released.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import charts, text
from ldsa.report.base import PER, filled
from ldsa.report.cases_and_testing._common import CasesBase
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES
from ldsa.report.tables import ReleasedTable
from ldsa.stats import crude_rate, slope_index

#: Deprivation quintiles of small areas within the authority (1 = most deprived).
#: Labels are words, not bare digits, so that no checker reads them as numbers.
QUINTILES = ("Q1 most deprived", "Q2", "Q3", "Q4", "Q5 least deprived")
#: Neighbourhoods shown in the table of the highest rates.
SHOWN = 10
SINGLE = "neighbourhoods"
GROUPED = "neighbourhoods grouped by deprivation quintile"
SII_COLUMNS = ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper")


class NeighbourhoodSections(CasesBase):
    """Case rates per small area (neighbourhood) within the authority."""

    def lacks_small_areas(self) -> Notice | None:
        """A notice when the store holds no cases per small area, else None."""
        store = self.context.store
        if store.has_small_areas:
            return None
        if store.manifest.get("source", {}).get("kind") == "public":
            return Notice(
                "This section needs cases per small area (neighbourhood), which the "
                "published files do not hold. The same report run on the record-level data "
                "in the secure environment shows it."
            )
        return Notice(
            "This section needs cases per small area (neighbourhood), which this store "
            "does not hold: it was prepared before ldsa stored them, or from an extract "
            "without small areas. How to fix: prepare the store again from an extract "
            "with small areas."
        )

    @functools.cached_property
    def _areas(self) -> pd.DataFrame:
        """The authority's small areas, with their quintile's label."""
        areas = self.context.store.small_areas(self.la_code)
        return areas.assign(quintile=[QUINTILES[int(q) - 1] for q in areas["imd_quintile"]])

    @functools.cached_property
    def _area_choice(self) -> sdc.BreakdownChoice:
        rows = self.context.store.small_area_cases(self.la_code)
        last = self.weeks[-1] + pd.Timedelta(days=6)
        inside = rows[(rows["date"] >= self.weeks[0]) & (rows["date"] <= last)]
        areas = self._areas.set_index("msoa_code")
        labels = areas["msoa_name"].reindex(inside["msoa_code"]).to_numpy()
        groups = areas["quintile"].reindex(inside["msoa_code"]).to_numpy()
        single = pd.DataFrame(
            {"date": inside["date"].to_numpy(), "neighbourhood": labels,
             "cases_count": inside["cases"].to_numpy()}
        )  # fmt: skip
        grouped = single.assign(neighbourhood=groups)
        present = tuple(q for q in QUINTILES if q in set(self._areas["quintile"]))
        # Over time first (where cases rise matters most), then single neighbourhoods
        # over the whole period, then quintile groups over it.
        timed = [sdc.TimeStep.WEEK, sdc.TimeStep.MONTH, sdc.TimeStep.QUARTER]
        names = tuple(self._areas["msoa_name"])
        nesting = dict(zip(self._areas["msoa_name"], self._areas["quintile"], strict=True))

        def nested(step: sdc.TimeStep) -> sdc.BreakdownOption:
            return sdc.BreakdownOption(SINGLE, single, step, names, nesting, present)

        options = [nested(step) for step in timed]
        if len(present) > 1:
            options += [sdc.BreakdownOption(GROUPED, grouped, step, present) for step in timed]
        options.append(nested(sdc.TimeStep.PERIOD))
        if len(present) > 1:
            options.append(sdc.BreakdownOption(GROUPED, grouped, sdc.TimeStep.PERIOD, present))
        return sdc.choose_breakdown(
            self.plan(CASES), self.la_code, options, date_column="date",
            category_column="neighbourhood", count_column="cases_count", policy=self.policy,
        )  # fmt: skip

    @property
    def grouped(self) -> bool:
        """Whether neighbourhoods are released grouped by deprivation quintile."""
        return self._area_choice.option.name == GROUPED

    @functools.cached_property
    def _released_counts(self) -> tuple[sdc.SafeTable, sdc.SafeTable]:
        """Cases per quintile and per neighbourhood (or, grouped, per quintile in both)
        and period: parts of the authority's cases in the plan."""
        option = self._area_choice.option
        what = f"Cases by {option.name}, per {option.step.value}"
        uid = self.uid("neighbourhood_counts")
        if option.groups is None:
            counts = sdc.release_breakdown(
                self.plan(CASES), self.la_code, option.parts, step=option.step,
                date_column="date", category_column="neighbourhood", count_column="cases_count",
                policy=self.policy, output_id=uid, categories=option.categories,
                description=what,
            )  # fmt: skip
            return counts, counts
        return sdc.release_nested_breakdown(
            self.plan(CASES), self.la_code, option.parts, step=option.step, date_column="date",
            category_column="neighbourhood", count_column="cases_count", groups=option.groups,
            group_column="imd_quintile", group_order=option.group_order,
            categories=option.categories or (), policy=self.policy, output_id=uid,
            description=what,
        )  # fmt: skip

    @property
    def neighbourhood_counts(self) -> sdc.SafeTable:
        """Cases per neighbourhood (or quintile group) and period."""
        return self._released_counts[1]

    @functools.cached_property
    def neighbourhood_rates(self) -> sdc.SafeTable:
        """Cases and average weekly rates per 100,000 people per neighbourhood and period."""
        people = self._areas.groupby("quintile" if self.grouped else "msoa_name")["population"]
        return self._weekly_rates(self.neighbourhood_counts, "neighbourhood", people.sum(), "rates")

    @functools.cached_property
    def quintile_rates(self) -> sdc.SafeTable:
        """Cases and average weekly rates per 100,000 by deprivation quintile of the
        authority's neighbourhoods."""
        people = self._areas.groupby("quintile")["population"].sum()
        column = "neighbourhood" if self.grouped else "imd_quintile"
        return self._weekly_rates(self._released_counts[0], column, people, "quintile_rates")

    def _weekly_rates(
        self, counts: sdc.SafeTable, column: str, people: pd.Series, name: str
    ) -> sdc.SafeTable:
        released = counts.released_frame()
        days = released["period_end"].map(pd.Timestamp) - released["period_start"].map(pd.Timestamp)
        per_week = (days.dt.days.to_numpy() + 1) / 7
        population = people.reindex(released[column]).to_numpy(dtype=float)
        rates = crude_rate(filled(released["cases_count"]), population * per_week, PER)
        frame = rates[["value", "lower", "upper"]].rename(
            columns={"value": "weekly_rate", "lower": "weekly_rate_lower",
                     "upper": "weekly_rate_upper"}
        )  # fmt: skip
        return sdc.release_rates(
            counts, frame, dict.fromkeys(frame.columns, "cases_count"), policy=self.policy,
            output_id=self.uid(name), decimals=1,
            description=f"Cases and average weekly rates per 100,000 by {column}",
        )  # fmt: skip

    def _latest_rows(self, table: sdc.SafeTable) -> tuple[list[int], list[int]]:
        """Rows of the latest complete period of a table, and of the period before."""
        if self._area_choice.option.step is sdc.TimeStep.PERIOD:
            return list(range(table.n_rows)), []  # one period: its last days are a small part
        complete = self._complete_rows(table)
        starts = sorted({table.text(r, "period_start") for r in complete})
        latest = [r for r in complete if starts and table.text(r, "period_start") == starts[-1]]
        before = starts[-2] if len(starts) > 1 else None
        previous = [r for r in complete if table.text(r, "period_start") == before]
        return latest, previous

    def neighbourhood_table(self) -> ReleasedTable | Notice:
        """The neighbourhoods with the highest rates in the latest complete period."""
        if notice := self.lacks_small_areas():
            return notice
        rates = self.release.csv("neighbourhoods", self.neighbourhood_rates)
        latest, _ = self._latest_rows(rates)
        if not latest:
            return Notice("No complete period of neighbourhood cases lies in the period.")
        released = [r for r in latest if not rates.status(r, "weekly_rate").suppressed]
        rate = {r: float(rates.value(r, "weekly_rate") or 0) for r in released}
        shown = sorted(released, key=lambda r: (-rate[r], rates.text(r, "neighbourhood")))[:SHOWN]
        headers = {"neighbourhood": "Neighbourhood" if not self.grouped else "Neighbourhoods",
                   "cases_count": "Cases", "weekly_rate": "Average weekly rate per 100,000",
                   "weekly_rate_lower": "95% lower", "weekly_rate_upper": "95% upper"}  # fmt: skip
        if not self.grouped:
            headers = {"neighbourhood": "Neighbourhood", "imd_quintile": "Deprivation quintile",
                       **headers}  # fmt: skip
        table = rates.select(output_id=self.uid("neighbourhoods_shown"), columns=list(headers),
                             rows=shown)  # fmt: skip
        withheld = sum(rates.status(r, "weekly_rate").suppressed for r in latest)
        what = "quintile groups of neighbourhoods" if self.grouped else "neighbourhoods"
        caption = (
            f"The {what} of {self.names()['la']} with the highest case rates in "
            f"{self._period_words(rates, latest[0])} ({withheld} of {len(latest)} withheld to "
            "protect confidentiality)."
        )
        if self._area_choice.note:
            caption = f"{caption} {self._area_choice.note}"
        return ReleasedTable(table, caption, headers)

    def _period_words(self, table: sdc.SafeTable, row: int) -> str:
        first = pd.Timestamp(table.text(row, "period_start")).date()
        last = pd.Timestamp(table.text(row, "period_end")).date()
        return f"the {table.text(row, 'time_step')} {text.day_text(first)} to {text.day_text(last)}"

    def neighbourhood_messages(self) -> text.Messages | Notice:
        """The highest and the fastest-rising neighbourhoods, in words."""
        if notice := self.lacks_small_areas():
            return notice
        rates = self.neighbourhood_rates
        latest, previous = self._latest_rows(rates)
        now = {rates.text(r, "neighbourhood"): r for r in latest
               if not rates.status(r, "weekly_rate").suppressed}  # fmt: skip
        if not now:
            return text.Messages(["No neighbourhood's latest rate can be shown."])
        top = max(now, key=lambda n: (float(rates.value(now[n], "weekly_rate") or 0), n))
        lines = [
            f"Highest rate: {top}, {rates.text(now[top], 'weekly_rate')} cases per 100,000 "
            f"people a week in {self._period_words(rates, now[top])}."
        ]
        before = {rates.text(r, "neighbourhood"): r for r in previous
                  if not rates.status(r, "weekly_rate").suppressed}  # fmt: skip
        rises = {
            n: float(rates.value(now[n], "weekly_rate") or 0)
            - float(rates.value(before[n], "weekly_rate") or 0)
            for n in now
            if n in before
        }
        if rises and max(rises.values()) > 0:
            fastest = max(rises, key=lambda n: (rises[n], n))
            lines.append(
                f"Fastest rise: {fastest}, from {rates.text(before[fastest], 'weekly_rate')} "
                f"to {rates.text(now[fastest], 'weekly_rate')} cases per 100,000 a week."
            )
        elif rises:
            lines.append("No neighbourhood's rate rose on the period before.")
        elif not previous:
            lines.append(
                "Rises are not shown: neighbourhood numbers here are released only over the "
                "whole period, to protect confidentiality."
            )
        return text.Messages(lines)

    def _few_quintiles(self, needed: int) -> Notice | None:
        """A notice when the authority's neighbourhoods fill fewer than ``needed``
        quintiles (a small authority may be one neighbourhood), else None."""
        present = self._areas["quintile"].nunique()
        if present >= needed:
            return None
        return Notice(
            f"{self.names()['la']} has {text.counted(len(self._areas), 'neighbourhood')} in "
            f"{text.counted(present, 'deprivation quintile')}: too few to compare "
            f"{needed} quintiles within it."
        )

    def deprivation_figure(self) -> FigureOutput | ReleasedTable | Notice:
        """Average weekly rates by deprivation quintile of neighbourhoods, over time."""
        if notice := self.lacks_small_areas() or self._few_quintiles(2):
            return notice
        rates = self.release.csv("neighbourhood_quintiles", self.quintile_rates)
        band = "neighbourhood" if self.grouped else "imd_quintile"
        note = self._area_choice.note
        if self._area_choice.option.step is sdc.TimeStep.PERIOD:
            headers = {band: "Deprivation quintile", "cases_count": "Cases",
                       "weekly_rate": "Average weekly rate per 100,000"}  # fmt: skip
            shown = rates.select(output_id=self.uid("quintiles_shown"), columns=list(headers))
            caption = f"Cases by deprivation quintile of neighbourhoods, {self.names()['la']}."
            return ReleasedTable(shown, f"{caption} {note}".strip(), headers)
        figure = charts.heatmap(
            rates, band_column=band, value_column="weekly_rate",
            title=f"Cases by deprivation of neighbourhoods, {self.names()['la']}",
            unit="Cases per 100,000 people a week", band_noun="deprivation quintile",
        )  # fmt: skip
        return dataclasses.replace(figure, caption=f"{figure.caption} {note}") if note else figure

    @functools.cached_property
    def deprivation_index(self) -> sdc.SafeTable:
        """The slope and relative index of inequality across the quintiles in the latest
        complete period, fitted to the released quintile rates."""
        rates = self.quintile_rates
        latest, _ = self._latest_rows(rates)
        total = int(sum(int(rates.value(r, "cases_count") or 0) for r in latest
                        if not rates.status(r, "cases_count").suppressed))  # fmt: skip
        counts = sdc.release_counts(
            pd.DataFrame({"events_count": [total]}), ["events_count"], policy=self.policy,
            output_id=self.uid("neighbourhood_sii_count"), label_columns=[],
            description="Cases of the latest period: the sum of the released quintile counts",
        )  # fmt: skip
        index = pd.DataFrame([self._sii(rates, latest)])
        return sdc.release_rates(
            counts, index, dict.fromkeys(SII_COLUMNS, "events_count"), policy=self.policy,
            output_id=self.uid("neighbourhood_sii"),
            decimals={c: (2 if c.startswith("rii") else 1) for c in SII_COLUMNS},
            description="SII and RII of average weekly case rates over deprivation quintiles "
            "of neighbourhoods, fitted to the released quintile rates",
        )  # fmt: skip

    def _sii(self, rates: sdc.SafeTable, rows: list[int]) -> dict[str, float]:
        """SII and RII (most deprived less least deprived) of released quintile rates;
        NaN unless all five quintiles are released with positive lower limits."""
        band = "neighbourhood" if self.grouped else "imd_quintile"
        released = [r for r in rows if not rates.status(r, "weekly_rate").suppressed]
        if len(rows) != len(QUINTILES) or len(released) != len(rows):
            return dict.fromkeys(SII_COLUMNS, np.nan)
        people = self._areas.groupby("quintile")["population"].sum()
        frame = pd.DataFrame(
            {"quantile": [QUINTILES.index(rates.text(r, band)) + 1 for r in rows],
             "population": [float(people[rates.text(r, band)]) for r in rows],
             "value": [float(rates.value(r, "weekly_rate") or 0) for r in rows],
             "lower": [float(rates.value(r, "weekly_rate_lower") or 0) for r in rows],
             "upper": [float(rates.value(r, "weekly_rate_upper") or 0) for r in rows]}
        )  # fmt: skip
        if not (frame["lower"] > 0).all():
            return dict.fromkeys(SII_COLUMNS, np.nan)
        result = slope_index(frame, lower="lower", upper="upper", value_type="rate",
                             multiplier=-1.0).iloc[0]  # fmt: skip
        return {c: float(result[c]) for c in SII_COLUMNS}

    def deprivation_sii_table(self) -> ReleasedTable | Notice | None:
        """The within-authority SII and RII of the latest complete period as a table; None
        where the quintile figure above already says the quintiles are too few."""
        if notice := self.lacks_small_areas():
            return notice
        if self._few_quintiles(2):
            return None
        if notice := self._few_quintiles(len(QUINTILES)):
            return notice
        index = self.release.csv("neighbourhood_sii", self.deprivation_index)
        headers = {"sii": "SII", "sii_lower": "95% lower", "sii_upper": "95% upper",
                   "rii": "RII", "rii_lower": "95% lower", "rii_upper": "95% upper"}  # fmt: skip
        shown = index.select(output_id=self.uid("neighbourhood_sii_shown"), columns=list(headers))
        caption = (
            "The slope index of inequality (SII: the gap in average weekly cases per 100,000 "
            "between the most and the least deprived ends of the authority's neighbourhoods) "
            "and the relative index (RII: their ratio), with 95% intervals, in the latest "
            "complete period; not shown ([u]) unless every quintile's rate is released"
        )
        return ReleasedTable(shown, caption, headers)
