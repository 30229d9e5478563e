"""Fortnox JSON bodies from a PosInvoice (invoice, credit, invoice payment), and the checks on Fortnox's answers.

Pure: the caller does the HTTP. Rows are account rows (AccountNumber, VAT, Price, DeliveredQuantity), never
articles, so nothing depends on Fortnox's article register. POS rounding rows are not sent: Fortnox computes
its own RoundOff, and `compare_totals` checks the result before the invoice is booked.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.invoices.findings import InvoiceFinding, finding
from pipeline.invoices.model import ZERO, InvoiceKind, InvoiceRow, PosInvoice, TillPayment, to_ore
from pipeline.invoices.settings import InvoiceSettings
from pipeline.invoices.source_id import source_id
from pipeline.invoices.validate import revenue_account

Json = dict[str, Any]
YOUR_ORDER_NUMBER_MAX = 30  # Fortnox truncates it silently at 30 (measured on orders)
DESCRIPTION_MAX = 255
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _number(value: Decimal) -> float:
    """A Decimal as the JSON number Fortnox takes (rounded to öre first, so the float's repr is exact)."""
    return float(to_ore(value))


def _text(value: str, limit: int = DESCRIPTION_MAX) -> str:
    return _CONTROL.sub(" ", value).strip()[:limit]


def _quantity(value: Decimal) -> str:
    """DeliveredQuantity is a string in Fortnox: plain digits, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _fits_two_decimals(value: Decimal) -> bool:
    return value == value.quantize(Decimal("0.01"))


def document_id(invoice: PosInvoice) -> str:
    """The invoice's ExternalInvoiceReference1."""
    return source_id(invoice.store, invoice.kind, invoice.number)


def _row(row: InvoiceRow, account: int) -> Json:
    """One account row. Fortnox rounds Price and DeliveredQuantity to two decimals; a row finer than that is
    sent as quantity ±1 at the row's amount, with the POS's quantity and price kept in the text."""
    description = row.text
    quantity, price = row.quantity, row.unit_price
    if not (_fits_two_decimals(quantity) and _fits_two_decimals(price)):
        description = f"{row.text} ({_quantity(quantity)} à {price.normalize()})"
        quantity = Decimal(-1 if row.amount < 0 else 1)
        price = abs(row.amount)
    return {"AccountNumber": account, "VAT": int(row.vat_rate), "Price": _number(price),
            "DeliveredQuantity": _quantity(quantity), "Description": _text(description)}


def invoice_rows(invoice: PosInvoice, config: StoreConfig, settings: InvoiceSettings) -> list[Json]:
    """The invoice's rows. Guard `clearing`: one row on the clearing account at the POS gross, VAT 0 (revenue and
    VAT come from the daily voucher; the invoice only moves the receivable into the customer ledger)."""
    if settings.guard == "clearing":
        if settings.clearing_account is None:
            raise ValueError("guard clearing needs a clearing_account")
        gross = invoice.totals.gross
        return [{"AccountNumber": settings.clearing_account, "VAT": 0, "Price": _number(abs(gross)),
                 "DeliveredQuantity": "-1" if gross < 0 else "1",
                 "Description": _text(f"Faktura {invoice.number} från kassan")}]
    in_force = config.article_rows_on(invoice.invoice_date)
    rows = []
    for row in invoice.rows:
        account = revenue_account(row.account, row.article_group, in_force)
        if account is None:
            raise ValueError(f"invoice {invoice.number}: row {row.text!r} has no revenue account (validate first)")
        rows.append(_row(row, config.fortnox_account(account)))
    return rows


def invoice_body(invoice: PosInvoice, customer_number: str, config: StoreConfig,
                 settings: InvoiceSettings) -> Json:
    """The POST /3/invoices body. A credit note that is not a full credit of a booked original is sent this way
    too: negative quantities, the original's source id in ExternalInvoiceReference2, and a remark naming it."""
    body: Json = {
        "CustomerNumber": customer_number,
        "InvoiceDate": invoice.invoice_date.isoformat(),
        "InvoiceType": "INVOICE",
        "ExternalInvoiceReference1": document_id(invoice),
        "YourOrderNumber": invoice.number[:YOUR_ORDER_NUMBER_MAX],
        "VATIncluded": settings.guard == "unticked" and invoice.vat_included is True,
        "InvoiceRows": invoice_rows(invoice, config, settings),
    }
    if invoice.due_date is not None:
        body["DueDate"] = invoice.due_date.isoformat()
    elif settings.payment_terms:
        body["TermsOfPayment"] = settings.payment_terms
    if invoice.is_credit and invoice.credit_of:
        body["ExternalInvoiceReference2"] = source_id(invoice.store, InvoiceKind.INVOICE, invoice.credit_of)
        body["Remarks"] = f"Kreditering av faktura {invoice.credit_of}"
    return {"Invoice": body}


# -- credits -------------------------------------------------------------------------------------------

class CreditPath(StrEnum):
    CREDIT_ENDPOINT = "credit_endpoint"  # PUT /3/invoices/{original}/credit, then PUT the body on the credit
    NEW_INVOICE = "new_invoice"  # POST the body: an invoice with negative quantities


@dataclass(frozen=True)
class FortnoxOriginal:
    """What Fortnox says about the credited invoice (from GET /3/invoices/{DocumentNumber})."""

    document_number: int
    booked: bool
    cancelled: bool
    credited_by: int | None  # CreditInvoiceReference; None (or 0) while not credited
    total: Decimal
    total_vat: Decimal | None = None

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> FortnoxOriginal:
        reference = obj.get("CreditInvoiceReference")
        vat = obj.get("TotalVAT")
        return cls(document_number=int(obj["DocumentNumber"]), booked=bool(obj.get("Booked")),
                   cancelled=bool(obj.get("Cancelled")),
                   credited_by=int(reference) if reference not in (None, "", "0", 0) else None,
                   total=to_ore(Decimal(str(obj.get("Total") or 0))),
                   total_vat=None if vat is None else to_ore(Decimal(str(vat))))


@dataclass(frozen=True)
class CreditPlan:
    path: CreditPath
    reason: str  # why this path, for the log and the status page
    body: Json  # NEW_INVOICE: the POST body; CREDIT_ENDPOINT: the PUT body for the credit invoice Fortnox made
    original_document: int | None = None  # CREDIT_ENDPOINT: the original's DocumentNumber


def _full_credit(credit: PosInvoice, original_pos: PosInvoice | None, original: FortnoxOriginal) -> str | None:
    """None when the credit reverses the whole original; else why not."""
    if credit.totals.gross != -original.total:
        return f"it credits {-credit.totals.gross} of the original's {original.total}"
    if original.total_vat is not None and credit.totals.vat_amount != -original.total_vat:
        return f"its VAT {credit.totals.vat_amount} does not reverse the original's {original.total_vat}"
    if original_pos is not None:
        mine = {(v.rate, v.net, v.vat) for v in credit.totals.vat}
        theirs = {(v.rate, -v.net, -v.vat) for v in original_pos.totals.vat}
        if mine != theirs:
            return "its net and VAT per rate do not reverse the original's"
    return None


def plan_credit(credit: PosInvoice, customer_number: str, config: StoreConfig, settings: InvoiceSettings,
                original: FortnoxOriginal | None, original_pos: PosInvoice | None = None) -> CreditPlan:
    """How a POS credit note reaches Fortnox. PUT /credit works once per invoice and only on a booked one, so
    it is used only for a full credit of a booked, uncredited, uncancelled original; anything else is a new
    invoice with negative quantities that refers to the original."""
    if not credit.is_credit:
        raise ValueError(f"{credit.number} is not a credit note")
    if original is None:
        reason = "the original is not in Fortnox" if credit.credit_of else "the POS names no original invoice"
    elif original.cancelled:
        reason = f"the original (Fortnox {original.document_number}) is cancelled"
    elif not original.booked:
        reason = f"the original (Fortnox {original.document_number}) is not booked"
    elif original.credited_by:
        reason = f"the original is already credited by Fortnox invoice {original.credited_by}"
    else:
        partial = _full_credit(credit, original_pos, original)
        if partial is None:
            update: Json = {"ExternalInvoiceReference1": document_id(credit),
                            "YourOrderNumber": credit.number[:YOUR_ORDER_NUMBER_MAX],
                            "InvoiceDate": credit.invoice_date.isoformat()}
            if credit.credit_of:
                update["ExternalInvoiceReference2"] = source_id(credit.store, InvoiceKind.INVOICE, credit.credit_of)
            return CreditPlan(CreditPath.CREDIT_ENDPOINT, "a full credit of a booked invoice", {"Invoice": update},
                              original.document_number)
        reason = f"not a full credit: {partial}"
    return CreditPlan(CreditPath.NEW_INVOICE, reason, invoice_body(credit, customer_number, config, settings))


# -- payments ------------------------------------------------------------------------------------------

def payment_account(payment: TillPayment, config: StoreConfig, settings: InvoiceSettings) -> int:
    """The Fortnox account a till payment debits: invoices.till_payment_account, else the tender's account."""
    if settings.till_payment_account is not None:
        return settings.till_payment_account
    pos_account = payment.account or config.payment_methods.get(payment.tender)
    if pos_account is None:
        raise ValueError(f"till payment by {payment.tender!r}: not a payment method of the store (validate first)")
    return config.fortnox_account(pos_account)


def payment_body(payment: TillPayment, document_number: int, invoice_date: date, account: int,
                 mode_of_payment: str | None = None) -> Json:
    """The POST /3/invoicepayments body. A payment is never dated before its invoice (validate warns with
    KS512): the ledger cannot pay a receivable before it exists; WooCommerce Fortnox Hub does the same."""
    body: Json = {"InvoiceNumber": document_number, "Amount": _number(payment.amount),
                  "PaymentDate": max(payment.date, invoice_date).isoformat(), "ModeOfPaymentAccount": account}
    if mode_of_payment:
        body["ModeOfPayment"] = mode_of_payment
    return {"InvoicePayment": body}


def find_payment(existing: Iterable[Mapping[str, Any]], payment: TillPayment, document_number: int,
                 invoice_date: date) -> Mapping[str, Any] | None:
    """An existing invoice payment (from GET /3/invoicepayments?invoicenumber=) with this payment's invoice,
    amount and date: then it was created before and must not be created again."""
    wanted_date = max(payment.date, invoice_date).isoformat()
    for item in existing:
        if (str(item.get("InvoiceNumber")) == str(document_number) and str(item.get("PaymentDate")) == wanted_date
                and to_ore(Decimal(str(item.get("Amount") or 0))) == to_ore(payment.amount)):
            return item
    return None


# -- after the POST -------------------------------------------------------------------------------------

def compare_totals(invoice: PosInvoice, created: Mapping[str, Any], settings: InvoiceSettings) -> list[InvoiceFinding]:
    """KS515 when Fortnox's Total or TotalVAT for the created invoice differs from the POS's by even one öre:
    the invoice then stays unbooked."""
    want_vat = invoice.totals.vat_amount if settings.guard == "unticked" else ZERO
    out = []
    for field, want in (("Total", invoice.totals.gross), ("TotalVAT", want_vat)):
        have = to_ore(Decimal(str(created.get(field) or 0)))
        if have != want:
            out.append(finding(
                "KS515", f"invoice {invoice.number}: Fortnox {created.get('DocumentNumber')} has {field} {have}, the "
                         f"POS invoice {want}; it is left unbooked",
                "align the öre rounding of the POS with Fortnox's invoice settings, then delete the unbooked "
                "invoice in Fortnox and sync again", invoice.source.path, invoice.source.line,
                invoice.number))
    return out
