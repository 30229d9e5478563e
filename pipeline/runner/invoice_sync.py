"""The invoice stream of one store: its invoice files read, each document and till payment posted once, the
finished files archived; part of `kassasync sync` for stores with `invoice_sync: true` (under the store's lock).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox import errors as fe
from pipeline.invoices.settings import InvoiceSettings
from pipeline.ledger import Ledger
from pipeline.ledger.invoice_records import DocRecord, PaymentRecord
from pipeline.ledger.invoices import InvoiceLedger
from pipeline.runner.inbox import Inbox
from pipeline.runner.invoice_ingest import FOLDER, InvoiceIngest, entry, ingest_invoices, scan_invoices
from pipeline.runner.invoice_payments import PaymentPoster
from pipeline.runner.invoice_post import InvoicePoster, Stop, error_code
from pipeline.runner.invoice_result import InvoiceResult
from pipeline.runner.store_sync import STORE_WIDE, ClientOpener, SyncOptions, store_wide_hint

log = logging.getLogger("kassasync.runner")
OPEN = ("planned", "pending", "created")  # documents with work left


async def sync_invoices(config: StoreConfig, *, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                        options: SyncOptions) -> InvoiceResult:
    """One store's invoice stream; never raises: every failure ends up in the InvoiceResult."""
    result = InvoiceResult()
    settings = config.invoices
    if settings is None:  # validate reports it (KS130); sync never guesses how invoices are read
        result.state, result.message = "error", "invoice_sync is true but the store file has no invoices: section"
        result.hint = f"add the section (docs/invoices.md), then run `kassasync validate {config.path or ''}`".strip()
        return result
    try:
        books = await asyncio.to_thread(InvoiceLedger, ledger)
        await _run(config, settings, books, inbox, open_client, options, result)
    except UserError as exc:
        result.state, result.message = "error", exc.message
        result.hint = store_wide_hint(exc, config) if isinstance(exc, STORE_WIDE) else exc.hint
        log.warning("%s: invoices: %s", config.store, exc.message)
    except Exception as exc:  # noqa: BLE001 - one store's bug must not stop the others
        log.exception("%s: invoices: unexpected error", config.store)
        result.state, result.message = "error", f"unexpected {type(exc).__name__}: {exc}"
        result.hint = "see the debug log in the state directory; pending invoices are searched for on the next run"
    if result.state == "ok" and (result.failed or result.files_quarantined):
        result.state = "failed"
    elif result.state == "ok" and result.held:
        result.state = "attention"
    return result


async def _run(config: StoreConfig, settings: InvoiceSettings, books: InvoiceLedger, inbox: Inbox,
               open_client: ClientOpener, options: SyncOptions, result: InvoiceResult) -> None:
    scan = scan_invoices(inbox, config, settings, options.settle_for(config))
    ingested = await asyncio.to_thread(ingest_invoices, config, settings, inbox, books, scan,
                                       dry_run=options.dry_run, owner=options.org_owner)
    _report_files(result, inbox, ingested)
    if options.dry_run:
        _dry_run(result, ingested)
        return
    docs = await asyncio.to_thread(_work, books, config.store, options)
    payments = await asyncio.to_thread(_payments_due, books, config.store, options)
    if docs or payments:
        async with open_client(config) as client:
            poster = InvoicePoster(config, settings, books, client, result)
            await _post_all(config, books, poster, docs, options.reconcile_rounds)
            await _pay_all(books, PaymentPoster(config, settings, books, client, result), config.store, options)
    result.files_archived += await asyncio.to_thread(_archive_done, config, inbox, books, options.today)
    await asyncio.to_thread(_count, result, books, inbox, config.store, options)


def _in_range(day: date, options: SyncOptions) -> bool:
    return not (options.from_date and day < options.from_date) and not (options.to_date and day > options.to_date)


def _work(books: InvoiceLedger, store: str, options: SyncOptions) -> list[DocRecord]:
    """The documents to post, in date order, invoices before credit notes: open ones, failed ones that may retry
    by themselves, and with --retry-failed every failed one."""
    found = []
    for doc in books.docs(store, states=(*OPEN, "failed", "skipped")):
        if not _in_range(doc.invoice_date, options):
            continue
        if doc.state == "failed" and doc.error_permanent and not options.retry_failed:
            continue
        if doc.state == "skipped" and not (options.retry_failed and options.from_date):  # named by a person only
            continue
        found.append(doc)
    return sorted(found, key=lambda d: (d.invoice_date, d.kind != "invoice", d.number))


def _payments_due(books: InvoiceLedger, store: str, options: SyncOptions) -> list[PaymentRecord]:
    states = ("planned", "pending", "created") + (("failed",) if options.retry_failed else ())
    return [p for p in books.payments(store) if p.state in states and _in_range(p.pay_date, options)]


async def _post_all(config: StoreConfig, books: InvoiceLedger, poster: InvoicePoster, docs: list[DocRecord],
                    rounds: int) -> None:
    """Each document once; an uncertain outcome is tried again (after a search) up to `rounds` times."""
    for _ in range(max(rounds, 1)):
        uncertain = []
        for doc in docs:
            current = books.doc(doc.source_id) or doc  # the ledger's latest (an earlier round may have moved it)
            try:
                await poster.post(current)
            except Stop:
                continue
            except fe.TransientError as exc:
                log.info("%s: %s: uncertain outcome (%s); searched for first next time", config.store,
                         doc.source_id, exc)
                books.update_doc(doc.source_id, error_code=error_code(exc), error_message=exc.message, error_hint=exc.hint,
                                 error_permanent=False)
                uncertain.append(doc)
            except fe.FortnoxError as exc:
                store_wide = isinstance(exc, STORE_WIDE)
                books.update_doc(doc.source_id, state="failed", error_code=error_code(exc), error_message=exc.message,
                                 error_hint=store_wide_hint(exc, config) if store_wide else exc.hint,
                                 error_permanent=not store_wide)
                if store_wide:
                    raise
        if not uncertain:
            return
        docs = uncertain


async def _pay_all(books: InvoiceLedger, payer: PaymentPoster, store: str, options: SyncOptions) -> None:
    """Till payments of booked documents; the others wait (KS519 when their invoice is unknown)."""
    due = _payments_due(books, store, options)
    by_doc: dict[str, list[PaymentRecord]] = {}
    for row in books.payments(store, source_ids={p.source_id for p in due}):
        by_doc.setdefault(row.source_id, []).append(row)
    for doc in books.docs(store, source_ids=list(by_doc), states=("booked",)):
        try:
            await payer.pay(doc, by_doc[doc.source_id])
        except fe.TransientError as exc:
            log.info("%s: payment of %s: uncertain outcome (%s); searched for first next time", store,
                     doc.source_id, exc)


def _report_files(result: InvoiceResult, inbox: Inbox, ingested: InvoiceIngest) -> None:
    result.files_read, result.files_quarantined = ingested.read, ingested.quarantined
    result.files_archived += ingested.archived
    result.files_waiting = len(ingested.unsettled)
    result.failures += ingested.failures
    result.notes += ingested.notes
    result.waiting += [{"file": inbox.relative(u.path), "reason": u.reason} for u in ingested.unsettled]


def _dry_run(result: InvoiceResult, ingested: InvoiceIngest) -> None:
    """What a real run would send: the invoices read now, each with the findings that would stop it."""
    result.state = "dry-run"
    for invoice, found in ingested.invoices:
        errors = [f for f in found if f.is_error]
        if errors:
            result.failed += 1
            result.failures.append(entry(errors[0].rule, invoice.source.path, errors[0].location.line,
                                         errors[0].message, errors[0].hint, None, invoice.invoice_date.isoformat()))
        else:
            result.planned += 1
            result.would_post.append({"date": invoice.invoice_date.isoformat(), "kind": invoice.kind.value,
                                      "number": invoice.number, "customer": invoice.customer.name,
                                      "total": str(invoice.totals.gross), "payments": len(invoice.payments)})


def _archive_done(config: StoreConfig, inbox: Inbox, books: InvoiceLedger, today: date) -> int:
    """Files whose documents are all booked, with their till payments, move to archive/<store>/invoices/<yyyy>/."""
    moved = 0
    for record in books.files(config.store, state="read"):
        docs = books.docs(config.store, file_digest=record.digest)
        booked = [d.source_id for d in docs if d.state == "booked"]  # a skipped document's payments wait with it
        payments = books.payments(source_ids=booked) if booked else []
        if any(d.state not in ("booked", "skipped") for d in docs) or any(p.state != "booked" for p in payments):
            continue
        path = Path(record.path)
        if not path.exists():
            continue
        year = min(d.invoice_date for d in docs).year if docs else today.year
        target = inbox.archive(f"{config.store}/{FOLDER}", path, year, record.digest)
        books.record_file(config.store, record.digest, str(target), record.name, "archived",
                          note=f"all {len(docs)} document(s) booked in Fortnox", invoice_count=record.invoice_count)
        moved += 1
    return moved


def _count(result: InvoiceResult, books: InvoiceLedger, inbox: Inbox, store: str, options: SyncOptions) -> None:
    """What the store's stream has left (in the date range), each failure and held re-export with its file, line
    and fix."""
    files = {f.digest: inbox.relative(f.path) for f in books.files(store)}
    docs = {d.source_id: d for d in books.docs(store)}
    for doc in docs.values():
        if not _in_range(doc.invoice_date, options):
            continue
        if doc.state == "failed":
            result.failed += 1
            result.failures.append(_entry(doc, files))
        elif doc.state == "held":
            result.held += 1
            result.attention.append(_entry(doc, files))
        elif doc.state in ("pending", "created"):
            result.pending += 1
        elif doc.state == "planned":
            result.planned += 1
            if doc.error_message:  # a credit note waiting for its original
                result.notes.append(_entry(doc, files))
    for row in books.payments(store):
        if not _in_range(row.pay_date, options) or row.state == "booked":
            continue
        owner = docs.get(row.source_id)
        if owner is not None and owner.state == "skipped":
            continue
        if row.state == "failed":
            result.failed += 1
            result.failures.append(entry(row.error_code or "", files.get(owner.file_digest, "") if owner else "",
                                         row.line, row.error_message or "", row.error_hint, row.key,
                                         row.pay_date.isoformat()))
        elif owner is None:
            result.notes.append(entry("KS519", "", row.line, f"a till payment of {row.amount} on {row.pay_date} for "
                                      f"{row.source_id}, which kassasync has not read: it waits for the invoice",
                                      "export the invoice from the POS too; the payment is registered once it is "
                                      "booked", row.key, row.pay_date.isoformat(), permanent=False))
        else:
            result.pending += 1


def _entry(doc: DocRecord, files: dict[str, str]) -> dict[str, Any]:
    return entry(doc.error_code or "", files.get(doc.file_digest, ""), doc.line, doc.error_message or "",
                 doc.error_hint, doc.source_id, doc.invoice_date.isoformat(), bool(doc.error_permanent))
