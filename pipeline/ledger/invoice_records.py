"""The invoice stream's ledger rows as plain data, and a PosInvoice to and from the JSON the ledger keeps."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pipeline.invoices import (
    Address,
    InvoiceKind,
    InvoiceRow,
    InvoiceTotals,
    PosCustomer,
    PosInvoice,
    SourceRef,
    TillPayment,
    VatTotal,
)


@dataclass(frozen=True)
class DocRecord:
    """One POS document in the ledger (invoice_tables.invoice_docs)."""

    source_id: str
    store: str
    kind: str
    number: str
    invoice_date: date
    file_digest: str
    source: str
    content_digest: str
    state: str
    total: Decimal
    credit_of: str | None = None
    line: int = 0
    document_number: int | None = None
    customer_number: str | None = None
    credit_path: str | None = None
    original_document: int | None = None
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    error_permanent: bool | None = None
    updated_at: datetime | None = None

    def invoice(self) -> PosInvoice:
        return invoice_from_json(self.source)


@dataclass(frozen=True)
class PaymentRecord:
    """One payment taken at the till (invoice_tables.invoice_payments)."""

    key: str
    store: str
    source_id: str
    pay_date: date
    amount: Decimal
    tender: str
    state: str
    account: int | None = None
    line: int = 0
    number: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None


def payment_key(source_id: str, payment: TillPayment) -> str:
    """A till payment's key: its document and what tells two payments apart (date, amount, tender, line)."""
    return f"{source_id}/{payment.date.isoformat()}/{payment.amount}/{payment.tender}/{payment.line}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def invoice_to_json(invoice: PosInvoice) -> str:
    return json.dumps(_plain(asdict(invoice)), ensure_ascii=False, sort_keys=True)


def content_digest(invoice: PosInvoice) -> str:
    """What the document says, without where it was read: a re-export of the same content has the same digest."""
    data = _plain(asdict(invoice))
    data.pop("source")
    for row in data["rows"]:
        row.pop("line")
    for payment in data["payments"]:
        payment.pop("line")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _decimal(text: str) -> Decimal:
    return Decimal(text)


def invoice_from_json(text: str) -> PosInvoice:
    data = json.loads(text)
    customer = dict(data["customer"])
    address = customer.pop("address")
    totals = data["totals"]
    return PosInvoice(
        store=data["store"], number=data["number"], kind=InvoiceKind(data["kind"]),
        invoice_date=date.fromisoformat(data["invoice_date"]),
        customer=PosCustomer(**customer, address=Address(**address) if address else None),
        rows=tuple(InvoiceRow(text=r["text"], quantity=_decimal(r["quantity"]), unit_price=_decimal(r["unit_price"]),
                              vat_rate=_decimal(r["vat_rate"]), vat_included=r["vat_included"], account=r["account"],
                              article_group=r["article_group"], line=r["line"]) for r in data["rows"]),
        totals=InvoiceTotals(vat=tuple(VatTotal(_decimal(v["rate"]), _decimal(v["net"]), _decimal(v["vat"]), v["account"])
                                       for v in totals["vat"]),
                             rounding=_decimal(totals["rounding"]), gross=_decimal(totals["gross"])),
        source=SourceRef(**data["source"]), credit_of=data["credit_of"], due_date=_day(data["due_date"]),
        payments=tuple(payment_from_json(p) for p in data["payments"]),
    )


def payment_from_json(data: dict[str, Any]) -> TillPayment:
    return TillPayment(invoice_number=data["invoice_number"], kind=InvoiceKind(data["kind"]),
                       date=date.fromisoformat(data["date"]), tender=data["tender"], amount=_decimal(data["amount"]),
                       account=data["account"], line=data["line"])
