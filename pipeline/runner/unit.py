"""The one unit of work: sync one store over a date range. The embedded runner (sync_all.py: every store of a
run on one event loop) calls it once per store; a fleet worker calls it once per job. Exactly-once lives
inside it (store_sync.py and the ledger), so whoever calls it, and however often, posts nothing twice.

A Runtime is what the stores synced by one process share while it runs: the ledger and its thread, the
inbox, how a store's Fortnox client is opened, and the places among the stores talking to Fortnox at once.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.ledger import Ledger
from pipeline.runner.inbox import Inbox
from pipeline.runner.store_sync import ClientOpener, Progress, Slot, StoreResult, SyncOptions, sync_store
from pipeline.runner.worker import SERVER_THREADS, LedgerWorker

DEFAULT_CONCURRENCY = 16


@dataclass
class Runtime:
    """What one process's stores share; made by `runtime`, which also closes it."""

    ledger: Ledger
    inbox: Inbox
    open_client: ClientOpener
    state_dir: Path
    worker: LedgerWorker
    concurrency: int = DEFAULT_CONCURRENCY
    run_id: int | None = None  # the `runs` row the stores' vouchers are recorded under (None: no run row)
    progress: Progress | None = None
    gate: asyncio.Semaphore = field(init=False)  # stores talking to Fortnox at once
    # stores started: reading their files ahead, posting, or finishing up locally (bounds the open store locks)
    started: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.gate = asyncio.Semaphore(max(1, self.concurrency))
        self.started = asyncio.Semaphore(2 * max(1, self.concurrency))


def ledger_connections(concurrency: int) -> int:
    """The connections a server ledger's pool must offer a run of `concurrency` (the embedded runner on
    PostgreSQL): every store started holds one for its lock (up to twice `concurrency` at once, Runtime.started),
    every ledger thread one, and the run's own rows one. With fewer, a store takes its lock on the event loop and
    waits there for a connection that only the stores behind it could give back: the run stalls."""
    return 2 * max(1, concurrency) + SERVER_THREADS + 1


@contextlib.asynccontextmanager
async def runtime(ledger: Ledger, inbox: Inbox, open_client: ClientOpener, state_dir: Path, *,
                  concurrency: int = DEFAULT_CONCURRENCY, run_id: int | None = None,
                  progress: Progress | None = None, preload: bool = False,
                  ledger_threads: int | None = None) -> AsyncIterator[Runtime]:
    """A Runtime on the running event loop. `preload`: every store's financial years and reconciled-through
    mark read at once (one query each for a run of many stores, instead of one per store). `ledger_threads`:
    the ledger worker's threads (default: LedgerWorker's), each holding a connection."""
    worker = LedgerWorker(ledger, run_id, threads=ledger_threads)
    try:
        if preload:
            worker.years = await worker.run(ledger.all_cached_years)
            worker.marks = await worker.run(ledger.marks)
        yield Runtime(ledger, inbox, open_client, state_dir, worker, concurrency, run_id, progress)
        await worker.drain()
    finally:
        worker.close()


async def sync_one_store(config: StoreConfig, first: date | None, last: date | None, *, options: SyncOptions,
                         runtime: Runtime) -> StoreResult:
    """One store's days from `first` to `last` (None: open-ended), under its lock; never raises: every
    failure ends up in the StoreResult (state `locked` when another runner holds the store)."""
    slot = Slot(runtime.gate)
    async with runtime.started:
        try:
            return await sync_store(config, ledger=runtime.ledger, inbox=runtime.inbox,
                                    open_client=runtime.open_client,
                                    options=replace(options, from_date=first, to_date=last), run_id=runtime.run_id,
                                    state_dir=runtime.state_dir, progress=runtime.progress, worker=runtime.worker,
                                    slot=slot)
        finally:
            slot.release()
