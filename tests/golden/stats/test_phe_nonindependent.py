"""DSRs for non-independent events against PHE's calculate_dsr."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ldsa.ageband import AGE_BANDS
from ldsa.stats import dsr_nonindependent

RTOL = 1e-6


def _phe_inputs(shared_dir: Path) -> pd.DataFrame:
    """PHE's DSR fixtures (../shared/reference/phe, see its PROVENANCE.md), one event each."""
    inputs = pd.read_csv(shared_dir / "reference" / "phe" / "dsr_inputs.csv")
    inputs = inputs.fillna({"count": 0.0})  # testdata_tiny's blank band counts as zero
    # Bands by position (one source label reads "55-69" for "55-59"; see PROVENANCE.md).
    return inputs.assign(age_band=np.tile(AGE_BANDS, 3), frequency=1)


@pytest.mark.parametrize("multiplier", [10_000, 100_000])
def test_one_event_each_gives_phes_dsr(shared_dir: Path, multiplier: int) -> None:
    """With every person having one event, the result is PHE's own DSR and Dobson limits.

    Reference: PHEindicatormethods testdata_DSR_ISR.xlsx / testresults_DSR (exported to
    ../shared/reference/phe/dsr_expected.csv): 5 values for each of 2 areas, and the
    third area not calculated. PHE's non-independent fixture (testdata_nonindepe) is a
    binary workbook sheet the code index cannot read.
    """
    result = dsr_nonindependent(
        _phe_inputs(shared_dir), count="count", population="pop", event_frequency="frequency",
        by="area", multiplier=multiplier, conf_level=(0.95, 0.998),
    ).set_index("area")  # fmt: skip
    expected = pd.read_csv(shared_dir / "reference" / "phe" / "dsr_expected.csv")
    expected = expected[expected["statistic"] == f"dsr per {multiplier}"].set_index("area")
    for area in ("testdata_big", "testdata_small"):
        for mine, theirs in [
            ("value", "value"),
            ("lower_95", "lower95_0cl"),
            ("upper_95", "upper95_0cl"),
            ("lower_99_8", "lower99_8cl"),
            ("upper_99_8", "upper99_8cl"),
        ]:
            assert_allclose(result.loc[area, mine], expected.loc[area, theirs], rtol=RTOL)
    assert result.loc["testdata_tiny", "reason"] == "fewer than 10 events"
    assert np.isnan(result.loc["testdata_tiny", "value"])


# Reference: PHE's calculate_dsr(independent_events = FALSE) run in R on
# reference/phe_dsr_nonindependent/inputs.csv (see its PROVENANCE.md): per area, total
# events, DSR per 100,000, 95% and 99.8% limits. Area C has 14 events (all single).
PHE_NONINDEPENDENT = {
    "A": (1929, 659.659714221, 623.431088775, 697.129487862, 603.109737753, 719.075637781),
    "B": (2217, 899.865517377, 853.428365284, 947.784752313, 827.331666495, 975.822223565),
    "C": (14, 4.86288066928, 2.44575480149, 8.47422220567, 1.49746621824, 10.9138858382),
}


def test_matches_phes_nonindependent_dsr() -> None:
    """Events, DSRs and both limits for 3 areas with 1-3 events per person match PHE's
    code (18 values) to 1e-9."""
    inputs = pd.read_csv(
        Path(__file__).parent / "reference" / "phe_dsr_nonindependent" / "inputs.csv"
    )
    result = dsr_nonindependent(
        inputs, count="x", population="n", event_frequency="eventfreq", age_band="ageband",
        by="area", standard="stdpop", conf_level=(0.95, 0.998),
    ).set_index("area")  # fmt: skip
    columns = ["total_count", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    for area, expected in PHE_NONINDEPENDENT.items():
        assert_allclose(result.loc[area, columns].to_numpy(dtype=float), expected, rtol=1e-9)
    assert (result["method"] == "Dobson, with confidence adjusted for non-independent events").all()
