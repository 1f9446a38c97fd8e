"""User-facing error classes, one exit code each.

Every error a user can cause is an :class:`LdsaError` subclass whose message says where,
what and how to fix it, and never quotes row-level values. Anything else that escapes is an
internal error (a bug) and exits with :attr:`ExitCode.INTERNAL`.
"""

from __future__ import annotations

import dataclasses
import enum


class ExitCode(enum.IntEnum):
    """Process exit codes of the ``ldsa`` command, one per error class."""

    OK = 0
    PARTIAL_FAILURE = 1  # a batch ran, but some jobs failed
    USAGE = 2  # bad command-line syntax (argparse's own code)
    INVALID_INPUT = 3  # an extract or public file failed validation
    INVALID_PARAMETER = 4  # an unknown LA code, template, period or option value
    STORE = 5  # a prepared store is missing, incomplete or from another schema version
    POLICY = 6  # a disclosure policy file is malformed or unknown
    DISCLOSURE = 7  # released outputs break the disclosure policy
    TEMPLATE = 8  # a template notebook is broken: unreadable, parameters, or no release
    BUSY = 9  # another run is writing into the same reports or work folder
    INTERNAL = 70  # a bug in ldsa: please report it


class LdsaError(Exception):
    """Base class of errors caused by input, parameters or environment, not by bugs."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InvalidParameterError(LdsaError, ValueError):
    """A parameter (LA code, template name, period, option) is not valid."""

    exit_code = ExitCode.INVALID_PARAMETER


class StoreError(LdsaError):
    """A prepared store cannot be used."""

    exit_code = ExitCode.STORE


class PolicyError(LdsaError):
    """A disclosure policy cannot be used."""

    exit_code = ExitCode.POLICY


class TemplateError(LdsaError):
    """A template notebook cannot be run as a template (its author's mistake)."""

    exit_code = ExitCode.TEMPLATE


class FolderBusyError(LdsaError):
    """Another ``ldsa run`` holds the reports or work folder (one run per folder)."""

    exit_code = ExitCode.BUSY


class DisclosureError(LdsaError):
    """Something tried to release a value that has not passed the disclosure policy."""

    exit_code = ExitCode.DISCLOSURE


class InvalidInputError(LdsaError):
    """An input file (extract table or public file) failed validation.

    Parameters
    ----------
    failures
        Every failure found, each naming the file, column and reason with a count of
        failing rows (never the values themselves).
    how_to_fix
        The closing advice; the default suits a record-level extract.
    """

    exit_code = ExitCode.INVALID_INPUT

    def __init__(
        self,
        failures: list[InputFailure],
        *,
        how_to_fix: str = "How to fix: correct the named columns in the source extract and run "
        "again.",
    ) -> None:
        self.failures = failures
        lines = [f"{len(failures)} validation failure(s):"]
        lines += [f"  {failure}" for failure in failures]
        lines.append(how_to_fix)
        super().__init__("\n".join(lines))


@dataclasses.dataclass(frozen=True, order=True)
class InputFailure:
    """One validation failure: where (file, column), what (reason), how many rows, and the
    first failing rows' numbers (data rows counted from 1; never their values)."""

    file: str
    column: str
    reason: str
    rows: int  # -1 when the failure concerns the whole table (a missing file or column)
    #: Where to look, not what the failure is: left out of equality, order and hashing.
    first_rows: tuple[int, ...] = dataclasses.field(default=(), compare=False)

    def __str__(self) -> str:
        rows = f"{self.rows} row(s)" if self.rows >= 0 else "whole table"
        text = f"{self.file}: column {self.column!r}: {self.reason} ({rows})"
        if self.first_rows:
            more = ", ..." if self.rows > len(self.first_rows) else ""
            text += f"; failing rows {', '.join(map(str, self.first_rows))}{more}"
        return text
