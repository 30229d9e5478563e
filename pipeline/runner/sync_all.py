"""Syncing many stores: concurrently (one task per store, a semaphore), each store's failure its own.

A run is begin_run, then sync_share for all its stores (or for each worker process's share of them, see
processes.py), then end_run."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.ledger import Ledger, now
from pipeline.runner.inbox import Inbox
from pipeline.runner.store_sync import ClientOpener, Progress, Slot, StoreResult, SyncOptions, sync_store
from pipeline.runner.worker import LedgerWorker

DEFAULT_CONCURRENCY = 16
SUMMARY_FORMAT = 1


@dataclass
class RunSummary:
    run_id: int | None
    started_at: datetime
    finished_at: datetime | None = None
    options: SyncOptions | None = None
    stores: list[StoreResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.stores)

    def totals(self) -> dict[str, int]:
        keys = ("posted", "found", "failed", "held", "pending", "planned", "skipped", "files_read", "files_quarantined",
                "files_archived", "files_waiting")
        totals = {k: sum(getattr(s, k) for s in self.stores) for k in keys}
        totals["stores"] = len(self.stores)
        totals["stores_with_problems"] = sum(1 for s in self.stores if not s.ok)
        return totals

    def to_json(self) -> dict[str, Any]:
        options = self.options
        return {
            "format": SUMMARY_FORMAT,
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat() + "Z",
            "finished_at": self.finished_at.isoformat() + "Z" if self.finished_at else None,
            "dry_run": bool(options and options.dry_run),
            "retry_failed": bool(options and options.retry_failed),
            "from_date": options.from_date.isoformat() if options and options.from_date else None,
            "to_date": options.to_date.isoformat() if options and options.to_date else None,
            "ok": self.ok,
            "totals": self.totals(),
            "stores": [asdict(s) for s in self.stores],
        }


def begin_run(ledger: Ledger, options: SyncOptions, configs: Sequence[StoreConfig]) -> tuple[int | None, datetime]:
    """The run's row in the ledger (none for a dry run) and its start time."""
    started = now()
    run_id = None if options.dry_run else ledger.start_run(_options_json(options, [c.store for c in configs]))
    return run_id, started


async def sync_share(configs: Sequence[StoreConfig], *, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                     options: SyncOptions, state_dir: Path, run_id: int | None, concurrency: int,
                     progress: Progress | None = None) -> list[StoreResult]:
    """These stores, `concurrency` at a time, as part of run `run_id` (all of a run, or one process's share)."""
    gate = asyncio.Semaphore(max(1, concurrency))  # stores talking to Fortnox at once
    # stores started: reading their files ahead, posting, or finishing up locally (bounds the open store locks)
    started = asyncio.Semaphore(2 * max(1, concurrency))
    worker = LedgerWorker(ledger, run_id)
    worker.years = ledger.all_cached_years()
    worker.marks = ledger.marks()

    async def one(config: StoreConfig) -> StoreResult:
        slot = Slot(gate)
        async with started:
            try:
                return await sync_store(config, ledger=ledger, inbox=inbox, open_client=open_client,
                                        options=options, run_id=run_id, state_dir=state_dir, progress=progress,
                                        worker=worker, slot=slot)
            finally:
                slot.release()

    try:
        results = list(await asyncio.gather(*(one(c) for c in configs)))
        await worker.drain()
        return results
    finally:
        worker.close()


def end_run(ledger: Ledger, run_id: int | None, started: datetime, options: SyncOptions,
            results: Sequence[StoreResult]) -> RunSummary:
    """The run's summary, recorded in its ledger row."""
    summary = RunSummary(run_id=run_id, started_at=started, finished_at=now(), options=options,
                         stores=sorted(results, key=lambda r: r.store))
    if run_id is not None:
        totals = summary.totals()
        ledger.finish_run(run_id, posted=totals["posted"], failed=totals["failed"], skipped=totals["skipped"],
                          summary=json.dumps(summary.to_json(), ensure_ascii=False))
    return summary


def _options_json(options: SyncOptions, stores: list[str]) -> dict[str, Any]:
    return {"stores": stores, "from": options.from_date, "to": options.to_date, "retry_failed": options.retry_failed}
