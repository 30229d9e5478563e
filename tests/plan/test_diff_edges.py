"""The plan's boundaries that mutation testing found unguarded: each test fails on at least one mutant."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from plan_fakes import TODAY, FakeFortnox, store

from pipeline.fortnox.models import Account, CompanyInformation, CostCenter, FinancialYear
from pipeline.plan.diff import access_blocked, diff_store, next_year_dates, norm_org_number, norm_text
from pipeline.plan.model import ChangeKind
from pipeline.plan.snapshot import take_snapshot


def plan_for(fake: FakeFortnox, config=None, unposted_from=None):  # type: ignore[no-untyped-def]
    config = config or store()
    snap = asyncio.run(take_snapshot(fake, TODAY, with_cost_centers=bool(config.cost_center)))
    return diff_store(config, snap, unposted_from=unposted_from)


def test_a_locked_period_ending_on_the_first_unposted_day_blocks() -> None:
    fake = FakeFortnox.in_order(locked=date(2026, 3, 31))
    (blocker,) = plan_for(fake, unposted_from=date(2026, 3, 31)).blockers
    assert blocker.rule == "KS402"
    assert blocker.message == ("Fortnox is locked through 2026-03-31, but store centrum has days from 2026-03-31 "
                               "not yet posted; Fortnox refuses vouchers dated in a locked period")
    assert "set start_date in stores/centrum.yaml to 2026-04-01" in blocker.fix
    assert plan_for(fake, unposted_from=date(2026, 4, 1)).blockers == ()


def test_the_locked_period_counts_from_today_but_not_after() -> None:
    fake = FakeFortnox.in_order(locked=TODAY)
    assert [b.rule for b in plan_for(fake, unposted_from=TODAY).blockers] == ["KS402"]
    tomorrow = date(2026, 11, 29)
    assert plan_for(FakeFortnox.in_order(locked=tomorrow), unposted_from=tomorrow).blockers == ()


@pytest.mark.parametrize(("current", "following"), [
    ((date(2026, 1, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))),
    ((date(2026, 7, 1), date(2027, 6, 30)), (date(2027, 7, 1), date(2028, 6, 30))),
    # a year ending 28 February in a leap year: the next starts on 29 February and lasts twelve months
    ((date(2027, 3, 1), date(2028, 2, 28)), (date(2028, 2, 29), date(2029, 2, 28))),
    ((date(2027, 2, 28), date(2028, 2, 27)), (date(2028, 2, 28), date(2029, 2, 27))),
])
def test_next_year_dates(current: tuple[date, date], following: tuple[date, date]) -> None:
    assert next_year_dates(FinancialYear(id=1, from_date=current[0], to_date=current[1])) == following


def test_the_next_year_is_planned_with_its_dates_and_label() -> None:
    fake = FakeFortnox.in_order(years=[FinancialYear(id=1, from_date=date(2026, 1, 1), to_date=date(2026, 12, 31))])
    (change,) = [c for c in plan_for(fake).changes if c.kind is ChangeKind.CREATE_FINANCIAL_YEAR]
    assert (change.subject, change.description, change.from_date, change.to_date) == (
        "2027", "2027-01-01 – 2027-12-31", date(2027, 1, 1), date(2027, 12, 31))


def test_no_year_covering_today_says_which_day_and_what_to_do() -> None:
    fake = FakeFortnox.in_order(years=[FinancialYear(id=1, from_date=date(2025, 1, 1), to_date=date(2025, 12, 31))])
    blocker = next(b for b in plan_for(fake).blockers if b.rule == "KS405")
    assert blocker.message == "no financial year in Fortnox covers today (2026-11-28) for store centrum"
    assert blocker.fix.startswith("Create the financial year that contains 2026-11-28 in Fortnox")


def test_a_missing_series_is_created_as_the_cash_series_in_that_year() -> None:
    fake = FakeFortnox.in_order()
    del fake.series[1]["F"]
    (change,) = plan_for(fake).changes
    assert (change.kind, change.subject, change.description, change.year_id, change.year) == (
        ChangeKind.CREATE_VOUCHER_SERIES, "F", "Kassa", 1, "2026")
    assert change.reason == "the daily vouchers go to series F, which does not exist in 2026"


def test_tenant_mismatch_names_both_tenants_and_the_fix() -> None:
    fake = FakeFortnox.in_order(company=CompanyInformation("Övningskund AB", "555555-5555", 7654321))
    (blocker,) = plan_for(fake).blockers
    assert blocker.message == ("store centrum names Fortnox tenant 1234567, but the connection reaches tenant "
                               "7654321 (Övningskund AB)")
    assert blocker.fix == "Run `kassasync connect --store centrum` as an administrator of the right company."


def test_a_store_without_a_path_is_named_by_its_id() -> None:
    fake = FakeFortnox.in_order(company=CompanyInformation("Annat AB", "556677-8899", 1234567))
    (blocker,) = plan_for(fake, store(path=None)).blockers
    assert blocker.message.startswith("org_number in stores/centrum.yaml is 555555-5555")
    assert plan_for(fake, store(path=None)).path is None
    elsewhere = plan_for(fake, store(path=Path("elsewhere/centrum.yaml")))
    assert elsewhere.path == "elsewhere/centrum.yaml"
    assert elsewhere.blockers[0].message.startswith("org_number in elsewhere/centrum.yaml is 555555-5555")


@pytest.mark.parametrize(("text", "normal"), [("556677-8899", "5566778899"), ("16556677-8899", "5566778899"),
                                              ("5566778899", "5566778899"), ("55667788", "55667788"),
                                              ("55667788991", "55667788991"),
                                              (None, ""), ("", "")])
def test_norm_org_number(text: str | None, normal: str) -> None:
    assert norm_org_number(text) == normal


def test_norm_text() -> None:
    assert norm_text(None) == "" and norm_text("  Kassa \n  och\tbank ") == "Kassa och bank"


def test_each_differing_account_name_warns_not_only_the_first() -> None:
    fake = FakeFortnox.in_order()
    for year in (1, 2):
        fake.charts[year][1910] = Account(1910, "Kassa 1", True, year)
        fake.charts[year][3740] = Account(3740, "Öresutjämning", True, year)
    fake.charts[2][3740] = Account(3740, "Avrundning", True, 2)
    warnings = plan_for(fake).warnings
    assert [w.message for w in warnings] == [
        'account 1910 is called "Kassa 1" in Fortnox (2026, 2027), the store file says "Kassa"',
        'account 3740 is called "Avrundning / Öresutjämning" in Fortnox (2026, 2027), the store file says '
        '"Öres- och kronutjämning"',
    ]


def test_a_store_without_a_cost_center_never_plans_one() -> None:
    fake = FakeFortnox.in_order()
    fake.centers = {}
    assert plan_for(fake, store(cost_center=None)).changes == ()
    assert plan_for(fake, store(cost_center="  ")).changes == ()
    # even when the snapshot did read the cost centres
    snap = asyncio.run(take_snapshot(fake, TODAY, with_cost_centers=True))
    assert diff_store(store(cost_center=None), snap).changes == ()


def test_an_inactive_cost_center_warns_with_the_fix() -> None:
    fake = FakeFortnox.in_order()
    fake.centers = {"CENT": CostCenter("CENT", "Centrum", active=False)}
    (warning,) = plan_for(fake).warnings
    assert warning.message == "cost center CENT is inactive in Fortnox; vouchers of store centrum carry it on every row"
    assert warning.fix == ("Activate cost center CENT in Fortnox (Register → Kostnadsställen), or remove "
                           "fortnox.cost_center from stores/centrum.yaml.")


def test_a_store_whose_fortnox_cannot_be_read_is_one_blocker_with_its_identity() -> None:
    config = replace(store(), tenant_id="1234567")
    plan = access_blocked(config, "KS450", "no access", "connect again")
    assert (plan.store, plan.name, plan.tenant_id, plan.path, plan.managed_accounts) == (
        "centrum", "Övningskund AB – Centrum", "1234567", "stores/centrum.yaml", len(config.managed_accounts))
    assert [(b.rule, b.message, b.fix) for b in plan.blockers] == [("KS450", "no access", "connect again")]
    assert plan.changes == () and access_blocked(store(path=None), "KS450", "x", "y").path is None
