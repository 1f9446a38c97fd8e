"""Tests and positivity."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ldsa import sdc
from ldsa.report import charts
from ldsa.report.base import LEVELS, filled
from ldsa.report.cases_and_testing._common import (
    POSITIVE_TESTS,
    TESTS,
    UNRELIABLE_BELOW,
    CasesBase,
)
from ldsa.report.figures import FigureOutput, Notice
from ldsa.stats import (
    proportion,
)


class TestingSections(CasesBase):
    """Tests and positivity."""

    @functools.cached_property
    def testing(self) -> sdc.SafeTable:
        """Tests and positive tests per period and positivity (per cent, Wilson 95% limits)
        of the authority, its region and England, at the coarser of the two measures'
        steps for this authority."""
        step = max(self.step(TESTS), self.step(POSITIVE_TESTS), key=lambda s: s.rank)
        tables = {
            measure.name: sdc.coarser_table(
                self.plan(measure), self.la_code, step, output_id=self.uid(f"{measure.name}_steps")
            )
            for measure in (POSITIVE_TESTS, TESTS)
        }
        counts = sdc.beside(
            tables[POSITIVE_TESTS.name],
            tables[TESTS.name],
            policy=self.policy,
            output_id=self.uid("testing_counts"),
            columns=[f"{level}_{TESTS.count_column}" for level in LEVELS],
        )
        released = counts.released_frame()
        frame: dict[str, np.ndarray] = {}
        sources: dict[str, tuple[str, ...]] = {}
        for level in LEVELS:
            positive = f"{level}_{POSITIVE_TESTS.count_column}"
            tests = f"{level}_{TESTS.count_column}"
            trials = np.maximum(filled(released[tests]), 1)  # withheld: the share is too
            successes = np.minimum(filled(released[positive]), trials)  # (and rounding)
            shares = proportion(successes, trials, multiplier=100)
            for name, column in (("positivity", "value"), ("lower", "lower"), ("upper", "upper")):
                key = f"{level}_{name}" if name == "positivity" else f"{level}_positivity_{name}"
                frame[key] = shares[column].to_numpy()
                sources[key] = (positive, tests)
        return sdc.release_rates(
            counts,
            pd.DataFrame(frame),
            sources,
            policy=self.policy,
            output_id=self.uid("testing"),
            decimals=1,
            unreliable_below=UNRELIABLE_BELOW,
            description="Tests, positive tests and positivity (per cent, Wilson 95% limits)",
        )

    def testing_figure(self) -> FigureOutput | Notice:
        """Positivity over time with its 95% interval, the region's and England's beside."""
        if notice := self.lacks("tests"):
            return notice
        table = self.testing
        self.release.csv("testing", table)
        step = sdc.TimeStep(table.text(0, "time_step"))
        if step is sdc.TimeStep.PERIOD:
            return Notice(
                "Tests and positivity: the numbers are too small to release at any step "
                "finer than the whole period; the totals are in the downloadable table."
            )
        return charts.levels_with_interval(
            table,
            names=self.names(),
            value="positivity",
            unit="Positivity (%)",
            title="Positivity: the share of tests that were positive",
            note=f"Shown {step.adjective}." if step is not sdc.TimeStep.WEEK else "",
        )
