"""Public-health statistics: intervals, rates, standardisation, funnels, models.

Pure functions: arrays or DataFrames in, tidy DataFrames (or frozen result records holding
them) out, vectorised over every authority and week. Each rate, ratio or proportion comes
with ``value``, ``lower``, ``upper`` (``lower_95``, ``upper_99_8``, ... when several levels
are asked for), ``method`` and ``reason``. Methods and references: ../shared/docs/methods.md.
"""

from ldsa.stats._validate import StatsInputError
from ldsa.stats.compare import Comparison, compare_with_benchmark
from ldsa.stats.excess import ExcessDeaths, excess_deaths, five_year_average
from ldsa.stats.funnel import (
    Adjustment,
    FunnelResult,
    Overdispersion,
    Position,
    classify_funnel,
    funnel,
    funnel_limits,
    overdispersion_test,
)
from ldsa.stats.intervals import byar_interval, exact_poisson_interval, wilson_interval
from ldsa.stats.models import ModelResult, fit_glm
from ldsa.stats.neighbours import Neighbours, statistical_neighbours
from ldsa.stats.rates import crude_rate, proportion
from ldsa.stats.standardise import dsr, esp2013, indirectly_standardised_rate, isr
from ldsa.stats.survey import (
    ascertainment_ratio,
    design_based_positivity,
    one_in_n,
    one_in_n_text,
    survey_positivity,
)
from ldsa.stats.timeseries import growth_rate, rolling_rate

__all__ = [
    "Adjustment",
    "Comparison",
    "ExcessDeaths",
    "FunnelResult",
    "ModelResult",
    "Neighbours",
    "Overdispersion",
    "Position",
    "StatsInputError",
    "ascertainment_ratio",
    "byar_interval",
    "classify_funnel",
    "compare_with_benchmark",
    "crude_rate",
    "design_based_positivity",
    "dsr",
    "esp2013",
    "exact_poisson_interval",
    "excess_deaths",
    "fit_glm",
    "five_year_average",
    "funnel",
    "funnel_limits",
    "growth_rate",
    "indirectly_standardised_rate",
    "isr",
    "one_in_n",
    "one_in_n_text",
    "overdispersion_test",
    "proportion",
    "rolling_rate",
    "statistical_neighbours",
    "survey_positivity",
    "wilson_interval",
]
