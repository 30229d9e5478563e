"""The pure diff: store file against a snapshot taken from a fake Fortnox."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

from plan_fakes import ACCOUNTS, TODAY, Y2026, FakeFortnox, store

from pipeline.fortnox.models import CompanyInformation, CostCenter, FinancialYear
from pipeline.plan.diff import diff_store, next_year_dates, norm_org_number
from pipeline.plan.model import ChangeKind
from pipeline.plan.snapshot import take_snapshot


def plan_for(fake: FakeFortnox, config=None, unposted_from=None):  # type: ignore[no-untyped-def]
    config = config or store()
    snap = asyncio.run(take_snapshot(fake, TODAY, with_cost_centers=bool(config.cost_center)))
    return diff_store(config, snap, unposted_from=unposted_from)


def kinds(plan) -> list[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
    return [(c.kind.value, c.subject, c.year_id) for c in plan.changes]


def test_a_tenant_in_order_gives_a_clean_plan() -> None:
    plan = plan_for(FakeFortnox.in_order())
    assert plan.status == "clean"
    assert (plan.changes, plan.warnings, plan.blockers) == ((), (), ())


def test_snapshot_stays_within_the_request_budget() -> None:
    fake = FakeFortnox.in_order()
    plan_for(fake)
    assert len(fake.requests) <= 12
    assert fake.requests.count("financialyears") == 1


def test_missing_and_inactive_accounts_in_each_year() -> None:
    fake = FakeFortnox.in_order()
    del fake.charts[1][3740]
    fake.charts[2][1925] = replace(fake.charts[2][1925], active=False)
    assert kinds(plan_for(fake)) == [("create_account", "3740", 1), ("activate_account", "1925", 2)]


def test_series_missing_or_not_manual() -> None:
    fake = FakeFortnox.in_order()
    fake.series[1]["F"] = replace(fake.series[1]["F"], manual=False)
    del fake.series[2]["F"]
    plan = plan_for(fake)
    assert kinds(plan) == [("allow_manual_bookkeeping", "F", 1), ("create_voucher_series", "F", 2)]
    assert plan.changes[0].critical and plan.changes[1].critical  # series cannot be deleted


def test_missing_cost_center_is_created_and_inactive_one_warns() -> None:
    fake = FakeFortnox.in_order()
    fake.centers = {}
    assert kinds(plan_for(fake)) == [("create_cost_center", "CENT", None)]
    fake.centers = {"CENT": CostCenter("CENT", "Centrum", active=False)}
    plan = plan_for(fake)
    assert plan.changes == () and [w.rule for w in plan.warnings] == ["KS421"]


def test_store_without_cost_center_never_reads_them() -> None:
    fake = FakeFortnox.in_order()
    plan_for(fake, store(cost_center=None))
    assert "costcenters" not in fake.requests


def test_missing_next_year_is_a_critical_change_placed_after_the_current() -> None:
    fake = FakeFortnox.in_order(years=[Y2026])
    plan = plan_for(fake)
    assert kinds(plan) == [("create_financial_year", "2027", None)]
    change = plan.changes[0]
    assert (change.from_date, change.to_date, change.critical) == (date(2027, 1, 1), date(2027, 12, 31), True)


def test_broken_financial_year_gets_a_broken_successor() -> None:
    year = FinancialYear(7, date(2025, 7, 1), date(2026, 6, 30))
    assert next_year_dates(year) == (date(2026, 7, 1), date(2027, 6, 30))


def test_no_year_covering_today_is_a_blocker() -> None:
    fake = FakeFortnox.in_order(years=[FinancialYear(1, date(2025, 1, 1), date(2025, 12, 31))])
    plan = plan_for(fake)
    assert [b.rule for b in plan.blockers] == ["KS405"] and plan.changes == ()


def test_org_number_mismatch_blocks_and_formats_are_normalised() -> None:
    assert norm_org_number("555555-5555") == norm_org_number("165555555555") == "5555555555"
    fake = FakeFortnox.in_order(company=CompanyInformation("Annat AB", "556677-8899", 1234567))
    plan = plan_for(fake)
    assert [b.rule for b in plan.blockers] == ["KS401"]
    assert "556677-8899" in plan.blockers[0].message and "connect --store centrum" in plan.blockers[0].fix


def test_tenant_mismatch_blocks() -> None:
    fake = FakeFortnox.in_order(company=CompanyInformation("Övningskund AB", "5555555555", 999))
    assert [b.rule for b in plan_for(fake).blockers] == ["KS407"]


def test_locked_period_blocks_only_over_unposted_days() -> None:
    fake = FakeFortnox.in_order(locked=date(2026, 3, 31))
    assert [b.rule for b in plan_for(fake).blockers] == ["KS402"]  # nothing posted since start_date
    assert plan_for(fake, unposted_from=date(2026, 4, 1)).blockers == ()
    blocker = plan_for(fake, unposted_from=date(2026, 3, 15)).blockers[0]
    assert "2026-03-15" in blocker.message and "2026-04-01" in blocker.fix


def test_description_differences_warn_once_and_change_nothing() -> None:
    fake = FakeFortnox.in_order()
    for year in (1, 2):
        fake.charts[year][1910] = replace(fake.charts[year][1910], description="Kassa och bank")
    fake.charts[1][1925] = replace(fake.charts[1][1925], description="  Swish ")  # whitespace is not drift
    plan = plan_for(fake)
    assert plan.changes == ()
    assert [w.rule for w in plan.warnings] == ["KS420"]
    assert "1910" in plan.warnings[0].message and "2026, 2027" in plan.warnings[0].message


def test_accounts_the_store_file_does_not_mention_are_never_touched() -> None:
    fake = FakeFortnox.in_order()  # 1010 is inactive in both years and not in the store file
    fake.series[1]["A"] = replace(fake.series[1]["A"], manual=False)
    fake.centers["OTHER"] = CostCenter("OTHER", "x", active=False)
    plan = plan_for(fake)
    assert plan.status == "clean" and plan.warnings == ()


def test_change_kinds_have_distinct_rule_ids() -> None:
    from pipeline.plan.model import CHANGE_RULES

    assert sorted(CHANGE_RULES) == sorted(ChangeKind)
    assert len(set(CHANGE_RULES.values())) == len(ChangeKind)
    assert all(rule.startswith("KS4") for rule in CHANGE_RULES.values())


def test_year_without_next_when_a_gap_follows() -> None:
    fake = FakeFortnox.in_order(years=[Y2026, FinancialYear(5, date(2028, 1, 1), date(2028, 12, 31))])
    plan = plan_for(fake)
    assert kinds(plan) == [("create_financial_year", "2027", None)]  # 2028 exists, but 2027 would fail


def test_an_account_demanding_a_cost_center_blocks_a_store_without_one() -> None:
    fake = FakeFortnox.in_order()
    for year in (1, 2):
        fake.charts[year][3740] = replace(fake.charts[year][3740], cost_center_settings="MANDATORY")
    fake.charts[1][1010] = replace(fake.charts[1][1010], cost_center_settings="MANDATORY")  # not the store's
    plan = plan_for(fake, store(cost_center=None))
    assert [b.rule for b in plan.blockers] == ["KS408"]
    assert "3740 (2026 and 2027)" in plan.blockers[0].message and "1010" not in plan.blockers[0].message
    assert "fortnox.cost_center" in plan.blockers[0].fix and "Tillåtet" in plan.blockers[0].fix
    # With a cost center the same accounts are fine, and NOTALLOWED never blocks: the client leaves it off.
    assert plan_for(fake).status == "clean"
    fake.charts[1][1910] = replace(fake.charts[1][1910], cost_center_settings="NOTALLOWED")
    assert plan_for(fake).status == "clean"


def test_a_description_fortnox_holds_with_its_characters_replaced_is_not_drift() -> None:
    fake = FakeFortnox.in_order(accounts={**ACCOUNTS, 1910: "Kassa ’A’ (1)"})
    plan = plan_for(fake, store(accounts={**ACCOUNTS, 1910: 'Kassa "A" <1>'}))
    assert plan.status == "clean" and plan.warnings == ()


def test_doctor_fails_the_accounts_step_on_a_cost_center_the_store_cannot_give() -> None:
    from pipeline.plan.doctor import KS454_ACCOUNTS, checklist

    fake = FakeFortnox.in_order()
    fake.charts[1][3740] = replace(fake.charts[1][3740], cost_center_settings="MANDATORY")
    config = store(cost_center=None)
    snap = asyncio.run(take_snapshot(fake, TODAY, with_cost_centers=False))
    step = next(s for s in checklist(config, diff_store(config, snap), snap) if s.rule == KS454_ACCOUNTS)
    assert step.passed is False and "3740" in step.detail and "fortnox.cost_center" in step.fix


def test_a_start_date_before_the_first_financial_year_is_a_warning() -> None:
    """Before, only sync said so, one failed day after the other ("no financial year")."""
    early = store(start_date=date(2025, 11, 1))
    plan = plan_for(FakeFortnox.in_order(), early)
    (warning,) = plan.warnings
    assert warning.rule == "KS424" and "2025-11-01" in warning.message and "2025-12-31" in warning.message
    assert "2026-01-01" in warning.fix and plan.status == "clean"  # a warning: nothing to apply, nothing blocked
    assert plan_for(FakeFortnox.in_order()).warnings == ()


def test_doctor_warns_about_the_start_date_in_its_year_step() -> None:
    from pipeline.plan.doctor import KS452_YEAR, checklist

    fake = FakeFortnox.in_order()
    early = store(start_date=date(2025, 11, 1))
    snap = asyncio.run(take_snapshot(fake, TODAY, with_cost_centers=True))
    step = next(s for s in checklist(early, diff_store(early, snap), snap) if s.rule == KS452_YEAR)
    assert (step.passed, step.mark) == (True, "warn") and "cannot be posted" in step.detail and step.fix
