"""Every template on the store prepared from the published files (issue 12)."""

from __future__ import annotations

from pathlib import Path

from ldsa.data.store import Store
from ldsa.run.job import JobStatus
from ldsa.run.pipeline import RunRequest, run_pipeline
from ldsa.run.templates import discover

TEMPLATES = discover()


def test_every_template_runs_on_the_public_store(public_store: Path, tmp_path: Path) -> None:
    """Every registered template, run by the batch on the published data for the smallest
    and the largest authority: every job ok, nothing found by the scan, and each section
    whose input is not published says which input it needs instead of failing."""
    store = Store(public_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    codes = [str(people.idxmin()), str(people.idxmax())]
    outcome = run_pipeline(
        RunRequest(
            store=store, templates=list(TEMPLATES.values()), authorities=codes,
            period=("2020-03-01", "2022-03-31"), reports_dir=tmp_path / "reports",
            work_dir=tmp_path / "work", progress=False,
        )
    )  # fmt: skip
    assert [r.status for r in outcome.results] == [JobStatus.OK] * len(codes) * len(TEMPLATES), [
        (r.la_code, r.template, r.error) for r in outcome.results
    ]
    assert outcome.scan.findings == ()
    index = (tmp_path / "reports" / "index.html").read_text("utf-8")
    assert "PUBLISHED DATA: these reports" in index
    assert "DUMMY DATA" not in index
    for code in codes:
        cases = (tmp_path / "reports" / code / "cases_and_testing.html").read_text("utf-8")
        assert "PUBLISHED DATA: this report" in cases
        assert "DUMMY DATA" not in cases
        assert "Published statistics (ONS, UKHSA, MHCLG" in cases  # the data source line
        assert "Cases by specimen date, lower-tier local authorities" in cases  # a source
        assert "Open Government Licence v3.0" in cases
        # The published cases run to 2023: the period's last days are complete.
        assert "still incomplete" not in cases
        assert "are incomplete." not in cases
        overview = (tmp_path / "reports" / code / "overview.html").read_text("utf-8")
        # Deaths are published for 13 weeks, by any mention of Covid-19, not by cause.
        assert (
            "Deaths with Covid-19 as underlying cause, weeks from 4 January 2021 to 4 April "
            "2021 only: the data hold none in the period." in overview
        )
        assert "needs cases by age group, which this store does not hold" in cases
        assert "tests and positive tests per authority and day are not in the public" in cases
        deaths = (tmp_path / "reports" / code / "mortality.html").read_text("utf-8")
        assert "needs deaths by age group, which this store does not hold" in deaths
        assert "needs deaths registered each week from 2015 on" in deaths
        assert "Where people died" in deaths
        assert "Age-standardised mortality rates published by ONS" in deaths
        assert "Deaths with Covid-19 as underlying cause: this store holds none" in deaths
        assert "The data cover only the weeks from 4 January 2021 to" in deaths
