"""Records: one per released output, with the outcome of every rule and the cells affected."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ldsa.atomic import write_atomic
from ldsa.sdc.policy import Policy

if TYPE_CHECKING:  # pragma: no cover  # import cycle: SafeTable carries a Record
    from ldsa.sdc.safetable import SafeTable

Cell = tuple[int, int]


class Rule(enum.Enum):
    """A disclosure-control rule; values are the names used in ``results.json``."""

    THRESHOLD = "threshold"  # ACRO's name: a count below the threshold (primary)
    ZEROS = "zeros"  # a zero under a policy that treats zeros as disclosive (primary)
    SECONDARY = "secondary"  # complementary suppression within the table
    LINKED = "linked"  # complementary suppression across linked tables
    RUNNING_TOTAL = "running-total"  # a running total that would reveal suppressed cells
    DERIVED = "derived"  # a rate or interval whose count is suppressed
    DOF = "dof"  # a model with too few residual degrees of freedom
    GROUP_SIZE = "group-size"  # a coefficient of a group smaller than the threshold
    NK = "nk-rule"  # ACRO's name: dominance
    P_RATIO = "p-ratio"  # ACRO's name: p% rule
    HISTOGRAM = "histogram"  # a histogram bin below the threshold, merged or suppressed
    FORCED = "forced"  # suppressed by the caller (force_suppress)
    SURVEY_SAMPLE = "survey-sample"  # a survey estimate on too few swabs, people or households
    SURVEY_POSITIVES = "survey-positives"  # a survey estimate on too few positives or negatives
    UNRELIABLE = "unreliable"  # not shown because too few events, not for disclosure
    ROUNDED = "rounded"  # released after rounding


#: Rules that withhold a value for disclosure (anything else is informational).
SUPPRESSING_RULES = frozenset(Rule) - {Rule.UNRELIABLE, Rule.ROUNDED}

#: What each rule means and what was done, in one plain sentence (for the checkers).
RULE_MEANINGS: dict[Rule, str] = {
    Rule.THRESHOLD: "A count below the policy's threshold: suppressed.",
    Rule.ZEROS: "A zero, under a policy that treats zeros as disclosive: suppressed.",
    Rule.SECONDARY: (
        "A cell that the table's own totals would let someone work out a suppressed cell "
        "from: suppressed as well (complementary suppression within the table)."
    ),
    Rule.LINKED: (
        "A cell that, with the other tables released in the batch (weeks and running "
        "totals, an authority and its region and England, coarser steps), would pin a "
        "suppressed cell or leave suppressed cells summing to less than the threshold: "
        "suppressed as well (complementary suppression across tables)."
    ),
    Rule.RUNNING_TOTAL: (
        "A running total that would reveal the suppressed cells since the last one "
        "released: withheld until the cells since then are safe together."
    ),
    Rule.DERIVED: "A rate or interval computed from a suppressed count: suppressed with it.",
    Rule.DOF: "A model with too few residual degrees of freedom: not released.",
    Rule.GROUP_SIZE: "A model coefficient of a group smaller than the threshold: suppressed.",
    Rule.NK: "A magnitude dominated by its largest contributors (N-K rule): suppressed.",
    Rule.P_RATIO: "A magnitude that reveals its largest contributor (p% rule): suppressed.",
    Rule.HISTOGRAM: "A histogram bin below the threshold: merged or suppressed.",
    Rule.FORCED: "A cell the analyst asked to suppress: suppressed.",
    Rule.SURVEY_SAMPLE: (
        "A survey estimate whose sample holds fewer swabs, participants or households than "
        "the threshold (for a modelled estimate: in its week, or in all the swabs its model "
        "is fitted to): withheld."
    ),
    Rule.SURVEY_POSITIVES: (
        "A survey estimate that would reveal a small number of positive or negative swabs "
        "(a direct estimate whose positives or negatives are an unsafe count, or a model "
        "fitted to fewer positive swabs than the threshold): withheld."
    ),
    Rule.UNRELIABLE: (
        "A rate from fewer than 10 events: not shown because unreliable ([u]); not a "
        "disclosure rule."
    ),
    Rule.ROUNDED: "A count rounded to the policy's base (totals rounded from raw values).",
}


class RecordStatus(enum.Enum):
    """ACRO's verdicts: pass (nothing to check), review (mitigated), fail (unmitigated)."""

    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"


class OutputKind(enum.Enum):
    """ACRO output types."""

    TABLE = "table"
    REGRESSION = "regression"
    HISTOGRAM = "histogram"
    CUSTOM = "custom"


@dataclasses.dataclass(frozen=True)
class Record:
    """The disclosure record of one released output.

    Attributes
    ----------
    uid
        The output id, unique in a batch (``<la_code>/<template>/<name>`` by convention).
    kind, status
        ACRO output type and verdict.
    policy_name, policy_version
        The policy applied.
    description
        What the output shows (context text for the checker).
    columns, row_labels
        The released table's columns and a label per row; cells are ``(row, column)``
        positions into them.
    cells
        Per rule, the cells it affected, rules in :class:`Rule` order.
    properties
        Further facts (method, base, degrees of freedom), as sorted string pairs.
    comments, exception
        Analyst comments and an exception request (ACRO's fields).
    la_code, template, files
        Stamped by :meth:`RecordBook.add`: the report and the released files showing it.
    label_columns
        The columns that are labels (ACRO counts cell positions among the others).
    """

    uid: str
    kind: OutputKind
    status: RecordStatus
    policy_name: str
    policy_version: str
    description: str
    columns: tuple[str, ...]
    row_labels: tuple[str, ...]
    cells: tuple[tuple[Rule, tuple[Cell, ...]], ...]
    properties: tuple[tuple[str, str], ...] = ()
    comments: tuple[str, ...] = ()
    exception: str = ""
    la_code: str = ""
    template: str = ""
    files: tuple[str, ...] = ()
    label_columns: tuple[str, ...] = ()

    def cells_for(self, rule: Rule) -> tuple[Cell, ...]:
        """Return the cells ``rule`` affected (empty when it did not fire)."""
        return next((cells for each, cells in self.cells if each is rule), ())

    @property
    def summary(self) -> str:
        """ACRO-style one-line summary: status, then cells per rule."""
        parts = [f"{rule.value}: {len(cells)} cells" for rule, cells in self.cells if cells]
        return "; ".join([self.status.value, *parts])

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready values (for :meth:`RecordBook.write_json`)."""
        out = dataclasses.asdict(self)
        out["kind"] = self.kind.value
        out["status"] = self.status.value
        out["cells"] = [[rule.value, [list(c) for c in cells]] for rule, cells in self.cells]
        out["properties"] = [list(pair) for pair in self.properties]
        for key in ("columns", "row_labels", "comments", "files", "label_columns"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Rebuild a record written by :meth:`to_dict`."""
        cells = tuple(
            (Rule(rule), tuple((int(r), int(c)) for r, c in found)) for rule, found in data["cells"]
        )
        return cls(
            uid=data["uid"],
            kind=OutputKind(data["kind"]),
            status=RecordStatus(data["status"]),
            policy_name=data["policy_name"],
            policy_version=data["policy_version"],
            description=data["description"],
            columns=tuple(data["columns"]),
            row_labels=tuple(data["row_labels"]),
            cells=cells,
            properties=tuple((str(k), str(v)) for k, v in data["properties"]),
            comments=tuple(data["comments"]),
            exception=data["exception"],
            la_code=data["la_code"],
            template=data["template"],
            files=tuple(data["files"]),
            label_columns=tuple(data["label_columns"]),
        )


def make_record(
    *,
    uid: str,
    kind: OutputKind,
    policy: Policy,
    description: str,
    columns: Sequence[str],
    row_labels: Sequence[str],
    cells: Mapping[Rule, Iterable[Cell]],
    label_columns: Sequence[str] = (),
    properties: Mapping[str, object] | None = None,
) -> Record:
    """Build a record, deriving its status from the rules that fired.

    Parameters
    ----------
    uid, kind, policy, description, columns, row_labels, label_columns
        See :class:`Record`.
    cells
        The cells each rule affected (rules that did not fire may be absent or empty).
    properties
        Further facts, converted to strings and sorted by key.

    Returns
    -------
    Record
        REVIEW when any suppressing rule fired (ACRO: mitigated, for a checker to see),
        PASS otherwise.
    """
    ordered = tuple((rule, tuple(sorted(set(cells.get(rule, ()))))) for rule in Rule)
    fired = {rule for rule, found in ordered if found}
    status = RecordStatus.REVIEW if fired & SUPPRESSING_RULES else RecordStatus.PASS
    props = tuple(sorted((str(k), str(v)) for k, v in (properties or {}).items()))
    return Record(
        uid=uid,
        kind=kind,
        status=status,
        policy_name=policy.name,
        policy_version=policy.version,
        description=description,
        columns=tuple(columns),
        row_labels=tuple(row_labels),
        cells=tuple((rule, found) for rule, found in ordered if found),
        properties=props,
        label_columns=tuple(label_columns),
    )


def subset_record(
    record: Record, *, uid: str, rows: Sequence[int], columns: Sequence[int]
) -> Record:
    """Return the record of a table cut down to some of its rows and columns.

    Cells are renumbered to the new positions; rules whose cells all fall outside are
    dropped and the status is recomputed from what is left.
    """
    new_row = {old: new for new, old in enumerate(rows)}
    new_col = {old: new for new, old in enumerate(columns)}
    cells = tuple(
        (rule, tuple((new_row[r], new_col[c]) for r, c in found if r in new_row and c in new_col))
        for rule, found in record.cells
    )
    kept = tuple((rule, found) for rule, found in cells if found)
    fired = {rule for rule, _ in kept}
    status = RecordStatus.REVIEW if fired & SUPPRESSING_RULES else RecordStatus.PASS
    return dataclasses.replace(
        record,
        uid=uid,
        status=status,
        columns=tuple(record.columns[c] for c in columns),
        label_columns=tuple(
            record.columns[c] for c in columns if record.columns[c] in record.label_columns
        ),
        row_labels=tuple(record.row_labels[r] for r in rows),
        cells=kept,
        properties=record.properties,
    )


class RecordBook:
    """Collects the records of one report (one LA and template).

    Parameters
    ----------
    la_code, template
        Stamped on every record added.
    """

    def __init__(self, *, la_code: str = "", template: str = "") -> None:
        self.la_code = la_code
        self.template = template
        self._records: dict[str, Record] = {}

    def add(
        self,
        table: SafeTable,
        *,
        files: Iterable[str | os.PathLike[str]] = (),
        comments: Iterable[str] = (),
        exception: str = "",
    ) -> Record:
        """Add the record of a released table, with the files that show it.

        Parameters
        ----------
        table
            A released table.
        files
            Paths of the released files showing it, relative to the reports folder.
        comments, exception
            Analyst comments and an exception request.

        Returns
        -------
        Record
            The stamped record.
        """
        from ldsa.sdc.render import require_safe  # import cycle: SafeTable carries a Record

        safe = require_safe(table, "RecordBook.add")
        record = dataclasses.replace(
            safe.record,
            la_code=self.la_code,
            template=self.template,
            files=tuple(sorted(Path(f).as_posix() for f in files)),
            comments=tuple(comments),
            exception=exception,
        )
        return self._put(record)

    def add_custom(
        self,
        uid: str,
        files: Iterable[str | os.PathLike[str]],
        comment: str,
        *,
        statistics: bool = True,
    ) -> Record:
        """Add a record for an output that did not pass through a release function.

        ACRO marks such outputs "custom", status review: a checker must look at them. An
        output that holds no statistic (a navigation page, a run log) passes instead.
        """
        record = Record(
            uid=uid,
            kind=OutputKind.CUSTOM,
            status=RecordStatus.REVIEW if statistics else RecordStatus.PASS,
            policy_name="",
            policy_version="",
            description=comment,
            columns=(),
            row_labels=(),
            cells=(),
            comments=(comment,),
            la_code=self.la_code,
            template=self.template,
            files=tuple(sorted(Path(f).as_posix() for f in files)),
        )
        return self._put(record)

    def add_report(self, uid: str, file: str | os.PathLike[str], description: str) -> Record:
        """Add the record of a report page that shows the tables already added.

        The page shows the same released values as the tables' files (tables, and figures
        drawn from them), so its status is theirs: review if any of them needs a review.
        """
        shown = self.records
        status = (
            RecordStatus.REVIEW
            if any(r.status is RecordStatus.REVIEW for r in shown)
            else RecordStatus.PASS
        )
        comment = "Shows the released tables " + ", ".join(r.uid for r in shown) + "."
        record = Record(
            uid=uid,
            kind=OutputKind.CUSTOM,
            status=status,
            policy_name=shown[0].policy_name if shown else "",
            policy_version=shown[0].policy_version if shown else "",
            description=description,
            columns=(),
            row_labels=(),
            cells=(),
            properties=(("method", "report"), ("shows", ", ".join(r.uid for r in shown))),
            comments=(comment,),
            la_code=self.la_code,
            template=self.template,
            files=(Path(file).as_posix(),),
        )
        return self._put(record)

    def _put(self, record: Record) -> Record:
        if record.uid in self._records:
            raise ValueError(f"RecordBook: output id {record.uid!r} added twice")
        self._records[record.uid] = record
        return record

    @property
    def records(self) -> tuple[Record, ...]:
        """The records, sorted by uid."""
        return tuple(self._records[uid] for uid in sorted(self._records))

    def write_json(self, path: str | os.PathLike[str]) -> None:
        """Write the records to ``path`` (atomically: a temporary file, then a rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps([r.to_dict() for r in self.records], indent=1, sort_keys=True)
        write_atomic(target, text + "\n")


def read_records(paths: Iterable[str | os.PathLike[str]]) -> tuple[Record, ...]:
    """Read record files written by :meth:`RecordBook.write_json`, sorted by uid.

    Raises
    ------
    ValueError
        When two files hold the same output id.
    """
    found: dict[str, Record] = {}
    for path in paths:
        for item in json.loads(Path(path).read_text(encoding="utf-8")):
            record = Record.from_dict(item)
            if record.uid in found:
                raise ValueError(f"{path}: output id {record.uid!r} also in another file")
            found[record.uid] = record
    return tuple(found[uid] for uid in sorted(found))
