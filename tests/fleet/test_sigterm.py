"""SIGTERM stops a worker gracefully: the stores it is running finish their posts, nothing is left `doing` or
`pending`, and the jobs it had not started wait for the next worker."""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from fleet_builder import write_fleet
from fleet_run import counts, env, run, seed, worker

from pipeline.sandbox.testing import running_sandbox


def test_sigterm_lets_the_running_stores_finish(tmp_path: Path, postgres_ledger_url: str) -> None:
    write_fleet(tmp_path, stores=12, vouchers_per_store=2, per_file=1, tenant_base=3700000)
    jobs = ("SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = 'kassasync.sync_store' "
            "GROUP BY status")
    with running_sandbox(tmp_path / "sandbox", seed=seed(tmp_path), rate_limit=0, latency_ms=300) as sandbox:
        environment = env(tmp_path, sandbox, postgres_ledger_url)
        run(tmp_path, environment, "enqueue", "--all")
        process = subprocess.Popen(worker(tmp_path, "--concurrency", "3"), env=environment,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while counts(postgres_ledger_url, jobs).get("doing", 0) < 3:  # three stores in the middle of their posts
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        statuses = counts(postgres_ledger_url, jobs)
        assert "doing" not in statuses and statuses.get("succeeded", 0) >= 3 and statuses.get("todo", 0) >= 1
        vouchers = counts(postgres_ledger_url, "SELECT state, count(*) FROM vouchers GROUP BY state")
        assert set(vouchers) <= {"posted", "planned"} and vouchers.get("posted", 0) >= 6  # nothing left pending
        posted = sum(len(sandbox.posted_vouchers(t)) for t in range(3700000, 3700012))
        assert posted == vouchers["posted"]
