"""Posting one store's POS invoices and credit notes to Fortnox exactly once, with their customers.

Exactly once, as for vouchers: the ledger records `pending` (committed and synced) before each create, and
before EVERY create Fortnox is searched for the document's source id (ExternalInvoiceReference1; the filter
matches a prefix, so the hits are compared exactly). A document Fortnox already holds is taken over, never
created again; a lost ledger therefore costs a search, not a duplicate. Customers: the ledger's POS-id mapping,
then the searches in the store's order (pipeline.invoices.decide_customer); before a customer is created,
the customers of that name are read for the ExternalReference kassasync gives the ones it creates, so a
crash after POST /customers never creates a second one. Credits: PUT /credit for a full credit of a booked
original (once per invoice; a crash between it and the PUT of the source id is recovered through the
original's CreditInvoiceReference), any other credit a new invoice with negative quantities.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.fortnox import errors as fe
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.invoices import (
    Action,
    CreditPath,
    FortnoxOriginal,
    InvoiceFinding,
    InvoiceKind,
    PosInvoice,
    compare_totals,
    customer_body,
    decide_customer,
    exact_hits,
    invoice_body,
    parse_source_id,
    plan_credit,
    source_id,
)
from pipeline.invoices.customers import customer_reference
from pipeline.invoices.settings import InvoiceSettings
from pipeline.ledger import now
from pipeline.ledger.invoice_records import DocRecord
from pipeline.ledger.invoices import InvoiceLedger
from pipeline.runner.invoice_result import InvoiceResult

log = logging.getLogger("kassasync.runner")
Json = dict[str, Any]
REFERENCE = "ExternalInvoiceReference1"


class Stop(Exception):
    """This document stops here; the ledger already says why (failed, deferred)."""


async def booked_once(book: Awaitable[Json], read: Callable[[], Awaitable[Json]]) -> None:
    """A bookkeep PUT. The session retries a PUT whose answer was lost, so "already booked" on the retry means
    the first try did it: read back (`read`) that Fortnox says Booked, else the refusal stands."""
    try:
        await book
    except fe.AlreadyBooked:
        if not (await read()).get("Booked"):
            raise


def error_code(exc: fe.FortnoxError) -> str:
    """What the ledger records as a Fortnox error's code: Fortnox's number, else the error's kind."""
    return str(exc.code) if exc.code else type(exc).__name__


class InvoicePoster:
    """Posts one store's documents through one client (the till payments: invoice_payments.py)."""

    def __init__(self, config: StoreConfig, settings: InvoiceSettings, ledger: InvoiceLedger, client: FortnoxApi,
                 result: InvoiceResult) -> None:
        self.config, self.settings, self.ledger, self.client, self.result = config, settings, ledger, client, result
        self.stored = ledger.customers(config.store)

    # -- the document ------------------------------------------------------------------------------------
    async def post(self, doc: DocRecord) -> None:
        """One document to booked; raises TransientError when the outcome is unknown (the document stays
        `pending` or `created` and is searched for first next time), Stop when it stopped with a finding."""
        invoice = doc.invoice()
        fortnox = await self._recorded(doc)
        if fortnox is None:
            customer = await self.customer_for(invoice, doc)
            fortnox = await self._already_there(doc, invoice)
            if fortnox is None:
                fortnox = await (self._credit(doc, invoice, customer) if invoice.is_credit
                                 else self._create(doc, invoice_body(invoice, customer, self.config, self.settings)))
            self.ledger.update_doc(doc.source_id, state="created", document_number=int(fortnox["DocumentNumber"]),
                                   customer_number=customer, error_code=None, error_message=None, error_hint=None,
                                   error_permanent=None)
        number = int(fortnox["DocumentNumber"])
        if not fortnox.get("Booked"):
            wrong = compare_totals(invoice, fortnox, self.settings)
            if wrong:
                self.fail(doc, wrong[0])
            await self._bookkeep(number)
        self.ledger.update_doc(doc.source_id, state="booked", booked_at=now(), error_code=None, error_message=None,
                               error_hint=None, error_permanent=None)
        if invoice.is_credit:
            self.result.credits += 1
        else:
            self.result.invoices += 1
        how = {"credit_endpoint": f"Fortnox's credit invoice of {fortnox.get('CreditInvoiceReference')}",
               "new_invoice": "a new invoice with negative quantities"}.get(
            str((self.ledger.doc(doc.source_id) or doc).credit_path), "")
        self.result.booked.append({"date": doc.invoice_date.isoformat(), "kind": doc.kind, "number": doc.number,
                                   "document": number, "customer": str(fortnox.get("CustomerNumber") or ""),
                                   "total": str(doc.total), "how": how})

    async def _recorded(self, doc: DocRecord) -> Json | None:
        """Fortnox's copy of a document the ledger knows it created; None when there is none (any more)."""
        if doc.document_number is None:
            return None
        try:
            return await self.client.invoice(doc.document_number)
        except fe.NotFound:  # deleted in Fortnox (e.g. after KS515): created again, after a search
            self.ledger.update_doc(doc.source_id, document_number=None, state="planned")
            return None

    async def _already_there(self, doc: DocRecord, invoice: PosInvoice) -> Json | None:
        """The document in Fortnox, found by its source id (searched before every create); several: a stop."""
        hits = exact_hits(await self.client.find_invoices(externalinvoicereference1=doc.source_id), doc.source_id)
        if not invoice.is_credit:  # [U] should Fortnox copy the reference onto a credit invoice, it is not this one
            hits = [h for h in hits if str(h.get("Credit", "false")).lower() != "true"] or hits
        if len(hits) > 1:
            numbers = ", ".join(str(h.get("DocumentNumber")) for h in hits)
            self.fail(doc, self.finding(
                doc, "KS518", f"Fortnox holds {len(hits)} invoices with the source id {doc.source_id} ({numbers})",
                "cancel (makulera) the extra ones in Fortnox, keeping the one that is booked, then run sync again"))
        if not hits:
            return None
        self.result.found += 1
        log.info("%s: %s is in Fortnox already (%s); taken over", self.config.store, doc.source_id,
                 hits[0].get("DocumentNumber"))
        return await self.client.invoice(int(hits[0]["DocumentNumber"]))

    async def _create(self, doc: DocRecord, body: Json) -> Json:
        self.ledger.mark_doc_pending(doc.source_id)
        try:
            return await self.client.create_invoice(body)
        except fe.TransientError:
            raise  # stays pending: the next attempt searches first
        except fe.FortnoxError as exc:
            self.ledger.update_doc(doc.source_id, state="planned")  # Fortnox refused: nothing was created
            raise exc

    async def _bookkeep(self, number: int) -> None:
        await booked_once(self.client.bookkeep_invoice(number), lambda: self.client.invoice(number))

    # -- credit notes ------------------------------------------------------------------------------------
    async def _credit(self, doc: DocRecord, credit: PosInvoice, customer: str) -> Json:
        original_doc = (self.ledger.doc(source_id(self.config.store, InvoiceKind.INVOICE, credit.credit_of))
                        if credit.credit_of else None)
        if original_doc is not None and original_doc.state in ("planned", "pending", "created"):
            self.ledger.update_doc(doc.source_id, state="planned", error_code=None, error_hint=None,
                                   error_message=f"waits for the original invoice {credit.credit_of} to be booked")
            self.result.deferred += 1
            raise Stop
        original_json = await self._original(credit, original_doc)
        original = FortnoxOriginal.from_json(original_json) if original_json else None
        original_pos = original_doc.invoice() if original_doc else None
        if original is not None and original.credited_by and doc.credit_path == "credit_endpoint":
            made = await self.client.invoice(original.credited_by)  # our PUT /credit, its answer or update lost
            if made.get(REFERENCE) in (None, "", doc.source_id):
                plan = plan_credit(credit, customer, self.config, self.settings, replace(original, credited_by=None),
                                   original_pos)
                return await self.client.update_invoice(original.credited_by, plan.body)
        plan = plan_credit(credit, customer, self.config, self.settings, original, original_pos)
        if plan.path is CreditPath.CREDIT_ENDPOINT:
            assert plan.original_document is not None
            self.ledger.mark_doc_pending(doc.source_id, credit_path="credit_endpoint",
                                         original_document=plan.original_document)
            made_number = await self._credit_once(plan.original_document)
            return await self.client.update_invoice(made_number, plan.body)
        if original is not None and original.credited_by:
            await self._credited_by_us(doc, original.credited_by)
        self.ledger.update_doc(doc.source_id, credit_path="new_invoice",
                               original_document=original.document_number if original else None)
        log.info("%s: credit note %s as a new invoice: %s", self.config.store, credit.number, plan.reason)
        return await self._create(doc, plan.body)

    async def _original(self, credit: PosInvoice, original_doc: DocRecord | None) -> Json | None:
        """Fortnox's copy of the credited invoice: by the ledger's number, else by its source id."""
        if original_doc is not None and original_doc.document_number is not None:
            return await self.client.invoice(original_doc.document_number)
        if not credit.credit_of:
            return None
        wanted = source_id(self.config.store, InvoiceKind.INVOICE, credit.credit_of)
        hits = exact_hits(await self.client.find_invoices(externalinvoicereference1=wanted), wanted)
        hits = [h for h in hits if str(h.get("Credit", "false")).lower() != "true"]
        return await self.client.invoice(int(hits[0]["DocumentNumber"])) if len(hits) == 1 else None

    async def _credit_once(self, original: int) -> int:
        """PUT /credit, and the number of the credit invoice Fortnox made; a retried PUT that meets "already
        credited" reads it from the original."""
        try:
            made = await self.client.credit_invoice(original)
        except fe.AlreadyCredited:
            made = {}
        if str(made.get("Credit", "")).lower() == "true" and str(made.get("CreditInvoiceReference")) == str(original):
            return int(made["DocumentNumber"])
        again = FortnoxOriginal.from_json(await self.client.invoice(original))
        if again.credited_by is None:
            raise fe.InvoiceState(f"store {self.config.store}: credit invoice {original}: Fortnox made no credit "
                                  "invoice", "run sync again; if it repeats, credit the invoice in Fortnox by hand")
        return again.credited_by

    async def _credited_by_us(self, doc: DocRecord, credited_by: int) -> None:
        """An original already credited through /credit: a further credit is a new invoice, but only when that
        credit invoice is one of this store's (else it may be this very credit, made by hand)."""
        made = await self.client.invoice(credited_by)
        parsed = parse_source_id(str(made.get(REFERENCE) or ""))
        if parsed is None or parsed[0] != self.config.store or parsed[1] is not InvoiceKind.CREDIT:
            self.fail(doc, self.finding(
                doc, "KS518", f"the original invoice is already credited in Fortnox by invoice {credited_by}, "
                              "which kassasync did not make; a second credit could credit it twice",
                f"if Fortnox invoice {credited_by} is this credit note, enter {doc.source_id} as its external "
                "invoice reference 1 in Fortnox (the next sync takes it over); if not, credit the rest in Fortnox "
                "by hand"))

    # -- customers ---------------------------------------------------------------------------------------
    async def customer_for(self, invoice: PosInvoice, doc: DocRecord) -> str:
        searched: dict[str, list[Json]] = {}
        while True:
            decision = decide_customer(invoice, self.settings.customer_matching, self.stored, searched)
            if decision.action is Action.SEARCH:
                assert decision.search is not None
                searched[decision.search.key] = await self.client.find_customers(
                    **{decision.search.param: decision.search.value})
            elif decision.action is Action.MATCH:
                assert decision.customer_number is not None
                self._remember(invoice, decision.customer_number, decision.via or "pos_id")
                return decision.customer_number
            elif decision.action is Action.CREATE:
                return await self._create_customer(invoice, doc)
            else:  # AMBIGUOUS, UNMATCHABLE
                assert decision.finding is not None
                self.fail(doc, decision.finding)

    def _remember(self, invoice: PosInvoice, number: str, via: str) -> None:
        pos_id = invoice.customer.pos_id
        if pos_id is not None and self.stored.get(pos_id) != number:
            self.ledger.remember_customer(self.config.store, pos_id, number, via)
            self.stored[pos_id] = number

    async def _create_customer(self, invoice: PosInvoice, doc: DocRecord) -> str:
        found = await self._created_before(invoice, doc)
        if found is not None:
            self._remember(invoice, found, "found")
            return found
        pos_id = invoice.customer.pos_id
        if pos_id is not None:
            self.ledger.customer_pending(self.config.store, pos_id)
        created = await self.client.create_customer(customer_body(invoice, self.settings.payment_terms))
        number = str(created["CustomerNumber"])
        self.result.customers_created += 1
        self._remember(invoice, number, "created")
        return number

    async def _created_before(self, invoice: PosInvoice, doc: DocRecord) -> str | None:
        """A customer kassasync created for this POS id before (its answer lost, or the ledger): found by name,
        then told by the ExternalReference it carries."""
        reference = customer_reference(self.config.store, invoice.customer)
        if reference is None or not invoice.customer.name:
            return None
        mine = []
        for hit in await self.client.find_customers(name=invoice.customer.name):
            number = str(hit.get("CustomerNumber") or "")
            if number and (await self.client.customer(number)).get("ExternalReference") == reference:
                mine.append(number)
        if len(mine) > 1:
            self.fail(doc, self.finding(doc, "KS509", f"{len(mine)} Fortnox customers carry {reference} "
                                                      f"({', '.join(mine)}); the invoice is not sent",
                                        "merge the duplicates in Fortnox, then run sync again"))
        return mine[0] if mine else None

    # -- findings ----------------------------------------------------------------------------------------
    def finding(self, doc: DocRecord, rule: str, message: str, hint: str) -> InvoiceFinding:
        from pipeline.invoices.findings import finding

        return finding(rule, f"{doc.kind} {doc.number}: {message}", hint, "", doc.line, doc.number)

    def fail(self, doc: DocRecord, found: InvoiceFinding, permanent: bool = True) -> Any:
        """The document stops with a finding, recorded with its fix; never returns."""
        self.ledger.update_doc(doc.source_id, state="failed", error_code=found.rule, error_message=found.message,
                               error_hint=found.hint, error_permanent=permanent)
        raise Stop
