"""The Dask executor on a LocalCluster: the same reports, byte for byte, as local workers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ldsa.data.store import Store
from ldsa.errors import InvalidParameterError
from ldsa.run.executors import Executor, running
from ldsa.run.pipeline import RunRequest, run_pipeline
from ldsa.run.templates import discover

distributed = pytest.importorskip("distributed")

PERIOD = ("2020-03-01", "2022-03-31")


def _run(store: Path, folder: Path, executor: Executor) -> dict[str, bytes]:
    codes = Store(store).geography.codes[:2]
    outcome = run_pipeline(
        RunRequest(
            store=Store(store),
            templates=[discover()["overview"]],
            authorities=codes,
            period=PERIOD,
            reports_dir=folder / "reports",
            work_dir=folder / "work",
            executor=executor,
            progress=False,
        )
    )
    assert [r.status.value for r in outcome.results] == ["ok", "ok"], outcome.failed
    released = sorted(p for p in (folder / "reports").rglob("*") if p.is_file())
    return {
        p.relative_to(folder / "reports").as_posix(): p.read_bytes()
        for p in released
        if p.suffix in (".html", ".csv") and p.name != "index.html"
    }


@pytest.mark.slow
def test_dask_gives_the_same_reports_as_local(small_store: Path, tmp_path: Path) -> None:
    """Two authorities on a one-worker LocalCluster: every report and CSV equals the local
    run's."""
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = _run(small_store, tmp_path / "dask", Executor("dask", scheduler=cluster))
    local = _run(small_store, tmp_path / "local", Executor("local", workers=1))
    assert remote.keys() == local.keys()
    assert len(remote) > 2
    assert remote == local


@pytest.mark.slow
def test_workers_joining_mid_run_preload() -> None:
    """A worker that joins the cluster while a run is going imports the templates' modules
    before its first job, as the workers there at the start did."""
    template = discover()["overview"].path
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        running(Executor("dask", scheduler=cluster), [template]),
    ):
        cluster.scale(2)
        with distributed.Client(cluster) as client:
            client.wait_for_workers(2, timeout=120)
            loaded = client.run(lambda: "ldsa.report.overview" in sys.modules)
    assert list(loaded.values()) == [True, True]


def test_executor_options_checked() -> None:
    """An unknown executor, or a scheduler without dask (and dask without one), is refused."""
    with pytest.raises(InvalidParameterError, match="unknown"):
        Executor("slurm")
    with pytest.raises(InvalidParameterError, match="--scheduler"):
        Executor("dask")
    with pytest.raises(InvalidParameterError, match="--scheduler"):
        Executor("local", scheduler="tcp://localhost:8786")
