"""Apply's safety rules and the executor, over fakes."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from plan_fakes import TODAY, Y2026, FakeFortnox, opener_for, store

from pipeline.fortnox.errors import AccountInactive
from pipeline.plan import safety
from pipeline.plan.execute import apply_store
from pipeline.plan.run import plan_one

MANY = {1900 + i: f"Konto {i}" for i in range(10)}


def planned(fake: FakeFortnox, **config: object):  # type: ignore[no-untyped-def]
    return asyncio.run(plan_one(store(**config), opener_for({"centrum": fake}), TODAY))


def test_threshold_applies_from_ten_managed_accounts() -> None:
    fake = FakeFortnox.in_order(accounts=MANY)
    for number in (1900, 1901, 1902):  # 3 of 10 = 30 %: allowed (more than 30 % is refused)
        fake.charts[1][number] = replace(fake.charts[1][number], active=False)
        fake.charts[2][number] = replace(fake.charts[2][number], active=False)  # counted once per account
    assert safety.refusals(planned(fake, accounts=MANY).plan, force=False) == []
    del fake.charts[1][1903]
    refused = safety.refusals(planned(fake, accounts=MANY).plan, force=False)
    assert [r.rule for r in refused] == ["KS430"] and "4 of its 10" in refused[0].message
    assert safety.refusals(planned(fake, accounts=MANY).plan, force=True) == []


def test_small_stores_have_no_threshold() -> None:
    fake = FakeFortnox.in_order()
    fake.charts[1] = {}
    assert safety.refusals(planned(fake).plan, force=False) == []


def test_critical_changes_need_force() -> None:
    fake = FakeFortnox.in_order(years=[Y2026])
    fake.series[1]["F"] = replace(fake.series[1]["F"], manual=False)
    refused = safety.refusals(planned(fake).plan, force=False)
    assert [r.rule for r in refused] == ["KS431", "KS431"]


def test_new_year_gets_its_own_fixes_when_fortnox_did_not_copy_them() -> None:
    fake = FakeFortnox.in_order(years=[Y2026])
    item = planned(fake)

    original = fake.create_financial_year

    async def create_bare(from_date, to_date, accounting_method="ACCRUAL"):  # type: ignore[no-untyped-def]
        year = await original(from_date, to_date, accounting_method)
        fake.series[year.id] = {}  # this Fortnox did not carry the series over
        return year

    fake.create_financial_year = create_bare  # type: ignore[method-assign]
    result = asyncio.run(apply_store(fake, item.config, list(item.plan.changes)))
    assert result.ok
    assert [c.kind.value for c in result.done] == ["create_financial_year", "create_voucher_series"]
    assert planned(fake).plan.status == "clean"


def test_executor_stops_at_the_first_refusal() -> None:
    fake = FakeFortnox.in_order()
    del fake.charts[1][1910]
    del fake.charts[1][1925]
    item = planned(fake)

    async def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AccountInactive("Kontot är inte aktivt", "activate it", code=2000550)

    fake.create_account = refuse  # type: ignore[method-assign]
    result = asyncio.run(apply_store(fake, item.config, list(item.plan.changes)))
    assert not result.ok and result.done == [] and result.failed == item.plan.changes[0]
    assert "activate it" in (result.error or "")


def test_unconnected_store_is_blocked_with_the_connect_fix() -> None:
    from contextlib import asynccontextmanager

    from pipeline.errors import UserError

    @asynccontextmanager
    async def refuse(config):  # type: ignore[no-untyped-def]
        raise UserError(f"store {config.store} has no fortnox.tenant_id", "run `kassasync connect`")
        yield  # pragma: no cover

    item = asyncio.run(plan_one(store(tenant_id=None), refuse, TODAY))
    assert [b.rule for b in item.plan.blockers] == ["KS406"] and item.snapshot is None
    assert "connect" in item.plan.blockers[0].fix and len(item.plan.checksum) == 64
    connected = asyncio.run(plan_one(store(tenant_id=None), opener_for({"centrum": FakeFortnox.in_order()}),
                                     TODAY))
    assert connected.plan.status == "clean"  # a saved refresh token is enough
