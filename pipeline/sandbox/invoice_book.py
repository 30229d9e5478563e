"""Stored invoices: reading and writing them, their rows as Fortnox stores them, and bookkeeping them."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pipeline.fortnox import codes
from pipeline.sandbox.api import MAX_ID, ApiError, Caller, rejected, year_of_day
from pipeline.sandbox.customers import with_url
from pipeline.sandbox.invoice_money import VAT_RATES, Line, Totals, invoice_voucher, totals
from pipeline.sandbox.voucher_rules import VoucherIn, VoucherRejected, check_against_year, rows_json
from pipeline.sandbox.vouchers import insert_voucher, year_facts

MAX_AMOUNT = Decimal(10) ** 12
TWO = Decimal("0.01")


def load_invoice(caller: Caller, raw: str, conn: sqlite3.Connection | None = None) -> tuple[int, dict[str, Any]]:
    """The invoice with DocumentNumber `raw` (INVOICE_NOT_FOUND for anything else); inside a write transaction
    when `conn` is given."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise ApiError(codes.INVOICE_NOT_FOUND, raw[:40])
    query = ("SELECT data FROM invoices WHERE tenant_id = ? AND number = ?", (caller.tenant_id, int(raw)))
    row = conn.execute(*query).fetchone() if conn is not None else caller.db.one(*query)
    if row is None:
        raise ApiError(codes.INVOICE_NOT_FOUND, raw)
    return int(raw), json.loads(row["data"])


def store(conn: sqlite3.Connection, caller: Caller, number: int, data: dict[str, Any]) -> None:
    conn.execute("UPDATE invoices SET data = ? WHERE tenant_id = ? AND number = ?",
                 (json.dumps(data), caller.tenant_id, number))


def invoice_json(data: dict[str, Any], caller: Caller) -> dict[str, Any]:
    return with_url(data, caller, f"invoices/{data['DocumentNumber']}")


def decimal_of(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | None):
        raise ApiError(codes.INVALID_PARAMETER, what)
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise ApiError(codes.INVALID_PARAMETER, what) from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ApiError(codes.INVALID_PARAMETER, what)
    return amount.quantize(TWO, rounding=ROUND_HALF_UP)  # [C] Fortnox keeps two decimals, rounded half up


def whole_of(value: Any, default: int, low: int, high: int, what: str) -> int:
    if value is None or value == "":
        return default
    text = str(value)
    if isinstance(value, bool) or not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 6 \
            or not low <= int(text) <= high:
        raise ApiError(codes.INVALID_PARAMETER, what)
    return int(text)


def invoice_row(raw: Any, n: int) -> dict[str, Any]:
    """One row as Fortnox stores it: Price and DeliveredQuantity rounded to two decimals, the row's Total."""
    if not isinstance(raw, dict):
        raise ApiError(codes.INVALID_PARAMETER, f"InvoiceRows rad {n + 1}")
    quantity = decimal_of(raw.get("DeliveredQuantity", "1"), f"rad {n + 1} DeliveredQuantity")
    price = decimal_of(raw.get("Price"), f"rad {n + 1} Price")
    rate = whole_of(raw.get("VAT"), 25, 0, 100, f"rad {n + 1} VAT")
    if rate not in VAT_RATES:  # [U] a custom rate without EasyVat's account: Fortnox answers 2004167
        raise ApiError(codes.INVALID_PARAMETER, f"rad {n + 1} VAT {rate}")
    account = whole_of(raw.get("AccountNumber"), 3001, 1000, 9999, f"rad {n + 1} AccountNumber")
    description = raw.get("Description")
    if description is not None and (not isinstance(description, str) or len(description) > 255):
        raise ApiError(codes.TEXT_TOO_LONG, f"rad {n + 1} Description")
    total = (quantity * price).quantize(TWO, rounding=ROUND_HALF_UP)
    return {**raw, "AccountNumber": account, "DeliveredQuantity": f"{quantity:f}", "Price": float(price),
            "VAT": rate, "Total": float(total), "RowId": n + 1}


def whole_kronor(caller: Caller) -> bool:
    """Whether the company rounds invoices to whole kronor (seed `invoice_rounding: whole`)."""
    row = caller.db.one("SELECT rounding FROM invoice_settings WHERE tenant_id = ?", (caller.tenant_id,))
    return row is not None and row["rounding"] == "whole"


def money_of(caller: Caller, data: dict[str, Any]) -> Totals:
    lines = [Line(row["AccountNumber"], row["VAT"], Decimal(str(row["Total"]))) for row in data["InvoiceRows"]]
    return totals(lines, bool(data.get("VATIncluded")), whole_kronor(caller))


def post_system_voucher(conn: sqlite3.Connection, caller: Caller, voucher: VoucherIn, kind: str,
                        reference: str) -> tuple[int, int]:
    """A voucher that bookkeeping makes (invoice, payment): the year's rules, except that the series need not
    allow manual bookkeeping (this is the system's own posting). Returns (voucher number, year id)."""
    fy = year_of_day(caller, voucher.transaction_date)
    try:
        facts = year_facts(conn, caller, fy, voucher)
        if facts.series_manual is not None:
            facts = replace(facts, series_manual=True)
        check_against_year(voucher, facts)
        number = insert_voucher(conn, caller, fy["id"], voucher, rows_json(voucher, facts), kind, reference)
    except VoucherRejected as exc:
        raise rejected(exc, 400) from exc
    return number, int(fy["id"])


def book_invoice(conn: sqlite3.Connection, caller: Caller, number: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bookkeeping: the invoice's voucher in series B, then the invoice marked booked (one transaction)."""
    voucher = invoice_voucher(number, date.fromisoformat(data["InvoiceDate"]), money_of(caller, data))
    voucher_number, year = post_system_voucher(conn, caller, voucher, "INVOICE", str(number))
    data = data | {"Booked": True, "VoucherNumber": voucher_number, "VoucherSeries": voucher.series,
                   "VoucherYear": year}
    store(conn, caller, number, data)
    return data
