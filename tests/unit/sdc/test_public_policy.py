"""Unit tests of the ``public`` policy (issue 12): published counts released unchanged,
reliability kept at 10 events, refused off stores of published files, named everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ldsa.errors import ExitCode, PolicyError
from ldsa.sdc import PRESETS, FindingRule, Policy, load_policy, write_checker_pack
from ldsa.sdc.checker import batch_summary, describe, published_sources
from ldsa.sdc.policy import PUBLISHED_KEY, check_policy_for_store, parse_policy
from ldsa.sdc.primary import is_unsafe_count, too_few_events, unsafe_counts
from ldsa.sdc.records import OutputKind, Record, Rule, make_record
from ldsa.sdc.scan import check_release

SOURCES = [
    "Cases by specimen date. UK Health Security Agency (UKHSA); 2020; OGL v3.0.",
    "Weekly deaths. Office for National Statistics; 2021; OGL v3.0.",
]


@pytest.fixture(scope="module")
def public() -> Policy:
    return load_policy("public")


def _text(policy: Policy, **changes: object) -> str:
    """``policy`` as YAML with keys changed (None: removed) and others added."""
    mapping = policy.to_mapping()
    for key, value in changes.items():
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in mapping.items())


# --- the preset and its key


def test_public_preset(public: Policy, default_policy: Policy) -> None:
    """public is default's keys (threshold 10 and all) plus published_inputs, with a reason."""
    assert "public" in PRESETS
    assert public.name == "public"
    assert public.published_inputs
    assert public.threshold == default_policy.threshold == 10
    keys = {k: v for k, v in public.to_mapping().items() if k not in ("name", PUBLISHED_KEY)}
    keys.pop("weaker_than_default")
    expected = {k: v for k, v in default_policy.to_mapping().items() if k != "name"}
    assert keys == expected
    assert "UKHSA and ONS" in public.weaker_than_default


def test_public_is_named_as_weaker_with_its_reason(public: Policy) -> None:
    """The label, printed in every footer, the manifest and the pack, says what and why."""
    assert public.weakened == (f"every count released as published ({PUBLISHED_KEY})",)
    assert public.label.startswith("public (version 1.0; WEAKER than default: every count")
    assert public.weaker_than_default in public.label


def test_presets_without_the_key_keep_their_text(
    default_policy: Policy, strict_policy: Policy
) -> None:
    """default and strict do not write the optional key: same text, same SHA-256 as before
    it existed (a checker pack or manifest of an earlier run still matches)."""
    for policy in (default_policy, strict_policy):
        assert not policy.published_inputs
        assert PUBLISHED_KEY not in policy.to_yaml()
    assert default_policy.sha256.startswith("796994d58d39")
    assert strict_policy.sha256.startswith("6a76e0e6797d")


@pytest.mark.parametrize("value", ["1", '"true"', "[true]", "null", "0", "trueish"])
def test_published_inputs_is_strictly_boolean(public: Policy, value: str) -> None:
    text = _text(public, name="mine").replace(f"{PUBLISHED_KEY}: true", f"{PUBLISHED_KEY}: {value}")
    with pytest.raises(PolicyError, match=f"key '{PUBLISHED_KEY}': expected true or false") as info:
        parse_policy(text, where="mine.yaml")
    assert info.value.exit_code is ExitCode.POLICY
    assert "How to fix" in str(info.value)


def test_published_inputs_needs_a_stated_reason(public: Policy) -> None:
    """Setting the key weakens the policy: refused unless weaker_than_default says why."""
    text = _text(public, name="mine", weaker_than_default=None)
    with pytest.raises(PolicyError, match=r"weaker than the default policy \(every count"):
        parse_policy(text, where="mine.yaml")
    mine = parse_policy(_text(public, name="mine"), where="mine.yaml")
    assert mine.published_inputs
    assert mine.label.startswith("mine (version 1.0; WEAKER")


def test_published_inputs_false_is_the_default(default_policy: Policy) -> None:
    """The key given as false is the same policy as without it (same text and hash)."""
    text = _text(default_policy, name="mine") + f"{PUBLISHED_KEY}: false\n"
    mine = parse_policy(text, where="mine.yaml")
    assert not mine.published_inputs
    assert not mine.weakened
    assert mine.to_yaml() == _policy_yaml(default_policy, "mine")


def _policy_yaml(policy: Policy, name: str) -> str:
    return parse_policy(_text(policy, name=name), where="x").to_yaml()


def test_only_the_preset_may_be_named_public(public: Policy, tmp_path: Path) -> None:
    """A file named public must be the preset itself (the pack's copy loads as it)."""
    with pytest.raises(PolicyError, match="a built-in preset's name"):
        parse_policy(_text(public, threshold=5), where="public.yaml")
    with pytest.raises(PolicyError, match="a built-in preset's name"):
        parse_policy(_text(load_policy("default"), name="Public"), where="public.yaml")
    copy = tmp_path / "policy.yaml"
    copy.write_text(public.to_yaml(), encoding="utf-8")
    assert load_policy(copy) == public


# --- the rules


def test_primary_rule_releases_every_count(public: Policy, default_policy: Policy) -> None:
    """No count is unsafe under public, zeros included; default's rule is unchanged."""
    counts = list(range(25))
    assert not any(is_unsafe_count(n, public) for n in counts)
    assert [n for n in counts if is_unsafe_count(n, default_policy)] == list(range(1, 10))


@pytest.mark.parametrize("name", ["default", "strict", "public"])
def test_vectorised_rule_agrees(name: str) -> None:
    policy = load_policy(name)
    values = np.arange(0, 30).reshape(5, 6)
    expected = np.vectorize(lambda n: is_unsafe_count(int(n), policy))(values)
    assert np.array_equal(unsafe_counts(values, policy), expected)


def test_reliability_stays_at_ten_events(public: Policy, default_policy: Policy) -> None:
    """Estimates from fewer than 10 events are withheld under public as under default."""
    for events in range(30):
        assert too_few_events(events, public) == too_few_events(events, default_policy)
        assert too_few_events(events, public) == (events < 10)


def test_strict_reliability_matches_its_primary_rule(strict_policy: Policy) -> None:
    for events in range(30):
        expected = events == 0 or is_unsafe_count(events, strict_policy)
        assert too_few_events(events, strict_policy) == expected


# --- refused off stores of published files


@pytest.mark.parametrize("kind", ["dummy", "extract", "tiny"])
def test_refused_on_other_stores(public: Policy, kind: str) -> None:
    with pytest.raises(PolicyError) as info:
        check_policy_for_store(public, kind, where="store /data/s2")
    message = str(info.value)
    assert info.value.exit_code is ExitCode.POLICY
    assert message.startswith("store /data/s2: made from")
    assert "releases every count unchanged" in message
    assert "How to fix: use --policy default" in message


@pytest.mark.parametrize("name", ["default", "strict"])
@pytest.mark.parametrize("kind", ["dummy", "extract", "public"])
def test_other_policies_run_on_every_store(name: str, kind: str) -> None:
    check_policy_for_store(load_policy(name), kind, where="store s")


def test_public_runs_on_a_public_store(public: Policy) -> None:
    check_policy_for_store(public, "public", where="store s")


# --- the scanner and the checker pack


def _release(root: Path, kind: str | None, *, counts: str = "3,12") -> Path:
    """A released folder: one CSV with the counts given, and a run manifest of ``kind``."""
    tables = root / "E1" / "tables"
    tables.mkdir(parents=True)
    rows = "".join(f"2020-03-0{i + 2},{n}\n" for i, n in enumerate(counts.split(",")))
    (tables / "E1_overview_cases.csv").write_text(f"period_start,la_cases_count\n{rows}")
    if kind is not None:
        store = {"sha256": "0" * 64, "source": {"kind": kind}}
        if kind == "public":
            store["sources"] = SOURCES
        (root / "manifest.json").write_text(json.dumps({"store": store}), encoding="utf-8")
    return root


def test_small_published_counts_are_no_findings(
    tmp_path: Path, public: Policy, default_policy: Policy
) -> None:
    root = _release(tmp_path / "r", "public")
    assert check_release(root, public).findings == ()
    found = check_release(root, default_policy).findings
    assert [f.rule for f in found] == [FindingRule.BELOW_THRESHOLD]  # default still flags


def test_other_checks_still_run_under_public(tmp_path: Path, public: Policy) -> None:
    """Negative and unmarked counts are findings under every policy."""
    root = _release(tmp_path / "r", "public", counts="-1,x")
    rules = sorted(f.rule.value for f in check_release(root, public).findings)
    assert rules == [FindingRule.BELOW_THRESHOLD.value, FindingRule.UNMARKED.value]


@pytest.mark.parametrize("kind", ["dummy", "tiny", None])
def test_check_refused_unless_the_manifest_records_a_public_store(
    tmp_path: Path, public: Policy, default_policy: Policy, kind: str | None
) -> None:
    """A release of another store (or with no manifest) is never judged under public."""
    root = _release(tmp_path / "r", kind)
    with pytest.raises(PolicyError, match="How to fix") as info:
        check_release(root, public)
    assert info.value.exit_code is ExitCode.POLICY
    assert check_release(root, default_policy).findings  # and default judges it as ever


def test_malformed_manifest_refused(tmp_path: Path, public: Policy) -> None:
    root = _release(tmp_path / "r", None)
    for text in ("{", "[]", '{"store": []}', '{"store": {"source": "public"}}'):
        (root / "manifest.json").write_text(text, encoding="utf-8")
        with pytest.raises(PolicyError, match="no run manifest recording the store's source"):
            published_sources(root, public)


def test_published_sources_read_only_under_public(
    tmp_path: Path, public: Policy, default_policy: Policy
) -> None:
    root = _release(tmp_path / "r", "public")
    assert published_sources(root, public) == tuple(SOURCES)
    assert published_sources(tmp_path / "absent", default_policy) == ()


def _record(policy: Policy) -> Record:
    return make_record(
        uid="E1/overview/cases",
        kind=OutputKind.TABLE,
        policy=policy,
        description="Weekly cases",
        columns=["period_start", "la_cases_count"],
        label_columns=["period_start"],
        row_labels=["2020-03-02", "2020-03-03"],
        cells={},
    )


def test_pack_says_why_and_names_the_sources(tmp_path: Path, public: Policy) -> None:
    root = _release(tmp_path / "r", "public")
    results = write_checker_pack(root / "checker", [_record(public)], public, reports_dir=root)
    batch = json.loads(results.read_text(encoding="utf-8"))["batch"]
    assert batch["policy"] == public.label
    assert batch["published_inputs"]["sources"] == SOURCES
    assert "already published" in batch["published_inputs"]["why"]
    assert "fewer than 10 events" in batch["published_inputs"]["why"]
    context = (root / "checker" / "context.md").read_text(encoding="utf-8")
    assert "## Published inputs" in context
    assert all(f"- {source}" in context for source in SOURCES)
    summary = json.loads(results.read_text(encoding="utf-8"))["results"]["E1/overview/cases"]
    assert summary["summary"].startswith("pass: nothing withheld; counts released as published")


def test_pack_refused_for_a_release_of_another_store(tmp_path: Path, public: Policy) -> None:
    root = _release(tmp_path / "r", "dummy")
    with pytest.raises(PolicyError, match="generated dummy data"):
        write_checker_pack(root / "checker", [], public, reports_dir=root)
    assert not (root / "checker").exists()


def test_other_policies_pack_unchanged(default_policy: Policy) -> None:
    """No published-inputs key or clause under a policy without it."""
    record = _record(default_policy)
    assert "published_inputs" not in batch_summary([record], default_policy)
    assert describe(record, default_policy) == "pass: nothing withheld"


def test_unreliable_cells_are_described_beside_the_clause(public: Policy) -> None:
    record = make_record(
        uid="E1/overview/rates",
        kind=OutputKind.TABLE,
        policy=public,
        description="Rates",
        columns=["period_start", "la_rate"],
        label_columns=["period_start"],
        row_labels=["2020-03-02"],
        cells={Rule.UNRELIABLE: [(0, 1)]},
    )
    text = describe(record, public)
    assert text.startswith("pass: unreliable: 1 cell rates not shown as unreliable")
    assert text.endswith("(published_inputs: the inputs are published aggregates)")


def test_sources_not_recorded_are_said_so(tmp_path: Path, public: Policy) -> None:
    """A manifest of a public store whose sources are missing or malformed: the pack says
    none were recorded (the run's own manifest always records them)."""
    root = _release(tmp_path / "r", "public")
    for sources in ([], [1, 2], "UKHSA"):
        store = {"sha256": "0" * 64, "source": {"kind": "public"}, "sources": sources}
        document = {"store": store}
        (root / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
        assert published_sources(root, public) == ()
    results = write_checker_pack(root / "checker", [], public, reports_dir=root)
    assert (
        json.loads(results.read_text(encoding="utf-8"))["batch"]["published_inputs"]["sources"]
        == []
    )
    context = (root / "checker" / "context.md").read_text(encoding="utf-8")
    assert "Sources (from the store's manifest):\n\n- (none recorded)\n" in context


# --- the batch-wide plans and model estimates under public


def test_batch_wide_primary_rule_releases_every_count(public: Policy) -> None:
    """The plans' vectorised primary rule agrees with is_unsafe_count under public."""
    from ldsa.sdc.relations import unsafe

    assert not unsafe(np.arange(0, 12), public).any()


def test_estimates_from_few_published_events_are_unreliable(public: Policy) -> None:
    """An R from 3 published cases is withheld as unreliable ([u]), not released."""
    import pandas as pd

    from ldsa.sdc import release_estimates, render_csv

    frame = pd.DataFrame({"week": ["w1", "w2"], "r": [1.2, 0.9]})
    table = release_estimates(
        frame, ["r"], events=[3, 40], policy=public, output_id="E1/projections/r", method="m"
    )
    assert render_csv(table).splitlines()[1:] == ["w1,[u]", "w2,0.90"]
