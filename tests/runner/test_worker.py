"""The ledger worker: jobs in the order given, answers and errors back on the event loop, drained on close."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from pipeline.ledger import Ledger
from pipeline.runner.worker import LedgerWorker


def test_jobs_are_done_in_the_order_they_are_given(tmp_path: Path) -> None:
    """One ledger thread (SQLite), first come, first served: a store's writes stay in the order it gave them."""
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    worker = LedgerWorker(ledger, None)
    done: list[str] = []
    gate = threading.Event()

    async def go() -> None:
        busy = asyncio.ensure_future(worker.run(gate.wait))  # the one ledger thread is busy with this
        await asyncio.sleep(0.05)
        jobs = [asyncio.ensure_future(worker.run(done.append, name))
                for name in ("new store", "store under way", "pending mark")]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(busy, *jobs)

    try:
        asyncio.run(go())
    finally:
        worker.close()
        ledger.close()
    assert done == ["new store", "store under way", "pending mark"]


def test_results_and_errors_come_back_and_close_drains_the_queue(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    worker = LedgerWorker(ledger, None)
    later: list[int] = []

    def fail() -> None:
        raise ValueError("no such voucher")

    async def go() -> int:
        with pytest.raises(ValueError, match="no such voucher"):
            await worker.run(fail)
        return await worker.run(lambda a, b=0: a + b, 40, b=2)

    try:
        assert asyncio.run(go()) == 42
        worker._threads.submit(lambda: later.append(1))  # given before close: done before the threads end
    finally:
        worker.close()
        ledger.close()
    assert later == [1]
