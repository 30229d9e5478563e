"""The embedded runner: a run's stores synced concurrently in this process (one asyncio task per store, at most
`concurrency` talking to Fortnox at once), each store through the one unit of work (unit.py), each store's
failure its own. Parallelism across processes and machines is the fleet's (procrastinate), not this module's.

A run is begin_run, then run_stores, then end_run."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2

from pipeline.config.model import StoreConfig
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger, now
from pipeline.runner.http import shared_http_client
from pipeline.runner.inbox import Inbox
from pipeline.runner.store_sync import ClientOpener, Progress, StoreResult, SyncOptions
from pipeline.runner.unit import DEFAULT_CONCURRENCY, runtime, sync_one_store
from pipeline.settings import Settings

__all__ = ["DEFAULT_CONCURRENCY", "RunSummary", "begin_run", "end_run", "run_stores", "sync_share"]
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


def run_stores(settings: Settings, configs: Sequence[StoreConfig], options: SyncOptions, *, ledger: Ledger,
               run_id: int | None, concurrency: int, progress: Progress | None,
               opener: ClientOpener | None = None) -> list[StoreResult]:
    """These stores in this process, on one event loop with one HTTP pool for every store's Fortnox client."""

    async def run() -> list[StoreResult]:
        async with shared_http_client(max_connections=max(concurrency * 2, 10)) as http:
            return await sync_share(configs, ledger=ledger, inbox=Inbox(settings.inbox_dir),
                                    open_client=opener or _opener(settings, http), options=options,
                                    state_dir=settings.state_dir, run_id=run_id, concurrency=concurrency,
                                    progress=progress)

    return asyncio.run(run())


async def sync_share(configs: Sequence[StoreConfig], *, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                     options: SyncOptions, state_dir: Path, run_id: int | None, concurrency: int,
                     progress: Progress | None = None) -> list[StoreResult]:
    """These stores over the run's date range, `concurrency` at a time, as part of run `run_id`."""
    async with runtime(ledger, inbox, open_client, state_dir, concurrency=concurrency, run_id=run_id,
                       progress=progress, preload=True) as shared:
        return list(await asyncio.gather(*(
            sync_one_store(c, options.from_date, options.to_date, options=options, runtime=shared) for c in configs)))


def _opener(settings: Settings, http: httpx2.AsyncClient) -> ClientOpener:
    def open_for(config: StoreConfig) -> AbstractAsyncContextManager[FortnoxApi]:
        from pipeline.fortnox.factory import open_client  # the client stage's factory

        return open_client(settings, config, http=http)  # type: ignore[return-value]

    return open_for


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
