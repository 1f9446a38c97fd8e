"""The authority against its statistical neighbours, and funnel plots of every authority."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.errors import InvalidParameterError
from ldsa.report import funnel_plot
from ldsa.report.base import filled
from ldsa.report.comparators import Comparators, neighbours
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.inequalities._common import (
    CASE_RATE,
    EXCESS,
    OUTCOMES,
    InequalitiesBase,
    Outcome,
    values,
)
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import Messages
from ldsa.stats import compare_estimates

NEIGHBOUR_COLUMNS = ["la_code", "la_name", "count", "value", "lower", "upper"]
_VERSUS = {"higher": "Higher", "lower": "Lower", "similar": "Similar"}


class NeighbourSections(InequalitiesBase):
    """Statistical neighbours and funnel plots."""

    @functools.cached_property
    def comparators(self) -> Comparators:
        """The authority's statistical neighbours (as in the cases report)."""
        return neighbours(self.context.store, self.la_code, self.denominator_year)

    @functools.cached_property
    def neighbours(self) -> sdc.SafeTable:
        """Each outcome of the authority and its neighbours with 95% limits, and whether
        each neighbour is significantly higher, similar or lower than the authority."""
        codes = [self.la_code, *self.comparators.codes]
        parts, outcomes, names, versus = [], [], [], []
        for outcome in OUTCOMES:
            if self.outcome_lacking(outcome):
                continue
            every = self.every_authority(outcome)
            where = {every.text(r, "la_code"): r for r in range(every.n_rows)}
            value, low, high = (values(every, c) for c in ("value", "lower", "upper"))
            me = where[self.la_code]
            for code in codes:
                row = where[code]
                parts.append(every.select(
                    output_id=self.uid(f"{outcome.name}_neighbour_{code}"), rows=[row],
                    columns=["la_code", "la_name", outcome.measure.count_column, "value",
                             "lower", "upper"],
                ))  # fmt: skip
                outcomes.append(outcome.label)
                names.append(outcome.name)
                if code == self.la_code:
                    versus.append("This authority")
                    continue
                found = compare_estimates(value[row], low[row], high[row], value[me], low[me],
                                          high[me])["comparison"].iloc[0]  # fmt: skip
                versus.append(_VERSUS.get(str(found), "Not compared"))
        return sdc.stack(
            parts, policy=self.policy, output_id=self.uid("neighbours"),
            columns=["la_code", "la_name", "events_count", "value", "lower", "upper"],
            label_column="outcome_id", labels=names,
            extra_labels={"outcome": outcomes, "compared_with_this_authority": versus},
            description="Outcomes of the authority and its statistical neighbours",
        )  # fmt: skip

    def neighbours_table(self, which: Outcome | str) -> ReleasedTable | Notice:
        """The authority and its neighbours on one outcome, as an accessible table."""
        outcome = self.outcome(which)
        if notice := self.outcome_lacking(outcome):
            return notice
        table = self.release.csv("neighbours", self.neighbours)
        name = self.names()["la"]
        headers = {"la_name": "Authority", "value": outcome.unit, "lower": "95% lower limit",
                   "upper": "95% upper limit",
                   "compared_with_this_authority": f"Compared with {name}"}  # fmt: skip
        rows = [r for r in range(table.n_rows) if table.text(r, "outcome_id") == outcome.name]
        shown = table.select(
            output_id=self.uid(f"{outcome.name}_neighbours_shown"), columns=list(headers),
            rows=rows,
        )  # fmt: skip
        caption = (
            f"{outcome.label}: {name} (first row) and its statistical neighbours, nearest "
            f"first; higher or lower than {name} where the difference is significant at the "
            "5% level (allowing for the uncertainty of both)"
        )
        return ReleasedTable(shown, caption, headers)

    def neighbours_note(self) -> Messages:
        """Who the neighbours are and how they were chosen."""
        names = ", ".join(self.comparators.names)
        return Messages([f"Statistical neighbours of {self.names()['la']}: {names}.",
                         self.comparators.method])  # fmt: skip

    def funnel_points(self, which: Outcome | str) -> sdc.SafeTable:
        """Every authority's total, the number expected at England's level (cases at the
        rate of every released authority together; deaths at its own expected deaths times
        England's ratio), and the ratio (England = 100)."""
        outcome = self.outcome(which)
        key = ("funnel", outcome.name)
        if key not in self._tables:
            self._tables[key] = self._funnel_points(outcome)
        return self._tables[key]

    def _funnel_points(self, outcome: Outcome) -> sdc.SafeTable:
        counts = self.all_authorities(outcome.measure)
        observed = filled(counts.released_frame()[outcome.measure.count_column])
        released = ~counts.suppressed_mask()[outcome.measure.count_column].to_numpy()
        every = self.every_authority(outcome)
        base = (values(every, "population") if outcome is CASE_RATE
                else values(every, "expected"))  # fmt: skip
        usable = released & np.isfinite(base) & (base > 0)
        expected = base * observed[usable].sum() / base[usable].sum()
        frame = pd.DataFrame({"expected": expected, "ratio": observed / expected * 100})
        return sdc.release_rates(
            counts, frame, dict.fromkeys(frame.columns, outcome.measure.count_column),
            policy=self.policy, output_id=self.uid(f"{outcome.name}_funnel"), decimals=1,
            description=f"{outcome.label}: every authority's total, the number expected at "
            "England's level and the ratio",
        )  # fmt: skip

    def funnel_figure(self, which: Outcome | str) -> FigureOutput | Notice:
        """Every authority's ratio to England on a funnel plot, this one highlighted."""
        outcome = self.outcome(which)
        if outcome not in (CASE_RATE, EXCESS):
            raise InvalidParameterError(
                f"funnel_figure: no funnel plot of {outcome.name}; there are funnel plots of "
                f"{CASE_RATE.name} and {EXCESS.name}."
            )
        if notice := self.outcome_lacking(outcome):
            return notice
        points = self.release.csv(f"{outcome.name}_funnel", self.funnel_points(outcome))
        title = ("Cases: ratio to England's rate, every authority" if outcome is CASE_RATE
                 else "Excess deaths: ratio to England's, every authority")  # fmt: skip
        return funnel_plot.funnel_plot(
            points, observed_column=outcome.measure.count_column, expected_column="expected",
            name_column="la_code", highlight=self.la_code, label=self.names()["la"],
            title=title, events="cases" if outcome is CASE_RATE else "deaths",
        )  # fmt: skip
