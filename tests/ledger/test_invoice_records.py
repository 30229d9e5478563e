"""The invoice stream's ledger rows: a PosInvoice survives its JSON, and a re-export of the same content has the
same digest wherever it was written."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from pipeline.invoices import (
    Address,
    InvoiceKind,
    InvoiceRow,
    PosCustomer,
    PosInvoice,
    SourceRef,
    TillPayment,
    totals_from_rows,
)
from pipeline.ledger.invoice_records import content_digest, invoice_from_json, invoice_to_json, payment_key

ROWS = (InvoiceRow("Karta", Decimal("10"), Decimal("249.00"), Decimal(6), True, None, "KARTOR", 2),
        InvoiceRow("Glob", Decimal("1"), Decimal("149.00"), Decimal(25), True, 3001, None, 3))
INVOICE = PosInvoice(
    store="kartan", number="7001", kind=InvoiceKind.CREDIT, invoice_date=date(2026, 11, 24),
    customer=PosCustomer("301", "Stadsskogens OK", "817605-2461", "k@ok.se", Address("Väg 1", "75320", "Uppsala", "SE")),
    rows=ROWS, totals=totals_from_rows(ROWS, Decimal("0.12")), source=SourceRef("kartan/invoices/a.csv", "csv", 2, 3),
    credit_of="6999", due_date=date(2026, 12, 24),
    payments=(TillPayment("7001", InvoiceKind.CREDIT, date(2026, 11, 24), "Kort", Decimal("-100.00"), 1930, 2),))


def test_an_invoice_survives_its_json() -> None:
    assert invoice_from_json(invoice_to_json(INVOICE)) == INVOICE
    bare = dataclasses.replace(INVOICE, customer=PosCustomer(name="Anna"), due_date=None, payments=(), credit_of=None)
    assert invoice_from_json(invoice_to_json(bare)) == bare


def test_the_content_digest_ignores_where_the_invoice_was_written() -> None:
    moved = dataclasses.replace(INVOICE, source=SourceRef("kartan/invoices/b.csv", "csv", 9, 10),
                                rows=tuple(dataclasses.replace(r, line=r.line + 7) for r in ROWS))
    assert content_digest(moved) == content_digest(INVOICE)
    changed = dataclasses.replace(INVOICE, rows=ROWS[:1])
    assert content_digest(changed) != content_digest(INVOICE)


def test_two_payments_of_one_invoice_have_their_own_keys() -> None:
    payment = INVOICE.payments[0]
    assert payment_key("KS1.kartan.C.7001", payment) != payment_key("KS1.kartan.C.7001",
                                                                    dataclasses.replace(payment, line=5))
