"""The survey report on published data shows ONS's own estimate for the authority's CIS
area, as published (issue 12)."""

from __future__ import annotations

import csv
from pathlib import Path

from ldsa.report.survey import Survey

SUBREGIONAL = "ons_cis_subregional_2020_2022/cis_subregional_weekly_positivity_2020-11_2022-02.csv"


def test_survey_estimate_equals_the_ons_value(public_store: Path, public_dir: Path) -> None:
    """Hartlepool's survey area (J06000106, with Middlesbrough, Redcar and Cleveland and
    Stockton-on-Tees), week of 7 to 13 March 2021: the report's released estimate and its
    credible interval are ONS's, in per cent, read through the report's own code path."""
    with (public_dir / SUBREGIONAL).open(newline="", encoding="utf-8") as handle:
        (row,) = [
            r for r in csv.DictReader(handle)
            if r["geography_code"] == "J06000106" and r["start_date"] == "2021-03-07"
        ]  # fmt: skip
    report = Survey.open(public_store, "E06000001", "2020-03-01", "2022-03-31")
    table = report.public_positivity
    (week,) = [r for r in range(table.n_rows) if table.text(r, "period_start") == "2021-03-07"]
    assert table.text(week, "period_end") == "2021-03-13"
    for column, source in (("cis_positivity", "proportion_pos"),
                           ("cis_lower", "proportion_pos_low_95"),
                           ("cis_upper", "proportion_pos_high_95")):  # fmt: skip
        assert float(table.text(week, column)) == round(float(row[source]) * 100, 2)
    assert table.text(week, "cis_positivity") == "0.31"  # 0.0031 in the source file
