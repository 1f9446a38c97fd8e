"""The benchmark runs and prints its two figures (times are printed, never asserted)."""

from __future__ import annotations

import pytest

from ldsa.stats import bench


def test_bench_main_prints_both_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m ldsa.stats.bench`` prints the DSR and funnel timings."""
    bench.main()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("dsr with 95% and 99.8% limits: 309 authorities x 110 weeks")
    assert "645,810 rows" in lines[0]
    assert lines[1].startswith("funnel limits with over-dispersion test: 309 authorities")
