"""The projections report: the reproduction number, short-term projections, what-if
scenarios and a backtest of the method.

The template ``notebooks/projections.ipynb`` opens :class:`Projections` and shows what its
methods return. R is estimated from cases by specimen date by the renewal equation (Cori
et al. 2013) over each whole week, leaving out the incomplete recent days; projections
simulate the renewal equation forward from the last complete week; scenarios change R
from a day of the projection on; the backtest makes the same projection at the end of
every past week and scores it against the cases that followed.

Disclosure: every estimate is released by :func:`ldsa.sdc.release_estimates`, withheld
where it rests on fewer cases than the policy's threshold and, for the authority, where
the batch-wide plan withholds the week's cases or either week's before (R with its
interval gives a week's cases back). An authority whose recent weeks are not all released
is shown through its region's R and projection, with a note.

Projected deaths (:mod:`._deaths`) are projected cases times a lagged case-fatality ratio
of released counts only (the deaths plan's cells, the cases plan's weeks), the region's
where the authority's own deaths are too few. The backtest of every authority, its
region and England, and the national summary pooled over every authority, are computed
once per batch (:mod:`._national`, :func:`warm_batch`) and read by each report.
"""

from __future__ import annotations

import dataclasses
from typing import Self

from ldsa import sdc
from ldsa.data.store import Store
from ldsa.report.context import ReportContext
from ldsa.report.measures import CASES, COVID_DEATHS
from ldsa.report.projections._deaths import DeathsSections
from ldsa.report.projections._national import batch_figures
from ldsa.report.projections._scenarios import (
    check_horizon,
    check_parameters,
    check_scenarios,
    describe_change,
)
from ldsa.report.release import Release
from ldsa.report.spec import TemplateSpec
from ldsa.report.text import Messages

SPEC = TemplateSpec(
    name="projections",
    title="Projections",
    description=(
        "The reproduction number R week by week (renewal equation) against the region and "
        "England, cases projected a few weeks ahead as a fan chart, the Covid-19 deaths to "
        "expect from them (a lagged case-fatality ratio of released counts), what-if "
        "scenarios of a change in transmission, and a backtest of how well past projections "
        "did, beside the same method's record across every authority."
    ),
    needs=("cases", "population_bands", "deaths"),
    measures=(CASES, COVID_DEATHS),
    check_parameters=check_parameters,
)


@dataclasses.dataclass(frozen=True)
class Projections(DeathsSections):
    """The projections report of one authority over one period."""

    SPEC = SPEC

    @classmethod
    def open(  # the template's own parameters, checked first
        cls,
        store: str,
        la_code: str,
        period_start: str,
        period_end: str,
        policy: str = "default",
        scenarios: object = (),
        horizon_weeks: object = 4,
    ) -> Self:
        """Check the scenarios and horizon, then open the report as every template does."""
        horizon = check_horizon(horizon_weeks)
        checked = check_scenarios(scenarios, horizon)
        report = super().open(store, la_code, period_start, period_end, policy)
        return dataclasses.replace(report, scenarios=checked, horizon_weeks=horizon)

    def messages(self) -> Messages:
        """Key messages: the latest R, the projection with each scenario, the deaths to
        expect, and how past projections did here and across all authorities."""
        return Messages(
            [*self.r_messages(), *self.scenario_messages(), *self.deaths_messages(),
             *self.national_messages()]
        )  # fmt: skip


def warm_batch(store: Store, policy: sdc.Policy, period_start: str, period_end: str) -> None:
    """Compute what every projections report of a batch shares (every authority's
    backtest, the national summary, the regions' released deaths and cases) once, before
    the batch's jobs start (:func:`ldsa.run.batch.run_batch` calls it)."""
    code = store.geography.codes[0]
    context = ReportContext.open(store.path, code, period_start, period_end)
    report = Projections(context, policy, Release(code, SPEC.name))
    batch_figures(report, areas=())


__all__ = ["SPEC", "Projections", "check_parameters", "describe_change", "warm_batch"]
