"""Ledger work off the event loop: one thread does the ledger's I/O (a few for a server database), jobs in the
order they are given, and the `pending` marks (and the financial years learnt) group-committed.

SQLite lets one writer at a time, and the `pending` commit waits for the disk. Done on the event loop, every
store would stand still during each other store's disk sync; in one ledger thread, with the marks of all
stores that are ready at the same moment committed together (one transaction for many), the loop keeps
talking to Fortnox. First come, first served: at Fortnox's latency a store waits on Fortnox, not on this
thread (taking jobs most urgent first changed a 500-store run's wall time by under 10 %; issue 15,
docs/benchmarks.md).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from pipeline.ledger import Ledger, Mark

log = logging.getLogger("kassasync.runner")
T = TypeVar("T")
Item = TypeVar("Item")
SERVER_THREADS = 4  # ledger threads for a run's stores on a server database (SQLite: one writer anyway, one)


class LedgerWorker:
    def __init__(self, ledger: Ledger, run_id: int | None, *, threads: int | None = None) -> None:
        self.ledger = ledger
        self.run_id = run_id
        self._connections: list[Any] = []  # each ledger thread's own connection (Ledger.hold_connection)
        # SQLite: one writer anyway, so one thread; a server database takes a few at once (`threads`: a fleet
        # job's one store needs one)
        self._threads = _LedgerThreads(threads or (1 if ledger.is_sqlite else SERVER_THREADS),
                                       initializer=self._hold)
        self._pending = _GroupCommit[str](self, lambda keys: ledger.mark_pending(keys, run_id))
        self._years = _GroupCommit[tuple[str, int, date, date]](self, ledger.cache_years)
        self.years: dict[str, list[tuple[int, date, date]]] | None = None  # preloaded FY cache of every store
        self.marks: dict[str, Mark] | None = None  # preloaded reconciled-through marks of every store

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """fn(*args, **kwargs) in a ledger thread, after the jobs given before it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
                outcome: tuple[Any, BaseException | None] = (None, exc)
            else:
                outcome = (result, None)
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits for the answer
                loop.call_soon_threadsafe(_settle, future, *outcome)

        self._threads.submit(job)
        return await future

    async def mark_pending(self, key: str) -> None:
        """Returns once `pending` for this key is committed and synced (with whichever others were waiting)."""
        await self._pending.add(key)

    def cache_year(self, store: str, year_id: int, first: date, last: date) -> None:
        """Puts the store's financial year in the ledger's cache, without waiting for it (a cache: if the run
        stops first, the next run asks Fortnox again); `drain` waits for it."""
        self._years.add_later((store, year_id, first, last))

    async def drain(self) -> None:
        """Waits for the writes given without waiting (cache_year)."""
        await self._years.drain()

    def _hold(self) -> None:
        self._connections.append(self.ledger.hold_connection())

    def close(self) -> None:
        self._threads.shutdown()
        for conn in self._connections:
            self.ledger.release(conn)


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.cancelled():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class _LedgerThreads:
    """Threads that take jobs in order of arrival."""

    def __init__(self, count: int, initializer: Callable[[], None]) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, args=(initializer,), name=f"kassasync-ledger-{i}",
                                          daemon=True) for i in range(count)]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def _serve(self, initializer: Callable[[], None]) -> None:
        initializer()
        while (job := self._jobs.get()) is not None:
            job()

    def shutdown(self) -> None:
        """Ends the threads once the jobs already given are done."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("a ledger cache write failed (the next run asks Fortnox again): %s", future.exception())


class _GroupCommit(Generic[Item]):
    """Items waiting for one write: whoever comes while a write runs goes into the next one, together."""

    def __init__(self, worker: LedgerWorker, write: Callable[[Sequence[Item]], None]) -> None:
        self.worker, self.write = worker, write
        self._waiting: list[tuple[Item, asyncio.Future[None]]] = []
        self._flushing = False
        self._task: asyncio.Task[None] | None = None

    async def add(self, item: Item) -> None:
        await self._add(item)

    def add_later(self, item: Item) -> None:
        """As add, without waiting: a failed write is logged (see drain)."""
        self._add(item).add_done_callback(_log_failure)

    def _add(self, item: Item) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._flushing:
            self._flushing = True
            self._task = asyncio.get_running_loop().create_task(self._flush())
        return future

    async def drain(self) -> None:
        while self._flushing and self._task is not None:
            await asyncio.shield(self._task)

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
