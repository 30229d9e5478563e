"""Planning many stores at once: open each store's client, take its snapshot, diff; stores run concurrently."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import date

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox import errors as fx
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.plan import model as m
from pipeline.plan.checksum import assemble, relevant_live_state, store_checksum
from pipeline.plan.diff import access_blocked, diff_store
from pipeline.plan.invoices import invoice_findings
from pipeline.plan.model import Plan, StorePlan
from pipeline.plan.snapshot import LiveSnapshot, take_snapshot

log = logging.getLogger("kassasync.plan")

# How a store's Fortnox client is opened (the real factory, or a fake in tests).
ClientOpener = Callable[[StoreConfig], AbstractAsyncContextManager[FortnoxApi]]
# The first business day not yet posted for a store (None: use its start_date).
UnpostedLookup = Callable[[StoreConfig], date | None]
DEFAULT_CONCURRENCY = 32


@dataclass(frozen=True)
class PlannedStore:
    config: StoreConfig
    plan: StorePlan
    snapshot: LiveSnapshot | None  # None when Fortnox could not be read


def blocked_by_error(config: StoreConfig, exc: UserError) -> StorePlan:
    """A store whose Fortnox could not be read: the error becomes its one blocker, with the fix."""
    hint = exc.hint or ""
    if not config.tenant_id and not isinstance(exc, fx.FortnoxError):
        return access_blocked(
            config, m.KS406_NOT_CONNECTED,
            f"store {config.store} is not connected to Fortnox (no fortnox.tenant_id): {exc.message}",
            hint or f"Run `kassasync connect --store {config.store}` as a system administrator of the store's "
                    f"company.")
    if isinstance(exc, (fx.LicenceMissing, fx.ScopeMissing)):
        return access_blocked(
            config, m.KS403_LICENCE, f"Fortnox refused store {config.store}: {exc.message}",
            hint or f"Make sure the company has the Integration licence (Fortnox: Tilläggsbeställning), then run "
                    f"`kassasync connect --store {config.store}` as a system administrator and approve every "
                    f"permission.")
    if isinstance(exc, fx.AuthError) or not isinstance(exc, fx.FortnoxError):
        return access_blocked(
            config, m.KS404_CREDENTIALS, f"cannot sign in to Fortnox for store {config.store}: {exc.message}",
            hint or f"Run `kassasync connect --store {config.store}` again.")
    return access_blocked(
        config, m.KS490_FORTNOX_ERROR, f"could not read Fortnox for store {config.store}: {exc.message}",
        hint or "Run plan again in a few minutes; if it keeps failing, check Fortnox's status page.")


async def snapshot_and_diff(api: FortnoxApi, config: StoreConfig, today: date,
                            unposted_from: date | None) -> PlannedStore:
    """Snapshot one store's Fortnox through an open client and diff it; the plan carries its checksum."""
    snap = await take_snapshot(api, today, with_cost_centers=bool(config.cost_center))
    plan = diff_store(config, snap, unposted_from=unposted_from)
    warnings, blockers = await invoice_findings(api, config, snap)
    plan = replace(plan, warnings=plan.warnings + tuple(warnings), blockers=plan.blockers + tuple(blockers))
    plan = replace(plan, checksum=store_checksum(plan, relevant_live_state(config, snap)))
    return PlannedStore(config, plan, snap)


async def plan_one(config: StoreConfig, opener: ClientOpener, today: date,
                   unposted_from: date | None = None) -> PlannedStore:
    """Plan one store; expected failures (not connected, credentials, licence, Fortnox errors) become blockers.

    A store without `tenant_id` may still be connected (a refresh token saved by `connect`): the factory
    decides, and its refusal becomes KS406.
    """
    try:
        async with opener(config) as api:
            return await snapshot_and_diff(api, config, today, unposted_from)
    except UserError as exc:
        log.info("store %s: %s", config.store, exc.message)
        plan = blocked_by_error(config, exc)
        return PlannedStore(config, replace(plan, checksum=store_checksum(plan, None)), None)


async def plan_many(configs: Iterable[StoreConfig], opener: ClientOpener, today: date,
                    unposted: UnpostedLookup | None = None,
                    concurrency: int = DEFAULT_CONCURRENCY) -> list[PlannedStore]:
    """Plan every store, at most `concurrency` at a time (requests within one store stay sequential)."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(config: StoreConfig) -> PlannedStore:
        async with gate:
            return await plan_one(config, opener, today, unposted(config) if unposted else None)

    done = await asyncio.gather(*(one(c) for c in configs))
    return sorted(done, key=lambda p: p.config.store)


def as_plan(planned: Iterable[PlannedStore]) -> Plan:
    return assemble(p.plan for p in planned)
