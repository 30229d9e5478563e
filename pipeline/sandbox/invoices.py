"""/3/invoices: create, get, list with Fortnox's filters, update, bookkeep, credit (once), cancel.

Fortnox's rules as far as they are known (reference invoices.md §3): `Booked` only through bookkeep, which makes
the voucher (series B); a booked invoice cannot be changed or cancelled; `credit` only on a booked, uncredited,
uncancelled invoice, once, and it links both ways (`CreditInvoiceReference`); the external reference filters
match the start of the value. The money is invoice_money.py's model.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.fortnox import codes
from pipeline.sandbox.api import (
    ApiError,
    Caller,
    endpoint,
    paged,
    parse_date,
    parse_id,
    read_body,
    text_field,
)
from pipeline.sandbox.customers import customer_data, with_url
from pipeline.sandbox.invoice_book import (
    book_invoice,
    invoice_json,
    invoice_row,
    load_invoice,
    money_of,
    store,
)
from pipeline.sandbox.invoice_money import ocr
from pipeline.sandbox.payments import terms_days
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.vouchers import dropped_after_commit

YOUR_ORDER_NUMBER_KEPT = 30  # [C2] Fortnox cuts YourOrderNumber silently at 30 (measured on orders)
DEFAULT_DUE_DAYS = 30  # [U] without DueDate or TermsOfPayment: the company's default terms
TEXT_LIMITS = {"ExternalInvoiceReference1": 80, "ExternalInvoiceReference2": 80, "YourOrderNumber": 75,
               "YourReference": 50, "OurReference": 50, "Remarks": 1024, "Comments": 1024}
UPDATABLE = frozenset({"CustomerNumber", "InvoiceDate", "DueDate", "ExternalInvoiceReference1",
                       "ExternalInvoiceReference2", "YourOrderNumber", "YourReference", "OurReference", "Remarks",
                       "Comments", "VATIncluded", "InvoiceRows", "TermsOfPayment"})
LIST_FILTERS = ("cancelled", "fullypaid", "unpaid", "unpaidoverdue", "unbooked")
LIST_FIELDS = ("Balance", "Booked", "Cancelled", "CostCenter", "Currency", "CurrencyRate", "CurrencyUnit",
               "CustomerName", "CustomerNumber", "DocumentNumber", "DueDate", "ExternalInvoiceReference1",
               "ExternalInvoiceReference2", "FinalPayDate", "InvoiceDate", "InvoiceType", "OCR", "Sent",
               "TermsOfPayment", "Total", "VoucherNumber", "VoucherSeries", "VoucherYear")


def _texts(body: dict[str, Any]) -> None:
    for name, limit in TEXT_LIMITS.items():
        text_field(body, name, limit)
    if isinstance(body.get("YourOrderNumber"), str):
        body["YourOrderNumber"] = body["YourOrderNumber"][:YOUR_ORDER_NUMBER_KEPT]


def _flag(value: Any, name: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(codes.INVALID_PARAMETER, name)
    return value


def _dates(caller: Caller, body: dict[str, Any], customer: dict[str, Any]) -> tuple[date, date, str]:
    """InvoiceDate (today by default), DueDate (given, else from the payment terms) and the terms code."""
    invoice_day = parse_date(body.get("InvoiceDate") or caller.state.clock.today().isoformat(), "InvoiceDate")
    terms = body.get("TermsOfPayment") or customer.get("TermsOfPayment") or ""
    if not isinstance(terms, str):
        raise ApiError(codes.INVALID_PARAMETER, "TermsOfPayment")
    days = terms_days(caller, terms) if terms else DEFAULT_DUE_DAYS
    due = parse_date(body["DueDate"], "DueDate") if body.get("DueDate") else invoice_day + timedelta(days=days)
    return invoice_day, due, terms


def _fill(caller: Caller, number: int, body: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    """The stored invoice: the body's own fields, then what Fortnox computes."""
    invoice_day, due, terms = _dates(caller, body, customer)
    included = _flag(body.get("VATIncluded"), "VATIncluded")
    raw_rows = body.get("InvoiceRows") or []
    if not isinstance(raw_rows, list):
        raise ApiError(codes.INVALID_PARAMETER, "InvoiceRows")
    rows = [invoice_row(raw, n) for n, raw in enumerate(raw_rows)]
    data = {k: v for k, v in body.items() if k != "@url"} | {
        "DocumentNumber": str(number), "CustomerName": customer.get("Name", ""),
        "OrganisationNumber": customer.get("OrganisationNumber", ""),
        "InvoiceDate": invoice_day.isoformat(), "DueDate": due.isoformat(), "TermsOfPayment": terms,
        "InvoiceType": body.get("InvoiceType") or "INVOICE", "VATIncluded": included, "InvoiceRows": rows,
    }
    money = money_of(caller, data)
    return data | {"Net": float(money.net), "TotalVAT": float(money.vat), "RoundOff": float(money.round_off),
                   "Total": float(money.total), "TotalToPay": float(money.total), "Balance": float(money.total)}


def _document_number(conn: Any, caller: Caller, body: dict[str, Any]) -> int:
    """Fortnox's next number, or the one the body asks for (it must be free)."""
    wanted = body.get("DocumentNumber")
    if wanted in (None, ""):
        found = conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM invoices WHERE tenant_id = ?",
                             (caller.tenant_id,)).fetchone()[0]
        return int(found)
    number = parse_id(wanted, "DocumentNumber", codes.INVALID_PARAMETER)
    if conn.execute("SELECT 1 FROM invoices WHERE tenant_id = ? AND number = ?",
                    (caller.tenant_id, number)).fetchone():
        raise ApiError(codes.ALREADY_EXISTS, f"DocumentNumber {number}")
    return number


@endpoint("invoice")
async def create_invoice(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Invoice")
    _texts(body)
    customer = customer_data(caller, str(body.get("CustomerNumber") or ""))
    with caller.db.write() as conn:
        number = _document_number(conn, caller, body)
        data = _fill(caller, number, body, customer) | {
            "Booked": False, "Cancelled": False, "Sent": False, "Credit": "false", "CreditInvoiceReference": "0",
            "OCR": ocr(number), "VoucherNumber": 0, "VoucherSeries": "", "VoucherYear": 0,
        }
        conn.execute("INSERT INTO invoices VALUES (?, ?, ?)", (caller.tenant_id, number, json.dumps(data)))
    return dropped_after_commit(caller, "invoice", str(number)) or json_response(
        {"Invoice": invoice_json(data, caller)}, 201)


@endpoint("invoice")
async def get_invoice(request: Request, caller: Caller) -> Response:
    _number, data = load_invoice(caller, request.path_params["number"])
    return json_response({"Invoice": invoice_json(data, caller)})


def _listed(data: dict[str, Any], query: Any, today: date) -> bool:
    """Fortnox's list filters; the external references and YourOrderNumber match the START of the value
    ([C2] measured by an integrator on /orders), so kassasync must compare the hits exactly."""
    for param, field in (("externalinvoicereference1", "ExternalInvoiceReference1"),
                         ("externalinvoicereference2", "ExternalInvoiceReference2"),
                         ("yourordernumber", "YourOrderNumber")):
        wanted = query.get(param)
        if wanted and not str(data.get(field) or "").startswith(wanted):
            return False
    for param, field in (("customernumber", "CustomerNumber"), ("documentnumber", "DocumentNumber")):
        wanted = query.get(param)
        if wanted and str(data.get(field)) != wanted:
            return False
    for param, keep in (("fromdate", lambda d, w: d >= w), ("todate", lambda d, w: d <= w)):
        wanted = query.get(param)
        if wanted and not keep(data["InvoiceDate"], parse_date(wanted, param).isoformat()):
            return False
    return _state_filter(data, query.get("filter"), today)


def _state_filter(data: dict[str, Any], wanted: str | None, today: date) -> bool:
    if not wanted:
        return True
    if wanted not in LIST_FILTERS:
        raise ApiError(codes.INVALID_FILTER, wanted[:40])
    cancelled, booked, balance = bool(data.get("Cancelled")), bool(data.get("Booked")), Decimal(str(data["Balance"]))
    return {"cancelled": cancelled, "unbooked": not booked and not cancelled,
            "fullypaid": booked and balance == 0 and not cancelled,
            "unpaid": booked and balance != 0 and not cancelled,
            "unpaidoverdue": booked and balance != 0 and not cancelled and data["DueDate"] < today.isoformat(),
            }[wanted]


@endpoint("invoice")
async def list_invoices(request: Request, caller: Caller) -> Response:
    rows = caller.db.query("SELECT number, data FROM invoices WHERE tenant_id = ? ORDER BY number",
                           (caller.tenant_id,))
    today = caller.state.clock.today()
    items = []
    for row in rows:
        data = json.loads(row["data"])
        if _listed(data, request.query_params, today):
            items.append(with_url({k: data[k] for k in LIST_FIELDS if k in data}, caller, f"invoices/{row['number']}"))
    return json_response(paged(request, items, "Invoices"))


def _changeable(data: dict[str, Any], number: int) -> None:
    if data.get("Cancelled"):
        raise ApiError(codes.INVOICE_CANCELLED, str(number))
    if data.get("Booked"):
        raise ApiError(codes.INVOICE_BOOKED_LOCKED, str(number))


@endpoint("invoice")
async def update_invoice(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Invoice")
    _texts(body)
    with caller.db.write() as conn:
        number, data = load_invoice(caller, request.path_params["number"], conn)
        _changeable(data, number)
        changes = {k: v for k, v in body.items() if k in UPDATABLE}
        merged = data | changes
        if "InvoiceRows" not in changes:  # rows without RowId are replaced in order; kept rows keep theirs
            merged["InvoiceRows"] = [{k: v for k, v in r.items() if k not in ("Total", "RowId")}
                                     for r in data["InvoiceRows"]]
        if "DueDate" not in changes and ("InvoiceDate" in changes or "TermsOfPayment" in changes):
            merged.pop("DueDate", None)
        customer = customer_data(caller, str(merged.get("CustomerNumber") or ""))
        data = data | _fill(caller, number, merged, customer)
        store(conn, caller, number, data)
    return json_response({"Invoice": invoice_json(data, caller)})


@endpoint("invoice")
async def bookkeep_invoice(request: Request, caller: Caller) -> Response:
    with caller.db.write() as conn:
        number, data = load_invoice(caller, request.path_params["number"], conn)
        if data.get("Cancelled"):
            raise ApiError(codes.INVOICE_CANCELLED, str(number))
        if data.get("Booked"):
            raise ApiError(codes.INVOICE_ALREADY_BOOKED, str(number))
        data = book_invoice(conn, caller, number, data)
    return dropped_after_commit(caller, "bookkeep", str(number), 200) or json_response(
        {"Invoice": invoice_json(data, caller)})


@endpoint("invoice")
async def credit_invoice(request: Request, caller: Caller) -> Response:
    """The credit invoice of a booked invoice: a copy with negative quantities, linked both ways, unbooked.
    [U] Fortnox's answer: the sandbox answers with the new credit invoice. [U] whether the external references
    are copied: the sandbox leaves them empty (kassasync sets its own with a PUT)."""
    with caller.db.write() as conn:
        number, original = load_invoice(caller, request.path_params["number"], conn)
        if original.get("Cancelled"):
            raise ApiError(codes.INVOICE_CANCELLED, str(number))
        if not original.get("Booked"):
            raise ApiError(codes.INVOICE_NOT_BOOKED, str(number))
        if original.get("Credit") == "true" or str(original.get("CreditInvoiceReference") or "0") != "0":
            raise ApiError(codes.INVOICE_ALREADY_CREDITED, str(number))
        credit_number = _document_number(conn, caller, {})
        rows = [{k: v for k, v in row.items() if k not in ("Total", "RowId")}
                | {"DeliveredQuantity": str(-Decimal(str(row["DeliveredQuantity"])))}
                for row in original["InvoiceRows"]]
        body = {"CustomerNumber": original["CustomerNumber"], "InvoiceDate": caller.state.clock.today().isoformat(),
                "TermsOfPayment": original.get("TermsOfPayment") or "", "VATIncluded": original.get("VATIncluded"),
                "InvoiceRows": rows, "Remarks": f"Kreditfaktura för faktura {number}"}
        customer = customer_data(caller, str(original["CustomerNumber"]))
        credit = _fill(caller, credit_number, body, customer) | {
            "Booked": False, "Cancelled": False, "Sent": False, "Credit": "true",
            "CreditInvoiceReference": str(number), "OCR": ocr(credit_number), "VoucherNumber": 0,
            "VoucherSeries": "", "VoucherYear": 0}
        conn.execute("INSERT INTO invoices VALUES (?, ?, ?)", (caller.tenant_id, credit_number, json.dumps(credit)))
        store(conn, caller, number, original | {"CreditInvoiceReference": str(credit_number)})
    return dropped_after_commit(caller, "credit", str(number), 200) or json_response(
        {"Invoice": invoice_json(credit, caller)})


@endpoint("invoice")
async def cancel_invoice(request: Request, caller: Caller) -> Response:
    with caller.db.write() as conn:
        number, data = load_invoice(caller, request.path_params["number"], conn)
        _changeable(data, number)
        data = data | {"Cancelled": True, "Balance": 0.0}
        store(conn, caller, number, data)
    return json_response({"Invoice": invoice_json(data, caller)})


ROUTES = [
    Route("/3/invoices", list_invoices),
    Route("/3/invoices", create_invoice, methods=["POST"]),
    Route("/3/invoices/{number}", get_invoice),
    Route("/3/invoices/{number}", update_invoice, methods=["PUT"]),
    Route("/3/invoices/{number}/bookkeep", bookkeep_invoice, methods=["PUT"]),
    Route("/3/invoices/{number}/credit", credit_invoice, methods=["PUT"]),
    Route("/3/invoices/{number}/cancel", cancel_invoice, methods=["PUT"]),
]
