"""The one unit of work, sync_one_store: one store over a date range, called by the embedded runner and, the
same way, by a fleet worker per job; two runtimes standing for two workers on one ledger post nothing twice."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from runner_fakes import TODAY, World, day_file, may_rows

from pipeline.runner.store_sync import StoreResult, SyncOptions
from pipeline.runner.unit import runtime, sync_one_store

D1, D2, D3 = date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)


def _unit(world: World, first: date | None, last: date | None, *, runtimes: int = 1) -> list[StoreResult]:
    """The unit called once in each of `runtimes` runtimes at once (as workers on one ledger would)."""

    async def one() -> StoreResult:
        async with runtime(world.ledger, world.inbox, world.fortnox.opener(), world.state, concurrency=2) as shared:
            return await sync_one_store(world.config, first, last, options=SyncOptions(today=TODAY), runtime=shared)

    async def all_at_once() -> list[StoreResult]:
        return list(await asyncio.gather(*(one() for _ in range(runtimes))))

    return asyncio.run(all_at_once())


def test_the_unit_posts_the_days_of_its_range_only(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2)), ("66", D3, may_rows(3))]))
    (first,) = _unit(world, D1, D2)
    assert (first.state, first.posted, first.planned) == ("ok", 2, 0)
    assert [v.transaction_date for v in world.fortnox.posted] == [D1, D2]
    assert [d.state for d in world.ledger.store_days("deli")] == ["posted", "posted", "planned"]
    (rest,) = _unit(world, D3, None)
    assert rest.posted == 1 and [v.transaction_date for v in world.fortnox.posted] == [D1, D2, D3]
    (again,) = _unit(world, None, None)
    assert again.posted == 0 and len(world.fortnox.posted) == 3


def test_two_runtimes_calling_the_unit_for_one_store_at_once_post_each_voucher_once(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("z.se", day_file([("64", D1, may_rows()), ("65", D2, may_rows(2))]))
    results = _unit(world, None, None, runtimes=2)
    assert sorted(r.state for r in results) == ["locked", "ok"]  # the store's lock: one of them works it
    assert sum(r.posted for r in results) == 2 and len(world.fortnox.posted) == 2
    (later,) = _unit(world, None, None)
    assert later.posted == 0 and len(world.fortnox.posted) == 2
