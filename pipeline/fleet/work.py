"""What a fleet job does, in the worker process that runs it: one store's sync (the same unit of work as the
embedded runner's), its month-end reconciliation, or its token refresh.

A worker opens, once, what its jobs share: the ledger (the fleet's PostgreSQL), one HTTP client for every
store's Fortnox client, the inbox. A job reads its store file afresh from the store directory (a git checkout
the deployment updates), so a change lands with the next job, and the vouchers record that file's commit.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx2

from pipeline.config import get_store
from pipeline.config.load import store_files
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fleet.schedule import TIMEZONE
from pipeline.ledger import Ledger
from pipeline.runner.dayfile import org_owners
from pipeline.runner.http import shared_http_client
from pipeline.runner.inbox import Inbox
from pipeline.runner.store_sync import StoreResult, SyncOptions
from pipeline.runner.sync_all import begin_run, end_run
from pipeline.runner.unit import runtime, sync_one_store
from pipeline.settings import Settings
from pipeline.store_ids import checked_store_id

TOKEN_MAX_AGE = timedelta(days=30)  # as `kassasync tokens refresh --older-than 30d`


class FleetWork:
    def __init__(self, settings: Settings, *, today: date | None = None) -> None:
        self.settings = settings
        self.concurrency = 8  # stores at once in this worker (set by Fleet.run_worker before opening)
        self.today = today  # None: the date in Sweden when a job runs (a fixed date: tests)
        self.inbox = Inbox(settings.inbox_dir)
        self._ledger: Ledger | None = None
        self._http: httpx2.AsyncClient | None = None

    @contextlib.asynccontextmanager
    async def opened(self, concurrency: int) -> AsyncIterator[FleetWork]:
        """The ledger and the HTTP client for a worker running `concurrency` jobs at once, closed when it stops.
        A ledger whose schema is behind stops the worker here, with the fix (`kassasync db upgrade`)."""
        # two connections per store at once: its lock's session and its ledger thread's
        self._ledger = Ledger.open(self.settings.ledger_url, thorough=True, connections=2 * concurrency + 2)
        try:
            async with shared_http_client() as http:
                self._http = http
                yield self
        finally:
            self._http = None
            self._ledger.close()
            self._ledger = None

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            raise RuntimeError("FleetWork used outside opened()")
        return self._ledger

    def store_ids(self) -> list[str]:
        """The stores of the store directory, by file name (a broken file's job says what is wrong)."""
        return [p.stem for p in store_files(self.settings.stores_dir)]

    def refreshable(self) -> list[str]:
        """The stores with saved credentials and a store file."""
        from pipeline.fortnox.tokenstore import TokenStore

        stores = set(self.store_ids())
        return [s for s in TokenStore.in_state_dir(self.settings.state_dir, self.settings.secret_key).stores()
                if s in stores]

    def _config(self, store: str) -> StoreConfig:
        """The store file as it is now, with its git commit. Called in a thread: the two git calls take some
        milliseconds in a checkout of thousands of files, and the worker's other jobs go on meanwhile."""
        from pipeline.config.revision import with_revisions

        config = get_store(self.settings.stores_dir, checked_store_id(store))
        return with_revisions([config], self.settings.stores_dir)[0]

    async def sync(self, store: str, first: date | None, last: date | None) -> StoreResult:
        """The store's days from `first` to `last` (None: every settled file), as one run in the ledger."""
        try:
            config = await asyncio.to_thread(self._config, store)
        except UserError as exc:
            return StoreResult(store, state="error", message=exc.message, hint=exc.hint)
        options = SyncOptions(today=self.today or today(), from_date=first, to_date=last,
                              settle_seconds=self.settings.settle_seconds,
                              org_owner=org_owners(None, self.settings.stores_dir))
        ledger = self.ledger
        run_id, started = await asyncio.to_thread(begin_run, ledger, options, [config])
        async with runtime(ledger, self.inbox, self._open_client, self.settings.state_dir, concurrency=1,
                           run_id=run_id, ledger_threads=1) as shared:
            result = await sync_one_store(config, first, last, options=options, runtime=shared)
        await asyncio.to_thread(end_run, ledger, run_id, started, options, [result])
        return result

    async def reconcile(self, store: str, month: str) -> dict[str, Any]:
        """The store's month compared (kassasync reconcile), its outcome kept in the ledger for `status`."""
        from pipeline.reconcile.model import Month
        from pipeline.reconcile.store_month import reconcile_store_month

        config = await asyncio.to_thread(self._config, store)
        async with self._open_client(config) as client:
            result = await reconcile_store_month(config, self.ledger, client, self.inbox, Month.parse(month),
                                                 today=self.today or today())
        return {"month": month, "agreed": result.agreed, "differences": len(result.differences)}

    async def refresh_token(self, store: str) -> dict[str, Any]:
        """The store's refresh token rotated when older than 30 days (a service account: checked to work)."""
        from pipeline.fortnox.maintenance import refresh_stores

        [outcome] = await refresh_stores(self.settings, TOKEN_MAX_AGE.total_seconds(), [checked_store_id(store)])
        return {"state": outcome.status, "message": outcome.detail}

    def _open_client(self, config: StoreConfig) -> contextlib.AbstractAsyncContextManager[Any]:
        from pipeline.fortnox.factory import open_client

        return open_client(self.settings, config, http=self._http)


def today() -> date:
    """Today in Sweden, where the stores' business days are."""
    return datetime.now(TIMEZONE).date()
