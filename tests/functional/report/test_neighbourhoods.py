"""Neighbourhood hotspots in the cases report: counts, rates and quintiles against hand
computations from the small store, the disclosure treatment, and an old store's notice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldsa import sdc
from ldsa.data.store import MANIFEST, Store
from ldsa.report.cases_and_testing import CasesAndTesting
from ldsa.report.cases_and_testing._neighbourhoods import QUINTILES
from ldsa.report.figures import Notice
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import Messages

PERIOD = ("2020-03-01", "2022-03-31")
PER = 100_000


def _open(store: Path, rank: int, policy: str = "default") -> CasesAndTesting:
    """The report of the store's authority of this rank by people (0: the largest)."""
    people = Store(store).all_la_table("population_bands").groupby("la_code")["population"]
    code = people.sum().sort_values(ascending=False, kind="stable").index[rank]
    return CasesAndTesting.open(str(store), str(code), *PERIOD, policy)


@pytest.fixture(scope="module")
def open_policy(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A test policy releasing every count weekly (threshold 1), so that the arithmetic of
    single neighbourhoods by week is tested on the small store's few cases."""
    default = (Path(sdc.__file__).parent.parent / "policies" / "default.yaml").read_text()
    policy = tmp_path_factory.mktemp("policy") / "open.yaml"
    policy.write_text(
        default.replace("name: default", "name: open-test")
        .replace("threshold: 10", "threshold: 1")
        .replace("max_withheld_share: 0.2", "max_withheld_share: 1.0")
        + 'weaker_than_default: "tests the arithmetic of neighbourhood counts only"\n'
    )
    return str(policy)


def _by_hand(report: CasesAndTesting, column: str) -> pd.DataFrame:
    """Cases per period of the released table and neighbourhood (or quintile), by hand."""
    table = report.neighbourhood_rates.released_frame()
    areas = report.context.store.small_areas(report.la_code)
    rows = report.context.store.small_area_cases(report.la_code)
    names = areas.set_index("msoa_code")
    rows = rows.assign(
        neighbourhood=names["msoa_name"].reindex(rows["msoa_code"]).to_numpy(),
        imd_quintile=[QUINTILES[q - 1] for q in names["imd_quintile"].reindex(rows["msoa_code"])],
    )
    people = areas.assign(
        neighbourhood=areas["msoa_name"],
        imd_quintile=[QUINTILES[q - 1] for q in areas["imd_quintile"]],
    )
    people = people.groupby(column)["population"].sum()  # fmt: skip
    out = []
    for start, end in (
        table[["period_start", "period_end"]].drop_duplicates().itertuples(index=False)
    ):
        inside = rows[(rows["date"] >= pd.Timestamp(start)) & (rows["date"] <= pd.Timestamp(end))]
        counts = inside.groupby(column)["cases"].sum().reindex(people.index, fill_value=0)
        weeks = ((pd.Timestamp(end) - pd.Timestamp(start)).days + 1) / 7
        rate = counts.to_numpy() / weeks / people.to_numpy() * PER
        out.append(pd.DataFrame({"period_start": start, column: people.index,
                                 "cases": counts.to_numpy(), "rate": rate}))  # fmt: skip
    return pd.concat(out, ignore_index=True)


def test_weekly_neighbourhood_rates_by_hand(small_store: Path, open_policy: str) -> None:
    """Under a policy releasing every count, single neighbourhoods are released by week,
    with their cases and average weekly rates per 100,000 as computed by hand, and each
    week's neighbourhoods sum to the authority's cases."""
    report = _open(small_store, 0, open_policy)
    assert not report.grouped
    table = report.neighbourhood_rates
    assert {table.text(r, "time_step") for r in range(table.n_rows)} == {"week"}
    released = table.released_frame()
    hand = _by_hand(report, "neighbourhood")
    merged = released.merge(hand, on=["period_start", "neighbourhood"], validate="one_to_one")
    assert len(merged) == len(released) == len(hand)
    np.testing.assert_array_equal(merged["cases_count"].astype(int), merged["cases"])
    np.testing.assert_allclose(
        merged["weekly_rate"].astype(float), merged["rate"].round(1), atol=0.051
    )
    daily = report.context.store.la_table(report.la_code, "cases")
    for start, group in merged.groupby("period_start"):
        first = pd.Timestamp(start)
        inside = daily[(daily["date"] >= first) & (daily["date"] < first + pd.Timedelta(days=7))]
        assert group["cases_count"].astype(int).sum() == inside["cases"].sum()


def test_quintiles_sum_released_neighbourhoods(small_store: Path, open_policy: str) -> None:
    """Quintile counts are the sums of their neighbourhoods, with rates by hand."""
    report = _open(small_store, 0, open_policy)
    quintiles = report.quintile_rates.released_frame()
    hand = _by_hand(report, "imd_quintile")
    merged = quintiles.merge(hand, on=["period_start", "imd_quintile"], validate="one_to_one")
    assert len(merged) == len(quintiles)
    np.testing.assert_array_equal(merged["cases_count"].astype(int), merged["cases"])
    np.testing.assert_allclose(
        merged["weekly_rate"].astype(float), merged["rate"].round(1), atol=0.051
    )


def test_default_policy_withholds_small_neighbourhoods(small_store: Path) -> None:
    """Under the default policy no released neighbourhood count is in (0, 10); a period's
    withheld neighbourhoods are none or at least two, and their total (the authority's
    cases less the released ones) is 0 or at least 10, and so within each quintile; the
    caption says which step and grouping was taken."""
    for rank in (0, 150):
        report = _open(small_store, rank)
        counts = report.neighbourhood_counts
        frame = counts.released_frame()
        values = frame["cases_count"].dropna().astype(int)
        assert not ((values > 0) & (values < 10)).any()
        for _, group in frame.groupby("period_start"):
            withheld = group["cases_count"].isna().sum()
            assert withheld != 1
        if not report.grouped:
            _check_quintiles(report)
        table = report.neighbourhood_table()
        assert isinstance(table, ReleasedTable)
        assert report._area_choice.option.step.value in {"week", "month", "quarter", "period"}


def _check_quintiles(report: CasesAndTesting) -> None:
    """Per period and quintile: a released quintile is its neighbourhoods' raw sum, and
    its withheld neighbourhoods are none or several adding up to at least the threshold;
    a withheld quintile has every neighbourhood withheld."""
    counts = report.neighbourhood_counts.released_frame()
    quintiles = report.quintile_rates.released_frame().set_index(["period_start", "imd_quintile"])
    hand = _by_hand(report, "neighbourhood").set_index(["period_start", "neighbourhood"])
    for (start, quintile), group in counts.groupby(["period_start", "imd_quintile"]):
        value = quintiles.loc[(start, quintile), "cases_count"]
        hidden = group.loc[group["cases_count"].isna(), "neighbourhood"]
        raw = [hand.loc[(start, n), "cases"] for n in hidden]
        if pd.isna(value):
            assert len(hidden) == len(group)
            continue
        assert int(value) == sum(hand.loc[(start, n), "cases"] for n in group["neighbourhood"])
        assert len(hidden) != 1
        assert not hidden.size or sum(raw) >= 10


def test_withheld_totals_are_safe(small_store: Path) -> None:
    """Each period's withheld neighbourhoods add up (the authority's raw cases less the
    released neighbourhoods) to 0 or at least the threshold."""
    report = _open(small_store, 0)
    frame = report.neighbourhood_counts.released_frame()
    rows = report.context.store.small_area_cases(report.la_code)
    for (start, end), group in frame.groupby(["period_start", "period_end"]):
        inside = rows[(rows["date"] >= pd.Timestamp(start)) & (rows["date"] <= pd.Timestamp(end))]
        rest = int(inside["cases"].sum()) - int(group["cases_count"].dropna().astype(int).sum())
        assert rest == 0 or rest >= 10


def test_messages_and_sii_table(small_store: Path) -> None:
    """The messages name the highest neighbourhood with its released rate; the SII table
    is a released table."""
    report = _open(small_store, 0)
    messages = report.neighbourhood_messages()
    assert isinstance(messages, Messages)
    rates = report.neighbourhood_rates
    latest, _ = report._latest_rows(rates)
    released = [r for r in latest if not rates.status(r, "weekly_rate").suppressed]
    assert released
    best = max(released, key=lambda r: float(rates.value(r, "weekly_rate") or 0))
    assert rates.text(best, "neighbourhood") in messages.lines[0]
    assert rates.text(best, "weekly_rate") in messages.lines[0]
    if rates.text(best, "time_step") == "period":  # no period before to rise from
        assert messages.lines[1].startswith("Rises are not shown")
    assert isinstance(report.deprivation_sii_table(), ReleasedTable)


def test_old_store_gives_a_notice(small_store: Path, tmp_path: Path) -> None:
    """A store prepared before small areas says to prepare it again, in every section."""
    old = tmp_path / "old"
    shutil.copytree(small_store, old)
    manifest = json.loads((old / MANIFEST).read_text())
    (old / "small_areas.parquet").unlink()
    del manifest["files_sha256"]["small_areas.parquet"]
    for path in old.glob("la/*/cases_small_area.parquet"):
        path.unlink()
        del manifest["files_sha256"][path.relative_to(old).as_posix()]
    (old / MANIFEST).write_text(json.dumps(manifest))
    report = _open(old, 0)
    for section in (report.neighbourhood_messages, report.neighbourhood_table,
                    report.deprivation_figure, report.deprivation_sii_table):  # fmt: skip
        notice = section()
        assert isinstance(notice, Notice)
        assert "prepare the store again" in notice.text


def test_one_neighbourhood_is_said_once_in_words(small_store: Path) -> None:
    """An authority of one neighbourhood: the quintile figure says why, in singular words,
    and the SII table adds nothing."""
    report = _open(small_store, -1)  # the smallest authority: one neighbourhood
    assert len(report.context.store.small_areas(report.la_code)) == 1
    notice = report.deprivation_figure()
    assert isinstance(notice, Notice)
    assert "has 1 neighbourhood in 1 deprivation quintile:" in notice.text
    assert report.deprivation_sii_table() is None
