"""Tables for reports: accessible HTML with escaped text and formatted numbers."""

from __future__ import annotations

import dataclasses
import html

import pandas as pd


@dataclasses.dataclass(frozen=True)
class TableOutput:
    """A table ready to show: column headers, formatted cells and a caption."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, caption: str, formats: dict[str, str] | None = None
    ) -> TableOutput:
        """Format a frame's cells (``formats`` maps a column to a format spec, e.g. ``",.0f"``)."""
        formats = formats or {}
        rows = tuple(
            tuple(_format(value, formats.get(str(column), "")) for column, value in row.items())
            for _, row in frame.iterrows()
        )
        return cls(caption, tuple(str(c) for c in frame.columns), rows)

    def _repr_html_(self) -> str:
        head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in self.columns)
        body = "".join(
            "<tr>"
            + f'<th scope="row">{html.escape(row[0])}</th>'
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="ldsa-table"><caption>{html.escape(self.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def _format(value: object, spec: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if spec and isinstance(value, int | float):
        return format(value, spec)
    return str(value)
