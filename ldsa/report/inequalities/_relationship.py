"""Deprivation against each outcome: every authority a point, and the fitted line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ldsa import sdc
from ldsa.report.figures import COLOURS, FigureOutput, Notice, finish, heading, new_figure
from ldsa.report.inequalities._common import InequalitiesBase, Outcome, drawn_rows, values
from ldsa.report.tables import ReleasedTable

#: The slope is given per this many points of the IMD score.
PER_POINTS = 10
#: The fitted value is given at this IMD score (near England's middle; a score of 0 is
#: far outside the range of authorities).
CENTRE = 20
TERMS = (
    f"Fitted value at an IMD score of {CENTRE}",
    f"Change per {PER_POINTS} points of IMD score",
)


class RelationshipSections(InequalitiesBase):
    """Deprivation against each outcome, with the fitted relationship."""

    def points(self, which: Outcome | str) -> sdc.SafeTable:
        """The authorities drawn: those whose value is released (a view, rows dropped)."""
        outcome = self.outcome(which)
        key = ("points", outcome.name)
        if key not in self._tables:
            self._tables[key] = self._points(outcome)
        return self._tables[key]

    def _points(self, outcome: Outcome) -> sdc.SafeTable:
        every = self.every_authority(outcome)
        columns = ["la_code", "la_name", "region_code", "period_start", "period_end",
                   outcome.measure.count_column, *(["expected"] if "expected" in every.columns
                                                    else []),
                   "value", "lower", "upper", "imd_score", "imd_decile", "population"]  # fmt: skip
        return every.select(
            output_id=self.uid(f"{outcome.name}_by_deprivation"),
            columns=columns,
            rows=drawn_rows(every),
        )

    def model(self, which: Outcome | str) -> sdc.SafeTable:
        """The weighted least-squares line of the outcome on the IMD score, fitted to the
        released points only, released under the regression rules."""
        outcome = self.outcome(which)
        key = ("model", outcome.name)
        if key not in self._tables:
            self._tables[key] = self._fit(outcome)
        return self._tables[key]

    def _fit(self, outcome: Outcome) -> sdc.SafeTable:
        points = self.points(outcome)
        y = values(points, "value")
        x = (values(points, "imd_score") - CENTRE) / PER_POINTS
        weights = values(points, "population")
        design = sm.add_constant(x, has_constant="add")
        fit = sm.WLS(y, design, weights=weights).fit(cov_type="HC1")
        limits = np.asarray(fit.conf_int(0.05))
        coefficients = pd.DataFrame(
            {"term": list(TERMS), "estimate": fit.params, "lower": limits[:, 0],
             "upper": limits[:, 1]}
        )  # fmt: skip
        return sdc.release_model(
            coefficients,
            df_resid=float(fit.df_resid),
            policy=self.policy,
            output_id=self.uid(f"{outcome.name}_model"),
            decimals=1,
            description=f"{outcome.label} on the IMD 2019 score: weighted least squares "
            f"(weights: population) over {len(y)} authorities with released values, "
            "heteroscedasticity-robust (HC1) standard errors",
        )

    def relationship_figure(self, which: Outcome | str) -> FigureOutput | Notice:
        """Every authority's value against its IMD score, this one highlighted, with the
        fitted line."""
        outcome = self.outcome(which)
        if notice := self.outcome_lacking(outcome):
            return notice
        measure = outcome.measure
        # Every authority's released total, withheld ones marked: what the points leave out.
        self.release.csv(f"{measure.name}_all_authorities", self.all_authorities(measure))
        points = self.release.csv(f"{outcome.name}_by_deprivation", self.points(outcome))
        model = self.release.csv(f"{outcome.name}_model", self.model(outcome))
        withheld = self.every_authority(outcome).n_rows - points.n_rows
        return scatter(
            points, model, highlight=self.la_code, label=self.names()["la"], outcome=outcome,
            withheld=withheld,
        )  # fmt: skip

    def model_table(self, which: Outcome | str) -> ReleasedTable | Notice | None:
        """The fitted line's coefficients with 95% intervals."""
        outcome = self.outcome(which)
        if self.outcome_lacking(outcome):
            return None  # the figure says why
        headers = {"term": "Term", "estimate": "Estimate", "lower": "95% lower limit",
                   "upper": "95% upper limit"}  # fmt: skip
        model = self.model(outcome)
        dof = float(dict(model.record.properties)["dof"])
        caption = (
            f"{outcome.label}: fitted line against the IMD 2019 score ({outcome.unit.lower()}; "
            f"weighted by population, {self.points(outcome).n_rows} authorities, "
            f"{dof:.0f} residual degrees of freedom)"
        )
        return ReleasedTable(model, caption, headers)


def scatter(
    points: sdc.SafeTable,
    model: sdc.SafeTable,
    *,
    highlight: str,
    label: str,
    outcome: Outcome,
    withheld: int,
) -> FigureOutput:
    """Draw each authority's value against its IMD score, one highlighted, and the line."""
    points = sdc.require_safe(points, "scatter")
    x, y = values(points, "imd_score"), values(points, "value")
    codes = [points.text(r, "la_code") for r in range(points.n_rows)]
    mine = np.array([code == highlight for code in codes])
    figure, axes = new_figure(8.0, 4.6)
    axes.scatter(x[~mine], y[~mine], s=10, color="#8c8c8c", label="Other authorities")
    intercept, slope = values(model, "estimate")
    if np.isfinite(slope):
        grid = np.array([np.nanmin(x), np.nanmax(x)])
        fitted = intercept + slope * (grid - CENTRE) / PER_POINTS
        axes.plot(grid, fitted, color="#1b1b1b", linewidth=1.6,
                  label="Fitted line (weighted by population)")  # fmt: skip
    if mine.any():
        axes.scatter(x[mine], y[mine], s=60, color=COLOURS["la"], zorder=3, label=label,
                     edgecolors="white", linewidths=0.8)  # fmt: skip
    axes.set_xlabel("Deprivation: IMD 2019 average score (higher is more deprived)")
    axes.set_ylabel(outcome.unit)
    axes.yaxis.set_major_formatter(lambda value, _position: f"{value:,.0f}")
    if outcome.name != "excess_ratio":
        axes.set_ylim(bottom=0)
    heading(axes, f"{outcome.label}, by deprivation")
    alt = (
        f"Scatter chart of {outcome.label.lower()} against the deprivation score for "
        f"{points.n_rows} authorities. "
    )
    if np.isfinite(slope):
        verb, direction = ("rises", "higher") if slope > 0 else ("falls", "lower")
        alt += (
            f"The fitted line {verb} by {abs(slope):,.1f} for every {PER_POINTS} points of "
            f"deprivation score: more deprived authorities tended to have {direction} values. "
        )
    if mine.any():
        at = int(np.flatnonzero(mine)[0])
        alt += f"{label}: score {x[at]:.1f}, value {y[at]:,.1f}."
    else:
        alt += f"{label} is not drawn: its value is withheld."
    where = f"{label} in blue" if mine.any() else f"{label} is not drawn (its value is withheld)"
    caption = (
        f"{outcome.label} ({outcome.unit.lower()}) of each authority against its deprivation "
        f"score; {where}. The line is fitted by least squares with each authority "
        "weighted by its population."
    )
    if withheld:
        caption += (
            f" {withheld} authorities are not drawn: their values are withheld ([c], to "
            "protect confidentiality, or [u], too few deaths for a reliable rate)."
        )
    if not np.isfinite(slope):
        caption += " The line is not shown: too few authorities to release it."
    return finish(figure, alt, caption)
