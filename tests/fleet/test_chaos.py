"""The engine under faults: three worker processes on one PostgreSQL, 60 stores × 5 days against a sandbox that
loses a fifth of its answers after committing and answers 503 to one request in twenty. One worker is killed
with SIGKILL while every worker is busy, a new one is started, and the fleet runs until idle. Fortnox must then
hold every Z-report exactly once, every store-day must be settled, and no job may be left running."""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from fleet_builder import write_fleet
from fleet_run import counts, env, rows, run, seed, worker, worker_args

from pipeline.sandbox.testing import running_sandbox

STORES, DAYS = 60, 5


def _jobs(url: str) -> dict[str, int]:
    return counts(url, "SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = 'kassasync.sync_store' "
                       "GROUP BY 1")


@pytest.mark.slow
def test_workers_killed_mid_run_post_every_z_report_exactly_once(tmp_path: Path, postgres_ledger_url: str) -> None:
    expected = write_fleet(tmp_path, stores=STORES, vouchers_per_store=DAYS, per_file=1, tenant_base=3500000)
    with running_sandbox(tmp_path / "sandbox", seed=seed(tmp_path), drop_after_commit_rate=0.2, error_rate=0.05,
                         rate_limit=0, latency_ms=20, fault_seed=15) as sandbox:
        environment = env(tmp_path, sandbox, postgres_ledger_url)
        run(tmp_path, environment, "enqueue", "--all")
        args = ("--until-idle", "--concurrency", "4", "--stalled-after", "10")
        workers = [subprocess.Popen(worker(tmp_path, *args), env=environment, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True) for _ in range(3)]
        deadline = time.monotonic() + 120
        while True:  # every worker busy (more jobs waiting than the three can hold) and some stores done
            jobs = _jobs(postgres_ledger_url)
            if jobs.get("succeeded", 0) >= 6 and jobs.get("todo", 0) >= 12:
                break
            assert time.monotonic() < deadline and jobs.get("todo", 0) >= 12, jobs
            time.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].communicate()
        workers.append(subprocess.Popen(worker(tmp_path, *args), env=environment, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True))
        for process in workers[1:]:
            _, err = process.communicate(timeout=600)
            assert process.returncode == 0, err[-3000:]
        retried = rows(postgres_ledger_url, "SELECT count(*) FROM procrastinate_jobs WHERE attempts > 0")[0][0]
        assert retried >= 1  # the killed worker's jobs were taken up by the sweep
        for _night in range(6):  # what a fault left (a pending voucher, a store that could not reach Fortnox at
            # all: its job failed), the store's next job takes up
            open_days = rows(postgres_ledger_url, "SELECT count(*) FROM vouchers WHERE state <> 'posted'")[0][0]
            if not open_days and not list((tmp_path / "inbox").glob("cafe-*/*.se")):
                break
            run(tmp_path, environment, "enqueue", "--all")
            run(tmp_path, environment, *worker_args(*args))
        for tenant, want in expected.items():
            got = sorted(v["description"] for v in sandbox.posted_vouchers(tenant))
            store = f"cafe-{int(tenant) - 3500000:03d}"
            jobs_of_store = rows(postgres_ledger_url, "SELECT id, status, attempts, scheduled_at FROM "
                                                        f"procrastinate_jobs WHERE lock = 'store:{store}'")
            assert got == sorted(want), f"{store}: missing or doubled vouchers; its jobs: {jobs_of_store}"
        dropped = sum(v["dropped"] for t in expected for v in sandbox.posted_vouchers(t))
        assert dropped > 0  # the faults really happened
    states = dict((s, n) for s, n in rows(postgres_ledger_url, "SELECT state, count(*) FROM vouchers GROUP BY 1"))
    assert states == {"posted": STORES * DAYS}
    assert "doing" not in _jobs(postgres_ledger_url)
    assert not list((tmp_path / "inbox").glob("cafe-*/*.se"))  # every day file archived
