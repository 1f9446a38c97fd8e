"""Cross-check ldsa's primary-suppression verdicts against ACRO on synthetic tables.

Not a pytest module (no ``test_`` prefix): the lead's optional nox session runs it in an
environment with ``acro`` installed (acro pins an older pandas, so it stays out of .venv)::

    python tests/unit/sdc/acro_crosscheck.py --tables 200 --seed 1

For each seeded synthetic record-level table, ACRO's ``crosstab`` marks cells failing its
threshold rule; ldsa's :func:`ldsa.sdc.primary.is_unsafe_count` judges the same counts
under a policy with ACRO's defaults (threshold 10, zeros disclosive). Zero cells inside
the table are compared too (ACRO drops rows and columns that are empty throughout).
Prints a JSON summary and exits 0 when every verdict agrees, 1 otherwise. Works with
ACRO 0.4 (rule "threshold") and 1.0 (rule "MinimumThresholdCheck"); with acro 1.0.2 and
the defaults below, 2186 of 2186 cells agreed (200 tables, seed 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any

import numpy as np
import pandas as pd

from ldsa.sdc import load_policy
from ldsa.sdc.primary import is_unsafe_count


def synthetic_records(rng: np.random.Generator) -> pd.DataFrame:
    """Return record-level rows whose cross-tabulation has many small cells."""
    n_rows = int(rng.integers(2, 6))
    n_cols = int(rng.integers(2, 5))
    sizes = rng.choice([0, 1, 3, 7, 9, 10, 11, 25, 60], size=(n_rows, n_cols))
    rows: list[tuple[str, str]] = []
    for r in range(n_rows):
        for c in range(n_cols):
            rows += [(f"r{r}", f"c{c}")] * int(sizes[r, c])
    return pd.DataFrame(rows, columns=["row", "col"])


def acro_threshold_cells(records: pd.DataFrame) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """Return ACRO's crosstab and the (row, column) labels it marks for the threshold."""
    from acro import ACRO  # imported here: only the cross-check environment has acro

    session = ACRO(suppress=False)
    table = session.crosstab(records["row"], records["col"])
    output = session.results.get_index(-1)
    # ACRO 0.4 names the rule "threshold"; ACRO 1.0 "MinimumThresholdCheck".
    found = output.sdc["cells"]
    cells = found.get("threshold", found.get("MinimumThresholdCheck", []))
    labels = {(str(table.index[r]), str(table.columns[c])) for r, c in cells}
    return table, labels


def compare(n_tables: int, seed: int) -> dict[str, Any]:
    """Run the comparison and return counts of agreeing and disagreeing cells."""
    policy = dataclasses.replace(load_policy("default"), zeros_are_disclosive=True)
    rng = np.random.default_rng(seed)
    agree = disagree = empty = 0
    examples: list[dict[str, Any]] = []
    for index in range(n_tables):
        records = synthetic_records(rng)
        if records.empty:
            continue
        table, acro_cells = acro_threshold_cells(records)
        for row in table.index:
            for col in table.columns:
                count = int(table.loc[row, col])
                empty += count == 0
                ours = is_unsafe_count(count, policy)
                theirs = (str(row), str(col)) in acro_cells
                if ours == theirs:
                    agree += 1
                else:
                    disagree += 1
                    if len(examples) < 10:
                        examples.append({"table": index, "count": count, "acro": theirs})
    total = agree + disagree
    return {
        "tables": n_tables,
        "seed": seed,
        "cells_compared": total,
        "agree": agree,
        "disagree": disagree,
        "agreement": agree / total if total else 1.0,
        "zero_cells_compared": empty,
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, compare, print the JSON summary; exit 0 on full agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    summary = compare(args.tables, args.seed)
    print(json.dumps(summary, indent=2))
    return 0 if summary["disagree"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
