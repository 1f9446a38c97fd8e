"""The ``ldsa`` command: thin over the library, one exit code per error class."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ldsa import __version__
from ldsa.data.schemas import PERIOD_END, PERIOD_START
from ldsa.errors import ExitCode, InvalidParameterError, LdsaError

if TYPE_CHECKING:
    from ldsa.sdc.ledger import LedgerCheck
    from ldsa.sdc.policy import Policy

DEFAULT_REPORTS = Path("reports")
DEFAULT_WORK = Path(".ldsa-work")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="ldsa", description="Local Data Spaces Analysis.")
    parser.add_argument("--version", action="version", version=f"ldsa {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dummy = commands.add_parser("dummy", help="write a dummy record-level extract")
    dummy.add_argument("out", type=Path, help="folder to write <table>.parquet files into")
    _seed_scale(dummy)

    validate = commands.add_parser("validate", help="validate an extract without preparing it")
    validate.add_argument("extract", type=Path)

    prepare = commands.add_parser(
        "prepare", help="validate an extract (or published files) and write a prepared store"
    )
    prepare.add_argument("extract", type=Path, help="the extract, or the published files' folder")
    prepare.add_argument("store", type=Path)
    prepare.add_argument(
        "--from",
        dest="source",
        choices=("extract", "public"),
        default="extract",
        help="extract: a record-level TRE extract (default); public: published UK files",
    )
    prepare.add_argument(
        "--vintage", help="public only: boundary vintage, e.g. LAD22 (default: the latest)"
    )

    authorities = commands.add_parser("authorities", help="list the authorities of a store")
    authorities.add_argument(
        "--store", type=Path, help="a prepared store (default: the dummy store)"
    )

    templates = commands.add_parser("templates", help="list templates and their parameters")
    templates.add_argument(
        "--notebooks", type=Path, help="templates folder (default: the templates ldsa ships)"
    )

    run = commands.add_parser("run", help="run templates for authorities into reports/")
    run.add_argument(
        "--store", type=Path, help="a prepared store (default: build or reuse the dummy store)"
    )
    run.add_argument(
        "--out", type=Path, default=DEFAULT_REPORTS, help="reports folder (default: reports)"
    )
    run.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="folder for executed notebooks"
    )
    run.add_argument("--authorities", nargs="+", metavar="CODE", help="LA codes (default: all)")
    run.add_argument("--templates", nargs="+", metavar="NAME", help="template names (default: all)")
    run.add_argument(
        "--notebooks", type=Path, help="templates folder (default: the templates ldsa ships)"
    )
    run.add_argument("--workers", type=_positive_int, help="parallel jobs (default: all cores)")
    run.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local: worker processes on this machine (default); dask: a Dask cluster",
    )
    run.add_argument("--scheduler", help="with --executor dask: the scheduler's address")
    run.add_argument("--resume", action="store_true", help="skip jobs whose reports are unchanged")
    run.add_argument("--period-start", default=PERIOD_START.isoformat())
    run.add_argument("--period-end", default=PERIOD_END.isoformat())
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument(
        "--policy", default="default", help="disclosure policy: default, strict or a YAML file"
    )
    run.add_argument(
        "--ledger",
        type=Path,
        help="a ledger of earlier releases: protect this release consistently with them "
        "(what they withheld stays withheld) and check it against them all together",
    )
    _seed_scale(run, help_suffix=" of the dummy store")

    check = commands.add_parser("check", help="scan released outputs for disclosure breaches")
    check.add_argument("reports", type=Path, help="a reports folder written by `ldsa run`")
    check.add_argument(
        "--policy",
        default="default",
        help="the disclosure policy the release must meet: default (the default), strict or "
        "a YAML file; the checker pack must record this very policy",
    )
    check.add_argument(
        "--ledger",
        type=Path,
        help="a ledger of earlier releases: also check this release against all of them "
        "together (what the comparison covered goes to checker/ledger_check.json)",
    )

    ledger = commands.add_parser(
        "ledger", help="record a checked release in the ledger of earlier releases"
    )
    ledger.add_argument("action", choices=["record", "list"])
    ledger.add_argument("--ledger", type=Path, required=True, help="the ledger folder")
    ledger.add_argument("--reports", type=Path, help="record: the release to record")
    ledger.add_argument("--policy", default="default", help="record: the release's policy")

    site = commands.add_parser("site", help="rebuild reports/index.html from reports/manifest.json")
    site.add_argument("--out", type=Path, default=DEFAULT_REPORTS, help="reports folder")
    site.add_argument("--store", type=Path, help="the store the reports were built from")
    site.add_argument(
        "--notebooks", type=Path, help="templates folder (default: the templates ldsa ships)"
    )

    bench = commands.add_parser("bench", help="print speed and memory figures")
    bench.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    bench.add_argument(
        "--batch-authorities",
        type=_positive_int,
        default=20,
        help="authorities of the batch (with --compare: of (b) and (c); default 20)",
    )
    bench.add_argument(
        "--compare",
        action="store_true",
        help="seconds per report: (a) papermill + nbconvert per report, (b) ldsa run, "
        "(c) the cells as plain Python; one authority's run; the batch's peak memory",
    )
    bench.add_argument(
        "--store", type=Path, help="with --compare: a prepared store (default: the dummy store)"
    )
    bench.add_argument(
        "--templates", nargs="+", metavar="NAME", help="with --compare: templates (default: all)"
    )
    bench.add_argument(
        "--naive-authorities",
        type=_positive_int,
        default=3,
        help="with --compare: authorities of the naive loop (a) (default 3: it is slow)",
    )
    bench.add_argument(
        "--repeats",
        type=_positive_int,
        default=3,
        help="with --compare: runs of the one-authority figure (default 3)",
    )
    bench.add_argument(
        "--full",
        action="store_true",
        help="with --compare: also every template for every authority (minutes)",
    )
    return parser


def _seed_scale(parser: argparse.ArgumentParser, help_suffix: str = "") -> None:
    from ldsa.data.dummy import DEFAULT_SCALE, DEFAULT_SEED

    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed" + help_suffix)
    parser.add_argument(
        "--scale",
        type=_scale,
        default=DEFAULT_SCALE,
        help="fraction of England's volumes" + help_suffix,
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be 1 or more")
    return value


def _scale(text: str) -> float:
    value = float(text)
    if not 0 < value <= 2:
        raise argparse.ArgumentTypeError(f"{value}: scale must be in (0, 2]")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except LdsaError as error:
        print(f"ldsa {args.command}: {error}", file=sys.stderr)
        return int(error.exit_code)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)
    except KeyboardInterrupt:
        print(f"ldsa {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: no traceback with data
        print(
            f"ldsa {args.command}: internal error ({type(error).__name__}). This is a bug in ldsa; "
            "set LDSA_DEBUG=1 to see the traceback and please report it.",
            file=sys.stderr,
        )
        if os.environ.get("LDSA_DEBUG") == "1":
            raise
        return int(ExitCode.INTERNAL)


def console_main() -> None:
    """Entry point of the ``ldsa`` console script."""
    sys.exit(main())


def _dummy(args: argparse.Namespace) -> ExitCode:
    from ldsa.data.dummy import generate_extract

    info = generate_extract(args.out, seed=args.seed, scale=args.scale)
    print(f"wrote a dummy extract to {args.out}: {json.dumps(_row_counts(info))}")
    return ExitCode.OK


def _row_counts(info: object) -> dict[str, int]:
    counts: dict[str, int] = getattr(info, "row_counts", {})
    return dict(sorted(counts.items()))


def _validate(args: argparse.Namespace) -> ExitCode:
    from ldsa.data.extract import validate_extract

    counts = validate_extract(args.extract)
    print(f"{args.extract}: valid ({', '.join(f'{t} {n:,} rows' for t, n in counts.items())})")
    return ExitCode.OK


def _prepare(args: argparse.Namespace) -> ExitCode:
    from ldsa.data.prepare import prepare_store
    from ldsa.data.public import prepare_public_store

    if args.source == "public":
        manifest = prepare_public_store(args.extract, args.store, vintage=args.vintage)
    elif args.vintage is not None:
        raise InvalidParameterError(
            "--vintage applies to published files only. How to fix: add --from public, "
            "or leave --vintage out."
        )
    else:
        manifest = prepare_store(args.extract, args.store)
    print(f"wrote store {args.store} ({len(manifest['files_sha256'])} files)")
    return ExitCode.OK


def _store(path: Path | None, seed: int | None = None, scale: float | None = None) -> Path:
    """The store given, else the dummy store (built on first use)."""
    from ldsa.data.dummy import DEFAULT_SCALE, DEFAULT_SEED
    from ldsa.run.dummy_store import ensure_dummy_store

    if path is not None:
        return path
    seed = DEFAULT_SEED if seed is None else seed
    return ensure_dummy_store(seed, DEFAULT_SCALE if scale is None else scale)


def _authorities(args: argparse.Namespace) -> ExitCode:
    from ldsa.data.store import Store

    for a in Store(_store(args.store)).geography:
        print(f"{a.la_code}\t{a.la_name}\t{a.la_type}\t{a.region_name}")
    return ExitCode.OK


def _templates(args: argparse.Namespace) -> ExitCode:
    import textwrap

    from ldsa.run.templates import discover

    for name, template in discover(args.notebooks).items():
        spec = template.spec
        params = ", ".join(f"{key}={value}" for key, value in template.parameters().items())
        print(f"{name}: {spec.title}")
        print(textwrap.fill(spec.description, 88, initial_indent="  ", subsequent_indent="  "))
        print(f"  parameters: {params}")
        print(f"  store tables: {', '.join(spec.needs) or 'none declared'}")
        measures = ", ".join(m.name for m in spec.measures) or "none"
        print(f"  disclosure plans: {measures}")
    return ExitCode.OK


def _run(args: argparse.Namespace) -> ExitCode:
    from ldsa.run.executors import Executor, prestart
    from ldsa.run.templates import discover, select

    templates = select(discover(args.notebooks), args.templates)
    executor = Executor(args.executor, workers=args.workers, scheduler=args.scheduler)
    prestart(executor, [template.path for template in templates])  # imports beside ours

    from ldsa.data.store import Store
    from ldsa.run.pipeline import RunRequest, run_pipeline

    if args.store is None:
        print("using the dummy store (built on first use, then reused)...", file=sys.stderr)
    store = Store(_store(args.store, args.seed, args.scale))
    signal.signal(signal.SIGTERM, _interrupt)
    outcome = run_pipeline(
        RunRequest(
            store=store,
            templates=templates,
            authorities=args.authorities,
            period=(args.period_start, args.period_end),
            reports_dir=args.out,
            work_dir=args.work,
            policy=args.policy,
            workers=args.workers,
            executor=executor,
            resume=args.resume,
            progress=not args.no_progress,
            ledger=args.ledger,
        )
    )
    results, scan = outcome.results, outcome.scan
    ok = len(results) - len(outcome.failed)
    resumed = sum(r.resumed for r in results)
    kept = f" ({resumed} kept from an earlier run)" if resumed else ""
    print(f"{ok} of {len(results)} reports ok{kept}; index: {outcome.index}")
    print(
        f"checker pack: {outcome.checker_dir}; disclosure scan: {len(scan.findings)} "
        f"finding(s), {scan.relations} relations across files checked"
    )
    for result in outcome.failed:
        print(f"  failed: {result.la_code} {result.template}: {result.error}", file=sys.stderr)
    _print_findings(scan.findings)
    if outcome.ledger_check is not None:
        _print_ledger_check(outcome.ledger_check, args.out, args.ledger)
    return outcome.exit_code


def _print_findings(findings: Sequence[object]) -> None:
    for finding in findings:
        print(f"  disclosure: {finding}", file=sys.stderr)
    if findings:
        print(
            f"{len(findings)} disclosure finding(s): nothing here may be released. How to fix: "
            "release the cells named only through ldsa.sdc (withheld, rounded or coarsened "
            "under the policy), then check again.",
            file=sys.stderr,
        )


def _check(args: argparse.Namespace) -> ExitCode:
    """Scan a release under the policy given (never the pack's own copy, which could have
    been edited), after checking that the checker pack, if any, recorded that policy."""
    from ldsa import sdc
    from ldsa.sdc.checker import verify_pack_policy

    if not args.reports.is_dir():
        what = "a file, not a reports folder" if args.reports.exists() else "no such folder"
        raise InvalidParameterError(
            f"{args.reports}: {what}. How to fix: give `ldsa check` the --out folder of an "
            "`ldsa run` (the folder holding index.html and tables/)."
        )
    policy = sdc.load_policy(args.policy)
    pack = args.reports / "checker"
    if pack.exists() or pack.is_symlink():
        verify_pack_policy(pack, policy)
    report = sdc.check_release(args.reports, policy)
    _print_findings(report.findings)
    print(
        f"{args.reports}: {len(report.findings)} finding(s) under policy {policy.label}; "
        f"{report.relations} relations across files checked"
    )
    found = len(report.findings)
    if args.ledger is not None:
        found += _check_ledger(args.ledger, args.reports, policy)
    return ExitCode.DISCLOSURE if found else ExitCode.OK


def _check_ledger(ledger: Path, reports: Path, policy: Policy) -> int:
    """Check a release against the ledger's releases; record what was compared in the
    checker pack; return the number of findings."""
    from ldsa.run.checker_pack import check_with_ledger

    outcome = check_with_ledger(reports, ledger, policy)
    _print_ledger_check(outcome, reports, ledger)
    return len(outcome.findings)


def _print_ledger_check(outcome: LedgerCheck, reports: Path, ledger: Path) -> None:
    _print_findings(outcome.findings)
    print(
        f"{reports}: against {len(outcome.compared)} earlier release(s) in {ledger}: "
        f"{len(outcome.findings)} finding(s); {outcome.relations} relations checked"
    )


def _ledger(args: argparse.Namespace) -> ExitCode:
    """List the ledger's releases, or record a release that passes every check."""
    from ldsa import sdc
    from ldsa.sdc.ledger import read_ledger, record_release

    if args.action == "list":
        for release in read_ledger(args.ledger):
            print(f"{release.name}  {len(release.files)} files  policy {release.policy}")
        return ExitCode.OK
    if args.reports is None:
        raise InvalidParameterError(
            "ldsa ledger record: no release given. How to fix: pass --reports, the --out "
            "folder of the `ldsa run` to record."
        )
    check = argparse.Namespace(reports=args.reports, policy=args.policy, ledger=args.ledger)
    if (code := _check(check)) is not ExitCode.OK:
        print("Not recorded: the release fails the checks above.", file=sys.stderr)
        return code
    release = record_release(args.ledger, args.reports, sdc.load_policy(args.policy))
    print(f"recorded {args.reports} as release {release.name} in {args.ledger}")
    return ExitCode.OK


def _site(args: argparse.Namespace) -> ExitCode:
    from ldsa.data.store import Store
    from ldsa.run.batch import read_manifest
    from ldsa.run.lock import run_lock
    from ldsa.run.site import build_index
    from ldsa.run.templates import discover, select

    manifest = read_manifest(args.out)
    names = sorted({r.template for r in manifest.jobs})
    templates = select(discover(args.notebooks), names)
    store = Store(_store(args.store))
    with run_lock((args.out, "--out")):  # not while a run writes there
        index = build_index(store, templates, manifest.jobs, args.out, manifest.period)
    print(f"wrote {index}")
    return ExitCode.OK


def _interrupt(_signum: int, _frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so a killed batch stops its workers and their jobs too."""
    raise KeyboardInterrupt


def _bench(args: argparse.Namespace) -> ExitCode:
    if args.compare:
        from ldsa.run.bench_compare import compare

        compare(
            _store(args.store),
            args.templates,
            authorities=args.batch_authorities,
            naive_authorities=args.naive_authorities,
            repeats=args.repeats,
            full=args.full,
        )
        return ExitCode.OK
    from ldsa.bench import run_benchmarks

    run_benchmarks(args.scales, args.batch_authorities)
    return ExitCode.OK


_COMMANDS = {
    "dummy": _dummy,
    "validate": _validate,
    "prepare": _prepare,
    "authorities": _authorities,
    "templates": _templates,
    "run": _run,
    "check": _check,
    "ledger": _ledger,
    "site": _site,
    "bench": _bench,
}
