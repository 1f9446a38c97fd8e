"""Disclosure control: the boundary every released number passes (issue 4, disclosure.md).

Only this package can make a :class:`SafeTable`; figures, tables, CSVs and report text
accept nothing else (:mod:`ldsa.sdc.render` raises :class:`~ldsa.errors.DisclosureError`
for a raw DataFrame). Every ``release_*`` function applies the policy and returns a
SafeTable carrying its :class:`Record`; a :class:`RecordBook` collects the records of one
report, and :func:`write_checker_pack` writes the ACRO-compatible pack for the checkers.
:func:`scan_outputs` re-reads the released files (never the records) for breaches.

Usage
-----
Counts (a table of one LA; totals are computed by the layer, never passed in)::

    import pandas as pd
    from ldsa import sdc

    policy = sdc.load_policy("default")            # "strict", a YAML path, or None
    raw = pd.DataFrame({"age_band": ["0-19", "20-64", "65+"],
                        "female_count": [25, 4, 30], "male_count": [31, 40, 12]})
    table = sdc.release_counts(raw, ["female_count", "male_count"], policy=policy,
                               output_id="E06000001/overview/cases_by_age",
                               total_row=True, total_column="total_count",
                               description="Cases by age band and sex")
    table.text(1, "female_count")                   # '[c]': a marker, never 0
    csv_text = sdc.render_csv(table)                # same as table.to_csv_text()
    html = sdc.render_html_table(table, caption="Cases by age band",
                                 headers={"female_count": "Females"})

Rates and intervals, computed by ``ldsa.stats`` one per row of the released counts (in
order, total row included), are suppressed where their count is, and marked unreliable
(``[u]``) below ``unreliable_below`` events. Under ``derived_from: controlled`` (strict)
compute them from ``counts.released_frame()``, the controlled counts::

    counts = sdc.release_counts(weekly, ["cases_count"], policy=policy,
                                output_id="E06000001/overview/weekly_cases")
    rates = sdc.release_rates(counts, rate_frame,
                              {"rate": "cases_count", "lower": "cases_count",
                               "upper": "cases_count"},
                              policy=policy, output_id="E06000001/overview/weekly_rates",
                              decimals=1, unreliable_below=10)

The LA against its region and England (and weekly against cumulative) is protected over
the whole batch: every report builds the same plan from all authorities' counts (from the
store), so a suppressed LA value cannot be recovered as region minus the other LAs::

    plan = sdc.plan_linked_counts(all_las, count_column="cases_count",
                                  period_column="period_start", policy=policy,
                                  la_column="la_code", region_column="region_code",
                                  cumulative=True)          # ~0.5 s for 309 LAs x 105 weeks
    comparators = plan.table("E06000001", output_id="E06000001/overview/comparators")
    # columns: period_start, la_cases_count, region_cases_count, england_cases_count,
    #          la_cumulative_cases_count, region_cumulative_cases_count, ...

Breakdowns of a plan's totals (cases by age band per week, deaths by place of death per
month) are released against the plan: the parts of each period sum to the authority's
total the plan released, and are all withheld where it withheld that total. Try
groupings finest first, and release the one chosen and no other grouping of those parts::

    options = [sdc.BreakdownOption("10-year age bands", by_10_years, sdc.TimeStep.WEEK),
               sdc.BreakdownOption("20-year age bands", by_20_years, sdc.TimeStep.MONTH)]
    columns = {"date_column": "date", "category_column": "age_band",
               "count_column": "cases_count"}
    choice = sdc.choose_breakdown(plan, "E06000001", options, policy=policy, **columns)
    by_age = sdc.release_breakdown(plan, "E06000001", choice.option.parts,
                                   step=choice.option.step, policy=policy,
                                   categories=choice.option.categories,
                                   output_id="E06000001/cases/by_age", **columns)
    caption = choice.note                           # "" when the finest option served
    # columns: period_start, period_end, time_step, age_band, cases_count

Release each set of numbers once and cut every view from that SafeTable with
:meth:`SafeTable.select` (releasing the same counts again in another shape can suppress
different cells, and the two releases together give the suppressed values away)::

    la_weekly = comparators.select(output_id="E06000001/overview/la_weekly",
                                   columns=["period_start", "la_cases_count"])

Figures draw only released values; a suppressed point is a NaN gap with a note::

    series = sdc.figure_series(comparators, "la_cases_count", x_column="period_start")
    ax.plot(series.x, series.y)                     # NaN breaks the line: a gap
    caption = series.note                           # "" when nothing is missing

Views that add nothing to what a plan releases: :func:`coarser_table` (an authority's
series at a coarser step, as sums of released cells), :func:`authorities_table` (every
authority's period total, from :func:`period_totals_part` of a plan, for funnel plots),
:func:`release_sums` (rolling windows or running totals of a released count, withheld
wherever a summed count is) and :func:`beside` (two released tables of the same rows as
one). A statistic of several counts (positivity: positive tests over tests) names them
all in :func:`release_rates` and is withheld wherever one is::

    both = sdc.beside(positives, tests, policy=policy, output_id="...",
                      columns=["la_tests_count"])
    rates = sdc.release_rates(both, frame,
                              {"la_positivity": ("la_positive_tests_count", "la_tests_count")},
                              policy=policy, output_id="...")

Models, histograms, magnitude tables and already-public figures: :func:`release_model`,
:func:`release_histogram`, :func:`release_magnitudes`, :func:`release_public`. Survey
estimates (modelled or direct positivity) by :func:`release_survey`, where the sample
behind each (swabs, participants, households, positives) is large enough; statistics of
released counts and estimates together by :func:`release_from_estimates`
(:mod:`ldsa.sdc.survey` states the rules).

Records: one :class:`RecordBook` per report; add each released table with the files that
show it (paths relative to the reports folder), and write it for the batch::

    book = sdc.RecordBook(la_code="E06000001", template="overview")
    book.add(table, files=["E06000001/tables/cases_by_age.csv", "E06000001/overview.html"])
    book.write_json(work_dir / "records" / "E06000001--overview.json")

At the end of ``ldsa run``, and in ``ldsa check``::

    records = sdc.read_records(sorted((work_dir / "records").glob("*.json")))
    sdc.write_checker_pack(reports / "checker", records, policy, reports_dir=reports,
                           context=template_metadata_text)
    findings = sdc.scan_outputs(reports, policy)      # list[Finding], sorted
    for finding in findings:
        print(finding)                                # file: table: cell: rule
    exit_code = ExitCode.DISCLOSURE if findings else ExitCode.OK

Conventions the scanner relies on (render functions follow them)
-----------------------------------------------------------------
- CSV: a count column's header ends in ``_count``; a total row's first cell is ``Total``;
  a total column is named ``total_count``. Suppressed cells are ``[c]`` (disclosure) or
  ``[u]`` (unreliable), never 0 or empty.
- HTML: ``<table class="ldsa-safe" data-output-id=...>``; count header and data cells carry
  ``data-kind="count"``; a total row has ``data-role="total"``, a total column header
  ``data-role="total"``.
- Released files live at ``<reports>/<la_code>/tables/*.csv`` and ``<reports>/**/*.html``.

Security properties
-------------------
- A SafeTable is only built through the ``release_*`` functions and
  :meth:`LinkedPlan.table` (its ``__init__`` always raises, so neither ``SafeTable(...)``
  nor ``dataclasses.replace`` can make one; ``safetable.issue_table`` is internal to this
  package); it is frozen and holds released values only: suppressed cells hold ``None``,
  never the raw value. This stops accidents, not deliberate misuse: Python cannot.
- Under a rounding policy every released count is rounded (half up, integer arithmetic);
  within a table totals are recomputed from the rounded cells, while the batch-wide
  comparators (region, England, running totals) are rounded from their own raw values to
  avoid the bias of summing hundreds of rounded cells. A total that rounds into the
  unsafe range is itself suppressed.
- Secondary suppression guarantees that no suppressed cell is the only unknown in any
  published sum (rows, columns, totals; LA/region/England; weekly/cumulative). Within a
  table an exact audit also makes sure that no combination of the published sums pins a
  suppressed cell down; the batch-wide linked system relies on the sole-unknown rule
  alone. Neither bounds cells by non-negativity (interval attacks); a checker reviews
  tables with many complements.
- A breakdown (:func:`release_breakdown`) adds one relation per period, "the parts sum
  to the authority's total in the plan": the parts of a total the plan's released cells
  determine are protected against it (no withheld part pinned, no small sum of withheld
  parts), and the parts of any other total are all withheld. Other sums of the same
  parts (the same categories at another step, a coarser grouping, per-category totals)
  must not be released beside it: see :mod:`ldsa.sdc.breakdown`. The one exception is
  a nested breakdown (:func:`release_nested_breakdown`): groups protected against the
  plan's totals, and each group's parts against the group.
- Protection holds per release: two releases of the same counts in different shapes can
  undo each other, so views come from :meth:`SafeTable.select`, never a second release.
"""

from __future__ import annotations

from ldsa.sdc.breakdown import (
    BreakdownChoice,
    BreakdownOption,
    breakdown_withheld_share,
    choose_breakdown,
    release_breakdown,
    release_nested_breakdown,
)
from ldsa.sdc.checker import ACRO_RESULTS_VERSION, write_checker_pack
from ldsa.sdc.coarsen import coarser_table
from ldsa.sdc.combine import beside
from ldsa.sdc.counts import release_counts
from ldsa.sdc.derived import release_rates
from ldsa.sdc.differencing import AUTHORITIES
from ldsa.sdc.estimates import release_estimates
from ldsa.sdc.histogram import release_histogram
from ldsa.sdc.linked import LinkedPlan, plan_linked_counts
from ldsa.sdc.magnitude import release_magnitudes
from ldsa.sdc.national import authorities_table, period_totals_part
from ldsa.sdc.policy import PRESETS, DerivedFrom, Policy, Rounding, TieRule, load_policy
from ldsa.sdc.public import release_public
from ldsa.sdc.records import (
    OutputKind,
    Record,
    RecordBook,
    RecordStatus,
    Rule,
    read_records,
)
from ldsa.sdc.regression import release_model
from ldsa.sdc.render import (
    FigureSeries,
    figure_series,
    group_digits,
    render_csv,
    render_html_table,
    require_safe,
)
from ldsa.sdc.safetable import CellStatus, ColumnKind, SafeTable, stack
from ldsa.sdc.scan import CheckReport, Finding, FindingRule, check_release, scan_outputs
from ldsa.sdc.sums import GroupTotals, release_sums
from ldsa.sdc.survey import (
    SurveyEstimates,
    SurveyModel,
    SurveySample,
    release_from_estimates,
    release_survey,
)
from ldsa.sdc.timeline import Timeline, TimeStep

__all__ = [
    "ACRO_RESULTS_VERSION",
    "AUTHORITIES",
    "PRESETS",
    "BreakdownChoice",
    "BreakdownOption",
    "CellStatus",
    "CheckReport",
    "ColumnKind",
    "DerivedFrom",
    "FigureSeries",
    "Finding",
    "FindingRule",
    "GroupTotals",
    "LinkedPlan",
    "OutputKind",
    "Policy",
    "Record",
    "RecordBook",
    "RecordStatus",
    "Rounding",
    "Rule",
    "SafeTable",
    "SurveyEstimates",
    "SurveyModel",
    "SurveySample",
    "TieRule",
    "TimeStep",
    "Timeline",
    "authorities_table",
    "beside",
    "breakdown_withheld_share",
    "check_release",
    "choose_breakdown",
    "coarser_table",
    "figure_series",
    "group_digits",
    "load_policy",
    "period_totals_part",
    "plan_linked_counts",
    "read_records",
    "release_breakdown",
    "release_counts",
    "release_estimates",
    "release_from_estimates",
    "release_histogram",
    "release_magnitudes",
    "release_model",
    "release_nested_breakdown",
    "release_public",
    "release_rates",
    "release_sums",
    "release_survey",
    "render_csv",
    "render_html_table",
    "require_safe",
    "scan_outputs",
    "stack",
    "write_checker_pack",
]
