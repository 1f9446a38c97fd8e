"""The published cells of one area and measure, and what they make up over any span of days.

:mod:`ldsa.sdc.differencing` keeps one :class:`AreaCells` per area (an authority, a region,
England, a part of an authority) and measure. Known cells link days: the area's value over
``[a, b)`` is known when ``a`` and ``b`` are linked by a chain of known cells, added or
taken away (a union of cells, a difference of running totals, a week less its released
Monday plus the next: any chain), which :class:`Links` keeps as a weighted union-find.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

from ldsa.sdc.batch_cells import Cell, Span


class Links:
    """Days linked by known cells, each with its offset from its root (the area's value
    between them) and the published terms along the way (a weighted union-find)."""

    def __init__(self) -> None:
        self._parent: dict[dt.date, dt.date] = {}
        self._offset: dict[dt.date, int] = {}
        self._terms: dict[dt.date, int] = {}

    def _find(self, day: dt.date) -> tuple[dt.date, int, int]:
        """The day's root, its value from the root and the terms between them."""
        path = []
        while self._parent.get(day, day) != day:
            path.append(day)
            day = self._parent[day]
        offset = terms = 0
        for node in reversed(path):  # nearest the root first: point each at the root
            offset += self._offset[node]
            terms += self._terms[node]
            self._parent[node], self._offset[node], self._terms[node] = day, offset, terms
        return day, offset, terms

    def between(self, span: Span) -> tuple[int, int] | None:
        """The area's value over ``span`` and its published terms, or None if not linked."""
        (first, before, terms_before), (last, after, terms_after) = map(self._find, span)
        return (after - before, terms_before + terms_after) if first == last else None

    def link(self, span: Span, value: int, weight: int) -> None:
        """Link the span's two days by a known value of ``weight`` published terms."""
        (first, before, terms_before), (last, after, terms_after) = map(self._find, span)
        if first != last:
            self._parent[last] = first
            self._offset[last] = before + value - after
            self._terms[last] = terms_before + weight + terms_after


class AreaCells:
    """The published cells of one area and measure: values, weights, tilings, links."""

    def __init__(self) -> None:
        self.values: dict[Span, int | None] = {}
        self.weights: dict[Span, int] = {}
        self.files: dict[Span, str] = {}
        self.links = Links()
        self._chains: set[tuple[Span, ...]] = set()
        self._index: list[tuple[tuple[Span, ...], list[dt.date], list[dt.date]]] = []
        self._relations: list[tuple[Span, list[Span]]] | None = None

    def add(self, cell: Cell, half: int) -> tuple[int | None, int | None] | None:
        """Record a cell. Returns None, or when it was published before with another value,
        the copies' values (withheld first when one is), ``half`` a rounding base apart per
        published term."""
        span, value = cell.span, cell.value
        if span not in self.values:
            self.values[span], self.weights[span], self.files[span] = value, cell.weight, cell.file
            if value is not None:
                self.links.link(span, value, cell.weight)
            return None
        old = self.values[span]
        if old is None and value is None:
            return None
        if old is None or value is None:
            if value is not None:  # an attacker reads the copy that gives the value
                self.pin(span, value, cell.weight)
            return None, old if value is None else value
        if abs(old - value) <= half * (self.weights[span] + cell.weight):
            if cell.weight < self.weights[span]:
                self.values[span], self.weights[span] = value, cell.weight
            return None
        return old, value

    def pin(self, span: Span, value: int, weight: int | None = None) -> None:
        """Make a withheld cell known (a copy gives it, or a relation pins it)."""
        self.values[span] = value
        self.weights[span] = self.weights[span] if weight is None else weight
        self.links.link(span, value, self.weights[span])

    def add_run(self, spans: list[Span]) -> None:
        """Keep every stretch of consecutive spans of a run (a file's column) as a tiling."""
        stretch = spans[:1]
        for span in spans[1:]:
            if span[0] != stretch[-1][1]:
                self._keep(stretch)
                stretch = []
            stretch.append(span)
        self._keep(stretch)

    def _keep(self, stretch: list[Span]) -> None:
        if len(stretch) > 1 and tuple(stretch) not in self._chains:
            self._chains.add(tuple(stretch))
            self._index.append((tuple(stretch), [s[0] for s in stretch], [s[1] for s in stretch]))

    def known(self, span: Span) -> bool:
        return self.values.get(span) is not None

    def cover(self, span: Span) -> list[list[Span]]:
        """Every way this area's published cells (one, or a tiling's) make up ``span``."""
        out = [[span]] if span in self.values else []
        for chain, starts, ends in self._index:
            first, last = bisect.bisect_left(starts, span[0]), bisect.bisect_left(ends, span[1])
            if last < len(ends) and first <= last and starts[first] == span[0]:
                parts = list(chain[first : last + 1])
                if ends[last] == span[1] and parts != [span] and parts not in out:
                    out.append(parts)
        return out

    def value_over(self, span: Span) -> tuple[int, list[Span], int] | None:
        """Known part, withheld cells and published terms (weights) of this area's value
        over ``span``: linked, or else the way its cells make it up with fewest withheld
        (then fewest terms); None when they do not make it up."""
        ways = []
        for parts in self.cover(span):
            hidden = [p for p in parts if not self.known(p)]
            shown = [p for p in parts if self.known(p)]
            weight = sum(self.weights[p] for p in shown)
            ways.append((len(hidden), weight, sum(int(self.values[p] or 0) for p in shown), hidden))
        linked = self.links.between(span)
        if linked is not None:
            ways.append((0, linked[1], linked[0], []))
        if not ways:
            return None
        _, weight, known, hidden = min(ways, key=lambda way: way[:2])
        return known, hidden, weight

    def relations(self) -> list[tuple[Span, list[Span]]]:
        """(total, parts): each published cell as a union of another tiling's cells, and
        each total from a first day as the one before plus the cells between."""
        if self._relations is None:
            out = [(span, parts) for span in self.values for parts in self.cover(span)[1:]]
            for _, group in itertools.groupby(sorted(self.values), key=lambda span: span[0]):
                for before, after in itertools.pairwise(list(group)):
                    for parts in self.cover((before[1], after[1])):
                        out.append((after, [before, *parts]))
            self._relations = out
        return self._relations
