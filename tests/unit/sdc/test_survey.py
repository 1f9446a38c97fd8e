"""The survey release rules: participants, households, swabs and positives at the threshold."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ldsa.errors import DisclosureError
from ldsa.sdc import (
    CellStatus,
    Policy,
    Rule,
    SurveyEstimates,
    SurveyModel,
    SurveySample,
    release_counts,
    release_from_estimates,
    release_survey,
    scan_outputs,
)
from ldsa.sdc.survey import model_rule, rule_text, sample_rule

BIG = SurveySample(swabs=500, positives=40, participants=400, households=180)


def _sample(**changes: int) -> SurveySample:
    fields = {"swabs": 500, "positives": 40, "participants": 400, "households": 180}
    return SurveySample(**{**fields, **changes})


@pytest.mark.parametrize("field", ["participants", "households", "swabs"])
@pytest.mark.parametrize(("offset", "released"), [(-1, False), (0, True), (1, True)])
def test_sample_rule_at_the_threshold(
    default_policy: Policy, field: str, offset: int, released: bool
) -> None:
    """An estimate needs at least the threshold of participants, of households and of swabs
    behind it: threshold - 1 withholds it, the threshold and one more release it."""
    n = default_policy.threshold + offset
    sample = _sample(**{field: n, **({"positives": 0} if field == "swabs" else {})})
    rule = sample_rule(sample, default_policy, direct=False)
    assert rule is (None if released else Rule.SURVEY_SAMPLE)


@pytest.mark.parametrize(
    ("positives", "expected"),
    [(0, None), (1, Rule.SURVEY_POSITIVES), (9, Rule.SURVEY_POSITIVES), (10, None), (11, None)],
)
def test_direct_estimates_need_safe_positives(
    default_policy: Policy, positives: int, expected: Rule | None
) -> None:
    """A direct estimate (a share of its own swabs) needs its positive swabs 0 (zeros are
    not disclosive under default) or at least the threshold; a modelled one does not."""
    sample = _sample(positives=positives)
    assert sample_rule(sample, default_policy, direct=True) is expected
    assert sample_rule(sample, default_policy, direct=False) is None


@pytest.mark.parametrize(("negatives", "released"), [(0, False), (9, False), (10, True)])
def test_direct_estimates_need_safe_negatives(
    default_policy: Policy, negatives: int, released: bool
) -> None:
    """Every swab positive (0 negatives) or a few negatives would disclose: withheld."""
    sample = _sample(swabs=60, positives=60 - negatives)
    rule = sample_rule(sample, default_policy, direct=True)
    assert rule is (None if released else Rule.SURVEY_POSITIVES)


def test_strict_withholds_zero_positives(strict_policy: Policy) -> None:
    """Under strict (zeros disclosive, redact 7 or fewer) no positive is a withheld share."""
    assert sample_rule(_sample(positives=0), strict_policy, direct=True) is Rule.SURVEY_POSITIVES
    assert sample_rule(_sample(positives=8), strict_policy, direct=True) is None


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (SurveyModel(BIG, 120.0), None),
        (SurveyModel(BIG, 9.5), Rule.DOF),
        (SurveyModel(BIG, math.nan), Rule.DOF),
        (SurveyModel(_sample(households=9), 120.0), Rule.SURVEY_SAMPLE),
        (SurveyModel(_sample(positives=9), 120.0), Rule.SURVEY_POSITIVES),
        (SurveyModel(_sample(positives=10), 120.0), None),
    ],
)
def test_model_rule(default_policy: Policy, model: SurveyModel, expected: Rule | None) -> None:
    """A model releases nothing below 10 residual degrees of freedom, or fitted to fewer
    than the threshold of participants, households or positive swabs."""
    assert model_rule(model, default_policy) is expected


def test_sample_refuses_impossible_counts() -> None:
    """More positives than swabs, or a negative count, is refused."""
    with pytest.raises(ValueError, match="positives at most the swabs"):
        SurveySample(swabs=5, positives=6, participants=5, households=5)
    with pytest.raises(ValueError, match=">= 0"):
        SurveySample(swabs=5, positives=0, participants=-1, households=5)


def _weekly(policy: Policy) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2021-01-04", "2021-01-11", "2021-01-18"]),
            "period_end": pd.to_datetime(["2021-01-10", "2021-01-17", "2021-01-24"]),
            "cis_area": "J06000001",
            "cis_positivity": [1.234, 2.0, math.nan],
            "cis_lower": [0.5, 1.0, math.nan],
            "cis_upper": [2.5, 3.9, math.nan],
            "england_positivity": [1.1, 1.2, 1.3],
        }
    )


def _release(policy: Policy, model: SurveyModel | None = None) -> object:
    samples = (
        _sample(participants=9, households=9),  # below: withheld, counts too
        _sample(participants=12, households=10),
        _sample(participants=14, households=11),  # no estimate: [u]
    )
    cis = SurveyEstimates(
        prefix="cis",
        statistics=("cis_positivity", "cis_lower", "cis_upper"),
        samples=samples,
        model=model or SurveyModel(BIG, 50.0),
        counts=("participants", "households"),
    )
    england = SurveyEstimates(
        "england", ("england_positivity",), (BIG,) * 3, SurveyModel(BIG, 900.0)
    )
    return release_survey(
        _weekly(policy),
        [cis, england],
        labels=["period_start", "period_end", "cis_area"],
        policy=policy,
        output_id="E1/survey/t",
        sample_note="each row: its week",
        description="test",
    )


def test_release_survey_withholds_by_sample(default_policy: Policy) -> None:
    """Estimates are withheld ([c]) in the week whose sample is below the threshold, with
    its counts; shown where it passes; [u] where there is no estimate; the record names
    the rules and the sample, and gives each model's verdict without its counts."""
    table = _release(default_policy)
    assert table.columns == (
        "period_start", "period_end", "cis_area", "cis_participants_count", "cis_households_count",
        "cis_positivity", "cis_lower", "cis_upper", "england_positivity",
    )  # fmt: skip
    assert [table.text(0, c) for c in table.columns[3:]] == ["[c]"] * 5 + ["1.10"]
    assert [table.text(1, c) for c in table.columns[3:]] == [
        "12", "10", "2.00", "1.00", "3.90", "1.20",
    ]  # fmt: skip
    assert table.text(2, "cis_positivity") == "[u]"
    assert table.status(0, "cis_participants_count") is CellStatus.SUPPRESSED_DISCLOSURE
    record = table.record
    assert len(record.cells_for(Rule.SURVEY_SAMPLE)) == 3
    assert len(record.cells_for(Rule.THRESHOLD)) == 2
    assert len(record.cells_for(Rule.UNRELIABLE)) == 3
    properties = dict(record.properties)
    assert properties["survey_rule"] == rule_text(default_policy)
    assert properties["survey_sample"] == "each row: its week"
    assert properties["cis_model"].startswith("model passed (residual degrees of freedom 50")
    assert "400" not in properties["cis_model"]  # no counts of the sample


def test_release_survey_model_rule_withholds_everything(default_policy: Policy) -> None:
    """A model with too few residual degrees of freedom releases none of its estimates;
    the other area's are unaffected."""
    table = _release(default_policy, SurveyModel(BIG, 3.0))
    assert [table.text(1, c) for c in ("cis_positivity", "cis_lower", "cis_upper")] == ["[c]"] * 3
    assert table.text(1, "england_positivity") == "1.20"
    assert dict(table.record.properties)["cis_model"] == "every estimate withheld: dof"


def test_release_survey_rounds_counts_under_strict(strict_policy: Policy) -> None:
    """Under strict, released counts of people are rounded to 5 and recorded as rounded."""
    table = _release(strict_policy)
    assert table.value(1, "cis_participants_count") == 10
    assert table.value(2, "cis_participants_count") == 15
    assert table.status(1, "cis_households_count") is CellStatus.ROUNDED
    assert table.record.cells_for(Rule.ROUNDED)


def test_release_survey_refuses_misaligned_samples(default_policy: Policy) -> None:
    """One sample per row is needed."""
    area = SurveyEstimates("cis", ("cis_positivity",), (BIG,), SurveyModel(BIG, 50.0))
    with pytest.raises(ValueError, match="1 samples for 3 rows"):
        release_survey(
            _weekly(default_policy), [area], labels=["period_start"], policy=default_policy,
            output_id="x", sample_note="",
        )  # fmt: skip


def test_survey_csv_scans_clean_and_planted_breaches_are_found(
    default_policy: Policy, tmp_path: Path
) -> None:
    """``ldsa check`` reads the released CSVs of two authorities sharing a CIS area: counts
    at or above the threshold, estimates withheld with their counts, the area's counts the
    same in both (no finding, no region needed); an estimate shown beside a withheld count
    of participants, and a copy of the area's count that differs, are found."""
    text = _release(default_policy).to_csv_text()
    for la_code in ("E1", "E2"):
        folder = tmp_path / la_code / "tables"
        folder.mkdir(parents=True)
        (folder / "survey-t.csv").write_text(text)
    assert scan_outputs(tmp_path, default_policy) == []
    lines = text.splitlines()
    cells = lines[1].split(",")
    cells[5] = "1.23"  # the first week's estimate, beside its withheld counts
    second = lines[2].split(",")
    second[3] = "13"  # the second week's participants, 12 in the other copy
    planted = "\n".join([lines[0], ",".join(cells), ",".join(second), *lines[3:]])
    (tmp_path / "E2" / "tables" / "survey-t.csv").write_text(planted + "\n")
    found = {(f.file, f.rule.value) for f in scan_outputs(tmp_path, default_policy)}
    assert found == {
        ("E2/tables/survey-t.csv", "derived-from-suppressed"),
        ("E2/tables/survey-t.csv", "inconsistent-copies"),
    }


def test_release_from_estimates(default_policy: Policy) -> None:
    """A statistic of released counts and estimates is [c] where a source is withheld for
    confidentiality, [u] where one is unreliable or it is not finite, else released."""
    frame = pd.DataFrame({"week": ["a", "b", "c", "d"], "la_count": [30, 4, 25, 40]})
    counts = release_counts(frame, ["la_count"], policy=default_policy, output_id="c")
    survey = _release(default_policy)
    with pytest.raises(DisclosureError):
        release_from_estimates(
            frame, frame, {"r": ("la_count",)}, policy=default_policy, output_id="x"
        )  # type: ignore[arg-type]  # a raw frame is refused
    rows = counts.select(output_id="c3", rows=[0, 1, 2])
    both_frame = pd.DataFrame({"ratio": [1.5, 2.0, 3.0], "cis": [1, 2, 3]})
    table = release_from_estimates(
        rows, both_frame, {"ratio": ("la_count",)}, policy=default_policy, output_id="r",
        keep=["week", "la_count"],
    )  # fmt: skip
    assert [table.text(r, "ratio") for r in range(3)] == ["1.50", "[c]", "3.00"]
    assert table.record.cells_for(Rule.DERIVED) == ((1, 2),)
    assert survey.text(2, "cis_positivity") == "[u]"


def test_rule_text_names_the_thresholds(default_policy: Policy, strict_policy: Policy) -> None:
    """The rule in words carries the policy's threshold, dof threshold and rounding."""
    assert "at least 10 swabs, 10 participants and 10 households" in rule_text(default_policy)
    assert "(or none)" in rule_text(default_policy)
    assert "rounded to 5" in rule_text(strict_policy)
    assert "(or none)" not in rule_text(strict_policy)


def test_release_from_estimates_refusals_and_non_finite(default_policy: Policy) -> None:
    """A frame of the wrong length or without the statistic is refused; a statistic that
    is not a finite number is [u]."""
    frame = pd.DataFrame({"week": ["a", "b"], "la_count": [30, 40]})
    counts = release_counts(frame, ["la_count"], policy=default_policy, output_id="c")
    for bad in (pd.DataFrame({"ratio": [1.0]}), pd.DataFrame({"other": [1.0, 2.0]})):
        with pytest.raises(ValueError, match="one row per row"):
            release_from_estimates(
                counts, bad, {"ratio": ("la_count",)}, policy=default_policy, output_id="x"
            )
    table = release_from_estimates(
        counts, pd.DataFrame({"ratio": [math.inf, 2.0]}), {"ratio": ("la_count",)},
        policy=default_policy, output_id="r",
    )  # fmt: skip
    assert [table.text(r, "ratio") for r in range(2)] == ["[u]", "2.00"]


def test_release_survey_refuses_missing_columns_and_unknown_samples(
    default_policy: Policy,
) -> None:
    """A statistic the frame lacks, or a sample size of an unknown kind, is refused."""
    missing = SurveyEstimates("cis", ("cis_nothing",), (BIG,) * 3, SurveyModel(BIG, 50.0))
    unknown = SurveyEstimates(
        "cis", ("cis_positivity",), (BIG,) * 3, SurveyModel(BIG, 50.0), counts=("pets",)
    )
    for area, match in ((missing, "no column"), (unknown, "unknown sample size")):
        with pytest.raises(ValueError, match=match):
            release_survey(
                _weekly(default_policy), [area], labels=["period_start"],
                policy=default_policy, output_id="x", sample_note="",
            )  # fmt: skip
