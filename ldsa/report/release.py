"""What one report releases: its tables, CSV downloads and disclosure records.

Every table shown or offered for download is a :class:`~ldsa.sdc.SafeTable`, registered
with the report's :class:`Release`. The runner, not the template, finishes the release: it
opens a session before the template's cells run (:func:`begin`) and closes it after the
last cell (:func:`finish`), which writes the CSVs, the record book and a summary into the
job's release folder; the batch publishes them beside the HTML report and hands the records
to the checkers. A job runs in a process of its own, so a session never outlives its job.
In Jupyter there is no session: nothing is written, and :meth:`Release.note` says what the
report would withhold.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.errors import TemplateError
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import Messages

RECORDS = "records.json"
#: The release summary the page's disclosure section is written from.
SUMMARY = "release.json"


@dataclasses.dataclass
class Release:
    """Collects the released tables of one report (one LA and template)."""

    la_code: str
    template: str
    tables: dict[str, sdc.SafeTable] = dataclasses.field(default_factory=dict)
    #: The ledger of earlier releases the batch's disclosure plans were made against.
    ledger: Path | None = None

    def csv(self, name: str, table: sdc.SafeTable) -> sdc.SafeTable:
        """Offer a released table as ``<la_code>/tables/<la_code>_<template>_<name>.csv``."""
        sdc.require_safe(table, f"download {name}")
        if name in self.tables and self.tables[name] is not table:
            raise TemplateError(
                f"template {self.template}: two different tables are offered as {name!r}. "
                "How to fix: give each download its own name."
            )
        self.tables[name] = table
        return table

    def table(
        self, name: str, table: sdc.SafeTable, caption: str, headers: dict[str, str]
    ) -> ReleasedTable:
        """Show a released table in the report, and offer it as a CSV."""
        self.csv(name, table)
        return ReleasedTable(table, caption, headers)

    def file_name(self, name: str) -> str:
        """The CSV file name of a download: :func:`table_file_name`."""
        return table_file_name(self.la_code, self.template, name)

    def summary(self) -> ReleaseSummary:
        """How many values are withheld, and the downloads, for the disclosure section."""
        withheld = unreliable = 0
        for table in self.tables.values():
            for row in table.statuses:
                withheld += sum(s is sdc.CellStatus.SUPPRESSED_DISCLOSURE for s in row)
                unreliable += sum(s is sdc.CellStatus.SUPPRESSED_UNRELIABLE for s in row)
        files = tuple(self.file_name(name) for name in sorted(self.tables))
        return ReleaseSummary(withheld, unreliable, files)

    def note(self) -> Messages:
        """The disclosure note as shown at the end of a report (for use in Jupyter)."""
        return Messages(list(self.summary().lines()))

    def write(self, folder: Path) -> ReleaseSummary:
        """Write the CSVs, the record book and the summary into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        book = sdc.RecordBook(la_code=self.la_code, template=self.template)
        for name, table in sorted(self.tables.items()):
            file = self.file_name(name)
            write_atomic(folder / file, sdc.render_csv(table))
            book.add(table, files=[f"{self.la_code}/tables/{file}"])
        book.add_report(
            f"{self.la_code}/{self.template}/report",
            f"{self.la_code}/{self.template}.html",
            f"The {self.template} report of {self.la_code}: its tables, and figures drawn "
            "from them.",
        )
        book.write_json(folder / RECORDS)
        summary = self.summary()
        write_atomic(folder / SUMMARY, json.dumps(dataclasses.asdict(summary), indent=1) + "\n")
        return summary


def table_file_name(la_code: str, template: str, name: str) -> str:
    """The file name a released table is published and downloaded under,
    ``<la_code>_<template>_<name>.csv`` (``E06000001_overview_headline.csv``): files of
    several authorities and templates never overwrite each other in one downloads folder."""
    return f"{la_code}_{template}_{name}.csv"


@dataclasses.dataclass(frozen=True)
class ReleaseSummary:
    """What a report withheld and offers for download (counts of cells, no values)."""

    withheld: int  #: cells withheld to protect confidentiality ([c])
    unreliable: int  #: rates not shown as too unreliable ([u])
    files: tuple[str, ...]  #: CSV file names

    @classmethod
    def read(cls, folder: Path) -> ReleaseSummary:
        """Read the summary :meth:`Release.write` left in a release folder."""
        data = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        return cls(int(data["withheld"]), int(data["unreliable"]), tuple(data["files"]))

    def lines(self) -> tuple[str, str]:
        """The disclosure note in two plain sentences."""
        return (
            (
                f"{_count(self.withheld, 'value is', 'values are')} withheld to protect "
                "confidentiality, shown as [c]: counts below the disclosure threshold, values "
                "that would let them be worked out, and statistics derived from them."
                if self.withheld
                else "No value is withheld to protect confidentiality."
            ),
            (
                f"{_count(self.unreliable, 'rate is', 'rates are')} not shown, shown as [u]: "
                "fewer than 10 events, too few for a reliable rate."
                if self.unreliable
                else "No rate is withheld as unreliable."
            ),
        )


@dataclasses.dataclass
class _Session:
    folder: Path
    template: str
    ledger: Path | None = None
    releases: list[Release] = dataclasses.field(default_factory=list)


_session: _Session | None = None


def begin(folder: Path, template: str, ledger: Path | None = None) -> None:
    """Open the release session of a job: reports opened from now on register with it,
    and take their disclosure plans against the earlier releases of ``ledger``.

    Called by the runner in the job's own process, before the template's first cell.
    """
    global _session
    _session = _Session(folder, template, ledger)


def open_release(la_code: str, template: str) -> Release:
    """The release a report collects its tables in: registered with the job's session if
    one is open (the session names the template), else a release for Jupyter only."""
    if _session is None:
        return Release(la_code, template)
    release = Release(la_code, _session.template, ledger=_session.ledger)
    _session.releases.append(release)
    return release


def finish() -> ReleaseSummary:
    """Close the session: write every table the job's reports registered, and the summary.

    Raises
    ------
    TemplateError
        When no session is open, the template opened no report, or its reports were for
        more than one authority.
    """
    global _session
    session, _session = _session, None
    if session is None or not session.releases:
        raise TemplateError(
            f"template {session.template if session else '?'}: released nothing. How to fix: "
            "open the report with its Report class's open() in the first code cell."
        )
    codes = {release.la_code for release in session.releases}
    if len(codes) != 1:
        raise TemplateError(
            f"template {session.template}: opened reports for {len(codes)} authorities. "
            "How to fix: open one authority's report, the one in la_code."
        )
    merged = Release(codes.pop(), session.template)
    for release in session.releases:
        for name, table in release.tables.items():
            merged.csv(name, table)
    return merged.write(session.folder)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
