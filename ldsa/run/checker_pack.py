"""The end of a batch: the output-checker pack and an independent scan of what is released."""

from __future__ import annotations

from pathlib import Path

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.run.batch import CHECKER_DIR, INDEX, MANIFEST, BatchPlan
from ldsa.run.bundle import bundle_paths
from ldsa.run.job import JobResult, records_path
from ldsa.run.lock import LOCK
from ldsa.sdc.ledger import LedgerCheck, check_against_ledger

_NAVIGATION = {
    INDEX: "Index page: authority names, codes, regions and links to reports; no statistics.",
    sdc.AUTHORITIES: "Authorities, their types and regions (public lookup); no statistics.",
    MANIFEST: "Run manifest: job statuses, errors, hashes and versions; no statistics.",
}


def finish_release(plan: BatchPlan, results: list[JobResult]) -> sdc.CheckReport:
    """Write ``reports/checker/`` for the run's released outputs, then scan every release.

    Returns
    -------
    CheckReport
        Values in released files that break the policy, alone or through a relation
        across files (none in a sound run), and the number of relations checked.
    """
    record_files = [
        records_path(plan.work_dir, r.la_code, r.template) for r in results if r.status.released
    ]
    records = list(sdc.read_records(path for path in record_files if path.is_file()))
    book = sdc.RecordBook()
    for name, comment in _NAVIGATION.items():
        if (plan.reports_dir / name).is_file():
            book.add_custom(f"ldsa/{name}", [name], comment, statistics=False)
    bundles = _bundle_records(plan.reports_dir, sorted({r.la_code for r in results}))
    sdc.write_checker_pack(
        plan.reports_dir / CHECKER_DIR,
        [*records, *book.records, *bundles],
        plan.loaded_policy,
        reports_dir=plan.reports_dir,
        context=_context(plan),
        released_files=released_files(plan.reports_dir),
    )
    return sdc.check_release(plan.reports_dir, plan.loaded_policy)


def check_with_ledger(reports_dir: Path, ledger: Path, policy: sdc.Policy) -> LedgerCheck:
    """Check a release against every release in ``ledger`` together, and record in its
    checker pack (``ledger_check.json``) which were compared and what was found."""
    outcome = check_against_ledger(ledger, reports_dir, policy)
    pack = reports_dir / CHECKER_DIR
    if pack.is_dir():
        write_atomic(pack / "ledger_check.json", outcome.as_json() + "\n")
    return outcome


def _bundle_records(reports_dir: Path, la_codes: list[str]) -> list[sdc.Record]:
    """A record of each authority's zip and workbook: they repackage its released reports
    and CSVs, checked in their own records, and add no value of their own."""
    records = []
    for code in la_codes:
        files = [p.name for p in bundle_paths(reports_dir, code) if p.is_file()]
        if files:
            book = sdc.RecordBook(la_code=code)
            comment = (
                f"The released reports and CSVs of {code}: the CSVs unchanged and the reports "
                "with only their links out of the authority's folder redirected (zip), cell "
                "for cell (workbook), with a README, cover and notes of public facts; no "
                "other value."
            )
            records.append(book.add_custom(f"{code}/bundle", files, comment, statistics=False))
    return records


def released_files(reports_dir: Path) -> list[str]:
    """Every file of the release, relative to ``reports_dir``: all but the checker pack
    itself and the run's lock file (removed when the run ends)."""
    return sorted(
        path.relative_to(reports_dir).as_posix()
        for path in reports_dir.rglob("*")
        if path.is_file() and path.relative_to(reports_dir).parts[0] not in (CHECKER_DIR, LOCK)
    )


def _context(plan: BatchPlan) -> str:
    """What the checkers should know: where the numbers come from and how they were made."""
    lines = [
        f"Store: {plan.store.path.name} (SHA-256 {plan.store.sha256}).",
        f"Period: {plan.period_start} to {plan.period_end}.",
        f"Authorities: {len(plan.la_codes)}.",
        "",
    ]
    for template in plan.templates:
        cell = template.notebook()["cells"][0]
        lines += [
            f"## Template {template.name} (SHA-256 {template.sha256})",
            "",
            "".join(cell["source"]),
            "",
        ]
    return "\n".join(lines)
