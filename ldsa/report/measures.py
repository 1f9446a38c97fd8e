"""Counted measures: where a measure's rows are in the store and how it is released.

A template's spec lists the measures it takes from the batch-wide disclosure plans
(:mod:`ldsa.report.plans`); the batch plans exactly those, once. The measures several
templates share are defined here; a template that needs another defines it in its own
report module. Two templates may use the same name only for the same definition.
"""

from __future__ import annotations

import dataclasses
import re

#: Words of a pandas query that are not column names.
_QUERY_WORDS = frozenset({"and", "or", "not", "in", "True", "False"})


@dataclasses.dataclass(frozen=True)
class Measure:
    """A counted measure of the store, released weekly (or coarser) through a linked plan.

    Parameters
    ----------
    name
        Short name, unique in a batch: the plan's cache folder and the released count
        column (``<name>_count``).
    table
        The store table holding its rows (one of :data:`ldsa.data.store.AREA_TABLES`).
    date_column
        ``"date"`` (days, grouped into weeks) or a week column such as ``week_registered``.
    query
        Which rows count, as a :meth:`pandas.DataFrame.query` expression (None: all rows).
    label
        Display name, e.g. "Deaths from all causes (by week registered)".
    cumulative
        Whether its running totals are released.
    value_column
        The store column summed (default: the table's own count column, named as the table).
    """

    name: str
    table: str
    date_column: str
    query: str | None
    label: str
    cumulative: bool
    value_column: str = ""

    @property
    def count_column(self) -> str:
        """The released count column, e.g. ``cases_count``."""
        return f"{self.name}_count"

    @property
    def summed(self) -> str:
        """The store column whose values are added up."""
        return self.value_column or self.table

    @property
    def columns(self) -> tuple[str, ...]:
        """The store columns the measure reads: its date, its value and those its query
        names (read alone, a region's or England's table loads in a fraction of the time)."""
        unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", self.query or "")
        named = [w for w in re.findall(r"[A-Za-z_]\w*", unquoted) if w not in _QUERY_WORDS]
        return tuple(dict.fromkeys([self.date_column, self.summed, *named]))


CASES = Measure("cases", "cases", "date", None, "Cases (positive tests by specimen date)", True)
COVID_DEATHS = Measure(
    "covid_deaths",
    "deaths",
    "week_registered",
    "cause_group == 'covid'",
    "Deaths with Covid-19 as underlying cause",
    True,
)
DEATHS = Measure(
    "deaths",
    "deaths",
    "week_registered",
    None,
    "Deaths from all causes (by week registered)",
    False,
)
