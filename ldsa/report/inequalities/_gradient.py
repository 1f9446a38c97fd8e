"""England's gradient across deprivation deciles of authorities: SII and RII.

Each decile's value is computed from the released totals of its authorities only (an
authority whose total is withheld is left out of its decile, and the table says how many
were): a decile's count is a sum of released counts, so neither it nor the slope fitted to
the deciles can give a withheld count away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report.base import PER
from ldsa.report.figures import COLOURS, FigureOutput, Notice, finish, heading, new_figure
from ldsa.report.inequalities._common import (
    CASE_RATE,
    EXCESS,
    OUTCOMES,
    InequalitiesBase,
    Outcome,
    values,
)
from ldsa.report.tables import ReleasedTable
from ldsa.report.text import COMPARISON, Messages
from ldsa.stats import compare_estimates, crude_rate, slope_index
from ldsa.stats.inequality import relative_ranks
from ldsa.stats.intervals import poisson_limits

DECILES = range(1, 11)
SII_COLUMNS = ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper")


class GradientSections(InequalitiesBase):
    """Deciles of deprivation, the slope and relative index of inequality."""

    def deciles(self, which: Outcome | str) -> sdc.SafeTable:
        """Each decile's authorities, released total and value with 95% limits, from the
        released totals only."""
        outcome = self.outcome(which)
        key = ("deciles", outcome.name)
        if key not in self._tables:
            self._tables[key] = self._deciles(outcome)
        return self._tables[key]

    def _included(self, outcome: Outcome) -> pd.DataFrame:
        """Authorities whose total is released: code, decile, count, population, expected."""
        every = self.every_authority(outcome)
        frame = every.released_frame()
        count = frame[outcome.measure.count_column]
        kept = frame[count.notna() & frame["imd_decile"].notna()]
        return pd.DataFrame(
            {
                "la_code": kept["la_code"].astype(str).to_numpy(),
                "decile": kept["imd_decile"].to_numpy(dtype=float).astype(int),
                "count": kept[outcome.measure.count_column].to_numpy(dtype=float),
                "population": kept["population"].to_numpy(dtype=float),
                "expected": (
                    kept["expected"].to_numpy(dtype=float) if "expected" in kept else np.nan
                ),
            }
        )

    def _deciles(self, outcome: Outcome) -> sdc.SafeTable:
        included = self._included(outcome)
        every = self.every_authority(outcome).released_frame()
        all_deciles = every["imd_decile"].to_numpy(dtype=float)
        sums = included.groupby("decile")[["count", "population", "expected"]].sum()
        sums = sums.reindex(DECILES, fill_value=0)
        members = included.groupby("decile").size().reindex(DECILES, fill_value=0)
        totals = pd.Series(all_deciles).value_counts().reindex(DECILES, fill_value=0)
        column = outcome.measure.count_column
        frame = pd.DataFrame(
            {
                "imd_decile": [str(d) for d in DECILES],
                "authorities": members.to_numpy().astype(str),
                "left_out": (totals - members).to_numpy().astype(str),
                column: sums["count"].to_numpy().astype(np.int64),
            }
        )
        counts = sdc.release_counts(
            frame, [column], policy=self.policy,
            output_id=self.uid(f"{outcome.name}_decile_counts"),
            label_columns=["imd_decile", "authorities", "left_out"],
            description=f"{outcome.label}: sums of the released totals of each decile's "
            "authorities (withheld totals left out)",
        )  # fmt: skip
        rates = self._decile_values(outcome, included, sums)
        return sdc.release_rates(
            counts, rates, dict.fromkeys(rates.columns, column), policy=self.policy,
            output_id=self.uid(f"{outcome.name}_deciles"),
            decimals={"population": 0, "value": 1, "lower": 1, "upper": 1},
            description=f"{outcome.label} by decile of deprivation of authorities",
        )  # fmt: skip

    def _decile_values(
        self, outcome: Outcome, included: pd.DataFrame, sums: pd.DataFrame
    ) -> pd.DataFrame:
        count = sums["count"].to_numpy(dtype=float)
        population = sums["population"].to_numpy(dtype=float)
        if outcome is CASE_RATE:
            rate = crude_rate(count, np.where(population > 0, population, 1.0), multiplier=PER)
            value = rate[["value", "lower", "upper"]]
        elif outcome is EXCESS:
            expected = sums["expected"].to_numpy(dtype=float)
            lower, upper, _ = poisson_limits(count, 0.95)
            value = pd.DataFrame({"value": count / expected * 100,
                                  "lower": lower / expected * 100,
                                  "upper": upper / expected * 100})  # fmt: skip
        else:
            bands = self.raw.bands[self.raw.bands["measure"] == outcome.measure.name]
            decile = dict(zip(included["la_code"], included["decile"].astype(str), strict=True))
            bands = bands[bands["la_code"].isin(decile)]
            bands = bands.assign(group=bands["la_code"].map(decile))
            value = self.standardised(bands, [str(d) for d in DECILES])
            value = value[["value", "lower", "upper"]]
        frame = value.reset_index(drop=True).astype(float)
        frame.insert(0, "population", population)
        return frame

    def inequality_index(self) -> sdc.SafeTable:
        """The slope and relative index of inequality of each outcome the store holds, with
        95% limits, fitted to the released decile values."""
        if ("sii", "all") not in self._tables:
            self._tables[("sii", "all")] = self._inequality_index()
        return self._tables[("sii", "all")]

    def _shown(self) -> list[Outcome]:
        return [o for o in OUTCOMES if self.outcome_lacking(o) is None]

    def _inequality_index(self) -> sdc.SafeTable:
        parts = []
        for outcome in self._shown():
            deciles = self.deciles(outcome)
            column = outcome.measure.count_column
            total = int(np.nansum(values(deciles, column)))
            counts = sdc.release_counts(
                pd.DataFrame({"events_count": [total]}), ["events_count"], policy=self.policy,
                output_id=self.uid(f"{outcome.name}_sii_count"), label_columns=[],
                description=f"{outcome.label}: the released totals the deciles sum",
            )  # fmt: skip
            index = pd.DataFrame([self._sii(deciles)])
            parts.append(sdc.release_rates(
                counts, index, dict.fromkeys(SII_COLUMNS, "events_count"), policy=self.policy,
                output_id=self.uid(f"{outcome.name}_sii"),
                decimals={c: (2 if c.startswith("rii") else 1) for c in SII_COLUMNS},
                description=f"{outcome.label}: SII and RII over deciles of deprivation, "
                "fitted to the released decile values",
            ))  # fmt: skip
        shown = self._shown()
        return sdc.stack(
            parts, policy=self.policy, output_id=self.uid("inequality_index"),
            columns=["events_count", *SII_COLUMNS], label_column="outcome_id",
            labels=[o.name for o in shown],
            extra_labels={"outcome": [o.label for o in shown], "unit": [o.unit for o in shown]},
            description="Slope and relative index of inequality of each outcome",
        )  # fmt: skip

    def _sii(self, deciles: sdc.SafeTable) -> dict[str, float]:
        frame = pd.DataFrame(
            {"quantile": list(DECILES), "population": values(deciles, "population"),
             "value": values(deciles, "value"), "lower": values(deciles, "lower"),
             "upper": values(deciles, "upper")}
        )  # fmt: skip
        if not (np.isfinite(frame.to_numpy()).all() and (frame["lower"] > 0).all()):
            return dict.fromkeys(SII_COLUMNS, np.nan)
        result = slope_index(frame, lower="lower", upper="upper", value_type="rate",
                             multiplier=-1.0).iloc[0]  # fmt: skip
        return {c: float(result[c]) for c in SII_COLUMNS}

    def inequality_table(self) -> ReleasedTable | Notice:
        """SII and RII of each outcome as an accessible table."""
        if notice := self.lacks("deprivation"):
            return notice
        table = self.release.csv("inequality_index", self.inequality_index())
        headers = {"outcome": "Outcome", "unit": "Unit", "sii": "SII", "sii_lower": "95% lower",
                   "sii_upper": "95% upper", "rii": "RII", "rii_lower": "95% lower",
                   "rii_upper": "95% upper"}  # fmt: skip
        shown = table.select(output_id=self.uid("inequality_index_shown"), columns=list(headers))
        caption = (
            "The slope index of inequality (SII: the gap between the most and the least "
            "deprived ends of England, in the outcome's unit) and the relative index (RII: "
            "the most deprived end's value divided by the least deprived end's), with 95% "
            "intervals"
        )
        return ReleasedTable(shown, caption, headers)

    def gradient_figure(self, which: Outcome | str) -> FigureOutput | Notice:
        """Each decile's value with its 95% interval, the SII line, and this authority."""
        outcome = self.outcome(which)
        if notice := self.outcome_lacking(outcome):
            return notice
        deciles = self.release.csv(f"{outcome.name}_deciles", self.deciles(outcome))
        index = self.inequality_index()
        row = [index.text(r, "outcome_id") for r in range(index.n_rows)].index(outcome.name)
        every = self.every_authority(outcome)
        mine = [every.text(r, "la_code") for r in range(every.n_rows)].index(self.la_code)
        return gradient(deciles, index, row, every, mine, self.names()["la"], outcome)

    def position_messages(self) -> Messages:
        """Where this authority sits: its decile, and its value against its decile's."""
        lines = []
        for outcome in self._shown():
            every = self.every_authority(outcome)
            mine = [every.text(r, "la_code") for r in range(every.n_rows)].index(self.la_code)
            decile = every.text(mine, "imd_decile")
            name = self.names()["la"]
            status = every.status(mine, "value")
            if status.suppressed:
                why = ("too few deaths for a reliable rate"
                       if status is sdc.CellStatus.SUPPRESSED_UNRELIABLE
                       else "withheld to protect confidentiality")  # fmt: skip
                lines.append(f"{outcome.label}: the value of {name} is not shown ({why}).")
                continue
            deciles = self.deciles(outcome)
            at = int(decile) - 1
            found = compare_estimates(
                *(values(every, c)[mine] for c in ("value", "lower", "upper")),
                *(values(deciles, c)[at] for c in ("value", "lower", "upper")),
            )["comparison"].iloc[0]  # fmt: skip
            versus = COMPARISON.get(str(found), "not compared with")
            lines.append(
                f"{outcome.label}: {values(every, 'value')[mine]:,.1f} "
                f"{outcome.unit[0].lower()}{outcome.unit[1:]} in {name}, {versus} the "
                f"authorities of its deprivation decile ({decile} of 10) taken together "
                f"({values(deciles, 'value')[at]:,.1f})."
            )
        return Messages(lines)


def gradient(
    deciles: sdc.SafeTable,
    index: sdc.SafeTable,
    row: int,
    every: sdc.SafeTable,
    mine: int,
    label: str,
    outcome: Outcome,
) -> FigureOutput:
    """Draw decile values with 95% intervals at their mid-point ranks, the SII line and the
    authority's own value at its decile."""
    value = values(deciles, "value")
    low, high = values(deciles, "lower"), values(deciles, "upper")
    population = values(deciles, "population")
    _, rank = relative_ranks(np.where(population > 0, population, 0.0) + 1e-12)
    figure, axes = new_figure(8.0, 4.6)
    axes.errorbar(rank, value, yerr=np.vstack([value - low, high - value]), fmt="o",
                  color=COLOURS["england"], capsize=3,
                  label="Decile of authorities, 95% interval")  # fmt: skip
    sii = values(index, "sii")[row]
    if np.isfinite(sii):
        at_zero = _fitted_start(value, population, rank)
        axes.plot([0, 1], [at_zero, at_zero - sii], color="#1b1b1b", linewidth=1.4,
                  linestyle="--", label="Slope index of inequality (fitted line)")  # fmt: skip
    mine_value = values(every, "value")[mine]
    decile = values(every, "imd_decile")[mine]
    if np.isfinite(mine_value) and np.isfinite(decile):
        # Just right of its decile's point, so that neither hides the other.
        axes.scatter([rank[int(decile) - 1] + 0.015], [mine_value], marker="D", s=60, zorder=3,
                     color=COLOURS["la"], label=label)  # fmt: skip
    axes.set_xlim(0, 1)
    axes.set_xticks(rank, [f"{d}" for d in DECILES])
    axes.set_xlabel("Decile of deprivation of authorities: 1 most deprived, 10 least deprived")
    axes.set_ylabel(outcome.unit)
    axes.yaxis.set_major_formatter(lambda value, _position: f"{value:,.0f}")
    if outcome.name != "excess_ratio":
        axes.set_ylim(bottom=0)
    heading(axes, f"{outcome.label}, by deprivation decile", rows=2)
    figure.subplots_adjust(top=1 - 1.0 / 4.6)
    shown = np.isfinite(value)
    alt = f"Chart of {outcome.label.lower()} in each decile of deprivation of authorities. "
    if shown.any():
        alt += (
            f"The most deprived decile's value is {value[0]:,.1f} and the least deprived's "
            f"{value[-1]:,.1f}."
        )
    if np.isfinite(sii):
        alt += f" The slope index of inequality is {sii:,.1f}."
    if np.isfinite(mine_value):
        alt += f" {label}, in decile {decile:.0f}, has {mine_value:,.1f}."
    else:
        alt += f" The value of {label} is withheld."
    where = (
        f"{label} as a blue diamond beside its own decile"
        if np.isfinite(mine_value)
        else f"{label} is not drawn (its value is withheld)"
    )
    caption = (
        f"{outcome.label} ({outcome.unit.lower()}) of the authorities of each deprivation "
        "decile taken together, with 95% intervals, placed at the middle of each decile's "
        f"share of England's population; {where}. The dashed line is the fitted slope; the "
        "gap between its ends is the SII."
    )
    left_out = sum(int(deciles.text(r, "left_out")) for r in range(deciles.n_rows))
    if left_out:
        caption += f" {left_out} authorities with withheld totals are left out of their deciles."
    return finish(figure, alt, caption)


def _fitted_start(value: np.ndarray, population: np.ndarray, rank: np.ndarray) -> float:
    """The fitted line's value at the most deprived end (rank 0), population-weighted."""
    share = population / population.sum()
    centre = share @ rank
    slope = (share * (rank - centre)) @ value / (share @ (rank - centre) ** 2)
    return float(share @ value - slope * centre)
