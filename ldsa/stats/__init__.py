"""Public-health statistics: intervals, rates, standardisation, funnels, inequality, models.

Pure functions: arrays or DataFrames in, tidy DataFrames (or frozen result records holding
them) out, vectorised over every authority and week. Each rate, ratio or proportion comes
with ``value``, ``lower``, ``upper`` (``lower_95``, ``upper_99_8``, ... when several levels
are asked for), ``method`` and ``reason``. Methods and references: ../shared/docs/methods.md.
"""

from ldsa.stats._validate import StatsInputError
from ldsa.stats.compare import (
    Comparison,
    compare_counts,
    compare_estimates,
    compare_with_benchmark,
)
from ldsa.stats.excess import ExcessDeaths, excess_deaths, five_year_average
from ldsa.stats.funnel import (
    Adjustment,
    FunnelMethod,
    FunnelResult,
    Overdispersion,
    Position,
    Significance,
    classify_funnel,
    funnel,
    funnel_limits,
    overdispersion_test,
)
from ldsa.stats.inequality import slope_index
from ldsa.stats.intervals import byar_interval, exact_poisson_interval, wilson_interval
from ldsa.stats.life_expectancy import life_expectancy
from ldsa.stats.means import sample_mean
from ldsa.stats.models import ModelResult, fit_glm
from ldsa.stats.neighbours import Neighbours, statistical_neighbours
from ldsa.stats.nonindependent import dsr_nonindependent
from ldsa.stats.phe_funnel import (
    assign_funnel_significance,
    calculate_funnel_limits,
    calculate_funnel_points,
)
from ldsa.stats.projection import Change, Scenario, backtest, project_cases, summarise_backtest
from ldsa.stats.quantiles import assign_quantiles
from ldsa.stats.rates import crude_rate, proportion
from ldsa.stats.reproduction import (
    SERIAL_INTERVALS,
    SerialInterval,
    discretise_gamma,
    estimate_r,
    growth_rate_from_r,
)
from ldsa.stats.scoring import interval_score, weighted_interval_score
from ldsa.stats.standardise import dsr, esp2013, indirectly_standardised_rate, isr
from ldsa.stats.survey import (
    ascertainment_ratio,
    design_based_positivity,
    one_in_n,
    one_in_n_text,
    survey_positivity,
)
from ldsa.stats.survey_trend import Trend, survey_trend
from ldsa.stats.timeseries import growth_rate, rolling_rate

__all__ = [
    "SERIAL_INTERVALS",
    "Adjustment",
    "Change",
    "Comparison",
    "ExcessDeaths",
    "FunnelMethod",
    "FunnelResult",
    "ModelResult",
    "Neighbours",
    "Overdispersion",
    "Position",
    "Scenario",
    "SerialInterval",
    "Significance",
    "StatsInputError",
    "Trend",
    "ascertainment_ratio",
    "assign_funnel_significance",
    "assign_quantiles",
    "backtest",
    "byar_interval",
    "calculate_funnel_limits",
    "calculate_funnel_points",
    "classify_funnel",
    "compare_counts",
    "compare_estimates",
    "compare_with_benchmark",
    "crude_rate",
    "design_based_positivity",
    "discretise_gamma",
    "dsr",
    "dsr_nonindependent",
    "esp2013",
    "estimate_r",
    "exact_poisson_interval",
    "excess_deaths",
    "fit_glm",
    "five_year_average",
    "funnel",
    "funnel_limits",
    "growth_rate",
    "growth_rate_from_r",
    "indirectly_standardised_rate",
    "interval_score",
    "isr",
    "life_expectancy",
    "one_in_n",
    "one_in_n_text",
    "overdispersion_test",
    "project_cases",
    "proportion",
    "rolling_rate",
    "sample_mean",
    "slope_index",
    "statistical_neighbours",
    "summarise_backtest",
    "survey_positivity",
    "survey_trend",
    "weighted_interval_score",
    "wilson_interval",
]
