"""The invoice row of status and the report, and the clearing account's balance (pure builds and the renderers)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from pipeline.report.invoices import (
    DocState,
    InvoiceProblem,
    build_invoices,
    clearing_balance,
    voucher_movements,
)

D = Decimal
DAY = date(2026, 11, 24)
WINDOW = [DAY + timedelta(days=n) for n in range(4)]


def _problem(code: str, day: date = DAY) -> InvoiceProblem:
    return InvoiceProblem(day, code, f"{code} happened", "do this", "s/invoices/a.csv", 3, "KS1.s.I.1")


def test_a_days_state_is_its_worst_document() -> None:
    items = [DocState(DAY, "booked"), DocState(DAY, "failed", _problem("KS509")),
             DocState(WINDOW[1], "booked", kind="credit"), DocState(WINDOW[1], "booked", kind="payment"),
             DocState(WINDOW[2], "pending", _problem("KS519", WINDOW[2]), "payment"),
             DocState(WINDOW[3], "held", _problem("KS517", WINDOW[3])), DocState(WINDOW[3], "skipped")]
    built = build_invoices("unticked", items, WINDOW)
    assert [d.state for d in built.days] == ["failed", "booked", "waiting", "held"]
    assert "".join(d.symbol for d in built.days) == "✗✓…!"
    assert (built.booked, built.credits, built.payments) == (2, 1, 1)
    assert built.text == "1 invoice, 1 credit note and 1 till payment booked"
    assert [p.code for p in built.failed] == ["KS509"] and [p.code for p in built.held] == ["KS517"]
    assert built.needs_attention and built.failed[0].where == "s/invoices/a.csv, line 3"
    assert json.loads(json.dumps(built.to_json()))["days"][0] == {"date": "2026-11-24", "state": "failed",
                                                                  "documents": 2, "booked": 1}


def test_the_clearing_balance_and_since_when_it_is_open() -> None:
    parked = {DAY: D("2490.00"), WINDOW[1]: D("548.00")}
    cleared = {DAY: D("-2490.00")}
    moves = {d: parked.get(d, D(0)) + cleared.get(d, D(0)) for d in set(parked) | set(cleared)}
    balance = clearing_balance(1518, moves, date(2026, 11, 28), 2)
    assert (balance.balance, balance.open_since, balance.days_open) == (D("548.00"), WINDOW[1], 3)
    assert balance.needs_attention and "open longer than 2 days" in balance.text
    closed = clearing_balance(1518, {**moves, WINDOW[2]: D("-548.00")}, date(2026, 11, 28), 2)
    assert (closed.balance, closed.open_since, closed.needs_attention) == (D(0), None, False)
    assert closed.text.startswith("account 1518: 0")
    ahead = clearing_balance(1518, {DAY: D("-100.00")}, date(2026, 11, 25), 7)  # an invoice before its day
    assert ahead.balance == D("-100.00") and "more than the days parked" in ahead.text and not ahead.needs_attention


def test_voucher_movements_read_the_clearing_rows_of_the_posted_payloads() -> None:
    payload = json.dumps({"rows": [{"account": 1518, "debit": "2490.00", "credit": "0.00"},
                                   {"account": 1910, "debit": "100.00", "credit": "0.00"},
                                   {"account": 1518, "debit": "0.00", "credit": "90.00"}]})
    assert voucher_movements([(DAY, payload), (WINDOW[1], None)], 1518) == {DAY: D("2400.00")}
