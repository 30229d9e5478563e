"""The fleet's commands in this process (click's runner), so that the worker's own code is measured too: a
sync, a month's reconciliation and a token check as jobs, with what each leaves in the ledger and the job table."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from fleet_builder import write_fleet
from fleet_run import TODAY, rows, seed

from pipeline.cli.main import cli
from pipeline.fleet.engine import Fleet, Schedule
from pipeline.fleet.schedule import DEFAULT_SYNC_CRON, LocalCron
from pipeline.sandbox.testing import running_sandbox
from pipeline.settings import Settings


def _invoke(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--stores", str(root / "stores"), "--inbox", str(root / "inbox"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_worker_runs_syncs_reconciliations_and_token_checks(tmp_path: Path, postgres_ledger_url: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_fleet(tmp_path, stores=2, vouchers_per_store=2, per_file=1, tenant_base=3600000)
    with running_sandbox(tmp_path / "sandbox", seed=seed(tmp_path), rate_limit=0) as sandbox:
        for name, value in {**sandbox.env(), "KASSASYNC_DATABASE_URL": postgres_ledger_url,
                            "KASSASYNC_HOME": str(tmp_path / "state")}.items():
            monkeypatch.setenv(name, value)
        assert "deferred 2 sync job(s)" in _invoke(tmp_path, "enqueue", "--all", "--from", "2026-10-01",
                                                   "--to", "2026-10-31")
        settings = Settings.from_env(stores_dir=tmp_path / "stores", inbox_dir=tmp_path / "inbox")
        fleet = Fleet(settings, Schedule(LocalCron(DEFAULT_SYNC_CRON), periodic=False))

        async def defer() -> list[int | None]:
            async with fleet.opened():
                return [await fleet.defer_reconcile("cafe-000", "2026-10"),
                        await fleet.defer_reconcile("cafe-000", "2026-10"),  # one waits already
                        await fleet.defer_token_refresh("cafe-001")]

        reconcile, again, token = asyncio.run(defer())
        assert reconcile is not None and again is None and token is not None
        _invoke(tmp_path, "worker", "--until-idle", "--today", TODAY, "--stalled-after", "3")
        assert sum(len(sandbox.posted_vouchers(t)) for t in ("3600000", "3600001")) == 4
    jobs = dict((str(t), str(s)) for t, s in rows(postgres_ledger_url,
                                                   "SELECT task_name, status FROM procrastinate_jobs "
                                                   "WHERE task_name <> 'kassasync.sync_store'"))
    # the reconciliation ran after cafe-000's sync (one job at a time per store); a service account has no
    # refresh token to rotate, so its check fails with the reason in the worker's log
    assert jobs == {"kassasync.reconcile_store": "succeeded", "kassasync.refresh_token": "failed"}
    assert rows(postgres_ledger_url, "SELECT store, month FROM reconciliations") == [("cafe-000", "2026-10")]
    assert rows(postgres_ledger_url, "SELECT DISTINCT status FROM procrastinate_jobs "
                                      "WHERE task_name = 'kassasync.sync_store'") == [("succeeded",)]
