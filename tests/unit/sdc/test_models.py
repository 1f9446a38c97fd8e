"""Unit tests of regression, histogram and magnitude-table releases."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from ldsa.sdc import (
    OutputKind,
    Policy,
    Rule,
    release_histogram,
    release_magnitudes,
    release_model,
    release_public,
)
from ldsa.sdc.magnitude import dominance_rule

COEFS = pd.DataFrame(
    {
        "term": ["const", "imd_score", "la_type[rare]"],
        "estimate": [1.23456, 0.5, 2.0],
        "std_error": [0.1, 0.05, 1.0],
    }
)


@pytest.mark.parametrize(("df_resid", "suppressed"), [(9.0, True), (10.0, False), (11.0, False)])
def test_model_dof_boundary(df_resid: float, suppressed: bool, default_policy: Policy) -> None:
    """A model with residual dof below the threshold releases no statistic."""
    table = release_model(COEFS, df_resid=df_resid, policy=default_policy, output_id="m")
    assert table.status(0, "estimate").suppressed is suppressed
    assert table.record.kind is OutputKind.REGRESSION
    assert bool(table.record.cells_for(Rule.DOF)) is suppressed


def test_model_nan_dof(default_policy: Policy) -> None:
    """A model whose residual dof is not finite releases nothing."""
    table = release_model(COEFS, df_resid=math.nan, policy=default_policy, output_id="m")
    assert table.text(1, "estimate") == "[c]"


@pytest.mark.parametrize(("size", "suppressed"), [(0, True), (9, True), (10, False), (11, False)])
def test_model_group_size(size: int, suppressed: bool, default_policy: Policy) -> None:
    """A coefficient of a group below the threshold (or empty) is suppressed."""
    table = release_model(
        COEFS,
        df_resid=300,
        policy=default_policy,
        output_id="m",
        group_sizes={"la_type[rare]": size},
    )
    assert table.status(2, "estimate").suppressed is suppressed
    assert table.text(0, "estimate") == "1.235"
    assert table.record.cells_for(Rule.GROUP_SIZE) == (((2, 1), (2, 2)) if suppressed else ())


def test_model_needs_term_column(default_policy: Policy) -> None:
    """A coefficient table without its term column is refused."""
    with pytest.raises(ValueError, match="no term column"):
        release_model(COEFS, df_resid=30, policy=default_policy, output_id="m", term_column="x")


def test_histogram_merges_small_bins(default_policy: Policy) -> None:
    """Bins below the threshold merge with their smaller neighbour until all are safe."""
    values = [0.5] * 12 + [1.5] * 3 + [2.5] * 20 + [3.5] * 2 + [4.5] * 30
    table = release_histogram(values, [0, 1, 2, 3, 4, 5], policy=default_policy, output_id="h")
    rows = [[table.text(r, c) for c in table.columns] for r in range(table.n_rows)]
    assert rows == [["0", "2", "15"], ["2", "4", "22"], ["4", "5", "30"]]
    assert table.record.cells_for(Rule.HISTOGRAM) == ((0, 2), (1, 2))
    assert table.record.kind is OutputKind.HISTOGRAM


def test_histogram_merges_right_and_suppresses_last(
    default_policy: Policy, strict_policy: Policy
) -> None:
    """A small first bin merges right; a histogram too small overall is one suppressed bin."""
    merged = release_histogram(
        [0.5] * 2 + [1.5] * 30 + [2.5] * 40, [0, 1, 2, 3], policy=default_policy, output_id="h"
    )
    assert merged.text(0, "people_count") == "32"
    tiny = release_histogram([0.5, 1.5, math.nan], [0, 1, 2], policy=strict_policy, output_id="h")
    assert tiny.n_rows == 1
    assert tiny.text(0, "people_count") == "[c]"
    assert tiny.record.cells_for(Rule.THRESHOLD) == ((0, 2),)
    clean = release_histogram([0.5] * 12, [0, 1], policy=strict_policy, output_id="h")
    assert clean.text(0, "people_count") == "10"


def test_histogram_bad_arguments(default_policy: Policy) -> None:
    """Bins must be at least two increasing edges and the count name must end in _count."""
    with pytest.raises(ValueError, match="increasing"):
        release_histogram([1.0], [1, 1], policy=default_policy, output_id="h")
    with pytest.raises(ValueError, match="must end in"):
        release_histogram([1.0], [0, 2], policy=default_policy, output_id="h", count_column="n")


@pytest.mark.parametrize(
    ("contributions", "rule"),
    [
        ([95, 3, 2] + [0] * 10, Rule.NK),  # two largest make 98% > 90%
        ([50, 40, 4, 1], Rule.NK),
        ([60, 30, 5, 1], Rule.NK),  # top two make 90/96 = 0.9375
        ([40, 40], Rule.NK),
        ([10] * 12, None),
        ([0, 0, 0], None),
    ],
)
def test_dominance_rule(
    contributions: list[int], rule: Rule | None, default_policy: Policy
) -> None:
    """N-K fires first, then p%; even or empty cells pass."""
    assert dominance_rule(contributions, default_policy) is rule


def test_p_ratio_alone(default_policy: Policy) -> None:
    """p% fires when N-K passes but the rest is under p of the largest."""
    lenient = dataclasses.replace(default_policy, nk_k=1.0)
    assert dominance_rule([50, 49, 4], lenient) is Rule.P_RATIO
    assert dominance_rule([50, 49], lenient) is Rule.P_RATIO
    assert dominance_rule([50, 40, 30], lenient) is None


def test_magnitudes(default_policy: Policy) -> None:
    """Magnitude sums are suppressed for small or dominated cells; counts by threshold."""
    frame = pd.DataFrame(
        {
            "region": ["a"] * 12 + ["b"] * 12 + ["c"] * 3,
            "beds": [10.0] * 12 + [500.0] + [1.0] * 11 + [5.0] * 3,
        }
    )
    table = release_magnitudes(
        frame, group_columns=["region"], value_column="beds", policy=default_policy, output_id="g"
    )
    assert table.to_csv_text().splitlines() == [
        "region,contributors_count,beds",
        "a,12,120.0",
        "b,12,[c]",
        "c,[c],[c]",
    ]
    assert table.record.cells_for(Rule.NK) == ((1, 2),)
    assert table.record.cells_for(Rule.THRESHOLD) == ((2, 1), (2, 2))


def test_magnitudes_refuse_bad_input(default_policy: Policy) -> None:
    """Negative or missing contributions, and a count name without _count, are refused."""
    frame = pd.DataFrame({"region": ["a"], "beds": [-1.0]})
    with pytest.raises(ValueError, match="must end in"):
        release_magnitudes(
            frame,
            group_columns=["region"],
            value_column="beds",
            policy=default_policy,
            output_id="g",
            count_column="n",
        )
    with pytest.raises(ValueError, match="finite values >= 0"):
        release_magnitudes(
            frame,
            group_columns=["region"],
            value_column="beds",
            policy=default_policy,
            output_id="g",
        )


def test_magnitudes_two_keys_rounded(strict_policy: Policy) -> None:
    """Groups by two columns; contributor counts are rounded under strict."""
    frame = pd.DataFrame({"r": ["a"] * 12, "s": ["x"] * 12, "v": [1.0] * 12})
    table = release_magnitudes(
        frame, group_columns=["r", "s"], value_column="v", policy=strict_policy, output_id="g"
    )
    assert table.to_csv_text().splitlines()[1] == "a,x,10,12.0"


def test_release_public(default_policy: Policy) -> None:
    """Public figures are released as they are, with their source on the record."""
    frame = pd.DataFrame(
        {"age_band": ["0-4", "90+"], "population": [5230.0, 3.0], "imd": [1.25, 2.0]}
    )
    table = release_public(
        frame,
        ["population", "imd"],
        source="ONS mid-year estimates 2020",
        policy=default_policy,
        output_id="p",
        decimals={"imd": 1},
    )
    assert table.to_csv_text().splitlines() == [
        "age_band,population,imd",
        "0-4,5230,1.3",
        "90+,3,2.0",
    ]
    assert dict(table.record.properties)["public_source"] == "ONS mid-year estimates 2020"
    assert table.record.status.value == "pass"


@pytest.mark.parametrize(
    ("columns", "source", "message"),
    [
        (["people_count"], "ONS", "end in '_count'"),
        (["nope"], "ONS", "are missing"),
        (["population"], "", "source named"),
    ],
)
def test_release_public_refuses(
    columns: list[str], source: str, message: str, default_policy: Policy
) -> None:
    """Counts, missing columns and an unnamed source are refused."""
    frame = pd.DataFrame({"population": [1.0], "people_count": [1]})
    with pytest.raises(ValueError, match=message):
        release_public(frame, columns, source=source, policy=default_policy, output_id="p")
