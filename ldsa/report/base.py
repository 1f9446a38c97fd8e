"""The base of every report: parameters, policy, store, disclosure plans and the release.

A template's report module subclasses :class:`Report`, sets ``SPEC`` (its
:class:`~ldsa.report.spec.TemplateSpec`) and adds one method per section, each returning
something a notebook displays (a table, a figure, messages, or a :class:`Notice` saying why
a section is empty). The notebook opens the report in its first code cell and calls those
methods; it never writes files: the runner finishes the release.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.errors import InvalidParameterError
from ldsa.report import release as releases
from ldsa.report import series
from ldsa.report.context import ReportContext, full_weeks
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import Measure
from ldsa.report.plans import covered_weeks, linked_plan, period_totals
from ldsa.report.release import Release
from ldsa.report.spec import TemplateSpec
from ldsa.report.text import Messages, day_text
from ldsa.sdc.policy import check_policy_for_store

#: The authority, its region and England, as the prefixes of released columns.
LEVELS = series.LEVELS
PER = series.PER


@dataclasses.dataclass(frozen=True)
class Report:
    """One authority's report over one period, released under one policy."""

    SPEC: ClassVar[TemplateSpec]

    context: ReportContext
    policy: sdc.Policy
    release: Release

    @classmethod
    def open(
        cls,
        store: str,
        la_code: str,
        period_start: str,
        period_end: str,
        policy: str = "default",
    ) -> Self:
        """Validate the template parameters, load the policy and open the store."""
        context = ReportContext.open(store, la_code, period_start, period_end)
        loaded = sdc.load_policy(policy)
        # In Jupyter too, not only in a batch: published inputs only from published files.
        check_policy_for_store(loaded, context.store.source_kind, where=f"store {store}")
        release = releases.open_release(context.authority.la_code, cls.SPEC.name)
        return cls(context, loaded, release)

    @property
    def la_code(self) -> str:
        """The authority's code."""
        return self.context.authority.la_code

    def uid(self, name: str) -> str:
        """The output id of one released table: ``<la_code>/<template>/<name>``."""
        return f"{self.la_code}/{self.SPEC.name}/{name}"

    def names(self) -> dict[str, str]:
        """Display name of each comparison level (``la``, ``region``, ``england``)."""
        return self.context.areas()

    @functools.cached_property
    def weeks(self) -> pd.DatetimeIndex:
        """Mondays of the weeks lying wholly within the period."""
        return full_weeks(self.context.period_start, self.context.period_end)

    def measure_weeks(self, which: Measure | str) -> pd.DatetimeIndex:
        """The period's weeks that the store's data of a measure cover (all of them for an
        extract; part for a published file that covers part of the period)."""
        measure = self.measure(which)
        if measure.name not in self._covered:
            self._covered[measure.name] = covered_weeks(self.context.store, measure, self.weeks)
        return self._covered[measure.name]

    @functools.cached_property
    def _covered(self) -> dict[str, pd.DatetimeIndex]:
        return {}

    def plan(self, which: Measure | str) -> sdc.LinkedPlan:
        """This authority's part of the batch-wide disclosure plan of a measure."""
        measure = self.measure(which)
        if measure.name not in self._plans:
            self._plans[measure.name] = linked_plan(
                self.context.store,
                self.policy,
                measure,
                self.measure_weeks(measure),
                self.la_code,
                ledger=self.release.ledger,
            )
        return self._plans[measure.name]

    @functools.cached_property
    def _plans(self) -> dict[str, sdc.LinkedPlan]:
        return {}

    def authorities(self, which: Measure | str) -> sdc.SafeTable:
        """Every authority's released total of a measure over the period (one row each)."""
        measure = self.measure(which)
        weeks = self.measure_weeks(measure)
        part = period_totals(
            self.context.store, self.policy, measure, weeks, self.la_code, self.release.ledger
        )
        return sdc.authorities_table(
            part,
            names={a.la_code: a.la_name for a in self.context.store.geography},
            output_id=self.uid(f"{measure.name}_all_authorities"),
            description=f"{measure.label}: every authority's total over the period",
        )

    def step(self, which: Measure | str) -> sdc.TimeStep:
        """The time step this authority's series of a measure is released at."""
        return self.plan(which).step(self.la_code)

    def population_bands(self, level: str) -> pd.DataFrame:
        """Population by sex and age band of a level in the denominator year."""
        frame = self.context.table(level, "population_bands")
        return frame[frame["year"] == self.denominator_year].reset_index(drop=True)

    @functools.cached_property
    def denominator_year(self) -> int:
        """The mid-year population used as denominator: the year at the period's midpoint,
        or the latest year the store holds before it."""
        years = self.context.table("england", "population_bands")["year"].unique()
        wanted = self.context.population_year
        return max((int(y) for y in years if y <= wanted), default=int(min(years)))

    @functools.cached_property
    def populations(self) -> dict[str, int]:
        """Population of the authority, its region and England in the denominator year."""
        return {level: int(self.population_bands(level)["population"].sum()) for level in LEVELS}

    def population_source(self) -> str:
        """Where the population estimates come from, in words."""
        if self.context.store.is_dummy:
            return "Dummy population estimates generated by ldsa"
        return "ONS mid-year population estimates"

    def lacks(self, *tables: str) -> Notice | None:
        """A notice naming the store tables a section needs and this store lacks, else None."""
        missing = self.context.store.missing_tables
        absent = [table for table in tables if table in missing]
        if not absent:
            return None
        reasons = "; ".join(f"{table}: {missing[table]}" for table in absent)
        return Notice(
            f"This section needs data this store does not hold ({reasons}). "
            "The same report run on the record-level data in the secure environment shows it."
        )

    def lacks_measure(self, which: Measure | str) -> Notice | None:
        """A notice when the store holds none of a measure's data in the period (its table
        is missing, covers none of the period, or England has none of it), else None."""
        measure = self.measure(which)
        if (notice := self.lacks(measure.table)) is not None:
            return notice
        if self.measure_weeks(measure).empty or self._england_total(measure) == 0:
            return Notice(
                f"{measure.label}: this store holds none in the period. The same report run "
                "on the record-level data in the secure environment shows them."
            )
        return None

    def _england_total(self, measure: Measure) -> object:
        """England's released total of a measure over the period (from its plan, which
        every section of the measure reads anyway)."""
        whole = self.plan(measure).period_table(
            self.la_code, output_id=self.uid(f"{measure.name}_england_total")
        )
        return whole.value(0, f"england_{measure.count_column}")

    def coverage_note(self, which: Measure | str) -> str:
        """The weeks a measure's data cover, when that is less than the period, else ""."""
        covered = self.measure_weeks(which)
        if covered.empty or len(covered) == len(self.weeks):
            return ""
        end = covered[-1] + pd.Timedelta(days=6)
        return f"The data cover only the weeks from {day_text(covered[0])} to {day_text(end)}."

    def lacks_ages(self, table: str, what: str) -> Notice | None:
        """A notice when the store's ``table`` has no breakdown by age (published files
        give all ages together), else None; ``what`` names the data ("deaths")."""
        if (notice := self.lacks(table)) is not None:
            return notice
        bands = self.context.store.england_table(table, columns=["age_band"])["age_band"]
        if set(bands.unique()) - {"all"}:
            return None
        return Notice(
            f"This section needs {what} by age group, which this store does not hold (the "
            "published files give all ages together). The same report run on the "
            "record-level data in the secure environment shows it."
        )

    def lacks_years(self, table: str, date_column: str, first: int, what: str) -> Notice | None:
        """A notice when the store's ``table`` starts after the year ``first`` (for example
        no deaths before the pandemic to model the expected ones from), else None."""
        if (notice := self.lacks(table)) is not None:
            return notice
        dates = self.context.store.england_table(table, columns=[date_column])[date_column]
        if not dates.empty and pd.Timestamp(dates.min()).year <= first:
            return None
        return Notice(
            f"This section needs {what} from {first} on, which this store does not hold. The "
            "same report run on the record-level data in the secure environment shows it."
        )

    def disclosure_note(self) -> Messages:
        """What this report withholds and offers for download (in Jupyter; a batch adds
        the same note, with links, at the end of the page)."""
        return self.release.note()

    def measure(self, which: Measure | str) -> Measure:
        """One of the template's measures, by name (or itself)."""
        if isinstance(which, Measure):
            return which
        for measure in self.SPEC.measures:
            if measure.name == which:
                return measure
        raise InvalidParameterError(
            f"template {self.SPEC.name}: no measure named {which!r}; it has "
            f"{', '.join(m.name for m in self.SPEC.measures)}."
        )

    def series_rates(self, which: Measure | str) -> sdc.SafeTable:
        """Counts per period and average weekly rates per 100,000 (authority, region,
        England) at the authority's time step for the measure."""
        measure = self.measure(which)
        key = ("series", measure.name)
        if key not in self._tables:
            self._tables[key] = series.release_series(self, measure)
        return self._tables[key]

    def cumulative_rates(self, which: Measure | str) -> sdc.SafeTable:
        """Running totals since the period began and cumulative rates per 100,000."""
        measure = self.measure(which)
        key = ("cumulative", measure.name)
        if key not in self._tables:
            self._tables[key] = series.release_cumulative(self, measure)
        return self._tables[key]

    @functools.cached_property
    def _tables(self) -> dict[tuple[str, str], sdc.SafeTable]:
        return {}

    def series_figure(self, which: Measure | str) -> FigureOutput | Notice:
        """Average weekly rates per 100,000 at the authority's step: it, region, England."""
        measure = self.measure(which)
        if notice := self.lacks_measure(measure):
            return notice
        table = self.series_rates(measure)
        self.release.csv(f"{measure.name}_over_time", table)
        return series.series_figure(self, measure, table)

    def cumulative_figure(self, which: Measure | str) -> FigureOutput | Notice:
        """Cumulative rates per 100,000 since the period began: authority, region, England."""
        measure = self.measure(which)
        if notice := self.lacks_measure(measure):
            return notice
        table = self.cumulative_rates(measure)
        self.release.csv(f"{measure.name}_cumulative", table)
        return series.cumulative_figure(self, measure, table)


def filled(counts: pd.Series) -> np.ndarray:
    """Released counts as floats, withheld (NA) ones as 0 (their statistics are withheld)."""
    return np.asarray(counts.astype("Float64").fillna(0).to_numpy(dtype=float))
