"""A store built from published files: ONS's own modelled estimates for the CIS area.

Such a store has no swabs (they are record-level), but it holds ONS's published estimates
of positivity by CIS area and week with 95% credible intervals (``survey_estimates``).
The survey report shows those for the authority's CIS area instead of its own model; its
region and England, cases against positivity and age groups need the swabs.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.figures import FigureOutput
from ldsa.report.survey import _charts
from ldsa.report.survey._common import SurveyBase
from ldsa.report.text import day_text
from ldsa.stats import one_in_n

PUBLIC_SOURCE = (
    "Office for National Statistics, Coronavirus (COVID-19) Infection Survey: modelled "
    "percentage testing positive by CIS sub-region, with 95% credible intervals"
)


class PublicSections(SurveyBase):
    """ONS's published estimates for the CIS area, where the store has them."""

    @property
    def _has_public(self) -> bool:
        store = self.context.store
        return (
            "survey" in store.missing_tables and (store.path / "survey_estimates.parquet").is_file()
        )

    @functools.cached_property
    def public_positivity(self) -> sdc.SafeTable:
        """ONS's estimates for the CIS area per reference week within the period (the
        weekly snapshots, then the later releases' weeks), as published."""
        found = self.context.store.survey_estimates()
        found = found[found["cis_area"] == self.context.authority.cis_area]
        starts = pd.DatetimeIndex(found["week_start"])
        ends = pd.DatetimeIndex(found["week_end"])
        found = found[(starts >= pd.Timestamp(self.context.period_start))
                      & (ends <= pd.Timestamp(self.context.period_end))]  # fmt: skip
        found = found.sort_values(["week_start", "source"]).drop_duplicates(
            "week_start", keep="last"
        )
        frame = pd.DataFrame(
            {
                "period_start": pd.DatetimeIndex(found["week_start"]),
                "period_end": pd.DatetimeIndex(found["week_end"]),
                "cis_positivity": found["positivity"].to_numpy() * 100,
                "cis_lower": found["lower"].to_numpy() * 100,
                "cis_upper": found["upper"].to_numpy() * 100,
                "cis_one_in_n": one_in_n(found["positivity"].to_numpy()),
            }
        )
        return sdc.release_public(
            frame,
            ["cis_positivity", "cis_lower", "cis_upper", "cis_one_in_n"],
            source=PUBLIC_SOURCE,
            policy=self.policy,
            output_id=self.uid("positivity_published"),
            decimals={"cis_positivity": 2, "cis_lower": 2, "cis_upper": 2, "cis_one_in_n": 0},
            description="ONS's modelled percentage testing positive in the CIS area, per "
            "reference week, with 95% credible intervals",
        )

    def _public_figure(self) -> FigureOutput:
        table = self.public_positivity
        self.release.csv("positivity_published", table)
        return _charts.positivity_lines(
            table,
            self.survey_names(),
            title="Percentage of people testing positive (ONS's published estimates)",
            note=(
                "These are ONS's own estimates (a Bayesian model: the intervals are credible "
                "intervals), as published for the survey area; weeks without a published "
                "estimate are gaps. The region's and England's need the survey's swabs, which "
                "this store does not hold."
            ),
            levels=("cis",),
            interval="credible",
        )

    def public_latest(self) -> str:
        """The latest published estimate for the CIS area, in words (with its trend)."""
        from ldsa.stats import survey_trend

        table = self.public_positivity
        if table.n_rows == 0:
            return "ONS published no estimate for the survey area within this period."
        frame = table.released_frame()
        last = table.n_rows - 1
        sentence = (
            f"The {self.area_name()}: ONS estimated that {table.text(last, 'cis_positivity')}% "
            "of people in private households would have tested positive in the week ending "
            f"{day_text(pd.Timestamp(table.text(last, 'period_end')))} (95% credible interval "
            f"{table.text(last, 'cis_lower')}% to {table.text(last, 'cis_upper')}%), around 1 "
            f"in {int(float(table.text(last, 'cis_one_in_n'))):,} people."
        )
        starts = pd.to_datetime(frame["period_start"].astype(str))
        before = np.flatnonzero(starts == starts.iloc[-1] - pd.Timedelta(days=14))
        if not before.size:
            return sentence
        now, then = frame.iloc[last], frame.iloc[int(before[0])]
        trend = survey_trend(
            float(now["cis_positivity"]),
            (float(now["cis_lower"]), float(now["cis_upper"])),
            float(then["cis_positivity"]),
            (float(then["cis_lower"]), float(then["cis_upper"])),
        )[0]
        words = (
            "the trend is uncertain" if trend.value == "uncertain" else f"positivity {trend.value}"
        )
        if trend.value == "level":
            words = "positivity was level"
        return sentence + f" Compared with two weeks before, {words}."
