"""`kassasync enqueue` and `kassasync worker` on PostgreSQL: stores synced by worker processes, exactly once,
each voucher with the git commit of its store file; the jobs visible in `status`."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fleet_builder import write_fleet
from fleet_run import command, env, rows, run, seed, worker, worker_args
from git_repo import commit_all

from pipeline.sandbox.testing import running_sandbox


def test_two_workers_sync_the_enqueued_stores_once(tmp_path: Path, postgres_ledger_url: str) -> None:
    expected = write_fleet(tmp_path, stores=6, vouchers_per_store=3, per_file=3, tenant_base=3400000)
    head = commit_all(tmp_path / "stores")
    with running_sandbox(tmp_path / "sandbox", seed=seed(tmp_path), rate_limit=0) as sandbox:
        environment = env(tmp_path, sandbox, postgres_ledger_url)
        assert "deferred 6 sync job(s)" in run(tmp_path, environment, "enqueue", "--all").stdout
        again = run(tmp_path, environment, "enqueue", "--store", "cafe-000").stdout
        assert "deferred 0 sync job(s); 1 store(s) already had one waiting" in again
        workers = [subprocess.Popen(worker(tmp_path, "--until-idle", "--concurrency", "3"), env=environment,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for process in workers:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-3000:]
        for tenant, want in expected.items():
            assert sorted(v["description"] for v in sandbox.posted_vouchers(tenant)) == sorted(want)
        # a second night: nothing new to post, nothing posted twice
        run(tmp_path, environment, "enqueue", "--all")
        run(tmp_path, environment, *worker_args("--until-idle"))
        assert sum(len(sandbox.posted_vouchers(t)) for t in expected) == 18
    states = rows(postgres_ledger_url, "SELECT state, store_commit, count(*) FROM vouchers GROUP BY 1, 2")
    assert [(s, c, n) for s, c, n in states] == [("posted", head, 18)]
    jobs = rows(postgres_ledger_url, "SELECT status, count(*) FROM procrastinate_jobs "
                                             "WHERE task_name = 'kassasync.sync_store' GROUP BY 1")
    assert dict((s, n) for s, n in jobs) == {"succeeded": 12}


def test_a_store_that_cannot_sync_fails_its_job_only(tmp_path: Path, postgres_ledger_url: str) -> None:
    write_fleet(tmp_path, stores=2, vouchers_per_store=1, per_file=1, tenant_base=3410000)
    sandbox_seed = seed(tmp_path)
    moved = tmp_path / "stores" / "cafe-001.yaml"  # a tenant this Fortnox does not know: no token for it
    moved.write_text(moved.read_text(encoding="utf-8").replace("3410001", "3419999"), encoding="utf-8")
    with running_sandbox(tmp_path / "sandbox", seed=sandbox_seed, rate_limit=0) as sandbox:
        environment = env(tmp_path, sandbox, postgres_ledger_url)
        run(tmp_path, environment, "enqueue", "--all")
        run(tmp_path, environment, *worker_args("--until-idle"))
        status = json.loads(run(tmp_path, environment, "status", "--format", "json").stdout)
        text = run(tmp_path, environment, "status", "--store", "cafe-001").stdout
    jobs = {s["store"]: s["jobs"] for s in status["stores"]}
    assert jobs["cafe-001"]["failed"] == 1 and jobs["cafe-001"]["failed_at"]
    assert jobs["cafe-000"] == {"waiting": 0, "running": 0, "failed": 0, "failed_at": None, "reason": None}
    # why, as the worker kept it in the ledger: the store's own error, not a pointer to a log on another host
    reason = jobs["cafe-001"]["reason"]
    assert "refused the service-account token" in reason and "kassasync connect --store cafe-001" in reason, reason
    assert "fleet jobs       0 waiting, 0 running, 1 failed (last at " in text and reason in text


def test_worker_needs_postgresql(tmp_path: Path) -> None:
    done = subprocess.run(command(tmp_path, "worker", "--until-idle"), capture_output=True, text=True,
                          env={**env_without_database(), "KASSASYNC_HOME": str(tmp_path / "state")})
    assert done.returncode == 1
    assert "the fleet needs PostgreSQL" in done.stderr and "KASSASYNC_DATABASE_URL" in done.stderr


def env_without_database() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "KASSASYNC_DATABASE_URL"}


@pytest.mark.parametrize("args, message", [
    (("enqueue",), "say which stores"),
    (("enqueue", "--all", "--date", "2026-10-01", "--from", "2026-10-01"), "--date cannot be combined"),
    (("enqueue", "--all", "--from", "2026-10-02", "--to", "2026-10-01"), "is after --to"),
])
def test_enqueue_refuses_unclear_requests(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    done = subprocess.run(command(tmp_path, *args), capture_output=True, text=True,
                          env={**env_without_database(), "KASSASYNC_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
    assert done.returncode == 1 and message in done.stderr
