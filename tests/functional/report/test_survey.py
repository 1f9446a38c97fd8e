"""The survey report: each section's numbers against hand computations on a tiny store.

The tiny extract of :mod:`ldsa.testing`, with two authorities sharing one survey area in
one region and a hand-made survey panel over eight weeks whose samples sit at the threshold
(9 participants in 9 households; 10 in 10; 30 in 9; then 59 in 30), so that what is
released and what is withheld can be worked out by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ldsa import sdc
from ldsa.data.prepare import prepare_store
from ldsa.data.store import Store
from ldsa.errors import DisclosureError
from ldsa.report.figures import FigureOutput, Notice
from ldsa.report.measures import CASES
from ldsa.report.survey import Survey
from ldsa.report.survey._charts import positivity_lines
from ldsa.report.tables import ReleasedTable
from ldsa.stats import one_in_n, survey_positivity, survey_trend, wilson_interval
from ldsa.testing import tiny_tables, write_tiny_extract

PERIOD = ("2021-01-04", "2021-02-28")
MONDAYS = pd.date_range("2021-01-04", periods=8, freq="7D")
AREA, OTHER = "J06000901", "J06000903"
#: Per week of the area: (people visited, households); one visit a week is void.
SIZES = [(10, 10), (11, 11), (31, 9)] + [(60, 30)] * 5
#: Weeks whose estimates are withheld: 9 participants and households; 9 households.
WITHHELD = [0, 2]
SHOWN = [1, 3, 4, 5, 6, 7]


def _panel(
    area: str, la_codes: list[str], sizes: list[tuple[int, int]], first_id: int
) -> pd.DataFrame:
    """Weekly visits: week w swabs ``sizes[w][0]`` people in ``sizes[w][1]`` households,
    half aged 20 and half 40, alternating sex; person i is positive in week w when
    (i + w) % 5 == 0 (a fifth), and one swab a week is void."""
    rows = []
    for week, (people, homes) in enumerate(sizes):
        for i in range(people):
            rows.append(
                {
                    "visit_date": (MONDAYS[week] + pd.Timedelta(days=i % 5)).date(),
                    "participant_id": first_id + i,
                    "household_id": first_id + i % homes,
                    "la_code": la_codes[i % len(la_codes)],
                    "cis_area": area,
                    "age": 20 + 20 * (i % 2) + (i // 2) % 3,
                    "sex": "F" if (i // 2) % 2 else "M",
                    "result": "void" if i == people - 1 else
                    ("positive" if (i + week) % 5 == 0 else "negative"),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The tiny extract's tables with the survey panel, as written."""
    tables = {name: table.to_pandas() for name, table in tiny_tables().items()}
    geography = tables["geography"]
    geography.loc[1, ["region_code", "region_name", "cis_area"]] = ["E12000001", "North East", AREA]
    codes = list(geography["la_code"])
    population = pd.DataFrame(
        [(2020, code, sex, age, 300 + 50 * n + 7 * age + (sex == "F") * 11)
         for n, code in enumerate(codes) for sex in ("F", "M") for age in (20, 21, 22, 40, 41, 42)],
        columns=["year", "la_code", "sex", "age", "population"],
    )  # fmt: skip
    survey = pd.concat(
        [_panel(AREA, codes[:2], SIZES, 1), _panel(OTHER, codes[2:], [(40, 20)] * 8, 10_001)]
    )
    days = [d.date() for d in pd.date_range("2021-01-04", "2021-02-28")]
    cases = pd.DataFrame(
        [(day, codes[n % 2], 30 + n % 40, "F", "pillar_2", "PCR")
         for i, day in enumerate(days) for n in range(3 + (i % 7 == 0) * 9)],
        columns=["specimen_date", "la_code", "age", "sex", "pillar", "test_type"],
    )  # fmt: skip
    tables.update(geography=geography, population=population, survey=survey, cases=cases)
    return tables


@pytest.fixture(scope="module")
def store(extract: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared store of the tiny extract with the survey panel."""
    root = tmp_path_factory.mktemp("survey")
    tables = {}
    for name, frame in extract.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        schema = pa.schema(
            [pa.field(f.name, pa.date32()) if "date" in f.name else f for f in table.schema]
        )
        tables[name] = table.cast(schema)
    write_tiny_extract(root / "extract", tables)
    prepare_store(root / "extract", root / "store")
    return root / "store"


@pytest.fixture(scope="module")
def report(store: Path) -> Survey:
    """The survey report of the first authority (sharing its area with the second)."""
    return Survey.open(str(store), "E06000901", *PERIOD)


def _valid(extract: dict[str, pd.DataFrame], area: str) -> pd.DataFrame:
    rows = extract["survey"]
    rows = rows[(rows["cis_area"] == area) & (rows["result"] != "void")]
    days = pd.to_datetime(rows["visit_date"])
    return rows.assign(week=days - pd.to_timedelta(days.dt.day_of_week, unit="D"))


def test_store_counts_distinct_participants_and_households(
    extract: dict[str, pd.DataFrame], store: Path
) -> None:
    """Per cell and per week and age group, the store holds the distinct participants and
    households with a valid swab, counted by hand (households over two cells once)."""
    rows = _valid(extract, AREA)
    samples = Store(store).survey_samples()
    everyone = samples[(samples["cis_area"] == AREA) & (samples["age_group"] == "all")]
    by_hand = rows.groupby("week").agg(
        swabs=("participant_id", "size"),
        positives=("result", lambda r: int((r == "positive").sum())),
        participants=("participant_id", "nunique"),
        households=("household_id", "nunique"),
    )
    stored = everyone.set_index(pd.DatetimeIndex(everyone["week_start"]))
    assert stored[list(by_hand.columns)].equals(by_hand.rename_axis("week_start"))
    assert list(by_hand["participants"]) == [9, 10, 30, 59, 59, 59, 59, 59]  # one void each
    assert list(by_hand["households"]) == [9, 10, 9, 30, 30, 30, 30, 30]
    cells = Store(store).survey()
    cells = cells[cells["cis_area"] == AREA]
    assert (cells["households"] <= cells["participants"]).all()
    assert cells.groupby("week_start")["households"].sum().iloc[3] > 30  # no sum across cells


def test_weekly_samples_and_estimates(report: Survey, extract: dict[str, pd.DataFrame]) -> None:
    """Counts of the area's participants and households are shown from the threshold on;
    estimates are withheld in the weeks below it (participants, then households), and
    elsewhere equal the model fitted to the cells aggregated by hand, at each week's
    Thursday, with 1 in N from them; the region (this area alone) equals the area."""
    table = report.positivity
    frame = table.released_frame()
    assert list(frame["period_start"]) == [d.date().isoformat() for d in MONDAYS]
    assert list(frame["cis_participants_count"].astype(object)) == [
        pd.NA, 10, 30, 59, 59, 59, 59, 59,
    ]  # fmt: skip
    assert list(frame["cis_households_count"].astype(object)) == [
        pd.NA, 10, pd.NA, 30, 30, 30, 30, 30,
    ]  # fmt: skip
    assert [table.text(r, "cis_positivity") for r in WITHHELD] == ["[c]", "[c]"]
    assert table.record.cells_for(sdc.Rule.SURVEY_SAMPLE)
    rows = _valid(extract, AREA)
    rows = rows.assign(age_group=np.where(rows["age"] < 25, "15-24", "35-49"))
    cells = rows.groupby(["week", "age_group", "sex"], as_index=False).agg(
        tests=("result", "size"), positive=("result", lambda r: int((r == "positive").sum()))
    )
    people = extract["population"]
    people = people[people["la_code"].isin(["E06000901", "E07000901"])]
    strata = (
        people.assign(age_group=np.where(people["age"] < 25, "15-24", "35-49"))
        .groupby(["age_group", "sex"], as_index=False)["population"]
        .sum()
    )
    model = survey_positivity(
        cells.assign(date=cells["week"] + pd.Timedelta(days=3)),
        strata,
        age_band="age_group",
        by=None,
    ).set_index("date")
    thursdays = MONDAYS[SHOWN] + pd.Timedelta(days=3)
    for column, mine in (("value", "cis_positivity"), ("lower", "cis_lower")):
        expected = model.loc[thursdays, column].to_numpy()
        np.testing.assert_allclose(frame[mine].iloc[SHOWN].astype(float), expected, rtol=1e-9)
        region = frame[mine.replace("cis", "region")].iloc[SHOWN].astype(float)
        np.testing.assert_allclose(region, expected, rtol=1e-9)
    shown = frame["cis_one_in_n"].iloc[SHOWN].astype(float).to_numpy()
    np.testing.assert_array_equal(shown, one_in_n(model.loc[thursdays, "value"] / 100))
    england = frame["england_positivity"].astype(float)
    assert england.notna().all()  # both areas: 30 + 39 people in 9 + 20 households in week 3
    assert not england.equals(frame["cis_positivity"].astype(float))


def test_latest_sentence_and_trend(report: Survey) -> None:
    """The latest week in words, from the released values, with the trend word of the
    released estimates two weeks apart."""
    table = report.positivity
    latest = report.latest("cis")
    last = table.n_rows - 1
    assert f"{table.text(last, 'cis_positivity')}% of people" in latest.sentence
    assert "week ending 28 February 2021" in latest.sentence
    values = [[float(table.value(r, f"cis_{c}") or 0) for c in ("positivity", "lower", "upper")]
              for r in (last, last - 2)]  # fmt: skip
    expected = survey_trend(values[0][0], tuple(values[0][1:]), values[1][0], tuple(values[1][1:]))
    assert latest.trend is expected[0]
    messages = report.messages().lines
    assert len(messages) == 3
    assert messages[1].startswith("North East: ")


def test_area_table_lists_the_sharing_authorities(report: Survey) -> None:
    """Both authorities of the area, with their populations and shares, as published."""
    frame = report.area_authorities.released_frame()
    assert list(frame["la_code"]) == ["E07000901", "E06000901"]  # by name
    people = [
        int(report.context.store.la_table(code, "population_bands")["population"].sum())
        for code in ("E07000901", "E06000901")
    ]
    assert list(frame["population"].astype(int)) == people
    assert frame["share_percent"].astype(float).sum() == pytest.approx(100)
    notes = report.area_note().lines
    assert "shares with Little Fennmoor" in notes[0]
    assert "Ranking areas" in notes[-1]


def test_cases_per_estimated_infection(report: Survey) -> None:
    """Weekly cases over (positivity x population), from the plan's released cases and the
    released positivity of the same weeks; withheld where the positivity is."""
    table = report.ascertainment
    frame = table.released_frame()
    plan = report.plan(CASES).table(report.la_code, output_id="p").released_frame()
    assert frame["la_cases_count"].equals(plan["la_cases_count"])
    positivity = report.positivity.released_frame()["cis_positivity"].astype(float).to_numpy()
    cases = frame["la_cases_count"].astype(float).to_numpy()
    expected = cases / (positivity / 100 * report.populations["la"])
    shown = frame["la_cases_per_infection"].astype(float).to_numpy()
    assert [table.text(r, "la_cases_per_infection") for r in WITHHELD] == ["[c]", "[c]"]
    np.testing.assert_allclose(shown[SHOWN], expected[SHOWN], rtol=1e-9)
    rate = frame["la_weekly_rate"].astype(float).to_numpy()
    np.testing.assert_allclose(rate, cases / report.populations["la"] * 1e5)


def test_positivity_by_age_by_hand(report: Survey, extract: dict[str, pd.DataFrame]) -> None:
    """Each age group the area sampled and each month: swabs weighted by their age band and
    sex's people over the cell's swabs, with Wilson limits on the Kish effective sample
    size; shown where the month's positive and negative swabs, and the largest week's
    participants and households, reach the threshold."""
    table = report.by_age
    frame = table.released_frame()
    assert set(frame["time_step"]) == {"month"}
    assert sorted(set(frame["age_group"])) == ["15-24", "35-49"]
    rows = _valid(extract, AREA)
    people = extract["population"]
    people = people[people["la_code"].isin(["E06000901", "E07000901"])]
    size = people.assign(band=np.where(people["age"] < 25, "20-24", "40-44"))
    size = size.groupby(["band", "sex"])["population"].sum()
    for start, end in (("2021-01-04", "2021-01-31"), ("2021-02-01", "2021-02-28")):
        month = rows[(rows["week"] >= start) & (rows["week"] <= end)]
        for group, band in (("15-24", "20-24"), ("35-49", "40-44")):
            mine = month[(month["age"] < 25) == (band == "20-24")]
            cells = mine.groupby("sex").agg(
                n=("result", "size"), x=("result", lambda r: (r == "positive").sum())
            )
            weights = size.loc[band].reindex(cells.index).to_numpy(dtype=float)
            p = float((weights * cells["x"] / cells["n"]).sum() / weights.sum())
            n_eff = weights.sum() ** 2 / (weights**2 / cells["n"]).sum()
            low, high = wilson_interval(np.array([p * n_eff]), np.array([n_eff]), 0.95)
            weekly = mine.groupby("week").agg(
                people=("participant_id", "nunique"), homes=("household_id", "nunique")
            )
            positives = int(cells["x"].sum())
            safe = (
                min(positives, int(cells["n"].sum()) - positives) >= 10
                and weekly["people"].max() >= 10
                and weekly["homes"].max() >= 10
            )
            row = frame[(frame["age_group"] == group) & (frame["period_start"] == start)]
            if not safe:
                assert row["cis_positivity"].isna().all()
                continue
            assert float(row["cis_positivity"].iloc[0]) == pytest.approx(100 * p)
            assert float(row["cis_lower"].iloc[0]) == pytest.approx(100 * low[0])
            assert float(row["cis_upper"].iloc[0]) == pytest.approx(100 * high[0])


def test_protection_note_and_record_say_which_rule(report: Survey) -> None:
    """The report says the rule with the policy's thresholds and how many values each rule
    withheld; the record carries the rule, the sample and each model's verdict."""
    report.positivity_figure()
    report.age_figure()
    lines = report.protection_note().lines
    assert "at least 10 swabs, 10 participants and 10 households" in lines[0]
    assert any("_survey_positivity_over_time.csv" in line and "estimates withheld (too few" in line
               for line in lines)  # fmt: skip
    properties = dict(report.positivity.record.properties)
    assert {"survey_rule", "survey_sample", "cis_model", "region_model", "england_model"} <= set(
        properties
    )
    assert properties["cis_model"].startswith("model passed")


def test_figures_draw_released_values_only(report: Survey) -> None:
    """The figures are drawn, with alt text naming what they show; a raw frame is refused."""
    figure = report.positivity_figure()
    assert isinstance(figure, FigureOutput)
    assert "highest in the week of" in figure.alt
    assert "2 of 8 weeks not shown" in figure.caption
    assert isinstance(report.cases_positivity_figure(), FigureOutput)
    assert isinstance(report.ascertainment_figure(), FigureOutput)
    assert isinstance(report.age_figure(), FigureOutput)
    assert isinstance(report.latest_table(), ReleasedTable)
    with pytest.raises(DisclosureError):
        positivity_lines(report.positivity.released_frame(), report.survey_names(), title="x")  # type: ignore[arg-type]  # a raw frame


def test_strict_rounds_the_sample_and_withholds_more(store: Path) -> None:
    """Under strict (redact 7 or fewer, round to 5), counts of people are rounded to 5."""
    strict = Survey.open(str(store), "E06000901", *PERIOD, "strict")
    counts = strict.positivity.released_frame()["cis_participants_count"].dropna()
    assert (counts.astype(int) % 5 == 0).all()
    assert list(counts.astype(int)) == [10, 10, 30, 60, 60, 60, 60, 60]  # 9 shows under strict


def test_old_store_and_public_store_say_what_they_lack(store: Path, tmp_path: Path) -> None:
    """A store prepared before samples were counted says to prepare it again; every section
    returns a notice rather than failing."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(store, old)
    (old / "survey_samples.parquet").unlink()
    report = Survey.open(str(old), "E06000901", *PERIOD)
    assert "Prepare the store again" in report.messages().lines[0]
    for section in (report.positivity_figure, report.cases_positivity_figure,
                    report.ascertainment_figure, report.age_figure):  # fmt: skip
        assert isinstance(section(), Notice)


def test_cli_runs_the_survey_for_the_smallest_and_largest(
    small_store: Path, tmp_path: Path
) -> None:
    """``ldsa run --templates survey`` for the smallest and the largest authority of the
    small dummy store: exit 0, both reports and their CSVs, and ``ldsa check`` finds
    nothing."""
    store = Store(small_store)
    people = store.all_la_table("population_bands").groupby("la_code")["population"].sum()
    codes = [str(people.idxmin()), str(people.idxmax())]
    env = {**os.environ, "LDSA_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "ldsa"]
    run = subprocess.run(
        [*command, "run", "--store", str(small_store), "--out", str(tmp_path / "reports"),
         "--templates", "survey", "--authorities", *codes, "--workers", "1"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    for code in codes:
        assert (tmp_path / "reports" / code / "survey.html").is_file()
        assert (
            tmp_path / "reports" / code / "tables" / f"{code}_survey_positivity_over_time.csv"
        ).is_file()
    check = subprocess.run(
        [*command, "check", str(tmp_path / "reports")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-2000:]
