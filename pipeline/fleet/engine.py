"""The fleet's procrastinate app: its tasks, its schedule and the stalled-job sweep.

Every job that touches a store carries the lock `store:<id>`: procrastinate runs at most one of them at a time,
across every worker. The nightly job also carries the queueing lock `store:<id>`, so a store has at most one
waiting sync. No task is retried by the engine: a queueing lock and retries do not mix (procrastinate issues
#1446 and #1543: a retried job that finds a newer job waiting under its queueing lock fails with a unique
violation), and a store's sync needs no retry of its own, since whatever it left (a failed or pending voucher,
a file still settling) is taken up by the store's next job. A job whose worker died (SIGKILL, a lost host) stays
`doing` until the sweep: it is retried, or, when a newer job for the store already waits, ended as failed,
as that job does its work.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import procrastinate
from procrastinate import exceptions as pe
from procrastinate.jobs import Status

from pipeline.errors import UserError
from pipeline.fleet.schedule import PRUNE_CRON, RECONCILE, SWEEP_CRON, TOKENS, LocalCron
from pipeline.fleet.work import FleetWork
from pipeline.ledger import now
from pipeline.settings import Settings

log = logging.getLogger("kassasync.fleet")
R = TypeVar("R")

SYNC_QUEUE = "sync"  # the stores' jobs: syncs, reconciliations, token refreshes
ENGINE_QUEUE = "engine"  # the engine's own: the nightly tick and the sweep
QUEUES = (SYNC_QUEUE, ENGINE_QUEUE)
BULK = 50  # deferring this many jobs at once refreshes the job table's statistics (Fleet._analyze)
KEEP_JOBS_HOURS = 24 * 45  # finished jobs older than this are deleted daily (status reads the recent ones)
LOCKED_RETRY = timedelta(minutes=5)  # a store whose lock another runner holds is tried again after this
FLEET_SET_UP = ("set KASSASYNC_DATABASE_URL=postgresql://user@host/db, run `kassasync db upgrade`, then start the "
                "workers (docs/fleet.md)")


def store_lock(store: str) -> str:
    return f"store:{store}"


def conninfo(database_url: str) -> str:
    """The libpq address of a SQLAlchemy PostgreSQL URL (the driver name dropped, the query kept)."""
    import sqlalchemy as sa

    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise UserError(f"the fleet needs PostgreSQL, and KASSASYNC_DATABASE_URL is {url.get_backend_name()}",
                        FLEET_SET_UP)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Schedule:
    sync: LocalCron
    periodic: bool = True  # False: no periodic task (a `--until-idle` worker, `enqueue`)


class Fleet:
    """The procrastinate App with kassasync's tasks. Open it (`opened`) to defer jobs or run a worker."""

    def __init__(self, settings: Settings, schedule: Schedule, *, stalled_after: float = 30.0,
                 today: date | None = None) -> None:
        if settings.database_url is None:
            raise UserError("the fleet needs PostgreSQL, and KASSASYNC_DATABASE_URL is not set (the ledger is the "
                            "SQLite file in the state directory)", FLEET_SET_UP)
        self.settings = settings
        self.schedule = schedule
        self.stalled_after = stalled_after
        self.work = FleetWork(settings, today=today)
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=conninfo(settings.database_url), min_size=1, max_size=8))
        self._register()

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[Fleet]:
        async with self.app.open_async():
            yield self

    # -- deferring ------------------------------------------------------------------------------------------

    async def defer_sync(self, store: str, first: date | None = None, last: date | None = None, *,
                         delay: timedelta | None = None) -> int | None:
        """A sync job for the store (None: one already waits, under the queueing lock)."""
        options: dict[str, Any] = {"lock": store_lock(store), "queueing_lock": store_lock(store), "queue": SYNC_QUEUE}
        if delay is not None:
            options["schedule_in"] = {"seconds": int(delay.total_seconds())}
        try:
            return await self.sync_task.configure(**options).defer_async(
                store=store, first=first.isoformat() if first else None, last=last.isoformat() if last else None)
        except pe.AlreadyEnqueued:
            return None

    async def defer_reconcile(self, store: str, month: str) -> int | None:
        try:
            return await self.reconcile_task.configure(
                lock=store_lock(store), queueing_lock=f"reconcile:{store}", queue=SYNC_QUEUE,
            ).defer_async(store=store, month=month)
        except pe.AlreadyEnqueued:
            return None

    async def defer_token_refresh(self, store: str) -> int | None:
        try:
            return await self.token_task.configure(
                lock=store_lock(store), queueing_lock=f"token:{store}", queue=SYNC_QUEUE,
            ).defer_async(store=store)
        except pe.AlreadyEnqueued:
            return None

    async def defer_all(self, stores: Iterable[str], first: date | None = None, last: date | None = None) -> int:
        """A sync job per store (one that already waits is kept); how many were deferred."""
        deferred = 0
        for store in stores:
            deferred += await self.defer_sync(store, first, last) is not None
        if deferred >= BULK:
            await self._analyze()
        return deferred

    async def _analyze(self) -> None:
        """The job table's statistics brought up to date after a bulk deferral. procrastinate's fetch query
        plans from them: with stale ones (a table that was nearly empty when last analysed) it tests every
        waiting job's lock before taking the first, 90 ms a fetch with 2,000 jobs waiting, so the workers took
        about 15 jobs a second however many there were; with fresh ones it takes the first by its index
        (4 ms). Autovacuum gets there too, but only after the night's jobs have been deferred."""
        try:
            await self.app.connector.execute_query_async("ANALYZE procrastinate_jobs")
        except pe.ConnectorException as exc:  # not the table's owner: the fleet still works, only slower
            log.warning("could not ANALYZE procrastinate_jobs (%s): job fetching may be slow until autovacuum "
                        "does; run the fleet as the role that ran `kassasync db upgrade`", exc)

    # -- the stalled-job sweep ------------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Jobs left `doing` by a worker that stopped sending heartbeats: each is retried, or ended as failed
        when a newer job for its store already waits (that one does the work). How many were settled."""
        manager = self.app.job_manager
        settled = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_after):
            assert job.id is not None
            try:
                await manager.retry_job(job)
                log.warning("job %s (%s, %s) was left running by a stopped worker: retried", job.id,
                            job.task_name, job.lock)
            except pe.UniqueViolation:  # a newer job waits under the same queueing lock
                await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
                await self._record_failure(job.id, str(job.task_kwargs.get("store", "")), job.task_name,
                                           "its worker stopped while it ran (killed, or its host was lost); the "
                                           "store's newer job does its work")
                log.warning("job %s (%s, %s) was left running by a stopped worker: ended, a newer job for the "
                            "store waits", job.id, job.task_name, job.lock)
            settled += 1
        return settled

    # -- why a job failed -------------------------------------------------------------------------------------

    async def _kept(self, context: procrastinate.JobContext, store: str, work: Awaitable[R]) -> R:
        """The task's outcome; when it fails, why is kept in the ledger first (status and the web pages show it:
        procrastinate keeps only that the job failed)."""
        try:
            return await work
        except Exception as exc:
            assert context.job.id is not None
            await self._record_failure(context.job.id, store, context.job.task_name, failure_reason(exc))
            raise

    async def _record_failure(self, job_id: int, store: str, task: str, reason: str) -> None:
        try:
            await asyncio.to_thread(self.work.ledger.record_job_failure, job_id, store, task, reason)
        except Exception as exc:  # noqa: BLE001 - the job's own failure is what matters; this is its note
            log.warning("job %s (%s): could not keep why it failed in the ledger: %s", job_id, store, exc)

    async def idle(self) -> bool:
        """No job waiting (due now) or running, in any worker."""
        row = await self.app.connector.execute_query_one_async(
            "SELECT count(*) AS busy FROM procrastinate_jobs WHERE status = 'doing' OR (status = 'todo' AND "
            "(scheduled_at IS NULL OR scheduled_at <= now()))")
        return int(row["busy"]) == 0

    # -- the tasks ------------------------------------------------------------------------------------------

    def _register(self) -> None:
        app, work = self.app, self.work

        async def sync(store: str, first: str | None, last: str | None) -> dict[str, Any]:
            result = await work.sync(store, _day(first), _day(last))
            if result.state == "locked":  # an embedded `sync` has the store: its own job comes later
                await self.defer_sync(store, _day(first), _day(last), delay=LOCKED_RETRY)
            if result.state == "error":
                raise StoreFailed(f"{result.message}" + (f" ({result.hint})" if result.hint else ""))
            return {"state": result.state, "posted": result.posted, "failed": result.failed, "held": result.held,
                    "pending": result.pending}

        async def refresh(store: str) -> dict[str, Any]:
            outcome = await work.refresh_token(store)
            if outcome["state"] in ("failed", "needs-reconsent"):
                raise StoreFailed(outcome["message"])
            return outcome

        @app.task(name="kassasync.sync_store", queue=SYNC_QUEUE, pass_context=True)
        async def sync_store(context: procrastinate.JobContext, store: str, first: str | None,
                             last: str | None) -> dict[str, Any]:
            return await self._kept(context, store, sync(store, first, last))

        @app.task(name="kassasync.reconcile_store", queue=SYNC_QUEUE, pass_context=True)
        async def reconcile_store(context: procrastinate.JobContext, store: str, month: str) -> dict[str, Any]:
            return await self._kept(context, store, work.reconcile(store, month))

        @app.task(name="kassasync.refresh_token", queue=SYNC_QUEUE, pass_context=True)
        async def refresh_token(context: procrastinate.JobContext, store: str) -> dict[str, Any]:
            return await self._kept(context, store, refresh(store))

        self.sync_task, self.reconcile_task, self.token_task = sync_store, reconcile_store, refresh_token
        if not self.schedule.periodic:
            return
        nightly = self.schedule.sync

        @app.periodic(cron=nightly.engine_cron, periodic_id="nightly")
        @app.task(name="kassasync.nightly", queue=ENGINE_QUEUE, queueing_lock="kassasync.nightly")
        async def nightly_tick(timestamp: int) -> int:
            if not nightly.due(timestamp):
                return 0
            deferred = await self.defer_all(work.store_ids())
            log.info("nightly sync: %d store jobs deferred", deferred)
            return deferred

        @app.periodic(cron=RECONCILE.engine_cron, periodic_id="reconcile")
        @app.task(name="kassasync.monthly_reconcile", queue=ENGINE_QUEUE, queueing_lock="kassasync.reconcile")
        async def monthly_reconcile(timestamp: int) -> int:
            if not RECONCILE.due(timestamp):
                return 0
            month = _previous_month(RECONCILE.local_day(timestamp))
            return sum([await self.defer_reconcile(store, month) is not None for store in work.store_ids()])

        @app.periodic(cron=TOKENS.engine_cron, periodic_id="tokens")
        @app.task(name="kassasync.token_refresh", queue=ENGINE_QUEUE, queueing_lock="kassasync.tokens")
        async def token_refresh(timestamp: int) -> int:
            if not TOKENS.due(timestamp):
                return 0
            return sum([await self.defer_token_refresh(store) is not None for store in work.refreshable()])

        @app.periodic(cron=PRUNE_CRON, periodic_id="prune")
        @app.task(name="kassasync.prune", queue=ENGINE_QUEUE, queueing_lock="kassasync.prune")
        async def prune(timestamp: int) -> None:
            await self.app.job_manager.delete_old_jobs(nb_hours=KEEP_JOBS_HOURS, include_failed=True,
                                                       include_cancelled=True, include_aborted=True)
            await asyncio.to_thread(work.ledger.prune_job_failures, now() - timedelta(hours=KEEP_JOBS_HOURS))

        @app.periodic(cron=SWEEP_CRON, periodic_id="sweep")
        @app.task(name="kassasync.sweep", queue=ENGINE_QUEUE, queueing_lock="kassasync.sweep")
        async def sweep(timestamp: int) -> int:
            return await self.sweep()

    # -- running a worker -----------------------------------------------------------------------------------

    async def run_worker(self, *, concurrency: int, queues: list[str] | None, until_idle: bool,
                         poll: float = 2.0) -> None:
        """A worker until SIGTERM or SIGINT (each finishes the running jobs first), or, `until_idle`, until no
        job waits or runs in the whole fleet (the sweep runs at each poll, so a dead worker's job is not
        waited for)."""
        async with self.work.opened(concurrency):
            worker = asyncio.create_task(self.app.run_worker_async(
                concurrency=concurrency, queues=queues or list(QUEUES), wait=True, install_signal_handlers=True,
                update_heartbeat_interval=max(1.0, self.stalled_after / 3), stalled_worker_timeout=self.stalled_after,
                fetch_job_polling_interval=poll, delete_jobs="never"))
            if until_idle:
                await self._until_idle(worker, poll)
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _until_idle(self, worker: asyncio.Task[None], poll: float) -> None:
        """Stops the worker (cancelling it is procrastinate's graceful stop: running jobs finish) once the
        fleet has been idle for two polls in a row, so that a job deferred between two polls is not missed."""
        quiet = 0
        while not worker.done() and quiet < 2:
            await asyncio.sleep(poll)
            await self.sweep()
            quiet = quiet + 1 if await self.idle() else 0
        worker.cancel()


class StoreFailed(Exception):
    """A store's job could not do its work (the message says why and what to do); the job ends as failed."""


REASON_LENGTH = 1000


def failure_reason(exc: BaseException) -> str:
    """Why a job failed, for status: a StoreFailed's or UserError's own words; anything else is kassasync's
    error, named as such (its traceback is in the worker's log). Secrets redacted."""
    from pipeline.logs import redact

    if isinstance(exc, UserError):
        text = redact(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    elif isinstance(exc, StoreFailed):
        text = redact(str(exc))
    else:  # redacted before the note is added: a pattern may reach to the end of the text
        text = f"{type(exc).__name__}: {redact(str(exc))} (an error in kassasync; the worker's log has its traceback)"
    return text if len(text) <= REASON_LENGTH else text[:REASON_LENGTH - 1] + "…"


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _previous_month(local: datetime) -> str:
    first = local.date().replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"
