"""/3/invoicepayments (create on a booked invoice, get, list by invoice, bookkeep) and /3/termsofpayments."""
from __future__ import annotations

import json
from datetime import date
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
from pipeline.sandbox.customers import with_url
from pipeline.sandbox.invoice_book import decimal_of, load_invoice, post_system_voucher, store, whole_of
from pipeline.sandbox.invoice_money import payment_voucher
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.vouchers import dropped_after_commit

DEFAULT_PAYMENT_ACCOUNT = 1930  # [U] the predefined account of the company's default mode of payment
# A fresh Fortnox company's payment terms [U]: code -> (description, days). Seeds may add their own.
DEFAULT_TERMS = {"0": ("Kontant", 0), "10": ("10 dagar netto", 10), "15": ("15 dagar netto", 15),
                 "20": ("20 dagar netto", 20), "30": ("30 dagar netto", 30)}
LIST_FIELDS = ("Amount", "Booked", "Currency", "CurrencyRate", "CurrencyUnit", "InvoiceNumber", "Number",
               "PaymentDate", "Source")


def _terms(caller: Caller) -> dict[str, tuple[str, int]]:
    rows = caller.db.query("SELECT code, description, days FROM terms_of_payments WHERE tenant_id = ?",
                           (caller.tenant_id,))
    return {r["code"]: (r["description"], int(r["days"])) for r in rows} or dict(DEFAULT_TERMS)


def terms_days(caller: Caller, code: str) -> int:
    found = _terms(caller).get(code)
    if found is None:
        raise ApiError(codes.TERMS_OF_PAYMENT_NOT_FOUND, code[:25])
    return found[1]


def _terms_json(caller: Caller, code: str, description: str) -> dict[str, Any]:
    return with_url({"Code": code, "Description": description}, caller, f"termsofpayments/{code}")


@endpoint("settings")
async def list_terms(request: Request, caller: Caller) -> Response:
    items = [_terms_json(caller, code, text) for code, (text, _days) in sorted(_terms(caller).items())]
    return json_response(paged(request, items, "TermsOfPayments"))


@endpoint("settings")
async def get_terms(request: Request, caller: Caller) -> Response:
    code = request.path_params["code"]
    found = _terms(caller).get(code)
    if found is None:
        raise ApiError(codes.TERMS_OF_PAYMENT_NOT_FOUND_404, code[:25])
    return json_response({"TermsOfPayment": _terms_json(caller, code, found[0])})


def _payment(caller: Caller, raw: str, conn: Any = None) -> tuple[int, dict[str, Any]]:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        raise ApiError(codes.PAYMENT_NOT_FOUND, raw[:40])
    number = int(raw)
    query = ("SELECT data FROM invoice_payments WHERE tenant_id = ? AND number = ?", (caller.tenant_id, number))
    row = conn.execute(*query).fetchone() if conn is not None else caller.db.one(*query)
    if row is None:
        raise ApiError(codes.PAYMENT_NOT_FOUND, raw[:40])
    return number, json.loads(row["data"])


def _payment_json(data: dict[str, Any], caller: Caller) -> dict[str, Any]:
    return with_url(data, caller, f"invoicepayments/{data['Number']}")


@endpoint("invoice")
async def create_payment(request: Request, caller: Caller) -> Response:
    """A payment of a booked invoice ([C2] payments are registered on booked invoices), unbooked until bookkeep."""
    body = await read_body(request, "InvoicePayment")
    text_field(body, "ModeOfPayment", 50)
    invoice_raw = body.get("InvoiceNumber")
    if isinstance(invoice_raw, bool) or not isinstance(invoice_raw, int | str):
        raise ApiError(codes.INVALID_PARAMETER, "InvoiceNumber krävs")
    amount = decimal_of(body.get("Amount"), "Amount")
    day = parse_date(body.get("PaymentDate") or caller.state.clock.today().isoformat(), "PaymentDate")
    account = whole_of(body.get("ModeOfPaymentAccount"), DEFAULT_PAYMENT_ACCOUNT, 1000, 9999, "ModeOfPaymentAccount")
    with caller.db.write() as conn:
        invoice, data = load_invoice(caller, str(invoice_raw), conn)
        if data.get("Cancelled"):
            raise ApiError(codes.INVOICE_CANCELLED, str(invoice))
        if not data.get("Booked"):
            raise ApiError(codes.INVOICE_NOT_BOOKED, str(invoice))
        number = int(conn.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM invoice_payments WHERE tenant_id = ?",
                                  (caller.tenant_id,)).fetchone()[0])
        payment = {k: v for k, v in body.items() if k != "@url"} | {
            "Number": str(number), "InvoiceNumber": invoice, "Amount": float(amount), "PaymentDate": day.isoformat(),
            "ModeOfPaymentAccount": account, "Booked": False, "Source": "manual", "Currency": "SEK",
            "CurrencyRate": 1.0, "CurrencyUnit": 1, "InvoiceCustomerName": data.get("CustomerName", ""),
            "InvoiceCustomerNumber": data.get("CustomerNumber", ""), "InvoiceTotal": str(data.get("Total")),
            "VoucherNumber": 0, "VoucherSeries": "", "VoucherYear": 0}
        conn.execute("INSERT INTO invoice_payments VALUES (?, ?, ?, ?)",
                     (caller.tenant_id, number, invoice, json.dumps(payment)))
    return dropped_after_commit(caller, "payment", str(number)) or json_response(
        {"InvoicePayment": _payment_json(payment, caller)}, 201)


@endpoint("invoice")
async def get_payment(request: Request, caller: Caller) -> Response:
    _number, data = _payment(caller, request.path_params["number"])
    return json_response({"InvoicePayment": _payment_json(data, caller)})


@endpoint("invoice")
async def list_payments(request: Request, caller: Caller) -> Response:
    sql, params = "SELECT data FROM invoice_payments WHERE tenant_id = ?", [caller.tenant_id]
    wanted = request.query_params.get("invoicenumber")
    if wanted:
        sql, params = sql + " AND invoice = ?", params + [parse_id(wanted, "invoicenumber", codes.INVALID_PARAMETER)]
    items = [with_url({k: d[k] for k in LIST_FIELDS if k in d}, caller, f"invoicepayments/{d['Number']}")
             for d in (json.loads(r["data"]) for r in caller.db.query(sql + " ORDER BY number", params))]
    return json_response(paged(request, items, "InvoicePayments"))


@endpoint("invoice")
async def bookkeep_payment(request: Request, caller: Caller) -> Response:
    """The payment's voucher (series C: the payment account against the receivable); the invoice's Balance
    falls by the amount, and FinalPayDate is set when it reaches 0."""
    with caller.db.write() as conn:
        number, payment = _payment(caller, request.path_params["number"], conn)
        if payment.get("Booked"):
            raise ApiError(codes.PAYMENT_ALREADY_BOOKED, str(number))
        amount = Decimal(str(payment["Amount"]))
        day = date.fromisoformat(payment["PaymentDate"])
        invoice, data = load_invoice(caller, str(payment["InvoiceNumber"]), conn)
        voucher = payment_voucher(number, invoice, day, int(payment["ModeOfPaymentAccount"]), amount)
        voucher_number, year = post_system_voucher(conn, caller, voucher, "INVOICEPAYMENT", str(number))
        payment |= {"Booked": True, "VoucherNumber": voucher_number, "VoucherSeries": voucher.series,
                    "VoucherYear": year}
        conn.execute("UPDATE invoice_payments SET data = ? WHERE tenant_id = ? AND number = ?",
                     (json.dumps(payment), caller.tenant_id, number))
        balance = Decimal(str(data["Balance"])) - amount
        data |= {"Balance": float(balance)} | ({"FinalPayDate": day.isoformat()} if balance == 0 else {})
        store(conn, caller, invoice, data)
    return dropped_after_commit(caller, "payment-bookkeep", str(number), 200) or json_response(
        {"InvoicePayment": _payment_json(payment, caller)})


ROUTES = [
    Route("/3/invoicepayments", list_payments),
    Route("/3/invoicepayments", create_payment, methods=["POST"]),
    Route("/3/invoicepayments/{number}", get_payment),
    Route("/3/invoicepayments/{number}/bookkeep", bookkeep_payment, methods=["PUT"]),
    Route("/3/termsofpayments", list_terms),
    Route("/3/termsofpayments/{code}", get_terms),
]
