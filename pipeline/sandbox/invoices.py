"""/3/customers and /3/invoices (create, get, list; bookkeep creates the invoice's voucher in series B)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.fortnox import codes
from pipeline.sandbox.api import (
    MAX_ID,
    ApiError,
    Caller,
    endpoint,
    paged,
    parse_date,
    read_body,
    rejected,
    year_of_day,
)
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.voucher_rules import RowIn, VoucherIn, VoucherRejected, check_against_year, rows_json
from pipeline.sandbox.vouchers import insert_voucher, year_facts

ORE = Decimal("0.01")
INVOICE_SERIES = "B"  # [U] Fortnox books customer invoices in series B by default
RECEIVABLES = 1510
VAT_ACCOUNTS = {25: 2611, 12: 2621, 6: 2631}


def _customer(caller: Caller, number: str) -> dict[str, Any]:
    row = caller.db.one("SELECT data FROM customers WHERE tenant_id = ? AND number = ?", (caller.tenant_id, number))
    if row is None:
        raise ApiError(codes.CUSTOMER_NOT_FOUND, number)
    return json.loads(row["data"])  # type: ignore[no-any-return]


def _with_url(item: dict[str, Any], caller: Caller, path: str) -> dict[str, Any]:
    return {"@url": f"{caller.api_base}/{path}", **item}


@endpoint("customer")
async def create_customer(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Customer")
    if not isinstance(body.get("Name"), str) or not body["Name"].strip():
        raise ApiError(codes.INVALID_PARAMETER, "Name krävs")
    with caller.db.write() as conn:
        number = str(body.get("CustomerNumber") or "")
        if not number:
            numbers = [int(r[0]) for r in conn.execute("SELECT number FROM customers WHERE tenant_id = ?",
                                                       (caller.tenant_id,)) if str(r[0]).isdigit()]
            number = str(max(numbers, default=0) + 1)
        if conn.execute("SELECT 1 FROM customers WHERE tenant_id = ? AND number = ?",
                        (caller.tenant_id, number)).fetchone():
            raise ApiError(codes.CUSTOMER_NUMBER_USED, number)
        data = {k: v for k, v in body.items() if k != "@url"} | {"CustomerNumber": number, "Active": True}
        conn.execute("INSERT INTO customers VALUES (?, ?, ?)", (caller.tenant_id, number, json.dumps(data)))
    return json_response({"Customer": _with_url(data, caller, f"customers/{number}")}, 201)


@endpoint("customer")
async def get_customer(request: Request, caller: Caller) -> Response:
    number = request.path_params["number"]
    return json_response({"Customer": _with_url(_customer(caller, number), caller, f"customers/{number}")})


@endpoint("customer")
async def list_customers(request: Request, caller: Caller) -> Response:
    rows = caller.db.query("SELECT number, data FROM customers WHERE tenant_id = ? ORDER BY number",
                           (caller.tenant_id,))
    items = []
    for row in rows:
        data = json.loads(row["data"])
        items.append(_with_url({k: data[k] for k in ("CustomerNumber", "Name", "OrganisationNumber") if k in data},
                               caller, f"customers/{row['number']}"))
    return json_response(paged(request, items, "Customers"))


MAX_AMOUNT = Decimal(10) ** 12


def _amount(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | None):
        raise ApiError(codes.INVALID_PARAMETER, what)
    try:
        amount = Decimal(str(value if value is not None else 0))
    except InvalidOperation as exc:
        raise ApiError(codes.INVALID_PARAMETER, what) from exc
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ApiError(codes.INVALID_PARAMETER, what)
    return amount


def _whole(value: Any, default: int, low: int, high: int, what: str) -> int:
    """A small whole number from a body (VAT rate, account number): anything else is a 400."""
    if value is None or value == "":
        return default
    text = str(value)
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or len(text) > 6 \
            or not low <= int(text) <= high:
        raise ApiError(codes.INVALID_PARAMETER, what)
    return int(text)


def _invoice_rows(raw_rows: Any) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
    rows, net, vat = [], Decimal(0), Decimal(0)
    if not isinstance(raw_rows, list | None):
        raise ApiError(codes.INVALID_PARAMETER, "InvoiceRows")
    for n, raw in enumerate(raw_rows or []):
        if not isinstance(raw, dict):
            raise ApiError(codes.INVALID_PARAMETER, f"InvoiceRows rad {n + 1}")
        quantity = _amount(raw.get("DeliveredQuantity", "1"), f"rad {n + 1} DeliveredQuantity")
        price = _amount(raw.get("Price"), f"rad {n + 1} Price")
        rate = _whole(raw.get("VAT"), 25, 0, 100, f"rad {n + 1} VAT")
        total = (quantity * price).quantize(ORE, rounding=ROUND_HALF_UP)
        net += total
        vat += (total * rate / 100).quantize(ORE, rounding=ROUND_HALF_UP)
        account = _whole(raw.get("AccountNumber"), 3001, 1000, 9999, f"rad {n + 1} AccountNumber")
        rows.append({**raw, "AccountNumber": account, "DeliveredQuantity": str(quantity),
                     "Price": float(price), "VAT": rate, "Total": float(total), "RowId": n + 1})
    return rows, net, vat


@endpoint("invoice")
async def create_invoice(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Invoice")
    customer = _customer(caller, str(body.get("CustomerNumber") or ""))
    invoice_day = parse_date(body.get("InvoiceDate") or caller.state.clock.today().isoformat(), "InvoiceDate")
    rows, net, vat = _invoice_rows(body.get("InvoiceRows"))
    with caller.db.write() as conn:
        number = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM invoices WHERE tenant_id = ?",
                              (caller.tenant_id,)).fetchone()[0]
        data = {k: v for k, v in body.items() if k != "@url"} | {
            "DocumentNumber": str(number), "CustomerName": customer.get("Name", ""),
            "InvoiceDate": invoice_day.isoformat(),
            "DueDate": body.get("DueDate") or (invoice_day + timedelta(days=30)).isoformat(),
            "InvoiceType": body.get("InvoiceType") or "INVOICE", "InvoiceRows": rows,
            "Net": float(net), "TotalVAT": float(vat), "Total": float(net + vat), "Balance": float(net + vat),
            "Booked": False, "Cancelled": False, "Sent": False, "VoucherNumber": 0, "VoucherSeries": "",
            "VoucherYear": 0,
        }
        conn.execute("INSERT INTO invoices VALUES (?, ?, ?)", (caller.tenant_id, number, json.dumps(data)))
    return json_response({"Invoice": _with_url(data, caller, f"invoices/{number}")}, 201)


def _invoice(caller: Caller, raw: str) -> tuple[int, dict[str, Any]]:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise ApiError(codes.INVOICE_NOT_FOUND, raw[:40])
    row = caller.db.one("SELECT data FROM invoices WHERE tenant_id = ? AND number = ?", (caller.tenant_id, int(raw)))
    if row is None:
        raise ApiError(codes.INVOICE_NOT_FOUND, raw)
    return int(raw), json.loads(row["data"])


@endpoint("invoice")
async def get_invoice(request: Request, caller: Caller) -> Response:
    number, data = _invoice(caller, request.path_params["number"])
    return json_response({"Invoice": _with_url(data, caller, f"invoices/{number}")})


def _voucher_for(data: dict[str, Any], day: date) -> VoucherIn:
    credits: dict[int, Decimal] = {}
    for row in data["InvoiceRows"]:
        total = Decimal(str(row["Total"]))
        credits[row["AccountNumber"]] = credits.get(row["AccountNumber"], Decimal(0)) + total
        vat = (total * row["VAT"] / 100).quantize(ORE, rounding=ROUND_HALF_UP)
        if vat:
            account = VAT_ACCOUNTS.get(row["VAT"], 2611)
            credits[account] = credits.get(account, Decimal(0)) + vat
    total = sum(credits.values(), Decimal(0))
    rows = [RowIn(RECEIVABLES, total, Decimal(0), None, None, None, None)] + [
        RowIn(account, Decimal(0), amount, None, None, None, None) for account, amount in sorted(credits.items())]
    return VoucherIn(INVOICE_SERIES, day, f"Kundfaktura {data['DocumentNumber']}", None, None, tuple(rows))


@endpoint("invoice")
async def bookkeep_invoice(request: Request, caller: Caller) -> Response:
    number, data = _invoice(caller, request.path_params["number"])
    if data.get("Booked"):
        raise ApiError(codes.INVOICE_ALREADY_BOOKED, str(number))
    day = date.fromisoformat(data["InvoiceDate"])
    fy = year_of_day(caller, day)
    voucher = _voucher_for(data, day)
    try:
        with caller.db.write() as conn:
            facts = year_facts(conn, caller, fy, voucher)
            if facts.series_manual is not None:  # bookkeeping is a system posting: Manual does not matter
                facts = replace(facts, series_manual=True)
            check_against_year(voucher, facts)
            voucher_number = insert_voucher(conn, caller, fy["id"], voucher, rows_json(voucher, facts),
                                            "INVOICE", str(number))
            data.update({"Booked": True, "VoucherNumber": voucher_number, "VoucherSeries": INVOICE_SERIES,
                         "VoucherYear": fy["id"]})
            conn.execute("UPDATE invoices SET data = ? WHERE tenant_id = ? AND number = ?",
                         (json.dumps(data), caller.tenant_id, number))
    except VoucherRejected as exc:
        raise rejected(exc, 400) from exc
    return json_response({"Invoice": _with_url(data, caller, f"invoices/{number}")})


ROUTES = [
    Route("/3/customers", list_customers),
    Route("/3/customers", create_customer, methods=["POST"]),
    Route("/3/customers/{number}", get_customer),
    Route("/3/invoices", create_invoice, methods=["POST"]),
    Route("/3/invoices/{number}", get_invoice),
    Route("/3/invoices/{number}/bookkeep", bookkeep_invoice, methods=["PUT"]),
]
