"""The reseller's views behind the login: the fleet's status (sortable, filterable, 2,000+ stores) and a store.

The status is `kassasync status`'s (report.collect_status), read again at most every `status_seconds`
(reading 2,000 store files and the ledger takes seconds; pages keep answering from the last reading).
"""
from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipeline.config import load_stores
from pipeline.config.model import StoreConfig, norm_org_number
from pipeline.report.collect import collect_status
from pipeline.report.model import StatusModel, StoreStatus
from pipeline.settings import Settings

WINDOW = 60  # days: the store page's grid and sparkline
PAGE_SIZE = 100
SORTS = ("attention", "name", "store", "last_posted", "failed", "missing")


@dataclass(frozen=True)
class FleetRow:
    status: StoreStatus
    org_number: str
    tenant_id: str
    haystack: str  # what the search looks in: id, name, org number (digits too) and tenant, lower case

    @property
    def store(self) -> str:
        return self.status.store


@dataclass(frozen=True)
class Fleet:
    model: StatusModel
    rows: tuple[FleetRow, ...]
    read_at: float  # time.time() of the reading
    by_store: dict[str, FleetRow] = field(default_factory=dict)


def fleet_rows(model: StatusModel, configs: dict[str, StoreConfig]) -> tuple[FleetRow, ...]:
    rows = []
    for status in model.stores:
        config = configs.get(status.store)
        org = config.org_number if config else ""
        tenant = str(config.tenant_id or "") if config else ""
        haystack = " ".join((status.store, status.info.name, org, norm_org_number(org), tenant)).lower()
        rows.append(FleetRow(status, org, tenant, haystack))
    return tuple(rows)


def _sort_key(name: str) -> Callable[[FleetRow], tuple[object, ...]]:
    never = date.min
    keys: dict[str, Callable[[FleetRow], tuple[object, ...]]] = {
        "attention": lambda r: (not r.status.needs_attention, -len(r.status.failed), -r.status.missing_days,
                                r.status.info.name.lower()),
        "name": lambda r: (r.status.info.name.lower(),),
        "store": lambda r: (r.store,),
        "last_posted": lambda r: (r.status.last_posted_day or never, r.store),
        "failed": lambda r: (len(r.status.failed), r.store),
        "missing": lambda r: (r.status.missing_days, r.store),
    }
    return keys[name]


@dataclass(frozen=True)
class Selection:
    rows: list[FleetRow]
    total: int  # matching rows, all pages
    page: int
    pages: int


def select(rows: tuple[FleetRow, ...], *, query: str = "", attention_only: bool = False, sort: str = "attention",
           descending: bool = False, page: int = 1) -> Selection:
    """Filter (words must all occur; an org number matches with or without its dash), sort, one page."""
    words = [norm_org_number(w) if _org_like(w) else w for w in query.lower().split()]
    found = [r for r in rows if (not attention_only or r.status.needs_attention)
             and all(w in r.haystack for w in words)]
    found.sort(key=_sort_key(sort if sort in SORTS else "attention"), reverse=descending)
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(max(1, page), pages)
    return Selection(found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], len(found), page, pages)


def _org_like(word: str) -> bool:
    """`556677-8899` or `16556677-8899`: digits and dashes, long enough to be an org number, searched as digits."""
    return len(word.replace("-", "")) >= 6 and word.replace("-", "").isdigit()


class FleetCache:
    """The fleet's status, read again when older than `max_age` seconds (in a thread, one reading at a time)."""

    def __init__(self, settings: Settings, today: Callable[[], date], max_age: float) -> None:
        self.settings, self.today, self.max_age = settings, today, max_age
        self._fleet: Fleet | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[Fleet] | None = None
        self._configs: tuple[tuple[tuple[str, int], ...], dict[str, StoreConfig]] | None = None

    async def get(self) -> Fleet:
        """The last reading; the first request waits for one, later ones get the last while a new one runs."""
        fleet = self._fleet
        if fleet is not None and time.time() - fleet.read_at < self.max_age:
            return fleet
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._refresh())
        if fleet is not None:
            return fleet
        return await asyncio.shield(self._task)

    async def fresh(self) -> Fleet:
        """A new reading now (after an action on the page that the reseller wants to see)."""
        self._task = asyncio.ensure_future(self._refresh())
        return await asyncio.shield(self._task)

    async def _refresh(self) -> Fleet:
        async with self._lock:
            fleet = await asyncio.to_thread(self._read)
            self._fleet = fleet
            return fleet

    def _read(self) -> Fleet:
        model = collect_status(self.settings, self.today(), window=WINDOW)
        rows = fleet_rows(model, self._store_configs())
        return Fleet(model, rows, time.time(), {r.store: r for r in rows})

    def _store_configs(self) -> dict[str, StoreConfig]:
        """The store files for org numbers and tenants, parsed again only when a file changed."""
        stamp = _signature(self.settings.stores_dir)
        if self._configs is None or self._configs[0] != stamp:
            self._configs = (stamp, load_stores(self.settings.stores_dir)[0])
        return self._configs[1]


def _signature(folder: Path) -> tuple[tuple[str, int], ...]:
    found: list[tuple[str, int]] = []
    for where in (folder, folder / "_profiles"):
        try:
            with os.scandir(where) as entries:
                found += [(f"{where.name}/{e.name}", e.stat().st_mtime_ns) for e in entries if e.is_file()]
        except OSError:
            continue
    return tuple(sorted(found))


def window(today: date, days: int = WINDOW) -> list[date]:
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
