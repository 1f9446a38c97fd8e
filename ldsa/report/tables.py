"""Tables for reports: released tables shown as accessible HTML, nothing else."""

from __future__ import annotations

import dataclasses

from ldsa import sdc


@dataclasses.dataclass(frozen=True)
class ReleasedTable:
    """A released table with its caption and column headers, displayed as HTML.

    Raises
    ------
    DisclosureError
        When ``table`` is not a :class:`~ldsa.sdc.SafeTable` (a raw DataFrame, say).
    """

    table: sdc.SafeTable
    caption: str
    headers: dict[str, str]

    def __post_init__(self) -> None:
        sdc.require_safe(self.table, "ReleasedTable")

    def _repr_html_(self) -> str:
        return sdc.render_html_table(self.table, caption=self.caption, headers=self.headers)
