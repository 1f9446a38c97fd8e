"""The output-checker pack: ACRO-compatible ``results.json``, policy, checksums, context.

Written so that a person can sign a batch off: ``context.md`` opens with a batch summary
(outputs per template and status, cells per rule, what each rule means and what was done),
and every output's ``summary`` says in words which rules fired on how many cells and what
was done about them (suppressed, coarsened to a longer time step, rounded). Per-cell
outcomes list only the cells a rule touched, so that a full batch stays small.

Under a policy for published inputs (``published_inputs: true``, the ``public`` preset)
small counts are released as published: the pack says so, and why, naming the published
sources the run manifest records, and refuses a release whose run manifest does not
record a store of published files (:func:`published_sources`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ldsa import __version__
from ldsa.atomic import write_atomic
from ldsa.errors import PolicyError
from ldsa.sdc.policy import (
    PUBLISHED_KEY,
    PUBLISHED_SOURCE_KIND,
    Policy,
    check_policy_for_store,
)
from ldsa.sdc.records import RULE_MEANINGS, OutputKind, Record, RecordStatus, Rule

#: The pack's copy of the policy, and the file recording its SHA-256 (``sha256sum -c``).
POLICY_FILE = "policy.yaml"
POLICY_HASH_FILE = "policy.sha256"
#: The run manifest in a released folder (``ldsa.run.batch.MANIFEST``): it records the
#: store's source kind and, for a store of published files, its sources.
RUN_MANIFEST = "manifest.json"
#: The ACRO release whose ``results.json`` layout the pack follows.
ACRO_RESULTS_VERSION = "0.4.11"
#: ACRO's names in ``sdc.summary`` and ``sdc.cells`` (ldsa's further rules follow them).
ACRO_SUMMARY_KEYS = (
    "negative",
    "missing",
    "threshold",
    "p-ratio",
    "nk-rule",
    "all-values-are-same",
)
#: What was done to the cells of each rule, for an output's summary.
_ACTIONS = {
    Rule.THRESHOLD: "below the threshold, suppressed",
    Rule.ZEROS: "zeros, suppressed",
    Rule.SECONDARY: "suppressed so that the table's totals reveal no suppressed cell",
    Rule.LINKED: "suppressed so that the batch's other tables reveal no suppressed cell",
    Rule.RUNNING_TOTAL: "running totals withheld so that they reveal no suppressed cell",
    Rule.DERIVED: "statistics withheld with their suppressed counts",
    Rule.DOF: "not released: too few residual degrees of freedom",
    Rule.GROUP_SIZE: "coefficients of small groups suppressed",
    Rule.NK: "dominated magnitudes suppressed",
    Rule.P_RATIO: "magnitudes revealing a contributor suppressed",
    Rule.HISTOGRAM: "small bins merged or suppressed",
    Rule.FORCED: "suppressed at the analyst's request",
    Rule.SURVEY_SAMPLE: "survey estimates on too small a sample withheld",
    Rule.SURVEY_POSITIVES: "survey estimates revealing few positive or negative swabs withheld",
    Rule.UNRELIABLE: "rates not shown as unreliable ([u], not a disclosure rule)",
    Rule.ROUNDED: "counts rounded",
}


def write_checker_pack(
    out_dir: str | os.PathLike[str],
    records: Iterable[Record],
    policy: Policy,
    *,
    reports_dir: str | os.PathLike[str],
    released_files: Iterable[str | os.PathLike[str]] | None = None,
    context: str = "",
    timestamp: str = "",
) -> Path:
    """Write the output-checker pack for a batch.

    Parameters
    ----------
    out_dir
        The pack folder (``reports/checker``); created if needed.
    records
        One record per released output (see :class:`~ldsa.sdc.RecordBook`).
    policy
        The policy the batch ran under.
    reports_dir
        The released folder; record files and checksums are relative to it.
    released_files
        Released files, relative to ``reports_dir`` (default: every file under it
        outside ``out_dir``).
    context
        Context text for the checker (template metadata, method notes).
    timestamp
        Put in every result's ``timestamp``; empty by default so that the same inputs give
        the same bytes (ACRO writes the time of each output).

    Returns
    -------
    Path
        The path of ``results.json``.

    Notes
    -----
    The pack holds ``results.json`` (ACRO layout: ``version``, ``tool`` and ``results``
    keyed by uid, each with ``uid``, ``status``, ``type``, ``properties``, ``files`` with their
    ``sdc`` block, ``outcome``, ``command``, ``summary``, ``timestamp``, ``comments``,
    ``exception``; ldsa adds a top-level ``batch`` summary, which ACRO's readers ignore;
    under a policy for published inputs it holds ``published_inputs``: why counts below the
    threshold are released, and the published sources);
    ``policy.yaml`` and ``policy.sha256`` (its SHA-256, also in ``batch.policy_sha256``,
    which :func:`verify_pack_policy` checks); ``checksums.sha256`` (``sha256sum -c``
    format, every released file); ``context.md``. ``outcome`` lists, per column, only the
    rows whose cell a rule touched (every other cell is "ok"). A released file that no
    record names is added as a "custom" output with status review, as ACRO does for files
    it did not produce. File names are relative to ``reports_dir`` (ACRO's are relative to
    the pack).

    References
    ----------
    .. [1] AI-SDC ACRO, ``Records.finalise_json`` and ``write_checksums``
       (https://github.com/AI-SDC/ACRO); SACRO-Viewer reads this layout.
    """
    pack = Path(out_dir)
    root = Path(reports_dir)
    sources = published_sources(root, policy)  # refuses published_inputs off public stores
    pack.mkdir(parents=True, exist_ok=True)
    files = _released_files(root, pack, released_files)
    ordered = sorted(records, key=lambda r: r.uid)
    covered = {name for record in ordered for name in record.files}
    results: dict[str, Any] = {r.uid: _result(r, policy, timestamp) for r in ordered}
    for name in files:
        if name not in covered:
            results[f"custom:{name}"] = _custom(name, timestamp)
    tool = {"@type": "SoftwareApplication", "name": "ldsa", "version": __version__}
    batch = batch_summary(ordered, policy, sources)
    document = {"version": ACRO_RESULTS_VERSION, "tool": tool, "batch": batch, "results": results}
    write_atomic(pack / "results.json", json.dumps(document, indent=1, sort_keys=False) + "\n")
    write_atomic(pack / POLICY_FILE, policy.to_yaml())
    write_atomic(pack / POLICY_HASH_FILE, f"{policy.sha256}  {POLICY_FILE}\n")
    sums = "".join(f"{_sha256(root / name)}  {name}\n" for name in files)
    write_atomic(pack / "checksums.sha256", sums)
    text = _context(ordered, batch, policy, files, covered, context)
    write_atomic(pack / "context.md", text)
    return pack / "results.json"


def _released_files(
    root: Path, pack: Path, given: Iterable[str | os.PathLike[str]] | None
) -> list[str]:
    """Return released files relative to ``root``, sorted, excluding the pack itself."""
    if given is not None:
        return sorted({Path(f).as_posix() for f in given})
    pack_resolved = pack.resolve()
    found = []
    for path in root.rglob("*"):
        if path.is_file() and pack_resolved not in path.resolve().parents:
            found.append(path.relative_to(root).as_posix())
    return sorted(found)


def _value_positions(record: Record) -> dict[int, int]:
    """Map a column position to ACRO's: its position among the non-label columns."""
    values = [i for i, c in enumerate(record.columns) if c not in record.label_columns]
    return {col: index for index, col in enumerate(values)}


def _sdc(record: Record, policy: Policy) -> dict[str, Any]:
    """Return ACRO's ``sdc`` block: counts per rule and the cells of each.

    Cells are ``[row, column]`` with columns counted among the value columns (labels are
    ACRO's index), as in ACRO's own results. Rounded cells are counted, not listed.
    """
    position = _value_positions(record)
    cells = {
        rule.value: [[r, position[c]] for r, c in record.cells_for(rule) if c in position]
        for rule in Rule
    }
    summary: dict[str, Any] = {"suppressed": _suppressed(record)}
    for key in ACRO_SUMMARY_KEYS:
        summary[key] = len(cells.get(key, []))
    for rule in Rule:
        summary.setdefault(rule.value, len(cells[rule.value]))
    summary["round_base"] = policy.round_base
    listed = {key: cells.get(key, []) for key in ACRO_SUMMARY_KEYS}
    listed.update({k: v for k, v in cells.items() if v and k != Rule.ROUNDED.value})
    return {"summary": summary, "cells": listed}


def _suppressed(record: Record) -> bool:
    return any(rule in _SUPPRESSING for rule, cells in record.cells if cells)


_SUPPRESSING = frozenset(Rule) - {Rule.UNRELIABLE, Rule.ROUNDED}


def _outcome(record: Record) -> dict[str, dict[str, str]]:
    """ACRO's ``outcome``, per column and row label, for the cells a rule touched only."""
    fired: dict[tuple[int, int], list[str]] = {}
    for rule, cells in record.cells:
        if rule is Rule.ROUNDED:
            continue
        for cell in cells:
            fired.setdefault(cell, []).append(rule.value)
    out: dict[str, dict[str, str]] = {}
    for (row, col), rules in sorted(fired.items()):
        out.setdefault(record.columns[col], {})[record.row_labels[row]] = "; ".join(rules)
    return out


def describe(record: Record, policy: Policy) -> str:
    """One output's verdict in words: status, each rule with its cells and action, and the
    time step when a series was coarsened."""
    parts = [
        f"{rule.value}: {len(cells)} {'cell' if len(cells) == 1 else 'cells'} {_ACTIONS[rule]}"
        + (f" to base {policy.round_base}" if rule is Rule.ROUNDED else "")
        for rule, cells in record.cells
        if cells
    ]
    properties = dict(record.properties)
    step = properties.get("time_step")
    if step and step != "week":
        reason = properties.get("time_step_reason", "")
        parts.append(f"coarsened: released by {step}, not by week. {reason}".rstrip())
    if policy.published_inputs and record.kind is OutputKind.TABLE:
        parts.append(_PUBLISHED_CLAUSE)
    if not parts or parts == [_PUBLISHED_CLAUSE]:
        return f"{record.status.value}: nothing withheld" + "".join(f"; {p}" for p in parts)
    return f"{record.status.value}: " + "; ".join(parts)


#: What an output's summary adds under a policy for published inputs.
_PUBLISHED_CLAUSE = (
    f"counts released as published, small ones included ({PUBLISHED_KEY}: the inputs are "
    "published aggregates)"
)


def _result(record: Record, policy: Policy, timestamp: str) -> dict[str, Any]:
    """Return one ``results`` entry in ACRO's layout."""
    sdc = _sdc(record, policy) if record.kind is not OutputKind.CUSTOM else {}
    properties = dict(record.properties)
    properties.update(
        {
            "la_code": record.la_code,
            "template": record.template,
            "description": record.description,
            "policy": f"{record.policy_name} {record.policy_version}".strip(),
        }
    )
    return {
        "uid": record.uid,
        "status": record.status.value,
        "type": record.kind.value,
        "properties": properties,
        "files": [{"name": name, "sdc": sdc} for name in record.files],
        "outcome": _outcome(record),
        "command": f"ldsa.sdc.{properties.get('method', 'release')}",
        "summary": describe(record, policy),
        "timestamp": timestamp,
        "comments": list(record.comments),
        "exception": record.exception,
    }


def _custom(name: str, timestamp: str) -> dict[str, Any]:
    """Return a "custom" entry for a released file that no record names."""
    return {
        "uid": f"custom:{name}",
        "status": RecordStatus.REVIEW.value,
        "type": OutputKind.CUSTOM.value,
        "properties": {},
        "files": [{"name": name, "sdc": {}}],
        "outcome": {},
        "command": "custom",
        "summary": "review: a released file with no disclosure record",
        "timestamp": timestamp,
        "comments": ["released file with no disclosure record: check it by eye"],
        "exception": "",
    }


def batch_summary(
    records: Sequence[Record], policy: Policy, sources: Sequence[str] = ()
) -> dict[str, Any]:
    """Outputs per template and status, cells per rule with its meaning, and time steps;
    under a policy for published inputs, why small counts are released and the published
    ``sources`` (see :func:`published_sources`)."""
    outputs: dict[str, Counter[str]] = {}
    cells: Counter[Rule] = Counter()
    steps: dict[str, Counter[str]] = {}
    for record in records:
        template = record.template or "(batch)"
        outputs.setdefault(template, Counter())[record.status.value] += 1
        for rule, found in record.cells:
            cells[rule] += len(found)
        step = dict(record.properties).get("time_step")
        if step and record.kind is OutputKind.TABLE:
            steps.setdefault(template, Counter())[step] += 1
    published = (
        {"published_inputs": {"why": published_reason(policy), "sources": list(sources)}}
        if policy.published_inputs
        else {}
    )
    return {
        "policy": policy.label,
        "policy_sha256": policy.sha256,
        **published,
        "outputs": {t: dict(sorted(c.items())) for t, c in sorted(outputs.items())},
        "review": sum(r.status is RecordStatus.REVIEW for r in records),
        "cells": {
            rule.value: {"cells": cells[rule], "meaning": RULE_MEANINGS[rule]}
            for rule in Rule
            if cells[rule]
        },
        "time_steps": {t: dict(sorted(c.items())) for t, c in sorted(steps.items())},
    }


def _context(
    records: Sequence[Record],
    batch: dict[str, Any],
    policy: Policy,
    files: Sequence[str],
    covered: set[str],
    context: str,
) -> str:
    """Return the context text for the checker: the batch summary first."""
    lines = [
        "# Output-checker pack",
        "",
        "## Batch summary",
        "",
        f"Policy: {policy.label} (threshold {policy.threshold}, "
        f"zeros disclosive: {policy.zeros_are_disclosive}, round base {policy.round_base}, "
        f"rounding {policy.rounding.value}, derived from {policy.derived_from.value}, "
        f"coarser time step above {policy.max_withheld_share:.0%} withheld); "
        f"SHA-256 of {POLICY_FILE}: {policy.sha256}.",
        f"Released files: {len(files)}, of which {len(set(files) - covered)} without a "
        "record (listed as custom outputs for review).",
        "",
        *_published_lines(batch),
        "| template | outputs | pass | review | fail |",
        "| --- | --- | --- | --- | --- |",
    ]
    for template, statuses in batch["outputs"].items():
        total = sum(statuses.values())
        row = [str(statuses.get(s.value, 0)) for s in RecordStatus]
        lines.append(f"| {template} | {total} | " + " | ".join(row) + " |")
    lines += ["", "| rule | cells | what it means, and what was done |", "| --- | --- | --- |"]
    for rule, info in batch["cells"].items():
        lines.append(f"| {rule} | {info['cells']:,} | {info['meaning']} |")
    if batch["time_steps"]:
        lines += ["", "Time steps of released series tables (adaptive time resolution):", ""]
        for template, counts in batch["time_steps"].items():
            shown = ", ".join(f"{step} {n}" for step, n in counts.items())
            lines.append(f"- {template}: {shown}")
    failed = sum(r.status is RecordStatus.FAIL for r in records)
    lines += [
        "",
        "An output is *review* when a rule withheld or changed some of its cells: the "
        "rule table says what was done. "
        + (f"{failed} output(s) failed: see below." if failed else "No output failed."),
        "",
        "Markers: [c] suppressed to protect confidentiality; [u] not shown because too few "
        "events to be reliable (not a disclosure issue).",
        "",
    ]
    missing = sorted(covered - set(files))
    if missing:
        lines += ["Files named by a record but not among the released files:", ""]
        lines += [f"- `{name}`" for name in missing] + [""]
    if context:
        lines += [context.rstrip(), ""]
    lines += ["## Outputs", ""]
    for record in records:
        text = f"- `{record.uid}` ({record.kind.value}) {describe(record, policy)}"
        if record.description:
            text += f". {record.description}"
        lines.append(text)
    return "\n".join(lines) + "\n"


def published_reason(policy: Policy) -> str:
    """Why a policy for published inputs releases small counts, in words for the checker."""
    return (
        f"Policy {policy.name} ({PUBLISHED_KEY}: true): every input of this release is an "
        "aggregate already published by its publisher (the store was prepared from "
        "published files only, `ldsa prepare --from public`), so counts are released as "
        f"published, those below the threshold of {policy.threshold} included, and are not "
        "findings; ldsa refuses this policy on any other store. Reliability rules still "
        f"apply: rates and estimates from fewer than {policy.threshold} events are not "
        "shown ([u] or withheld)."
    )


def _published_lines(batch: dict[str, Any]) -> list[str]:
    """The context's paragraph on published inputs (none under other policies)."""
    published = batch.get("published_inputs")
    if not published:
        return []
    lines = [
        "## Published inputs",
        "",
        published["why"],
        "",
        "Sources (from the store's manifest):",
        "",
    ]
    lines += [f"- {source}" for source in published["sources"]] or ["- (none recorded)"]
    return [*lines, ""]


def published_sources(reports_dir: str | os.PathLike[str], policy: Policy) -> tuple[str, ...]:
    """The published sources of a release made under a policy for published inputs, from
    its run manifest; nothing to read (and ``()``) under any other policy.

    Parameters
    ----------
    reports_dir
        The released folder, holding the run manifest (``manifest.json``).
    policy
        The policy the release is made or checked under.

    Returns
    -------
    tuple of str
        Each published source file in words (title, publisher, vintage, licence), as the
        run manifest records them from the store's manifest.

    Raises
    ------
    PolicyError
        Under ``published_inputs`` when the folder has no readable run manifest, or its
        manifest does not record a store of published files (a dummy or record-level
        store, or a release from before source kinds were recorded): such a release may
        not be made, checked or recorded as one of published counts.
    """
    if not policy.published_inputs:
        return ()
    path = Path(reports_dir) / RUN_MANIFEST
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        store = document["store"]
        kind = store["source"].get("kind")  # as Store.source_kind: none recorded, an extract
        sources = store.get("sources", [])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError,
            AttributeError):  # fmt: skip
        raise PolicyError(
            f"{path}: no run manifest recording the store's source kind (expected the "
            f"manifest.json of an `ldsa run` on a store of published files), so policy "
            f"{policy.name!r}, which releases every count unchanged ({PUBLISHED_KEY}), "
            "cannot be used for this release. How to fix: check the --out folder of an "
            f"`ldsa run --policy {policy.name}` on a store prepared with `ldsa prepare "
            "--from public`, or check under --policy default."
        ) from None
    kind = kind if kind in ("dummy", PUBLISHED_SOURCE_KIND) else "extract"
    check_policy_for_store(policy, kind, where=f"{path}: the release's store")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        sources = []
    return tuple(sources)


def verify_pack_policy(pack_dir: str | os.PathLike[str], policy: Policy) -> None:
    """Check that a checker pack was written under ``policy``, and that its copy of the
    policy is the one it recorded; never trust the pack's policy on its own.

    Parameters
    ----------
    pack_dir
        The pack folder (``reports/checker``).
    policy
        The policy the release is to be judged by (``ldsa check --policy``).

    Raises
    ------
    PolicyError
        When ``policy.yaml`` or its recorded SHA-256 (``policy.sha256`` and
        ``results.json``'s ``batch.policy_sha256``) is missing or unreadable, when
        ``policy.yaml`` no longer has the recorded hash (edited after the run), or when
        the recorded policy is not ``policy``.
    """
    pack = Path(pack_dir)
    actual, recorded = _pack_policy_hashes(pack)
    missing = [name for name, digest in recorded.items() if not digest]
    if missing:
        raise PolicyError(
            f"{pack}: {', '.join(missing)} records no SHA-256 of {POLICY_FILE} (expected the "
            "record every run writes; the pack is from an older ldsa or was edited). How to "
            "fix: run the batch again to write a new pack."
        )
    changed = [name for name, digest in recorded.items() if digest != actual]
    if changed:
        raise PolicyError(
            f"{pack / POLICY_FILE}: does not match the SHA-256 recorded in "
            f"{', '.join(changed)} (expected the policy the run wrote; it was changed "
            "afterwards). How to fix: do not edit the checker pack; run the batch again to "
            "write a new one."
        )
    if actual != policy.sha256:
        raise PolicyError(
            f"{pack}: the release was made under another policy than {policy.label} "
            f"(expected SHA-256 {policy.sha256}, the pack records {actual}). How to fix: "
            "check against the policy the release must meet with --policy NAME|FILE, or "
            "run the batch again under it."
        )


def _pack_policy_hashes(pack: Path) -> tuple[str, dict[str, str]]:
    """The SHA-256 of the pack's policy.yaml, and the one each of its two records holds
    (keyed by file; empty where a record has none)."""
    try:
        text = (pack / POLICY_FILE).read_bytes()
        words = (pack / POLICY_HASH_FILE).read_text(encoding="utf-8").split()
        document = json.loads((pack / "results.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PolicyError(
            f"{pack}: a checker pack without a readable {POLICY_FILE}, {POLICY_HASH_FILE} "
            f"and results.json ({type(error).__name__}; expected every file a run "
            "writes). How to fix: run the batch again to write a complete pack."
        ) from None
    batch = document.get("batch") if isinstance(document, dict) else None
    digest = batch.get("policy_sha256") if isinstance(batch, dict) else None
    recorded = {
        POLICY_HASH_FILE: words[0] if words[1:] == [POLICY_FILE] else "",
        "results.json": digest if isinstance(digest, str) else "",
    }
    return hashlib.sha256(text).hexdigest(), recorded


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
