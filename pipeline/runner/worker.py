"""Ledger work off the event loop: one thread does the ledger's I/O, and the `pending` marks (and the
financial years learnt) are group-committed.

SQLite lets one writer at a time, and the `pending` commit waits for the disk. Done on the event loop, every
store would stand still during each other store's disk sync; in one ledger thread, with the marks of all
stores that are ready at the same moment committed together (one transaction for many), the loop keeps
talking to Fortnox.
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, Generic, TypeVar

from pipeline.runner.ledger import Ledger

T = TypeVar("T")
Item = TypeVar("Item")


class LedgerWorker:
    def __init__(self, ledger: Ledger, run_id: int | None) -> None:
        self.ledger = ledger
        self.run_id = run_id
        self._connections: list[Any] = []  # each ledger thread's own connection (Ledger.hold_connection)
        # SQLite: one writer anyway, so one thread; a server database takes a few at once
        self.executor = ThreadPoolExecutor(max_workers=1 if ledger.is_sqlite else 4,
                                           thread_name_prefix="kassasync-ledger", initializer=self._hold)
        self._pending = _GroupCommit[str](self, lambda keys: ledger.mark_pending(keys, run_id))
        self._years = _GroupCommit[tuple[str, int, date, date]](self, ledger.cache_years)
        self.years: dict[str, list[tuple[int, date, date]]] | None = None  # preloaded FY cache of every store

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def mark_pending(self, key: str) -> None:
        """Returns once `pending` for this key is committed and synced (with whichever others were waiting)."""
        await self._pending.add(key)

    async def cache_year(self, store: str, year_id: int, first: date, last: date) -> None:
        """Returns once the store's financial year is in the ledger's cache."""
        await self._years.add((store, year_id, first, last))

    def _hold(self) -> None:
        self._connections.append(self.ledger.hold_connection())

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        for conn in self._connections:
            self.ledger.release(conn)


class _GroupCommit(Generic[Item]):
    """Items waiting for one write: whoever comes while a write runs goes into the next one, together."""

    def __init__(self, worker: LedgerWorker, write: Callable[[Sequence[Item]], None]) -> None:
        self.worker, self.write = worker, write
        self._waiting: list[tuple[Item, asyncio.Future[None]]] = []
        self._flushing = False

    async def add(self, item: Item) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self.worker.run(self.write, [item for item, _ in batch])
                except Exception as exc:  # noqa: BLE001 - every waiter gets the failure
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
        finally:
            self._flushing = False
