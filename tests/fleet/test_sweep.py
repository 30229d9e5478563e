"""The stalled-job sweep: a job whose worker stopped sending heartbeats (killed with SIGKILL, a lost host) is
retried, or ended as failed when a newer job for its store already waits under the queueing lock (retrying it
would break the lock's unique index: procrastinate issues #1446 and #1543)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from fleet_run import rows

from pipeline.fleet.engine import Fleet, Schedule
from pipeline.fleet.schedule import DEFAULT_SYNC_CRON, LocalCron
from pipeline.settings import Settings


def _fleet(tmp_path: Path, url: str, *, periodic: bool = False) -> Fleet:
    settings = Settings.from_env(stores_dir=tmp_path / "stores", inbox_dir=tmp_path / "inbox",
                                 state_dir=tmp_path / "state", env={"KASSASYNC_DATABASE_URL": url})
    return Fleet(settings, Schedule(LocalCron(DEFAULT_SYNC_CRON), periodic=periodic), stalled_after=5)


def _statuses(url: str) -> list[tuple[int, str]]:
    return [(int(i), str(s)) for i, s in rows(url, "SELECT id, status FROM procrastinate_jobs ORDER BY id")]


async def _start_and_lose(fleet: Fleet, store: str) -> int:
    """A job deferred and taken by a worker that then stops sending heartbeats."""
    manager = fleet.app.job_manager
    job_id = await fleet.defer_sync(store)
    assert job_id is not None
    worker_id = await manager.register_worker()
    job = await manager.fetch_job(queues=None, worker_id=worker_id)
    assert job is not None and job.id == job_id
    await fleet.app.connector.execute_query_async(
        "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
    return job_id


def test_a_stalled_job_is_retried(tmp_path: Path, postgres_ledger_url: str) -> None:
    async def scenario() -> int:
        async with _fleet(tmp_path, postgres_ledger_url).opened() as fleet:
            await _start_and_lose(fleet, "cafe-000")
            assert not await fleet.idle()
            return await fleet.sweep()

    assert asyncio.run(scenario()) == 1
    assert [s for _, s in _statuses(postgres_ledger_url)] == ["todo"]


def test_a_stalled_job_ends_as_failed_when_a_newer_one_waits(tmp_path: Path, postgres_ledger_url: str) -> None:
    async def scenario() -> tuple[int, int | None, int]:
        async with _fleet(tmp_path, postgres_ledger_url).opened() as fleet, fleet.work.opened(1):
            lost = await _start_and_lose(fleet, "cafe-000")
            newer = await fleet.defer_sync("cafe-000")  # the queueing lock is free: the first one is `doing`
            return lost, newer, await fleet.sweep()

    lost, newer, settled = asyncio.run(scenario())
    assert newer is not None and settled == 1
    assert _statuses(postgres_ledger_url) == [(lost, "failed"), (newer, "todo")]
    # why, for status (procrastinate keeps only that it failed)
    [(job, store, task, reason)] = rows(postgres_ledger_url, "SELECT job_id, store, task, reason FROM job_failures")
    assert (job, store, task) == (lost, "cafe-000", "kassasync.sync_store")
    assert reason.startswith("its worker stopped while it ran")


def test_a_live_workers_job_is_left_alone(tmp_path: Path, postgres_ledger_url: str) -> None:
    async def scenario() -> int:
        async with _fleet(tmp_path, postgres_ledger_url).opened() as fleet:
            manager = fleet.app.job_manager
            await fleet.defer_sync("cafe-000")
            worker_id = await manager.register_worker()  # its heartbeat is fresh
            assert await manager.fetch_job(queues=None, worker_id=worker_id) is not None
            return await fleet.sweep()

    assert asyncio.run(scenario()) == 0
    assert [s for _, s in _statuses(postgres_ledger_url)] == ["doing"]


def test_the_nightly_tick_defers_one_job_per_store_at_the_swedish_time(tmp_path: Path,
                                                                         postgres_ledger_url: str) -> None:
    from datetime import UTC, datetime

    from fleet_builder import write_fleet

    write_fleet(tmp_path, stores=3, vouchers_per_store=1, per_file=1)
    fleet = _fleet(tmp_path, postgres_ledger_url, periodic=True)
    periodic = {p.periodic_id: p.cron for p in fleet.app.periodic_registry.periodic_tasks.values()}
    assert periodic == {"nightly": "30 * * * *", "reconcile": "30 * * * *", "tokens": "0 * * * *",
                        "prune": "15 3 * * *", "sweep": "* * * * *"}
    nightly = fleet.app.tasks["kassasync.nightly"].func
    winter_0530 = int(datetime(2026, 12, 3, 4, 30, tzinfo=UTC).timestamp())

    async def scenario() -> list[int]:
        async with fleet.opened():
            return [await nightly(timestamp=winter_0530 - 3600), await nightly(timestamp=winter_0530),
                    await nightly(timestamp=winter_0530)]  # a second tick: every store already has one waiting

    assert asyncio.run(scenario()) == [0, 3, 0]
    assert [s for _, s in _statuses(postgres_ledger_url)] == ["todo"] * 3


def test_a_bulk_deferral_refreshes_the_job_tables_statistics(tmp_path: Path, postgres_ledger_url: str) -> None:
    """procrastinate's fetch query plans from them (stale ones made each fetch test every waiting job's lock)."""
    from pipeline.fleet.engine import BULK

    def analysed() -> bool:
        return bool(rows(postgres_ledger_url, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE "
                                              "relid = 'procrastinate_jobs'::regclass")[0][0])

    async def defer(stores: int) -> int:
        async with _fleet(tmp_path, postgres_ledger_url).opened() as fleet:
            return await fleet.defer_all([f"cafe-{i:04d}" for i in range(stores)])

    assert asyncio.run(defer(BULK - 1)) == BULK - 1 and not analysed()
    assert asyncio.run(defer(2 * BULK)) == BULK + 1 and analysed()  # the first BULK - 1 wait already


def test_the_daily_prune_forgets_old_failure_reasons_with_their_jobs(tmp_path: Path, postgres_ledger_url: str) -> None:
    from datetime import timedelta

    import sqlalchemy as sa

    from pipeline.ledger import now
    from pipeline.ledger.opening import engine_for
    from pipeline.ledger.tables import job_failures

    fleet = _fleet(tmp_path, postgres_ledger_url, periodic=True)
    engine = engine_for(postgres_ledger_url)
    with engine.begin() as conn:
        conn.execute(job_failures.insert(), [
            {"job_id": 1, "store": "cafe-000", "task": "kassasync.sync_store", "failed_at": now() - timedelta(days=60),
             "reason": "old"},
            {"job_id": 2, "store": "cafe-000", "task": "kassasync.sync_store", "failed_at": now() - timedelta(days=1),
             "reason": "recent"}])
    prune = fleet.app.tasks["kassasync.prune"].func

    async def scenario() -> None:
        async with fleet.opened(), fleet.work.opened(1):
            await prune(timestamp=0)

    asyncio.run(scenario())
    with engine.connect() as conn:
        assert conn.execute(sa.select(job_failures.c.reason)).scalars().all() == ["recent"]
    engine.dispose()
