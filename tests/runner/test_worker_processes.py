"""Worker processes: a run's stores shared out over forked processes, one summary and one ledger row in the
parent, a dead worker reported (not lost), and workers that die with their parent."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from fleet_builder import write_fleet

from pipeline.cli.sync import run_sync
from pipeline.config import load_stores
from pipeline.ledger import Ledger
from pipeline.runner import processes
from pipeline.runner.processes import worker_count
from pipeline.runner.store_sync import SyncOptions
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import SandboxHandle, running_sandbox
from pipeline.settings import Settings

TODAY = date(2026, 11, 28)
pytestmark = pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                                reason="worker processes need fork")


def _configs(root: Path) -> list:  # type: ignore[type-arg]
    configs, diagnostics = load_stores(root / "stores")
    assert not [d for d in diagnostics if d.is_error]
    return [configs[s] for s in sorted(configs)]


def _settings(root: Path, sandbox: SandboxHandle) -> Settings:
    return Settings.from_env(stores_dir=root / "stores", inbox_dir=root / "inbox", state_dir=root / "state",
                             env={**os.environ, **sandbox.env()})


def test_worker_count_shares_out_only_when_it_pays() -> None:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert worker_count(None, 10, 16) == 1  # a few stores: one process
    assert worker_count(None, 500, 16) == min(cpus, processes.MAX_WORKERS)
    assert worker_count(3, 500, 16) == 3  # as asked
    assert worker_count(8, 5, 16) == 5  # never more processes than stores
    assert worker_count(8, 500, 2) == 2  # nor than stores worked at once


def test_a_run_over_two_workers_posts_every_store_once_with_one_summary(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_fleet(tmp_path, stores=9, vouchers_per_store=2, per_file=2, tenant_base=3200000)
    configs = _configs(tmp_path)
    with running_sandbox(tmp_path / "sandbox", seed=seed_from_stores(configs, today=TODAY), rate_limit=0) as sandbox:
        settings = _settings(tmp_path, sandbox)
        summary = run_sync(settings, configs, SyncOptions(today=TODAY), concurrency=4, workers=2, show_progress=True)
        assert [s.store for s in summary.stores] == [c.store for c in configs]
        assert summary.ok and summary.totals()["posted"] == 18
        assert sum(len(sandbox.posted_vouchers(c.tenant_id)) for c in configs) == 18
        ledger = Ledger.open(settings.ledger_url)
        try:
            run = ledger.last_runs(1)[0]
            assert (run["state"], run["posted"], run["id"]) == ("finished", 18, summary.run_id)
            assert ledger.counts()["posted"] == 18
        finally:
            ledger.close()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("sync: ")]
    # progress, from both workers: each store's line has the counts of its row in the table
    assert sorted(lines) == sorted(f"sync: {c.store}: 2 posted, 0 failed, 0 held, 0 pending, 0 skipped; files 1 read, "
                                   "1 archived; ok" for c in configs)


def test_a_worker_that_dies_is_reported_and_the_other_shares_finish(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_fleet(tmp_path, stores=6, vouchers_per_store=1, per_file=1, tenant_base=3300000)
    configs = _configs(tmp_path)
    doomed = configs[1].store  # worker 1 of 2 gets stores 1, 3, 5
    share = processes.run_share

    def crashing(settings, configs, *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(c.store == doomed for c in configs):
            os._exit(7)  # as a segfault or the OOM killer would end it: no result, no clean-up
        return share(settings, configs, *args, **kwargs)

    monkeypatch.setattr(processes, "run_share", crashing)  # the forked workers inherit it
    with running_sandbox(tmp_path / "sandbox", seed=seed_from_stores(configs, today=TODAY), rate_limit=0) as sandbox:
        summary = run_sync(_settings(tmp_path, sandbox), configs, SyncOptions(today=TODAY), concurrency=4, workers=2,
                           show_progress=False)
    by_store = {s.store: s for s in summary.stores}
    assert len(by_store) == 6 and not summary.ok
    for index, config in enumerate(configs):
        result = by_store[config.store]
        if index % 2:
            assert result.state == "error" and "exit code 7" in (result.message or "")
            assert "run sync again" in (result.hint or "")
        else:
            assert (result.state, result.posted) == ("ok", 1)


def test_workers_die_with_the_runner(tmp_path: Path) -> None:
    """SIGKILL to the runner takes its worker processes with it (they would otherwise go on unseen)."""
    write_fleet(tmp_path, stores=8, vouchers_per_store=6, per_file=6, tenant_base=3400000)
    configs = _configs(tmp_path)
    with running_sandbox(tmp_path / "sandbox", seed=seed_from_stores(configs, today=TODAY), rate_limit=0,
                         latency_ms=1000) as sandbox:  # each store takes several seconds: still working
        env = {**os.environ, **sandbox.env(), "KASSASYNC_HOME": str(tmp_path / "state")}
        runner = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--stores", str(tmp_path / "stores"), "--inbox", str(tmp_path / "inbox"),
             "-q", "sync", "--all", "--json", "--today", TODAY.isoformat(), "--workers", "2", "--concurrency", "4"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            workers = _wait_for_children(runner.pid, 2)
            runner.send_signal(signal.SIGKILL)
            runner.wait(timeout=30)
            deadline = time.monotonic() + 3  # they die at once; left alone they would work for 10 s more
            while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not [pid for pid in workers if _alive(pid)], "worker processes outlived the runner"
        finally:
            if runner.poll() is None:
                runner.kill()


def _wait_for_children(parent: int, count: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [int(p) for p in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        if len(children) >= count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"the runner did not start {count} worker processes")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be collected


def test_the_runner_loop_is_uvloop_where_it_is_installed() -> None:
    import asyncio

    uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (Windows): asyncio's own loop runs")

    async def which() -> object:
        return asyncio.get_running_loop()

    assert isinstance(processes.run_loop(which()), uvloop.Loop)
