"""A store's month in the in-memory Fortnox (runner_fakes.World), reconciled in this process."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from runner_fakes import TODAY, World, day_file, may_rows

from pipeline.fortnox.models import Voucher, VoucherRow
from pipeline.reconcile import Month, StoreMonth, reconcile_store_month

ORG = "556000-0000"
NOVEMBER = Month(2026, 11)
DAYS = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]


def posted_month(tmp_path: Path, **config: Any) -> World:
    """Three days posted: Z-reports 60, 61, 62 on 2 to 4 November, each day's sales a little larger."""
    world = World(tmp_path, **config)
    for n, day in enumerate(DAYS):
        world.drop(f"Z6{n}.se", day_file([(f"6{n}", day, may_rows(n + 1))], orgnr=ORG))
    result = world.sync()
    assert (result.posted, result.state) == (3, "ok")
    return world


def reconcile(world: World, **options: Any) -> StoreMonth:
    world.fortnox.requests = world.fortnox.lists = 0
    world.fortnox.reads.clear()
    return asyncio.run(reconcile_store_month(world.config, world.ledger, world.fortnox, world.inbox, NOVEMBER,
                                             today=TODAY, **options))


def kinds(result: StoreMonth) -> list[tuple[str, date | None]]:
    return [(d.kind, d.day) for d in result.differences]


def by_hand(world: World, day: date, rows: list[tuple[int, str, str]], description: str = "Bankavgift",
            comments: str = "") -> Voucher:
    """A voucher a person booked in the store's series in Fortnox."""
    number = max((v.voucher_number for v in world.fortnox.posted), default=0) + 1
    voucher = Voucher("F", number, 1, day, description, comments, None,
                      tuple(VoucherRow(a, Decimal(d), Decimal(c)) for a, d, c in rows))
    world.fortnox.posted.append(voucher)
    return voucher


def mirrored(voucher: Voucher) -> list[tuple[int, str, str]]:
    return [(r.account, str(r.credit), str(r.debit)) for r in voucher.rows]


def replace_posted(world: World, number: int, **changes: Any) -> Voucher:
    """A voucher changed in Fortnox after it was posted (the list shows its head; its rows only a read)."""
    index = next(i for i, v in enumerate(world.fortnox.posted) if v.voucher_number == number)
    world.fortnox.posted[index] = dataclasses.replace(world.fortnox.posted[index], **changes)
    return world.fortnox.posted[index]
