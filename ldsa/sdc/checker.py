"""The output-checker pack: ACRO-compatible ``results.json``, policy, checksums, context."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ldsa import __version__
from ldsa.atomic import write_atomic
from ldsa.sdc.policy import Policy
from ldsa.sdc.records import OutputKind, Record, RecordStatus, Rule

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
    ``exception``); ``policy.yaml``; ``checksums.sha256`` (``sha256sum -c`` format, every
    released file); ``context.md``. A released file that no record names is added as a
    "custom" output with status review, as ACRO does for files it did not produce.
    File names are relative to ``reports_dir`` (ACRO's are relative to the pack).

    References
    ----------
    .. [1] AI-SDC ACRO, ``Records.finalise_json`` and ``write_checksums``
       (https://github.com/AI-SDC/ACRO); SACRO-Viewer reads this layout.
    """
    pack = Path(out_dir)
    root = Path(reports_dir)
    pack.mkdir(parents=True, exist_ok=True)
    files = _released_files(root, pack, released_files)
    ordered = sorted(records, key=lambda r: r.uid)
    covered = {name for record in ordered for name in record.files}
    results: dict[str, Any] = {r.uid: _result(r, policy, timestamp) for r in ordered}
    for name in files:
        if name not in covered:
            results[f"custom:{name}"] = _custom(name, timestamp)
    tool = {"@type": "SoftwareApplication", "name": "ldsa", "version": __version__}
    document = {"version": ACRO_RESULTS_VERSION, "tool": tool, "results": results}
    write_atomic(pack / "results.json", json.dumps(document, indent=4, sort_keys=False) + "\n")
    write_atomic(pack / "policy.yaml", policy.to_yaml())
    sums = "".join(f"{_sha256(root / name)}  {name}\n" for name in files)
    write_atomic(pack / "checksums.sha256", sums)
    write_atomic(pack / "context.md", _context(ordered, policy, files, covered, context))
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
    ACRO's index), as in ACRO's own results.
    """
    position = _value_positions(record)
    cells = {
        rule.value: [[r, position[c]] for r, c in record.cells_for(rule) if c in position]
        for rule in Rule
    }
    summary: dict[str, Any] = {"suppressed": record.status is RecordStatus.REVIEW}
    for key in ACRO_SUMMARY_KEYS:
        summary[key] = len(cells.get(key, []))
    for rule in Rule:
        summary.setdefault(rule.value, len(cells[rule.value]))
    summary["round_base"] = policy.round_base
    all_cells = {key: cells.get(key, []) for key in ACRO_SUMMARY_KEYS}
    all_cells.update(cells)
    return {"summary": summary, "cells": all_cells}


def _outcome(record: Record) -> dict[str, dict[str, str]]:
    """Return ACRO's ``outcome``: per column, per row label, "ok" or "rule; rule; "."""
    fired: dict[tuple[int, int], list[str]] = {}
    for rule, cells in record.cells:
        for cell in cells:
            fired.setdefault(cell, []).append(rule.value)
    return {
        column: {
            label: "".join(f"{rule}; " for rule in fired[(row, col)])
            if (row, col) in fired
            else "ok"
            for row, label in enumerate(record.row_labels)
        }
        for col, column in enumerate(record.columns)
        if column not in record.label_columns
    }


def _result(record: Record, policy: Policy, timestamp: str) -> dict[str, Any]:
    """Return one ``results`` entry in ACRO's layout."""
    sdc = _sdc(record, policy)
    properties = dict(record.properties)
    properties.update(
        {
            "la_code": record.la_code,
            "template": record.template,
            "description": record.description,
            "policy": f"{record.policy_name} {record.policy_version}",
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
        "summary": record.summary,
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
        "summary": RecordStatus.REVIEW.value,
        "timestamp": timestamp,
        "comments": ["released file with no disclosure record: check it by eye"],
        "exception": "",
    }


def _context(
    records: Sequence[Record],
    policy: Policy,
    files: Sequence[str],
    covered: set[str],
    context: str,
) -> str:
    """Return the context text for the checker."""
    statuses = dict.fromkeys(RecordStatus, 0)
    for record in records:
        statuses[record.status] += 1
    lines = [
        "# Output-checker pack",
        "",
        f"Policy: {policy.name} {policy.version} (threshold {policy.threshold}, "
        f"zeros disclosive: {policy.zeros_are_disclosive}, round base {policy.round_base}, "
        f"rounding {policy.rounding.value}, derived from {policy.derived_from.value}).",
        f"Outputs: {len(records)} ("
        + ", ".join(f"{s.value} {n}" for s, n in statuses.items())
        + f"); released files: {len(files)}, of which {len(set(files) - covered)} "
        "without a record (listed as custom outputs for review).",
        "",
        "Markers: [c] suppressed to protect confidentiality; [u] not shown because too few",
        "events to be reliable (not a disclosure issue).",
        "",
    ]
    missing = sorted(covered - set(files))
    if missing:
        lines += ["Files named by a record but not among the released files:", ""]
        lines += [f"- `{name}`" for name in missing] + [""]
    if context:
        lines += [context.rstrip(), ""]
    lines.append("## Outputs")
    lines.append("")
    for record in records:
        text = f"- `{record.uid}` ({record.kind.value}, {record.summary})"
        if record.description:
            text += f": {record.description}"
        lines.append(text)
    return "\n".join(lines) + "\n"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
