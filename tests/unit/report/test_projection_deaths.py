"""The case-fatality ratio of the projections report: from released values only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ldsa import sdc
from ldsa.report.projections._deaths import LAG_WEEKS, Ratio, ratio_window, released_rows
from ldsa.stats.fatality import projected_deaths, ratio_draws

ORIGIN = dt.date(2022, 3, 27)  # a Sunday: the last day of complete cases


def _weeks(first: str, values: list[int | None]) -> list[tuple[str, str, int | None]]:
    start = dt.date.fromisoformat(first)
    return [
        (str(start + dt.timedelta(weeks=k)), str(start + dt.timedelta(weeks=k, days=6)), v)
        for k, v in enumerate(values)
    ]


def test_ratio_on_a_hand_made_example() -> None:
    """Deaths by month (4 and 5 weeks), weekly cases: the window is the last whole months
    ending by 3 weeks after the origin and spanning at least 8 weeks; the cases are those
    of the same weeks 3 weeks earlier."""
    deaths = [
        ("2022-01-03", "2022-01-30", 7),  # 4 weeks
        ("2022-01-31", "2022-02-27", 6),  # 4 weeks
        ("2022-02-28", "2022-04-03", 9),  # 5 weeks, ends within 3 weeks of the origin
        ("2022-04-04", "2022-05-01", 50),  # ends too late: its cases are not complete
    ]
    cases = _weeks("2021-12-06", [1000] * 18 + [None])  # the last week is withheld
    found = ratio_window(deaths, cases, ORIGIN, threshold=10)
    assert found == Ratio(15, 9000, dt.date(2022, 1, 31), dt.date(2022, 4, 3))
    assert found.cases_first == dt.date(2022, 1, 10)
    assert found.cases_last == dt.date(2022, 3, 13)


@pytest.mark.parametrize(
    ("deaths", "reason"),
    [
        ([("2022-01-31", "2022-02-27", 6), ("2022-02-28", "2022-04-03", 3)], "fewer than 10"),
        ([("2022-01-31", "2022-02-27", None), ("2022-02-28", "2022-04-03", 30)], "withheld"),
        ([("2020-03-02", "2022-03-27", 500)], "periods too long"),
        ([("2021-01-04", "2021-03-28", 500)], "too long before"),
        ([("2022-02-28", "2022-04-03", 30)], "too few weeks"),
        ([], "no deaths"),
    ],
)
def test_no_ratio_says_why_without_a_count(
    deaths: list[tuple[str, str, int | None]], reason: str
) -> None:
    found = ratio_window(deaths, _weeks("2021-12-06", [1000] * 16), ORIGIN, threshold=10)
    assert isinstance(found, str)
    assert reason in found


def test_a_withheld_case_week_in_the_window_gives_no_ratio() -> None:
    deaths = [("2022-01-31", "2022-02-27", 16), ("2022-02-28", "2022-04-03", 30)]
    cases = _weeks("2021-12-06", [1000] * 8 + [None] + [1000] * 7)
    assert "cases" in str(ratio_window(deaths, cases, ORIGIN, threshold=10))


WEEKS = pd.date_range("2021-10-04", periods=26, freq="7D")


def _plan(small: list[int]) -> sdc.LinkedPlan:
    """A batch of 12 authorities in 2 regions; the first has ``small`` weekly deaths."""
    rows = []
    for n in range(12):
        for k, week in enumerate(WEEKS):
            value = small[k] if n == 0 else 20 + (n * 7 + k * 3) % 15
            rows.append({"la_code": f"E0{n:07d}", "region_code": f"E1200000{n % 2}",
                         "week_start": str(week.date()), "covid_deaths_count": value})  # fmt: skip
    return sdc.plan_linked_counts(
        pd.DataFrame(rows), count_column="covid_deaths_count", period_column="week_start",
        policy=sdc.load_policy("default"), cumulative=True,
    )  # fmt: skip


def _projected(plan: sdc.LinkedPlan) -> tuple[Ratio | str, str]:
    table = plan.table("E00000000", output_id="E00000000/projections/deaths")
    deaths = released_rows(table, "la_covid_deaths_count")
    cases = _weeks(str(WEEKS[0].date()), [2000] * 26)
    found = ratio_window(
        deaths, cases, WEEKS[-1].date() - dt.timedelta(days=1 + 7 * (LAG_WEEKS - 1)), 10
    )
    assert isinstance(found, Ratio)
    draws = np.random.default_rng(1).poisson(2000, size=(500, 4)).astype(float)
    quantiles = projected_deaths(draws, ratio_draws(found.deaths, found.cases, 500))
    return found, quantiles.to_csv()


def test_the_ratio_rests_on_released_values_only() -> None:
    """Two batches whose first authority's raw weekly deaths differ only in weeks the plan
    withholds (2 deaths moved between two withheld weeks of one released month): every
    released value is the same, and so are the ratio and the projected deaths."""
    small = [3, 4, 2, 5, 3, 2, 4, 3, 5, 2, 3, 4, 2, 3, 5, 4, 2, 3, 4, 5, 3, 2, 4, 3, 5, 4]
    moved = list(small)
    moved[21], moved[22] = small[21] + 2, small[22] - 2  # two weeks of one month
    first, second = _plan(small), _plan(moved)
    tables = [p.table("E00000000", output_id="x") for p in (first, second)]
    cumulative = [p.cumulative_table("E00000000", output_id="y") for p in (first, second)]
    assert tables[0].n_rows < len(WEEKS)  # released by month or coarser: weeks withheld
    assert tables[0].to_csv_text() == tables[1].to_csv_text()
    assert cumulative[0].to_csv_text() == cumulative[1].to_csv_text()
    assert _projected(first) == _projected(second)
