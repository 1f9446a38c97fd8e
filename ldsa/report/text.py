"""Plain-English messages written from released numbers."""

from __future__ import annotations

import html

import pandas as pd

#: How a rate compares with a benchmark, from whether the benchmark lies outside its interval.
_COMPARISON = {"higher": "higher than", "lower": "lower than", "similar": "similar to"}


def compare(value_lower: float, value_upper: float, benchmark: float) -> str:
    """Say whether a rate is significantly higher, lower or similar to a benchmark.

    Fingertips practice: the rate is higher when its whole 95% interval lies above the
    benchmark, lower when it lies below, similar otherwise.
    """
    if value_lower > benchmark:
        return "higher"
    if value_upper < benchmark:
        return "lower"
    return "similar"


def key_messages(totals: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """One sentence per measure comparing the authority's rate with England's and its region's.

    Parameters
    ----------
    totals
        Columns ``measure``, ``label``, ``level`` ("la", "region", "england"), ``value``,
        ``lower``, ``upper`` (rates per 100,000 with 95% limits).
    names
        Display name of each level.
    """
    rates = {(row["measure"], row["level"]): row for row in totals.to_dict("records")}
    messages = []
    for measure in dict.fromkeys(totals["measure"]):
        la, england, region = (rates[(measure, level)] for level in ("la", "england", "region"))
        versus = {
            area["level"]: compare(la["lower"], la["upper"], area["value"])
            for area in (england, region)
        }
        messages.append(
            f"{la['label']}: {la['value']:,.1f} per 100,000 in {names['la']}, "
            f"{_COMPARISON[versus['england']]} England ({england['value']:,.1f}) "
            f"and {_COMPARISON[versus['region']]} {names['region']} ({region['value']:,.1f})."
        )
    return messages


class Messages:
    """A list of plain-English messages shown as an HTML bullet list (text escaped)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = tuple(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        return f'<ul class="ldsa-messages">{items}</ul>'
