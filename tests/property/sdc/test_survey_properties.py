"""Property tests (hypothesis) of the survey release rules."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ldsa.sdc import (
    Policy,
    SurveyEstimates,
    SurveyModel,
    SurveySample,
    load_policy,
    release_survey,
)
from ldsa.sdc.rounding import is_rounded

POLICIES = [load_policy("default"), load_policy("strict")]


@st.composite
def samples(draw: st.DrawFn) -> SurveySample:
    """A sample where small counts are common: households <= participants <= swabs."""
    swabs = draw(st.one_of(st.integers(0, 15), st.integers(0, 400)))
    participants = draw(st.integers(0, swabs))
    return SurveySample(
        swabs=swabs,
        positives=draw(st.integers(0, swabs)),
        participants=participants,
        households=draw(st.integers(0, participants)),
    )


@given(
    rows=st.lists(samples(), min_size=1, max_size=8),
    whole=samples(),
    dof=st.floats(0, 50),
    direct=st.booleans(),
    policy=st.sampled_from(POLICIES),
)
def test_no_estimate_rests_on_a_small_sample(
    rows: list[SurveySample], whole: SurveySample, dof: float, direct: bool, policy: Policy
) -> None:
    """Whatever the samples, a released estimate rests on at least the threshold of swabs,
    participants and households; a direct one on safe positive and negative swabs, a
    modelled one on a model with enough degrees of freedom, people and positives; no
    released count of people is unsafe or off the rounding grid; and no estimate is shown
    in a row whose count of people is withheld."""
    t = policy.threshold
    frame = pd.DataFrame({"row": [str(i) for i in range(len(rows))], "cis_p": 1.5})
    area = SurveyEstimates(
        "cis", ("cis_p",), tuple(rows), None if direct else SurveyModel(whole, dof),
        ("participants", "households"),
    )  # fmt: skip
    table = release_survey(
        frame, [area], labels=["row"], policy=policy, output_id="x", sample_note=""
    )
    zeros_ok = not policy.zeros_are_disclosive
    for row, sample in enumerate(rows):
        for column, raw in (("cis_participants_count", sample.participants),
                            ("cis_households_count", sample.households)):  # fmt: skip
            shown = table.value(row, column)
            if shown is not None:
                assert isinstance(shown, int)
                assert shown >= t or (shown == 0 and zeros_ok and raw == 0)
                assert is_rounded(shown, policy)
        if table.status(row, "cis_p").suppressed:
            continue
        assert min(sample.swabs, sample.participants, sample.households) >= t
        assert table.value(row, "cis_participants_count") is not None
        assert table.value(row, "cis_households_count") is not None
        negatives = sample.swabs - sample.positives
        if direct:
            assert sample.positives >= t or (sample.positives == 0 and zeros_ok)
            assert negatives >= t
        else:
            assert math.isfinite(dof)
            assert dof >= policy.dof_threshold
            assert min(whole.swabs, whole.participants, whole.households, whole.positives) >= t
