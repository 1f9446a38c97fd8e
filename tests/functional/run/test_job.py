"""One job: reproducible bytes, atomic publication, failures recorded and never raised."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from ldsa.atomic import write_atomic
from ldsa.data.store import Store
from ldsa.run.job import JobSpec, JobStatus, run_job
from ldsa.run.templates import discover


def _spec(store: Path, tmp_path: Path, la_code: str) -> JobSpec:
    template = discover()["overview"]
    return JobSpec(
        la_code=la_code,
        template="overview",
        template_path=template.path,
        template_title=template.title,
        template_sha256=template.sha256,
        store=store,
        period_start="2020-03-01",
        period_end="2022-03-31",
        reports_dir=tmp_path / "reports",
        work_dir=tmp_path / "work",
        policy="default",
        policy_label="default (version 1.0)",
    )


@pytest.mark.kernel
def test_same_inputs_same_bytes(small_store: Path, tmp_path: Path) -> None:
    """Running the same job twice publishes byte-identical reports."""
    code = Store(small_store).geography.codes[0]
    first = run_job(_spec(small_store, tmp_path / "a", code))
    second = run_job(_spec(small_store, tmp_path / "b", code))
    assert first.status is JobStatus.OK, first.error
    assert first.sha256 == second.sha256
    assert first.output == f"{code}/overview.html"


def test_failure_is_recorded_not_raised(small_store: Path, tmp_path: Path) -> None:
    """A job for a template that cannot run returns a failed record with the reason."""
    code = Store(small_store).geography.codes[0]
    spec = _spec(small_store, tmp_path, code)
    broken = tmp_path / "broken.ipynb"
    broken.write_text("not a notebook")
    spec = dataclasses.replace(spec, template_path=broken)
    spec.output.parent.mkdir(parents=True)
    spec.output.write_text("an old report")
    result = run_job(spec)
    assert result.status is JobStatus.FAILED
    assert result.error is not None
    assert result.error_name == "TemplateError"
    assert "not a readable notebook" in result.error
    assert result.output is None
    assert not spec.output.exists()  # a stale report never survives a failed job


def test_publish_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that dies before the rename leaves no file under the final name."""
    target = tmp_path / "E06000001" / "overview.html"

    def die(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "<html>half</html>")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no partial file left behind either
    monkeypatch.undo()
    digest = write_atomic(target, "<html>whole</html>")
    assert target.read_text() == "<html>whole</html>"
    assert len(digest) == 64
