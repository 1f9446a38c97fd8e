"""Every task of the project is a nox session; CI calls nox and nothing else."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests"]

PYTHON = "3.11"
CONSTRAINTS = ("-c", "constraints.txt")


def _install(session: nox.Session, extras: str = "test") -> None:
    session.install(*CONSTRAINTS, "-e", f".[{extras}]")


@nox.session(python=PYTHON)
def run(session: nox.Session) -> None:
    """The main job: every template for every authority on the dummy data, into reports/."""
    _install(session, "test")
    session.run("ldsa", "run", *session.posargs)


@nox.session(python=PYTHON)
def run_public(session: nox.Session) -> None:
    """Every template for every authority on published UK data: prepare a store from the
    published files' folder (default ../shared/data), then run into reports-public/ under
    the public policy (published counts released unchanged; refused on other stores)."""
    data = session.posargs[0] if session.posargs else "../shared/data"
    _install(session, "test")
    session.run("ldsa", "prepare", "--from", "public", data, "stores/public")
    session.run(
        "ldsa", "run", "--store", "stores/public", "--policy", "public",
        "--out", "reports-public", "--work", ".ldsa-work-public", *session.posargs[1:],
    )  # fmt: skip


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite (unit, property, reference, template, end to end, browser)."""
    _install(session, "test,dev")
    session.run("ruff", "check", "ldsa", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "ldsa", "tests", "noxfile.py")
    session.run("mypy")
    # Two pytest workers on two cores: one BLAS thread each, or they fight for the cores.
    session.run(
        "pytest", "-n", "2", "--cov=ldsa", "--cov-branch", "--cov-report=", *session.posargs,
        env={"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    # The house target: every line and branch of the statistics and disclosure layers.
    session.run(
        "coverage", "report", "--include=ldsa/sdc/*,ldsa/stats/*", "--fail-under=100",
        "--skip-covered", "--show-missing",
    )  # fmt: skip
    session.run("coverage", "report", "--skip-covered")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", "ldsa", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "ldsa", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy, strict on the package."""
    _install(session, "test,dev")
    session.run("mypy")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Speed and memory figures: dummy generation, prepare, batch reports per minute.

    ``nox -s bench -- --compare [--full]``: the batch against papermill + nbconvert per
    report and against the cells run as plain Python; one authority's wall time; the
    batch's peak memory per process.
    """
    _install(session, "test")
    session.run("ldsa", "bench", *session.posargs)


@nox.session(python=PYTHON)
def acro(session: nox.Session) -> None:
    """Cross-check primary-suppression verdicts against ACRO, in an environment of its own.

    ACRO pins its own pandas, so this session does not use constraints.txt.
    """
    session.install("acro==1.0.2", "-e", ".")
    session.run("python", "tests/unit/sdc/acro_crosscheck.py", "--tables", "200", "--seed", "1")


@nox.session(python=PYTHON)
def lock(session: nox.Session) -> None:
    """Rewrite constraints.txt from a fresh resolution of pyproject.toml's ranges."""
    session.install("-e", ".[test,dev]")
    frozen = session.run("pip", "freeze", "--exclude-editable", silent=True) or ""
    lines = [line for line in str(frozen).splitlines() if line and not line.startswith("-e")]
    header = (
        "# Exact versions for reproducible reports and tests: "
        "pip install -c constraints.txt -e '.[test]'\n# Regenerate with: nox -s lock\n"
    )
    with open("constraints.txt", "w", encoding="utf-8") as handle:
        handle.write(header + "\n".join(lines) + "\n")
