"""Applying the plans of many stores at once (concurrently across stores, sequentially within one)."""
from __future__ import annotations

import asyncio
from collections.abc import Iterable

from pipeline.errors import UserError
from pipeline.plan.execute import ApplyResult, apply_store
from pipeline.plan.run import DEFAULT_CONCURRENCY, ClientOpener, PlannedStore


async def apply_many(planned: Iterable[PlannedStore], opener: ClientOpener,
                     concurrency: int = DEFAULT_CONCURRENCY) -> list[ApplyResult]:
    """Carry out each store's reviewed changes; a store that fails stops there, the others go on."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(item: PlannedStore) -> ApplyResult:
        async with gate:
            try:
                async with opener(item.config) as api:
                    return await apply_store(api, item.config, list(item.plan.changes))
            except UserError as exc:  # could not even connect: nothing was done in this store
                first = item.plan.changes[0] if item.plan.changes else None
                return ApplyResult(item.config.store, failed=first, error=str(exc))

    results = await asyncio.gather(*(one(p) for p in planned))
    return sorted(results, key=lambda r: r.store)
