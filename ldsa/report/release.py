"""What one report releases: its tables, CSV downloads and disclosure records.

Every table shown or offered for download is a :class:`~ldsa.sdc.SafeTable`. In a batch,
:meth:`Release.finish` writes the CSVs and the record book into the job's release folder;
the batch publishes them beside the HTML report and hands the records to the checkers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ldsa import sdc
from ldsa.atomic import write_atomic
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import Messages

RECORDS = "records.json"


@dataclasses.dataclass
class Release:
    """Collects the released tables of one report (one LA and template)."""

    la_code: str
    template: str
    folder: Path | None
    tables: dict[str, sdc.SafeTable] = dataclasses.field(default_factory=dict)

    def csv(self, name: str, table: sdc.SafeTable) -> sdc.SafeTable:
        """Offer a released table as ``<la_code>/tables/<name>.csv``."""
        self.tables[name] = sdc.require_safe(table, f"download {name}")
        return table

    def table(
        self, name: str, table: sdc.SafeTable, caption: str, headers: dict[str, str]
    ) -> ReleasedTable:
        """Show a released table in the report, and offer it as a CSV."""
        self.csv(name, table)
        return ReleasedTable(table, caption, headers)

    def finish(self) -> Messages:
        """Write the CSVs and records (in a batch) and say what was withheld and why."""
        if self.folder is not None:
            self._write(self.folder)
        counts = {sdc.CellStatus.SUPPRESSED_DISCLOSURE: 0, sdc.CellStatus.SUPPRESSED_UNRELIABLE: 0}
        for table in self.tables.values():
            for row in table.statuses:
                for status in row:
                    if status in counts:
                        counts[status] += 1
        withheld, unreliable = (
            counts[sdc.CellStatus.SUPPRESSED_DISCLOSURE],
            counts[sdc.CellStatus.SUPPRESSED_UNRELIABLE],
        )
        lines = [
            (
                f"{_count(withheld, 'value is', 'values are')} withheld to protect "
                "confidentiality, shown as [c]: counts below the disclosure threshold, values "
                "that would let them be worked out, and statistics derived from them."
                if withheld
                else "No value is withheld to protect confidentiality."
            ),
            (
                f"{_count(unreliable, 'rate is', 'rates are')} not shown, shown as [u]: "
                "fewer than 10 events, too few for a reliable rate."
                if unreliable
                else "No rate is withheld as unreliable."
            ),
            "Downloads (CSV, in this authority's tables folder): "
            + ", ".join(f"{self.template}-{name}.csv" for name in sorted(self.tables))
            + ".",
        ]
        return Messages(lines)

    def _write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        book = sdc.RecordBook(la_code=self.la_code, template=self.template)
        for name, table in sorted(self.tables.items()):
            file = f"{self.template}-{name}.csv"
            write_atomic(folder / file, sdc.render_csv(table))
            book.add(table, files=[f"{self.la_code}/tables/{file}"])
        book.add_report(
            f"{self.la_code}/{self.template}/report",
            f"{self.la_code}/{self.template}.html",
            f"The {self.template} report of {self.la_code}: its tables, and figures drawn "
            "from them.",
        )
        book.write_json(folder / RECORDS)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
