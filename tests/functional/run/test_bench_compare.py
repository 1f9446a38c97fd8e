"""``ldsa bench --compare`` on one authority: every figure measured and printed (timings are
not checked: the machine is noisy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldsa.run.bench_compare import compare


@pytest.mark.slow
@pytest.mark.kernel
def test_comparison_measures_and_prints_every_figure(small_store: Path) -> None:
    """(a), (b), (c), the one-authority run and the batch's memory are measured on the
    same template and authority, printed as they come, and returned."""
    printed: list[str] = []
    result = compare(
        small_store, ["overview"], authorities=1, naive_authorities=1, repeats=2, out=printed.append
    )
    assert result.templates == ("overview",)
    assert len(result.authorities) == 1
    for timing in (result.naive, result.batch, result.floor):
        assert timing.reports == 1
        assert len(timing.runs) == 1
        assert timing.per_report > 0
    assert result.one_authority.reports == 1
    assert len(result.one_authority.runs) == 2
    assert result.first_run > 0
    assert result.speed_up > 0
    assert result.over_floor > 0
    assert len(result.memory.workers) == 1
    assert len(result.memory.jobs) == 1
    assert min(result.memory.parent, result.memory.fork_server, *result.memory.jobs) > 0
    assert result.full is None
    starts = ["compare:", "one authority", "(b) ldsa run", "peak RSS", "(c) floor", "(a) naive",
              "ldsa run against the naive loop"]  # fmt: skip
    assert all(line.startswith(start) for line, start in zip(printed, starts, strict=True))
    assert sorted(result.lines()) == sorted(printed)
