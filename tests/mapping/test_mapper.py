"""map_voucher / map_day: account_map, dated article groups, cost centre, description, and every finding."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from mapping_builders import voucher

from pipeline.config.model import StoreConfig
from pipeline.mapping import map_day, map_voucher

TODAY = date(2026, 11, 28)
MARCH, MAY = date(2026, 3, 10), date(2026, 5, 5)
MARCH_ROWS = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000.00"), ("2610", "-70.00"),
              ("3340", "-280.00")]
MAY_ROWS = [("1932", "1410.00"), ("2630", "-60.00"), ("3210", "-1000.00"), ("2610", "-70.00"),
            ("3340", "-280.00")]


def _rules(result) -> list[str]:
    return [f.rule for f in result.findings]


def test_a_z_report_becomes_one_balanced_voucher_on_fortnox_accounts(deli: StoreConfig) -> None:
    result = map_voucher(voucher(MAY, MAY_ROWS), deli, MAY, today=TODAY)
    assert result.findings == []
    draft = result.draft
    assert draft.description == "Dagskassa 2026-05-05 Deli AB Z 64"
    assert draft.voucher_series == "F" and draft.transaction_date == MAY
    assert [(r.account, r.debit, r.credit) for r in draft.rows] == [
        (1932, Decimal("1410.00"), 0), (2631, 0, Decimal("60.00")), (3210, 0, Decimal("1000.00")),
        (2611, 0, Decimal("70.00")), (3340, 0, Decimal("280.00"))]
    assert {r.cost_center for r in draft.rows} == {"DELI"}
    assert draft.total_debit == draft.total_credit


def test_article_group_row_chosen_by_business_date(deli: StoreConfig) -> None:
    assert map_voucher(voucher(MARCH, MARCH_ROWS), deli, MARCH, today=TODAY).findings == []
    # the same 12 % rows after the 2026-04-01 change: the POS missed it
    late = map_voucher(voucher(MAY, MARCH_ROWS), deli, MAY, today=TODAY)
    assert late.draft is None and set(_rules(late)) == {"KS304"}
    assert any("2620" in f.message for f in late.findings)
    assert all("2026-04-01" in f.hint for f in late.findings)


def test_vat_within_rounding_passes_and_beyond_fails(deli: StoreConfig) -> None:
    rounding = [("1932", "1410.03"), ("2630", "-60.03"), ("3210", "-1000.00"), ("2610", "-70.00"),
                ("3340", "-280.00")]
    assert map_voucher(voucher(MAY, rounding), deli, MAY, today=TODAY).findings == []
    off = [("1932", "1411.00"), ("2630", "-61.00"), ("3210", "-1000.00"), ("2610", "-70.00"),
           ("3340", "-280.00")]
    assert _rules(map_voucher(voucher(MAY, off), deli, MAY, today=TODAY)) == ["KS304"]


def test_unbalanced_in_the_file(deli: StoreConfig) -> None:
    rows = [*MAY_ROWS[:-1], ("3340", "-279.99")]
    result = map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY)
    assert "KS301" in _rules(result) and "KS302" not in _rules(result) and result.draft is None
    assert "0.01" in next(f.message for f in result.findings if f.rule == "KS301")


def test_amounts_finer_than_ore_fail_after_mapping(deli: StoreConfig) -> None:
    rows = [("1932", "1410.005"), ("2630", "-60.005"), ("3210", "-1000.00"), ("2610", "-70.00"),
            ("3340", "-280.00")]
    assert "KS302" in _rules(map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY))


def test_undeclared_account(deli: StoreConfig) -> None:
    rows = [*MAY_ROWS[:1], ("1930", "0.00"), *MAY_ROWS[1:]]
    assert map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY).findings == []  # zero rows are dropped
    rows = [("1930", "1410.00"), *MAY_ROWS[1:]]
    result = map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY)
    assert _rules(result) == ["KS303"] and "1930" in result.findings[0].message
    assert "stores/deli.yaml" in result.findings[0].hint


def test_invoiced_sales_while_invoice_sync(deli: StoreConfig) -> None:
    synced = dataclasses.replace(deli, invoice_sync=True, invoiced_sales_accounts=(1512,))
    rows = [("1512", "1410.00"), *MAY_ROWS[1:]]
    assert map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY).findings == []
    assert _rules(map_voucher(voucher(MAY, rows), synced, MAY, today=TODAY)) == ["KS305"]
    silenced = dataclasses.replace(synced, rules_disable=frozenset({"KS305"}))
    assert map_voucher(voucher(MAY, rows), silenced, MAY, today=TODAY).draft is not None


def test_dates_before_start_and_in_the_future(deli: StoreConfig) -> None:
    early = map_voucher(voucher(date(2026, 1, 31), MARCH_ROWS), deli, date(2026, 1, 31), today=TODAY)
    assert _rules(early) == ["KS306"] and early.skipped
    future = map_voucher(voucher(date(2026, 11, 29), MAY_ROWS), deli, date(2026, 11, 29), today=TODAY)
    assert _rules(future) == ["KS307"] and not future.skipped


def test_empty_day_is_skipped(deli: StoreConfig) -> None:
    result = map_voucher(voucher(MAY, [("1932", "0.00")]), deli, MAY, today=TODAY)
    assert _rules(result) == ["KS309"] and result.skipped


def test_day_merge_sums_per_fortnox_account(deli: StoreConfig) -> None:
    daily = dataclasses.replace(deli, voucher_per="day",
                                voucher_description="Dag {{ date }} ({{ count }} Z: {{ z_report }})")
    first = voucher(MAY, MAY_ROWS, number="70")
    second = voucher(MAY, [("1910", "125.00"), ("2610", "-25.00"), ("3340", "-100.00")], number="71", line=30)
    result = map_day([first, second], daily, MAY, today=TODAY)
    assert result.findings == []
    assert result.draft.description == "Dag 2026-05-05 (2 Z: 70, 71)"
    assert [(r.account, r.debit or -r.credit) for r in result.draft.rows] == [
        (1910, Decimal("125.00")), (1932, Decimal("1410.00")), (2611, Decimal("-95.00")),
        (2631, Decimal("-60.00")), (3210, Decimal("-1000.00")), (3340, Decimal("-380.00"))]


def test_vat_with_no_revenue_in_force(deli: StoreConfig) -> None:
    rows = [("1932", "350.00"), ("2610", "-70.00"), ("3340", "-280.00"), ("1910", "10.00"), ("2620", "-10.00")]
    messages = [f.message for f in map_voucher(voucher(MAY, rows), deli, MAY, today=TODAY).findings]
    assert any("no article group in force" in m for m in messages)
