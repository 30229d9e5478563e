"""Payments taken at the till on POS invoices: registered on the booked Fortnox invoice, then booked, each once.

Before a payment is created, the invoice's payments in Fortnox (`?invoicenumber=`) are searched for one with
its date and amount (pipeline.invoices.find_payment) that the ledger has not already given to another of its
payments; `pending` is recorded (synced) before the POST, so a lost answer costs a search, not a second
payment.
"""
from __future__ import annotations

import logging

from pipeline.config.model import StoreConfig
from pipeline.fortnox import errors as fe
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.invoices import InvoiceKind, TillPayment, find_payment, payment_body
from pipeline.invoices.settings import InvoiceSettings
from pipeline.ledger.invoice_records import DocRecord, PaymentRecord
from pipeline.ledger.invoices import InvoiceLedger
from pipeline.runner.invoice_post import booked_once, error_code
from pipeline.runner.invoice_result import InvoiceResult

log = logging.getLogger("kassasync.runner")


def till_payment(doc: DocRecord, row: PaymentRecord) -> TillPayment:
    return TillPayment(invoice_number=doc.number, kind=InvoiceKind(doc.kind), date=row.pay_date, tender=row.tender,
                       amount=row.amount, account=None, line=row.line)


class PaymentPoster:
    def __init__(self, config: StoreConfig, settings: InvoiceSettings, ledger: InvoiceLedger, client: FortnoxApi,
                 result: InvoiceResult) -> None:
        self.config, self.settings, self.ledger, self.client, self.result = config, settings, ledger, client, result

    async def pay(self, doc: DocRecord, rows: list[PaymentRecord]) -> None:
        """The document's till payments not booked yet; a Fortnox error fails that payment, a transient one
        leaves it for the next run."""
        assert doc.document_number is not None
        claimed = {r.number for r in rows if r.number}
        for row in rows:
            if row.state == "booked":
                continue
            if row.account is None:
                self.ledger.update_payment(row.key, state="failed", error_code="KS507",
                                           error_message=f"till payment by {row.tender!r} of {doc.kind} {doc.number}:"
                                                         " not a payment method of the store",
                                           error_hint="add the payment method to payment_methods in the store file, "
                                                      "or set invoices.till_payment_account, then run sync "
                                                      "--retry-failed")
                continue
            try:
                number = row.number or await self._register(doc, row, claimed)
                claimed.add(number)
                await self._bookkeep(number)
            except fe.TransientError:
                raise
            except fe.FortnoxError as exc:
                self.ledger.update_payment(row.key, state="failed", error_code=error_code(exc), error_message=exc.message,
                                           error_hint=exc.hint)
                continue
            self.ledger.update_payment(row.key, state="booked", number=number, error_code=None, error_message=None,
                                       error_hint=None)
            self.result.payments += 1
            self.result.booked.append({"date": row.pay_date.isoformat(), "kind": "payment", "number": doc.number,
                                       "document": number, "customer": "", "total": str(row.amount),
                                       "how": f"{row.tender} at the till, on Fortnox invoice {doc.document_number}"})

    async def _register(self, doc: DocRecord, row: PaymentRecord, claimed: set[str]) -> str:
        assert doc.document_number is not None and row.account is not None
        payment = till_payment(doc, row)
        existing = [p for p in await self.client.invoice_payments(doc.document_number)
                    if str(p.get("Number")) not in claimed]
        found = find_payment(existing, payment, doc.document_number, doc.invoice_date)
        if found is not None:
            number = str(found["Number"])
            log.info("%s: payment of %s %s is in Fortnox already (%s)", self.config.store, doc.kind, doc.number,
                     number)
        else:
            self.ledger.mark_payment_pending(row.key)
            created = await self.client.create_invoice_payment(
                payment_body(payment, doc.document_number, doc.invoice_date, row.account))
            number = str(created["Number"])
        self.ledger.update_payment(row.key, state="created", number=number)
        return number

    async def _bookkeep(self, number: str) -> None:
        await booked_once(self.client.bookkeep_invoice_payment(number), lambda: self.client.invoice_payment(number))
