"""The overview report: headline figures, population pyramid, cases and deaths over time.

The template ``notebooks/overview.ipynb`` calls :meth:`Overview.open` and displays what the
methods return; every calculation is here. Every number shown passes through
:mod:`ldsa.sdc` first: counts come from the batch-wide linked plans (each measure at the
time step at which this authority's numbers can be released), headline figures are the
plans' period totals, rates are released against their counts, and the population is
released as public data on the record.
"""

from __future__ import annotations

import functools

import pandas as pd

from ldsa import sdc
from ldsa.ageband import AGE_BANDS
from ldsa.report import figures, text
from ldsa.report.base import LEVELS, PER, Report, filled
from ldsa.report.figures import FigureOutput
from ldsa.report.measures import CASES, COVID_DEATHS, DEATHS, Measure
from ldsa.report.spec import TemplateSpec
from ldsa.report.tables import ReleasedTable
from ldsa.stats import crude_rate

#: Rates from fewer events than this are shown as unreliable ([u]), not as numbers.
UNRELIABLE_BELOW = 10
MEASURES: dict[str, Measure] = {m.name: m for m in (CASES, COVID_DEATHS, DEATHS)}

SPEC = TemplateSpec(
    name="overview",
    title="Overview",
    description=(
        "Headline figures for the authority against its region and England: cases, deaths "
        "with Covid-19 and deaths from all causes, rates per 100,000 people over time and "
        "running totals, the age-sex structure of the population, and key messages."
    ),
    needs=("cases", "deaths", "population_bands"),
    measures=tuple(MEASURES.values()),
)


class Overview(Report):
    """The overview of one authority over one period, released under one policy."""

    SPEC = SPEC

    @functools.cached_property
    def plans(self) -> dict[str, sdc.LinkedPlan]:
        """The batch-wide disclosure plan of each measure (this authority's part)."""
        return {name: self.plan(measure) for name, measure in MEASURES.items()}

    @functools.cached_property
    def headline(self) -> sdc.SafeTable:
        """Counts over the period's whole weeks and rates per 100,000 (LA with 95% limits)."""
        parts = []
        for measure, plan in self.plans.items():
            whole = plan.period_table(self.la_code, output_id=self.uid(f"{measure}_period"))
            parts.append(
                whole.select(
                    output_id=self.uid(f"headline_{measure}"),
                    columns=[
                        "period_start",
                        "period_end",
                        *(f"{level}_{MEASURES[measure].count_column}" for level in LEVELS),
                    ],
                )
            )
        authority = self.context.authority
        counts = sdc.stack(
            parts,
            policy=self.policy,
            output_id=self.uid("headline_counts"),
            columns=["period_start", "period_end", *(f"{level}_count" for level in LEVELS)],
            label_column="measure_id",
            labels=list(MEASURES),
            extra_labels={
                "measure": [spec.label for spec in MEASURES.values()],
                "la_code": [authority.la_code] * len(MEASURES),
                "region_code": [authority.region_code] * len(MEASURES),
            },
        )
        released = counts.released_frame()
        la = crude_rate(
            filled(released["la_count"]),
            [self.populations["la"]] * len(released),
            multiplier=PER,
        )
        rates = pd.DataFrame(
            {
                "la_rate": la["value"],
                "la_lower": la["lower"],
                "la_upper": la["upper"],
                **{
                    f"{level}_rate": filled(released[f"{level}_count"])
                    / self.populations[level]
                    * PER
                    for level in ("region", "england")
                },
            }
        )
        sources = {"la_rate": "la_count", "la_lower": "la_count", "la_upper": "la_count"}
        sources |= {"region_rate": "region_count", "england_rate": "england_count"}
        return sdc.release_rates(
            counts,
            rates,
            sources,
            policy=self.policy,
            output_id=self.uid("headline"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Counts over the period and crude rates per 100,000 people",
        )

    @functools.cached_property
    def population(self) -> sdc.SafeTable:
        """Percentage of the population by age band and sex, the authority and England."""
        columns = {}
        for level in ("la", "england"):
            bands = self.population_bands(level)
            total = bands["population"].sum()
            for sex, name in (("F", "female"), ("M", "male")):
                shares = bands[bands["sex"] == sex].set_index("age_band")["population"] / total
                columns[f"{level}_{name}_percent"] = shares.reindex(AGE_BANDS, fill_value=0) * 100
        frame = pd.DataFrame({"age_band": list(AGE_BANDS), **columns}).reset_index(drop=True)
        return sdc.release_public(
            frame,
            list(columns),
            source=f"{self.population_source()} (mid-{self.context.population_year})",
            policy=self.policy,
            output_id=self.uid("population"),
            decimals=2,
            description="Population by five-year age band and sex, percent of total",
        )

    def headline_table(self) -> ReleasedTable:
        """Headline figures as an accessible table."""
        names = self.names()
        headers = {
            "measure": "Measure",
            "la_count": f"{names['la']}: count",
            "region_count": f"{names['region']}: count",
            "england_count": "England: count",
            "la_rate": f"{names['la']}: rate per 100,000",
            "la_lower": "95% lower limit",
            "la_upper": "95% upper limit",
            "region_rate": f"{names['region']}: rate",
            "england_rate": "England: rate",
        }
        caption = (
            f"Headline figures, weeks from {text.day_text(self.weeks[0])} to "
            f"{text.day_text(self.weeks[-1] + pd.Timedelta(days=6))}"
        )
        shown = self.headline.select(
            output_id=self.uid("headline_shown"),
            columns=list(headers),
        )
        self.release.csv("headline", self.headline)
        return ReleasedTable(shown, caption, headers)

    def pyramid(self) -> FigureOutput:
        """Age-sex pyramid of the authority with England's shape as an outline."""
        self.release.csv("population", self.population)
        title = f"{self.context.authority.la_name}, mid-{self.context.population_year}"
        return figures.population_pyramid(self.population, title)

    def messages(self) -> text.Messages:
        """Key messages in plain English, from the released headline figures."""
        first = self.weeks[0].date().isoformat() if len(self.weeks) else ""
        return text.Messages(text.key_messages(self.headline, self.names(), first))
