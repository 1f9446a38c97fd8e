"""Release of infection-survey estimates: the sample behind each must be large enough.

Survey participants and households are people, so the sample behind a released number is
checked like a cell of people, under the policy's ``threshold`` (t):

- **Sample rule** (:attr:`Rule.SURVEY_SAMPLE`): an estimate is released only when its
  sample holds at least t swabs, t participants and t households. A modelled estimate's
  sample is that of its row (its week, say); the model's whole sample (every swab it is
  fitted to) must pass too, or none of its estimates is released.
- **Positives rule** (:attr:`Rule.SURVEY_POSITIVES`): a direct estimate (a weighted share
  of its row's own swabs, so that the estimate times the swabs gives the positives back)
  is released only when its positive and its negative swabs are each safe counts (the
  threshold, zeros as the policy says; no sample in which every swab is positive); a
  model must be fitted to at least t positive swabs. A modelled estimate for a week is a
  smooth function of every week's swabs, not a share of its own week's, so its week's
  positives are not checked.
- **Degrees of freedom** (:attr:`Rule.DOF`): a model with fewer residual degrees of
  freedom than ``dof_threshold`` releases nothing.
- **Sample sizes** released beside the estimates (``<prefix>_<name>_count``) are counts of
  people: a count the policy calls unsafe is withheld (:attr:`Rule.THRESHOLD`,
  :attr:`Rule.ZEROS`), and released counts are rounded as the policy says. Every estimate
  of a row whose sample is withheld is withheld too (the sample rule needs each at t).

Distinct participants and households cannot be added up across weeks or groups (one person
is in many weeks); over several weeks, pass a lower bound (the largest week's count), never
a sum. The record of every table names the rules, says what the sample of a row is, and
gives each model's verdict without its counts.

Statistics computed from released counts and released survey estimates together (cases per
estimated infection) are released by :func:`release_from_estimates`, withheld wherever
any value they are computed from is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ldsa.sdc.policy import Policy
from ldsa.sdc.primary import is_unsafe_count
from ldsa.sdc.records import OutputKind, Rule, make_record
from ldsa.sdc.render import require_safe
from ldsa.sdc.rounding import round_count
from ldsa.sdc.safetable import (
    CellStatus,
    ColumnKind,
    SafeTable,
    Value,
    issue_table,
    label_text,
    row_labels,
)

#: The sample sizes a table may release beside its estimates.
SAMPLE_FIELDS = ("swabs", "positives", "participants", "households")


@dataclasses.dataclass(frozen=True)
class SurveySample:
    """The sample behind one survey estimate.

    Attributes
    ----------
    swabs, positives
        Valid swabs and positive swabs (events: sums over weeks are exact).
    participants, households
        Distinct people and households swabbed (exact for one week; over several weeks a
        lower bound, such as the largest week's).
    """

    swabs: int
    positives: int
    participants: int
    households: int

    def __post_init__(self) -> None:
        counts = (self.swabs, self.positives, self.participants, self.households)
        if any(not isinstance(n, int) or n < 0 for n in counts) or self.positives > self.swabs:
            raise ValueError(
                "SurveySample: counts must be whole numbers >= 0, with positives at most the "
                "swabs. How to fix: pass the sample's counts as int."
            )


@dataclasses.dataclass(frozen=True)
class SurveyModel:
    """A fitted model: the whole sample it is fitted to and its residual degrees of freedom."""

    sample: SurveySample
    df_resid: float


@dataclasses.dataclass(frozen=True)
class SurveyEstimates:
    """The estimates of one area in a released table.

    Attributes
    ----------
    prefix
        The area's column prefix (``cis``, ``region``, ``england``).
    statistics
        The columns of the frame holding its estimates (named ``<prefix>_...``).
    samples
        The sample behind each row's estimates.
    model
        The model they come from; None for direct estimates (shares of each row's swabs).
    counts
        Sample sizes to release beside them, from :data:`SAMPLE_FIELDS`, as
        ``<prefix>_<name>_count``.
    """

    prefix: str
    statistics: tuple[str, ...]
    samples: tuple[SurveySample, ...]
    model: SurveyModel | None = None
    counts: tuple[str, ...] = ()

    @property
    def direct(self) -> bool:
        """Whether the estimates are shares of their rows' own swabs."""
        return self.model is None


def sample_rule(sample: SurveySample, policy: Policy, *, direct: bool) -> Rule | None:
    """The rule that withholds an estimate resting on ``sample``, or None to release it.

    Parameters
    ----------
    sample
        The sample behind the estimate.
    policy
        The disclosure policy (``threshold``, ``zeros_are_disclosive``).
    direct
        Whether the estimate is a share of the sample's own swabs (then its positives and
        negatives are checked as counts).

    Returns
    -------
    Rule or None
        :attr:`Rule.SURVEY_SAMPLE` when the swabs, participants or households are below the
        threshold; :attr:`Rule.SURVEY_POSITIVES` when a direct estimate's positive or
        negative swabs are an unsafe count, or every swab is positive; else None.

    References
    ----------
    .. [1] ONS SRS output checking: a minimum of 10 units per cell (here participants and
       households, the survey's units).
    """
    people = (sample.swabs, sample.participants, sample.households)
    if any(n < policy.threshold for n in people):
        return Rule.SURVEY_SAMPLE
    negatives = sample.swabs - sample.positives
    if direct and (
        is_unsafe_count(sample.positives, policy)
        or negatives == 0
        or is_unsafe_count(negatives, policy)
    ):
        return Rule.SURVEY_POSITIVES
    return None


def model_rule(model: SurveyModel, policy: Policy) -> Rule | None:
    """The rule that withholds every estimate of a model, or None.

    :attr:`Rule.DOF` below ``dof_threshold`` residual degrees of freedom (or none known),
    :attr:`Rule.SURVEY_SAMPLE` for a whole sample below the threshold of swabs,
    participants or households, :attr:`Rule.SURVEY_POSITIVES` for fewer positive swabs
    than the threshold.
    """
    if not (math.isfinite(model.df_resid) and model.df_resid >= policy.dof_threshold):
        return Rule.DOF
    rule = sample_rule(model.sample, policy, direct=False)
    if rule is None and model.sample.positives < policy.threshold:
        rule = Rule.SURVEY_POSITIVES
    return rule


def release_survey(
    frame: pd.DataFrame,
    areas: Sequence[SurveyEstimates],
    *,
    labels: Sequence[str],
    policy: Policy,
    output_id: str,
    sample_note: str,
    decimals: int | Mapping[str, int] = 2,
    description: str = "",
) -> SafeTable:
    """Release survey estimates where the sample behind each is large enough.

    Parameters
    ----------
    frame
        One row per released row: the ``labels`` columns and every area's statistics.
    areas
        Each area's estimates, their samples (one per row) and model.
    labels
        The label columns (a week's start and end, an age group).
    policy
        The disclosure policy.
    output_id
        Unique id of the output.
    sample_note
        What a row's sample is (e.g. "the CIS area's swabs in the row's week"), recorded
        for the checker with the rules applied.
    decimals
        Decimal places shown, for every statistic or per column (rounded half up).
    description
        What the table shows, for the checker.

    Returns
    -------
    SafeTable
        Labels, then per area its sample counts and statistics. An estimate is ``[c]``
        where a rule withholds it, ``[u]`` where it is not a finite number (no model).

    Raises
    ------
    ValueError
        When an area's samples do not match the rows, or a column is missing.
    """
    _check(frame, areas, labels, output_id)
    columns = list(labels)
    kinds = [ColumnKind.LABEL] * len(labels)
    places = [0] * len(labels)
    values: list[list[Value]] = [
        [label_text(v) for v in row] for row in frame[list(labels)].itertuples(index=False)
    ]
    statuses = [[CellStatus.RELEASED] * len(labels) for _ in range(len(frame))]
    cells: dict[Rule, list[tuple[int, int]]] = {}
    verdicts = {}
    for area in areas:
        withheld_model = None if area.model is None else model_rule(area.model, policy)
        verdicts[f"{area.prefix}_model"] = _verdict(area, withheld_model, policy)
        for name in area.counts:
            _add_counts(area, name, policy, len(columns), values, statuses, cells)
            columns.append(f"{area.prefix}_{name}_count")
            kinds.append(ColumnKind.COUNT)
            places.append(0)
        for stat in area.statistics:
            column = len(columns)
            for row, sample in enumerate(area.samples):
                value = float(frame[stat].iloc[row])
                rule = withheld_model or sample_rule(sample, policy, direct=area.direct)
                if rule is None and not math.isfinite(value):
                    rule = Rule.UNRELIABLE
                status = (
                    CellStatus.RELEASED
                    if rule is None
                    else CellStatus.SUPPRESSED_UNRELIABLE
                    if rule is Rule.UNRELIABLE
                    else CellStatus.SUPPRESSED_DISCLOSURE
                )
                values[row].append(value)
                statuses[row].append(status)
                if rule is not None:
                    cells.setdefault(rule, []).append((row, column))
            columns.append(stat)
            kinds.append(ColumnKind.STATISTIC)
            places.append(decimals if isinstance(decimals, int) else decimals.get(stat, 2))
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=columns,
        label_columns=list(labels),
        row_labels=row_labels(frame, list(labels)),
        cells=cells,
        properties={
            "method": "release_survey",
            "survey_rule": rule_text(policy),
            "survey_sample": sample_note,
            **verdicts,
        },
    )
    return issue_table(
        output_id=output_id,
        columns=columns,
        kinds=kinds,
        values=values,
        statuses=statuses,
        record=record,
        decimals=places,
    )


def rule_text(policy: Policy) -> str:
    """The survey rules in one paragraph, with the policy's thresholds (for the record and
    the report)."""
    t = policy.threshold
    zeros = "" if policy.zeros_are_disclosive else " (or none)"
    return (
        f"A survey estimate is released only where its sample holds at least {t} swabs, "
        f"{t} participants and {t} households; a modelled estimate also needs its model "
        f"fitted to at least {t} participants, households and positive swabs with at least "
        f"{policy.dof_threshold} residual degrees of freedom; a direct estimate (a share of "
        f"its own swabs) also needs at least {t} positive swabs{zeros} and {t} negative "
        f"ones. Counts of participants and households are released only from {t}"
        + (f", rounded to {policy.round_base}" if policy.rounds else "")
        + "."
    )


def _verdict(area: SurveyEstimates, rule: Rule | None, policy: Policy) -> str:
    """A model's outcome in words, without its counts."""
    if area.model is None:
        return "direct estimates: each row's own positives and negatives checked"
    if rule is None:
        return (
            f"model passed (residual degrees of freedom {int(area.model.df_resid)} >= "
            f"{policy.dof_threshold}; whole sample at or above the threshold)"
        )
    return f"every estimate withheld: {rule.value}"


def _add_counts(
    area: SurveyEstimates,
    name: str,
    policy: Policy,
    column: int,
    values: list[list[Value]],
    statuses: list[list[CellStatus]],
    cells: dict[Rule, list[tuple[int, int]]],
) -> None:
    """Append one sample size of an area to every row: withheld where unsafe, rounded."""
    for row, sample in enumerate(area.samples):
        raw = int(getattr(sample, name))
        shown = round_count(raw, policy)
        if is_unsafe_count(raw, policy) or is_unsafe_count(shown, policy):
            rule = Rule.ZEROS if raw == 0 else Rule.THRESHOLD
            values[row].append(None)
            statuses[row].append(CellStatus.SUPPRESSED_DISCLOSURE)
            cells.setdefault(rule, []).append((row, column))
            continue
        values[row].append(shown)
        statuses[row].append(CellStatus.ROUNDED if policy.rounds else CellStatus.RELEASED)
        if policy.rounds:
            cells.setdefault(Rule.ROUNDED, []).append((row, column))


def _check(
    frame: pd.DataFrame, areas: Sequence[SurveyEstimates], labels: Sequence[str], uid: str
) -> None:
    missing = [c for c in [*labels, *(s for a in areas for s in a.statistics)] if c not in frame]
    if missing:
        raise ValueError(f"{uid}: no column(s) {', '.join(map(str, missing))} in the frame.")
    for area in areas:
        if len(area.samples) != len(frame):
            raise ValueError(
                f"{uid}: area {area.prefix!r} has {len(area.samples)} samples for "
                f"{len(frame)} rows. How to fix: give one sample per row, in order."
            )
        unknown = [name for name in area.counts if name not in SAMPLE_FIELDS]
        if unknown:
            raise ValueError(f"{uid}: unknown sample size(s) {', '.join(unknown)}.")


def release_from_estimates(
    table: SafeTable,
    frame: pd.DataFrame,
    derived_from: Mapping[str, Sequence[str]],
    *,
    policy: Policy,
    output_id: str,
    keep: Sequence[str] | None = None,
    decimals: int | Mapping[str, int] = 2,
    description: str = "",
) -> SafeTable:
    """Release statistics computed from released values (counts and survey estimates).

    Parameters
    ----------
    table
        The released values they are computed from (counts and estimates side by side,
        e.g. from :func:`~ldsa.sdc.beside`).
    frame
        One row per row of ``table``, holding the new statistics.
    derived_from
        Each new statistic and the columns of ``table`` it is computed from.
    policy, output_id, description
        As for every release.
    keep
        The columns of ``table`` to keep (default: all), labels first.
    decimals
        Decimal places of the new statistics.

    Returns
    -------
    SafeTable
        The kept columns with their statuses, then the statistics: ``[c]`` where a value
        they come from is withheld to protect confidentiality (:attr:`Rule.DERIVED`), else
        ``[u]`` where one is unreliable or the statistic is not a finite number.
    """
    table = require_safe(table, f"{output_id}: release_from_estimates")
    kept = list(table.columns) if keep is None else list(keep)
    if len(frame) != table.n_rows or any(s not in frame for s in derived_from):
        raise ValueError(f"{output_id}: give one row per row of the table and every statistic.")
    for sources in derived_from.values():
        for source in sources:
            table.column_index(source)  # raises KeyError naming the columns
    view = table.select(output_id=output_id, columns=kept)
    values = [list(row) for row in view.values]
    statuses = [list(row) for row in view.statuses]
    cells: dict[Rule, list[tuple[int, int]]] = {}
    for carried, found in view.record.cells:
        cells.setdefault(carried, []).extend(found)
    for offset, (stat, sources) in enumerate(derived_from.items()):
        column = len(kept) + offset
        for row in range(table.n_rows):
            value = float(frame[stat].iloc[row])
            before = [table.status(row, source) for source in sources]
            rule: Rule | None
            if CellStatus.SUPPRESSED_DISCLOSURE in before:
                status, rule = CellStatus.SUPPRESSED_DISCLOSURE, Rule.DERIVED
            elif CellStatus.SUPPRESSED_UNRELIABLE in before or not math.isfinite(value):
                status, rule = CellStatus.SUPPRESSED_UNRELIABLE, Rule.UNRELIABLE
            else:
                status, rule = CellStatus.RELEASED, None
            values[row].append(value)
            statuses[row].append(status)
            if rule is not None:
                cells.setdefault(rule, []).append((row, column))
    stats = list(derived_from)
    labels = list(view.columns_of_kind(ColumnKind.LABEL))
    record = make_record(
        uid=output_id,
        kind=OutputKind.TABLE,
        policy=policy,
        description=description,
        columns=[*kept, *stats],
        label_columns=labels,
        row_labels=list(view.record.row_labels),
        cells=cells,
        properties={**dict(view.record.properties), "method": "release_from_estimates"},
    )
    places = [decimals if isinstance(decimals, int) else decimals.get(s, 2) for s in stats]
    return issue_table(
        output_id=output_id,
        columns=[*kept, *stats],
        kinds=[*view.kinds, *[ColumnKind.STATISTIC] * len(stats)],
        values=values,
        statuses=statuses,
        record=record,
        decimals=[*view.decimals, *places],
    )
