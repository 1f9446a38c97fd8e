"""Plain-English messages written from released numbers only."""

from __future__ import annotations

import datetime as dt
import html

import numpy as np

from ldsa import sdc
from ldsa.stats import compare_with_benchmark


def day_text(day: dt.date) -> str:
    """A day in the reports' one date style: "2 March 2020"."""
    return f"{day.day} {day:%B %Y}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular or plural: "1 neighbourhood", "3 quintiles"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


#: Wording of each comparison with a benchmark ("higher than" ...).
COMPARISON = {"higher": "higher than", "lower": "lower than", "similar": "similar to"}
_WITHHELD = {
    sdc.CellStatus.SUPPRESSED_DISCLOSURE: "not shown, to protect confidentiality",
    sdc.CellStatus.SUPPRESSED_UNRELIABLE: "not shown: too few events for a reliable rate",
}


def key_messages(headline: sdc.SafeTable, names: dict[str, str], first_week: str = "") -> list[str]:
    """One sentence per measure comparing the authority's rate with England's and its region's.

    Parameters
    ----------
    headline
        Released table with ``measure``, ``la_rate``, ``la_lower``, ``la_upper``,
        ``region_rate`` and ``england_rate`` (per 100,000, 95% limits).
    names
        Display name of ``la`` and ``region``.
    first_week
        The period's first Monday (ISO): a measure whose data start later (a published
        file covering part of the period) names its own weeks.

    Notes
    -----
    A comparison is stated only when every number it rests on is released; otherwise the
    sentence says the rate is withheld and why, never hinting at its size. A released count
    of 0 is said as such (nothing was withheld); where England's is 0 too, the data hold
    none of the measure, which is said instead.
    """
    safe = sdc.require_safe(headline, "key_messages")
    messages = []
    for row in range(safe.n_rows):
        label = safe.text(row, "measure")
        if first_week and safe.text(row, "period_start") != first_week:
            first = dt.date.fromisoformat(safe.text(row, "period_start"))
            last = dt.date.fromisoformat(safe.text(row, "period_end"))
            label = f"{label}, weeks from {day_text(first)} to {day_text(last)} only"

        def number(column: str, row: int = row) -> str:
            return sdc.group_digits(safe.text(row, column))

        status = safe.status(row, "la_rate")
        if safe.value(row, "england_count") == 0:
            messages.append(f"{label}: the data hold none in the period.")
            continue
        if safe.value(row, "la_count") == 0:
            messages.append(f"{label}: none in {names['la']} over the period.")
            continue
        if status.suppressed:
            messages.append(f"{label}: the rate for {names['la']} is {_WITHHELD[status]}.")
            continue
        needed = ("la_lower", "la_upper", "region_rate", "england_rate")
        if any(safe.status(row, column).suppressed for column in needed):
            messages.append(
                f"{label}: {number('la_rate')} per 100,000 in {names['la']}; "
                "comparisons are not shown, to protect confidentiality."
            )
            continue
        lower, upper, region, england = (float(safe.value(row, c) or 0) for c in needed)
        versus = compare_with_benchmark(lower, upper, np.array([england, region]))
        messages.append(
            f"{label}: {number('la_rate')} per 100,000 in {names['la']}, "
            f"{COMPARISON[str(versus[0])]} England ({number('england_rate')}) and "
            f"{COMPARISON[str(versus[1])]} {names['region']} ({number('region_rate')})."
        )
    return messages


class Messages:
    """A list of plain-English messages shown as an HTML bullet list (text escaped)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = tuple(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines)
        return f'<ul class="ldsa-messages">{items}</ul>'
