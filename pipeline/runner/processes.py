"""A run's stores worked by one process or shared out over several.

A store costs the runner milliseconds of CPU (reading and mapping its files, the ledger, the HTTP exchange),
and one Python process uses one core. With enough stores, `sync_in_processes` forks worker processes, gives
each a share of the stores (and of the concurrency, so Fortnox sees the same number of requests at once),
and keeps the run's ledger row, the progress display and the summary in the parent. Each worker has its own
event loop, HTTP pool and ledger connections. The store locks and the exactly-once rules work across
processes as they do across runners. A worker killed or crashed loses nothing: its stores are reported as
not finished, and their `pending` vouchers are looked up in Fortnox on the next run. A worker dies with the
parent (Linux), as the runner's own threads would.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import signal
from collections.abc import Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import httpx2

from pipeline.config.model import StoreConfig
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger
from pipeline.runner.http import shared_http_client, tls_context
from pipeline.runner.inbox import Inbox
from pipeline.runner.store_sync import ClientOpener, Progress, StoreResult, SyncOptions
from pipeline.runner.sync_all import RunSummary, begin_run, end_run, sync_share
from pipeline.settings import Settings

log = logging.getLogger("kassasync.runner")
T = TypeVar("T")
MAX_WORKERS = 4
STORES_PER_SLOT = 4  # a worker process pays off when each of its concurrent slots has this many stores to work


def worker_count(requested: int | None, stores: int, concurrency: int) -> int:
    """Worker processes for a run: as asked, else one per CPU (at most MAX_WORKERS) when every worker gets at
    least STORES_PER_SLOT stores per concurrent slot; 1 where fork is not available."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested is not None:
        return max(1, min(requested, stores, concurrency))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, concurrency, stores // (concurrency * STORES_PER_SLOT)))


def run_share(settings: Settings, configs: Sequence[StoreConfig], options: SyncOptions, *, ledger: Ledger,
              run_id: int | None, concurrency: int, progress: Progress | None,
              opener: ClientOpener | None = None) -> list[StoreResult]:
    """These stores in this process, on one event loop with one HTTP pool (a whole run, or a worker's share)."""

    async def run() -> list[StoreResult]:
        async with shared_http_client(max_connections=max(concurrency * 2, 10)) as http:
            return await sync_share(configs, ledger=ledger, inbox=Inbox(settings.inbox_dir),
                                    open_client=opener or _opener(settings, http), options=options,
                                    state_dir=settings.state_dir, run_id=run_id, concurrency=concurrency,
                                    progress=progress)

    return run_loop(run())


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """The coroutine on uvloop where it is installed (a faster event loop: less CPU per HTTP exchange), else
    on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _opener(settings: Settings, http: httpx2.AsyncClient) -> ClientOpener:
    def open_for(config: StoreConfig) -> AbstractAsyncContextManager[FortnoxApi]:
        from pipeline.fortnox.factory import open_client  # the client stage's factory

        return open_client(settings, config, http=http)  # type: ignore[return-value]

    return open_for


def sync_in_processes(settings: Settings, configs: Sequence[StoreConfig], options: SyncOptions, *, ledger: Ledger,
                      concurrency: int, workers: int, progress: Progress | None) -> RunSummary:
    """The run over `workers` forked processes (see the module's description)."""
    run_id, started = begin_run(ledger, options, configs)
    tls_context()  # made once here, so every worker inherits it instead of loading the CA bundle again
    context = multiprocessing.get_context("fork")
    messages: Any = context.Queue()
    shares = [list(configs[i::workers]) for i in range(workers)]
    slots = [concurrency // workers + (i < concurrency % workers) for i in range(workers)]
    children = [context.Process(target=_worker, name=f"kassasync-sync-{i}", daemon=False,
                                args=(i, settings, ledger, shares[i], options, run_id, slots[i], messages,
                                      os.getpid(), progress is not None))
                for i in range(workers)]
    for child in children:
        child.start()
    results: dict[int, list[StoreResult]] = {}
    try:
        while len(results) < workers:
            try:
                message = messages.get(timeout=0.2)
            except queue.Empty:
                _note_lost(children, shares, results, messages, progress)
                continue
            _take(message, results, progress)
    finally:
        for child in children:
            child.join(timeout=30)
    return end_run(ledger, run_id, started, options, [r for i in sorted(results) for r in results[i]])


def _take(message: tuple[Any, ...], results: dict[int, list[StoreResult]], progress: Progress | None) -> None:
    kind, *rest = message
    if kind == "progress" and progress is not None:
        progress(rest[0], rest[1], rest[2])
    elif kind == "done":
        results[rest[0]] = rest[1]


def _note_lost(children: list[Any], shares: list[list[StoreConfig]], results: dict[int, list[StoreResult]],
               messages: Any, progress: Progress | None) -> None:
    """Workers that ended without their results: first whatever they sent, then their stores as not finished."""
    for index, child in enumerate(children):
        if index in results or child.exitcode is None:
            continue
        with contextlib.suppress(queue.Empty):  # its last messages may still be on their way
            while index not in results:
                _take(messages.get(timeout=1.0), results, progress)
        if index in results:
            continue
        log.error("sync worker process %d ended with exit code %s before reporting", index, child.exitcode)
        results[index] = [StoreResult(
            config.store, state="error",
            message=f"the worker process for this store ended unexpectedly (exit code {child.exitcode})",
            hint="run sync again: what was posted is in the ledger, and vouchers left pending are looked up in "
                 "Fortnox before they are posted again") for config in shares[index]]


def _worker(index: int, settings: Settings, ledger: Ledger, share: list[StoreConfig], options: SyncOptions,
            run_id: int | None, concurrency: int, messages: Any, parent: int, with_progress: bool) -> None:
    _exit_with_parent(parent)
    # the parent's engine, without the parent's connections (left untouched: they are the parent's): this
    # process opens its own
    ledger.engine.dispose(close=False)
    try:
        def progress(store: str, event: str, result: StoreResult | None) -> None:
            messages.put(("progress", store, event, result))

        results = run_share(settings, share, options, ledger=ledger, run_id=run_id, concurrency=concurrency,
                            progress=progress if with_progress else None)
        messages.put(("done", index, results))
    finally:
        ledger.close()


def _exit_with_parent(parent: int) -> None:
    """A worker gets SIGKILL when its parent dies (Linux prctl PR_SET_PDEATHSIG), like the parent's threads."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
