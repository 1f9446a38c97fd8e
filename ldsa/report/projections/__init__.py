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
"""

from __future__ import annotations

import dataclasses
from typing import Self

from ldsa.report.measures import CASES
from ldsa.report.projections._backtest import BacktestSections
from ldsa.report.projections._scenarios import (
    check_horizon,
    check_parameters,
    check_scenarios,
    describe_change,
)
from ldsa.report.spec import TemplateSpec
from ldsa.report.text import Messages

SPEC = TemplateSpec(
    name="projections",
    title="Projections",
    description=(
        "The reproduction number R week by week (renewal equation) against the region and "
        "England, cases projected a few weeks ahead as a fan chart, what-if scenarios of a "
        "change in transmission, and a backtest of how well past projections did."
    ),
    needs=("cases", "population_bands"),
    measures=(CASES,),
    check_parameters=check_parameters,
)


@dataclasses.dataclass(frozen=True)
class Projections(BacktestSections):
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
        """Key messages: the latest R and the projection, with each scenario."""
        return Messages([*self.r_messages(), *self.scenario_messages()])


__all__ = ["SPEC", "Projections", "check_parameters", "describe_change"]
