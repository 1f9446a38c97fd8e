"""Tables for reports: released tables shown as accessible HTML, nothing else."""

from __future__ import annotations

import dataclasses
import html

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
        # A focusable scrolling region: a wide table scrolls sideways on a narrow screen
        # instead of being cut off, and keyboard users can scroll it (WCAG 1.4.10, 2.1.1).
        table = sdc.render_html_table(self.table, caption=self.caption, headers=self.headers)
        label = html.escape(self.caption, quote=True)
        return (
            f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">'
            f"{table}</div>"
        )
