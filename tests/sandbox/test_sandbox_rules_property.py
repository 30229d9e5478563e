"""The pure voucher rules: balance to the öre for any amounts (hypothesis), and the order of the checks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.fortnox import codes
from pipeline.sandbox.voucher_rules import VoucherRejected, YearFacts, check_against_year, parse_voucher

FACTS = YearFacts(from_date=date(2026, 1, 1), to_date=date(2026, 12, 31), locked_until=None, series_manual=True,
                  accounts={1910: ("Kassa", True), 3001: ("Försäljning", True), 1220: ("Inventarier", False)},
                  cost_centers=frozenset({"CENT"}))
ore = st.integers(min_value=0, max_value=10_000_000).map(lambda n: Decimal(n) / 100)


def body(debits: list[Decimal], credits: list[Decimal]) -> dict:
    rows = [{"Account": 1910, "Debit": float(d)} for d in debits] + \
           [{"Account": 3001, "Credit": float(c)} for c in credits]
    return {"VoucherSeries": "F", "TransactionDate": "2026-05-05", "Description": "x", "VoucherRows": rows}


@given(st.lists(ore, min_size=1, max_size=6), st.lists(ore, min_size=1, max_size=6))
def test_balance_is_exact_in_ore(debits: list[Decimal], credits: list[Decimal]) -> None:
    voucher = parse_voucher(body(debits, credits))
    if sum(debits) == sum(credits):
        check_against_year(voucher, FACTS)
    else:
        with pytest.raises(VoucherRejected) as rejected:
            check_against_year(voucher, FACTS)
        assert rejected.value.code is codes.VOUCHER_UNBALANCED


@given(st.lists(ore, min_size=1, max_size=6))
def test_split_credit_always_balances(debits: list[Decimal]) -> None:
    total = sum(debits, Decimal(0))
    half = (total / 2).quantize(Decimal("0.01"))
    check_against_year(parse_voucher(body(debits, [half, total - half])), FACTS)


def test_inactive_account_is_reported_before_balance() -> None:
    raw = {"VoucherSeries": "F", "TransactionDate": "2026-05-05", "Description": "x",
           "VoucherRows": [{"Account": 1220, "Debit": 1}, {"Account": 3001, "Credit": 2}]}
    with pytest.raises(VoucherRejected) as rejected:
        check_against_year(parse_voucher(raw), FACTS)
    assert rejected.value.code.code == 2000550 and rejected.value.fmt == {"account": "1220"}
