"""A ledger of earlier releases, and the check of a new release against them.

A TRE re-runs the batch as new data arrive, and an attacker keeps every release: a week's
count withheld last time may be pinned by this week's cells, and two running totals (or
two whole-period totals) of successive releases differ by the weeks between them. The
ledger keeps what each release published, hash-addressed per output, so that the next
release can be checked against all of them together.

Layout of a ledger folder::

    objects/<sha256>.csv          each released CSV once, by the hash of its bytes
    releases/<nnnn>-<id>.json     one release: its files (path -> sha256), its policy

A release's id is the SHA-256 of its sorted ``path sha256`` lines (its first 12 hex
digits name the file); the number orders releases.

Security properties
-------------------
- :func:`check_against_ledger` reads every earlier release and the new one as one batch
  (:func:`~ldsa.sdc.differencing.scan_relations`): a cell is the same unknown wherever it
  appears (same measure, area and days), so a cell withheld in one release and published
  in another is pinned, and relations across releases (totals over spans that differ by a
  few weeks) are judged like those within one. It reports what the new release adds: the
  findings of the union less those the earlier releases already held among themselves,
  and less a cell withheld now that an earlier release published (nothing new is learnt).
- :func:`earlier_cells` gives ``ldsa run --ledger`` what the earlier releases published,
  so that the new release is planned against them (``plan_linked_counts(earlier=...)``)
  rather than only checked.
- Only released CSVs enter the ledger (never records, work files or the store).
- Releases are written atomically; a release is recorded only after it passed the check
  (``ldsa ledger record``), and recording the same release twice adds nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from ldsa.atomic import write_atomic
from ldsa.errors import InvalidParameterError
from ldsa.sdc.batch_cells import AUTHORITIES, Span, read_batch
from ldsa.sdc.differencing import Breach, RelationFinding, cell_label, scan_relations
from ldsa.sdc.policy import Policy
from ldsa.sdc.scan import Finding, FindingRule

_OBJECTS = "objects"
_RELEASES = "releases"
#: What a release publishes that relations are read from.
_PATTERNS = ("*/tables/*.csv", AUTHORITIES)


@dataclasses.dataclass(frozen=True)
class LedgerRelease:
    """One recorded release: its order, id, policy and files (path -> SHA-256)."""

    number: int
    release_id: str
    policy: str
    files: dict[str, str]

    @property
    def name(self) -> str:
        """``<nnnn>-<first 12 hex digits of the id>``."""
        return f"{self.number:04d}-{self.release_id[:12]}"


@dataclasses.dataclass(frozen=True)
class LedgerCheck:
    """The outcome of :func:`check_against_ledger`: the earlier releases compared, the
    findings the new release adds, and the relations checked across all of them."""

    compared: tuple[str, ...]
    findings: tuple[Finding, ...]
    relations: int

    def as_json(self) -> str:
        """The outcome for the checker pack (``ledger_check.json``)."""
        return json.dumps(
            {
                "compared_releases": list(self.compared),
                "findings": len(self.findings),
                "relations": self.relations,
                "method": "every earlier release and this one read as one batch; findings "
                "of the union less those among the earlier releases alone",
            },
            indent=2,
            sort_keys=True,
        )


def release_files(reports_dir: Path) -> dict[str, str]:
    """The released CSVs of a reports folder (and its authority list), path -> SHA-256."""
    found = sorted({p for pattern in _PATTERNS for p in reports_dir.glob(pattern)})
    return {p.relative_to(reports_dir).as_posix(): _sha256(p.read_bytes()) for p in found}


def release_id(files: dict[str, str]) -> str:
    """The SHA-256 of a release's sorted ``path sha256`` lines."""
    lines = "".join(f"{path} {digest}\n" for path, digest in sorted(files.items()))
    return _sha256(lines.encode("utf-8"))


def read_ledger(ledger_dir: Path) -> list[LedgerRelease]:
    """Every release recorded in a ledger, in order; [] for a ledger not yet written.

    Raises
    ------
    InvalidParameterError
        When the folder is not a ledger, or a release's file or objects are damaged.
    """
    if not ledger_dir.exists():
        return []
    if not ledger_dir.is_dir():
        raise InvalidParameterError(
            f"{ledger_dir}: not a folder. How to fix: give --ledger a folder (created on "
            "the first `ldsa ledger record`)."
        )
    releases = []
    for path in sorted((ledger_dir / _RELEASES).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            release = LedgerRelease(
                int(data["number"]), str(data["release_id"]), str(data["policy"]),
                {str(k): str(v) for k, v in data["files"].items()},
            )  # fmt: skip
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidParameterError(
                f"{path}: not a ledger release ({type(error).__name__}). How to fix: restore "
                "the ledger from its backup; never edit it by hand."
            ) from error
        if release_id(release.files) != release.release_id or path.stem != release.name:
            raise InvalidParameterError(
                f"{path}: its files do not match its id. How to fix: restore the ledger "
                "from its backup; never edit it by hand."
            )
        releases.append(release)
    return releases


def record_release(ledger_dir: Path, reports_dir: Path, policy: Policy) -> LedgerRelease:
    """Add a release to the ledger (its CSVs by hash, then its list); the release already
    recorded when the same files were recorded before.

    Call it only for a release that passed :func:`check_against_ledger`.
    """
    files = release_files(reports_dir)
    if not files:
        raise InvalidParameterError(
            f"{reports_dir}: no released tables (<la_code>/tables/*.csv). How to fix: give "
            "the --out folder of an `ldsa run`."
        )
    earlier = read_ledger(ledger_dir)
    identity = release_id(files)
    for release in earlier:
        if release.release_id == identity:
            return release
    objects = ledger_dir / _OBJECTS
    objects.mkdir(parents=True, exist_ok=True)
    for path, digest in files.items():
        target = objects / f"{digest}.csv"
        if not target.exists():
            write_atomic(target, (reports_dir / path).read_bytes())
    release = LedgerRelease(len(earlier) + 1, identity, policy.label, files)
    (ledger_dir / _RELEASES).mkdir(parents=True, exist_ok=True)
    text = json.dumps(dataclasses.asdict(release), indent=2, sort_keys=True) + "\n"
    write_atomic(ledger_dir / _RELEASES / f"{release.name}.json", text)
    return release


def check_against_ledger(ledger_dir: Path, reports_dir: Path, policy: Policy) -> LedgerCheck:
    """Check a new release against every release in the ledger.

    Parameters
    ----------
    ledger_dir
        The ledger (absent or empty: nothing to compare, no findings).
    reports_dir
        The new release (``<la_code>/tables/*.csv``).
    policy
        The policy the releases must meet together.

    Returns
    -------
    LedgerCheck
        The releases compared and the relation findings the new release adds (file names
        of earlier releases read ``<release name>/<path>``).
    """
    identity = release_id(release_files(reports_dir))
    earlier = [r for r in read_ledger(ledger_dir) if r.release_id != identity]
    if not earlier:
        return LedgerCheck((), (), 0)
    with tempfile.TemporaryDirectory(prefix="ldsa-ledger-") as scratch:
        before = Path(scratch) / "before"
        together = Path(scratch) / "together"
        for release in earlier:
            _materialise(ledger_dir, release, before)
            _materialise(ledger_dir, release, together)
        _copy_release(reports_dir, together)
        old = {_plain(f) for f in scan_relations(before, policy).findings}
        shown = {cell_label(c.key, c.span) for c in read_batch(before).cells if c.value is not None}
        union = scan_relations(together, policy)
    added = [
        f
        for f in union.findings
        if _plain(f) not in old
        and not (f.breach is Breach.PINNED and (f.measure, f.area, f.period) in shown)
    ]
    rules = {breach: FindingRule(breach.value) for breach in Breach}
    findings = tuple(
        Finding(f.file, f"{f.measure} of {f.area}", f.period or "all periods", rules[f.breach])
        for f in added
    )
    return LedgerCheck(tuple(r.name for r in earlier), findings, union.relations)


#: What earlier releases published of each measure (``cases_count``...), per area
#: (``("la", code)``, ``("region", code)``, ``("england", code)``, or a part of an
#: authority's breakdown, ``("place=Hospital", code)``) and span of days: True where one
#: of them released the value, False where every one that showed it withheld it.
EarlierCells = dict[str, dict[tuple[str, str], dict[Span, bool]]]


def ledger_digest(ledger_dir: Path | None) -> str:
    """A name for the earlier releases a plan is made against ("" without a ledger or
    with an empty one): the ids of every release recorded, in order."""
    releases = read_ledger(ledger_dir) if ledger_dir is not None else []
    return _sha256("".join(f"{r.release_id}\n" for r in releases).encode()) if releases else ""


def earlier_cells(ledger_dir: Path | None) -> EarlierCells:
    """Every count the ledger's releases published, by measure, area and span of days.

    A value released by any earlier release is known for good; one withheld by every
    release that showed it stays unknown. Read from the released files themselves
    (:func:`~ldsa.sdc.batch_cells.read_batch`), never from records or plans.
    """
    releases = read_ledger(ledger_dir) if ledger_dir is not None else []
    out: EarlierCells = {}
    if not releases:
        return out
    with tempfile.TemporaryDirectory(prefix="ldsa-ledger-") as scratch:
        for release in releases:
            _materialise(ledger_dir, release, Path(scratch))  # type: ignore[arg-type]
        batch = read_batch(Path(scratch))
    for cell in batch.cells:
        measure, level, code = cell.key
        if level == "cis":
            continue  # survey areas: no plan of counts
        spans = out.setdefault(measure, {}).setdefault((level, code), {})
        spans[cell.span] = spans.get(cell.span, False) or cell.value is not None
    return out


def _materialise(ledger_dir: Path, release: LedgerRelease, into: Path) -> None:
    """Write an earlier release's CSVs under ``into``, each table renamed
    ``<release name>~<name>`` beside the others of its authority."""
    for path, digest in release.files.items():
        source = ledger_dir / _OBJECTS / f"{digest}.csv"
        if not source.is_file() or _sha256(source.read_bytes()) != digest:
            raise InvalidParameterError(
                f"{source}: missing or changed (release {release.name}, {path}). How to "
                "fix: restore the ledger from its backup."
            )
        folder, _, name = path.rpartition("/")
        target = into / folder / f"{release.name}~{name}" if folder else into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _copy_release(reports_dir: Path, into: Path) -> None:
    for path in release_files(reports_dir):
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reports_dir / path, target)


def _plain(finding: RelationFinding) -> RelationFinding:
    """A finding without its file: the same breach found through another release's copy
    of a cell is the same breach."""
    return dataclasses.replace(finding, file="")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
