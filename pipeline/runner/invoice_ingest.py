"""Reading a store's invoice files (inbox/<store>/invoices/) into the ledger: once per content, checked, or quarantined.

The day files' rules, by the day files' own code: a file is read only once settled and unchanged while read
(inbox.py), a symlink out of the folder is never followed, a journal with another company's #ORGNR is never
used (dayfile.belongs), and a file that cannot be used goes to quarantine/<store>/invoices/ with a note. Each
invoice is checked (pipeline.invoices.validate_invoice) before it reaches the ledger; one that fails is
recorded `failed` with its finding, so status shows it with the fix.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.invoices import (
    InvoiceFile,
    InvoiceFinding,
    PosInvoice,
    TillPayment,
    document_id,
    payment_account,
    read_invoice_file,
    validate_invoice,
)
from pipeline.invoices.settings import InvoiceSettings
from pipeline.invoices.source_id import source_id
from pipeline.ledger.invoice_records import (
    DocRecord,
    PaymentRecord,
    content_digest,
    invoice_to_json,
    payment_key,
)
from pipeline.ledger.invoices import InvoiceLedger
from pipeline.runner import items
from pipeline.runner.dayfile import OrgOwner, belongs, read_day_file
from pipeline.runner.inbox import WRITING_SUFFIXES, Escaped, Inbox, Scan, Seen, Unsettled, unreadable

log = logging.getLogger("kassasync.runner")
FOLDER = "invoices"  # inbox/<store>/invoices/, and the same under quarantine/<store>/ and archive/<store>/
SUFFIXES = {"sie": (".se", ".si"), "csv": (".csv", ".txt")}
RESEND = "correct the invoice in the POS and export it again; the new file is read on the next sync"


def invoice_file_name(adapter: str) -> Any:
    """Which names in the invoices folder are invoice files for the adapter (not the names tills write with)."""
    suffixes = SUFFIXES[adapter]

    def accept(name: str) -> bool:
        lower = name.lower()
        return not name.startswith((".", "~")) and not lower.endswith(WRITING_SUFFIXES) and lower.endswith(suffixes)

    return accept


def scan_invoices(inbox: Inbox, config: StoreConfig, settings: InvoiceSettings, settle: int) -> Scan:
    return inbox.scan(config.store, settle, FOLDER, invoice_file_name(settings.adapter))


@dataclass
class InvoiceIngest:
    read: int = 0
    quarantined: int = 0
    archived: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # quarantined files, in the run summary's shape
    notes: list[dict[str, Any]] = field(default_factory=list)  # warnings about this run's files and invoices
    unsettled: list[Unsettled] = field(default_factory=list)
    invoices: list[tuple[PosInvoice, list[InvoiceFinding]]] = field(default_factory=list)  # read this run


def entry(code: str, file: str, line: int, message: str, hint: str | None, key: str | None = None,
          day: str | None = None, permanent: bool = True) -> dict[str, Any]:
    """A failure, held item or note in the shape the run summary and status use for day files."""
    return {"business_date": day, "key": key, "code": code, "file": file, "line": line, "message": message,
            "hint": hint, "permanent": permanent}


class _Reader:
    def __init__(self, config: StoreConfig, settings: InvoiceSettings, inbox: Inbox, ledger: InvoiceLedger,
                 dry_run: bool, owner: OrgOwner | None) -> None:
        self.config, self.settings, self.inbox, self.ledger = config, settings, inbox, ledger
        self.dry_run, self.owner = dry_run, owner
        self.result = InvoiceIngest()

    def quarantine(self, path: Path, digest: str, code: str, line: int, message: str, hint: str,
                   detail: str = "") -> None:
        where = self.inbox.relative(path)
        self.result.quarantined += 1
        moved = "would be moved" if self.dry_run else "moved"
        self.result.failures.append(entry(code, where, line, f"{message} ({moved} to "
                                          f"{self.inbox.root}/quarantine/{self.config.store}/{FOLDER}/)", hint))
        if self.dry_run:
            return
        store = self.config.store
        note = (f"{where} (store {store}) was not fully read: it is in quarantine.\n\n{where}:{line}: {code} "
                f"{message}{detail}\n\nFix: {hint}.\n\nTo release the file after the fix, move it (not this note) "
                f"back into {self.inbox.store_dir(store) / FOLDER}/; the next sync reads it again (invoices it "
                "already read are not sent twice). This note may then be deleted.")
        target = self.inbox.quarantine(f"{store}/{FOLDER}", path, note, digest)
        self.ledger.record_file(store, digest, str(target), path.name, "quarantined", note=f"{code} {message}")

    def read(self, seen: Seen) -> None:
        path = seen.path
        try:
            content = self.inbox.read(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            digest = items.file_digest(f"unreadable:{path.name}:{seen.size}:{seen.mtime_ns}".encode())
            self.quarantine(path, digest, "KS501", 0, f"the invoice file cannot be opened: {unreadable(exc)}",
                            "give the runner read access to the file (e.g. `chmod a+r`), or export it again")
            return
        digest = items.file_digest(content)
        known = self.ledger.files(self.config.store, digests=[digest])
        if known and known[0].state in ("read", "archived"):
            self._known_again(path, digest, known[0].state)
            return
        if not self.inbox.unchanged(seen):
            self.result.unsettled.append(Unsettled(path, "changed while it was read: read on a later run, once "
                                                         "it has settled"))
            return
        if self.settings.adapter == "sie" and not self._belongs(path, content, digest):
            return
        file = read_invoice_file(path, self.config, self.settings)
        if not self.inbox.unchanged(seen):  # the adapter read it again: it must still be the same file
            self.result.unsettled.append(Unsettled(path, "changed while it was read: read on a later run"))
            return
        self.result.read += 1
        self._record(path, digest, file)

    def _belongs(self, path: Path, content: bytes, digest: str) -> bool:
        """An invoice journal must be the store's own (#ORGNR), as a day file must."""
        day = read_day_file(content, path.name)
        if day.vouchers is None:
            return True  # the adapter reads it again and reports why it cannot (KS501 and the reader's own)
        found = belongs(self.config, day, owner=self.owner, inbox_of=lambda s: str(self.inbox.store_dir(s) / FOLDER),
                        what="invoice journal")
        if found is None:
            return True
        if found.is_error:
            self.quarantine(path, digest, found.rule, found.line, found.message, found.hint)
            return False
        self.result.notes.append(entry(found.rule, self.inbox.relative(path), found.line, found.message, found.hint))
        return True

    def _known_again(self, path: Path, digest: str, state: str) -> None:
        """A content read before is never read twice; a second copy of an archived file is moved aside."""
        if self.dry_run:
            return
        if state == "read":
            self.ledger.record_file(self.config.store, digest, str(path), path.name, "read",
                                    invoice_count=self.ledger.files(self.config.store, digests=[digest])[0].invoice_count)
            return
        target = self.inbox.archive(f"{self.config.store}/{FOLDER}", path, self.config.start_date.year, digest)
        log.info("%s: %s has the same content as an invoice file already read; archived to %s", self.config.store,
                 path.name, target)
        self.result.archived += 1

    def _record(self, path: Path, digest: str, file: InvoiceFile) -> None:
        where = self.inbox.relative(path)
        if file.rejected:
            first = next(f for f in file.findings if f.is_error and f.invoice is None)
            detail = "".join(f"\n{f.render().splitlines()[0]}" for f in file.findings[1:6] if f.is_error)
            self.quarantine(path, digest, first.rule, first.location.line, first.message, first.hint or RESEND,
                            detail)
            return
        unrecorded = [f for f in file.findings if f.is_error and (f.invoice is None or f.invoice not in
                                                                   {i.number for i in file.invoices})]
        self.result.notes += [entry(f.rule, where, f.location.line, f.message, f.hint) for f in file.findings
                              if not f.is_error]
        docs, payments = [], []
        early = [i for i in file.invoices if i.invoice_date < self.config.start_date]
        if early:  # as days before start_date: booked another way (the vendor's add-on, by hand)
            self.result.notes.append(entry(
                "KS306", where, early[0].source.line, f"{len(early)} invoice(s) dated before start_date "
                f"{self.config.start_date} (the first: {early[0].number} of {early[0].invoice_date}): not synced",
                f"nothing to do if they are in Fortnox already; to sync them after all: `kassasync sync "
                f"--retry-failed --store {self.config.store} --from {early[0].invoice_date}`"))
        for invoice in file.invoices:
            found = file.findings_for(invoice.number) + validate_invoice(invoice, self.config, self.settings)
            self.result.invoices.append((invoice, found))
            self.result.notes += [entry(f.rule, where, f.location.line, f.message, f.hint, document_id(invoice),
                                        invoice.invoice_date.isoformat()) for f in found if not f.is_error]
            docs.append(self._doc(invoice, digest, found))
            payments += [self._payment(document_id(invoice), invoice.store, p) for p in invoice.payments]
        for payment in file.payments:  # a till payment of an invoice read earlier (or later)
            payments.append(self._payment(source_id(self.config.store, payment.kind, payment.invoice_number),
                                          self.config.store, payment))
        if self.dry_run:
            return
        self._store(docs, payments)
        self.ledger.record_file(self.config.store, digest, str(path), path.name, "read", invoice_count=len(docs))
        if unrecorded:  # the invoices it could read are in the ledger; the rest needs a corrected export
            first = unrecorded[0]
            detail = "".join(f"\n{f.render().splitlines()[0]}" for f in unrecorded[1:6])
            read = f" ({len(docs)} other invoice(s) in it were read)" if docs else ""
            self.quarantine(path, digest, first.rule, first.location.line, first.message + read,
                            first.hint or RESEND, detail)

    def _doc(self, invoice: PosInvoice, digest: str, found: list[InvoiceFinding]) -> DocRecord:
        error = next((f for f in found if f.is_error), None)
        early = invoice.invoice_date < self.config.start_date
        if early and error is None:
            return DocRecord(
                source_id=document_id(invoice), store=invoice.store, kind=invoice.kind.value, number=invoice.number,
                invoice_date=invoice.invoice_date, file_digest=digest, source=invoice_to_json(invoice),
                content_digest=content_digest(invoice), state="skipped", total=invoice.totals.gross,
                credit_of=invoice.credit_of, line=invoice.source.line, error_code="KS306",
                error_message=f"{invoice.kind.value} {invoice.number} of {invoice.invoice_date} is dated before "
                              f"start_date {self.config.start_date}: not synced",
                error_hint=f"nothing to do if it is in Fortnox already; to sync it after all: `kassasync sync "
                           f"--retry-failed --store {invoice.store} --from {invoice.invoice_date}`")
        return DocRecord(
            source_id=document_id(invoice), store=invoice.store, kind=invoice.kind.value, number=invoice.number,
            invoice_date=invoice.invoice_date, file_digest=digest, source=invoice_to_json(invoice),
            content_digest=content_digest(invoice), state="failed" if error else "planned",
            total=invoice.totals.gross, credit_of=invoice.credit_of, line=invoice.source.line,
            error_code=error.rule if error else None, error_message=error.message if error else None,
            error_hint=error.hint if error else None, error_permanent=True if error else None)

    def _payment(self, doc_id: str, store: str, payment: TillPayment) -> PaymentRecord:
        """The Fortnox account it debits is settled now (None: the tender is unknown, reported when it is paid)."""
        try:
            account: int | None = payment_account(payment, self.config, self.settings)
        except ValueError:
            account = None
        return PaymentRecord(key=payment_key(doc_id, payment), store=store, source_id=doc_id, pay_date=payment.date,
                             amount=payment.amount, tender=payment.tender, state="planned", account=account,
                             line=payment.line)

    def _store(self, docs: list[DocRecord], payments: list[PaymentRecord]) -> None:
        """New documents go in; a re-export of one already known replaces it while nothing was sent, and is held
        (KS517) once Fortnox has it: a sent invoice is corrected by a credit note, never changed."""
        known = {d.source_id: d for d in self.ledger.docs(source_ids=[d.source_id for d in docs])} if docs else {}
        fresh = []
        for doc in docs:
            before = known.get(doc.source_id)
            if before is None:
                fresh.append(doc)
            elif before.content_digest == doc.content_digest:
                continue
            elif before.state in ("planned", "failed", "skipped") and before.document_number is None:
                self.ledger.update_doc(doc.source_id, source=doc.source, content_digest=doc.content_digest,
                                       file_digest=doc.file_digest, line=doc.line, total=doc.total,
                                       invoice_date=doc.invoice_date, credit_of=doc.credit_of, state=doc.state,
                                       error_code=doc.error_code, error_message=doc.error_message,
                                       error_hint=doc.error_hint, error_permanent=doc.error_permanent)
            else:
                self.ledger.update_doc(doc.source_id, state="held", file_digest=doc.file_digest, error_code="KS517",
                                       error_message=f"invoice {doc.number} was exported again with other content "
                                                     f"after it was sent to Fortnox (Fortnox {before.document_number}"
                                                     "); the new content is not sent",
                                       error_hint="a sent invoice is corrected with a credit note: issue one in the "
                                                  "POS (and a new invoice if needed) and export them; the re-export "
                                                  "can then be deleted from the inbox", error_permanent=True)
        self.ledger.add_docs(fresh)
        self.ledger.add_payments(payments)


def ingest_invoices(config: StoreConfig, settings: InvoiceSettings, inbox: Inbox, ledger: InvoiceLedger, scan: Scan,
                    *, dry_run: bool, owner: OrgOwner | None = None) -> InvoiceIngest:
    """Every new invoice file of the store (`scan`: its settled files, scan_invoices): read, checked and recorded,
    or quarantined; a content read before is not read again."""
    reader = _Reader(config, settings, inbox, ledger, dry_run, owner)
    reader.result.unsettled += scan.unsettled
    for escaped in scan.escaped:
        reader.quarantine(escaped.path, items.file_digest(f"symlink:{escaped.target}".encode()), "KS316", 0,
                          _link_message(inbox, config, escaped), "copy the invoice file itself into the folder")
    for seen in scan.ready:
        reader.read(seen)
    return reader.result


def _link_message(inbox: Inbox, config: StoreConfig, escaped: Escaped) -> str:
    return (f"the invoice file is a symlink to {escaped.target}, outside the store's folder "
            f"{inbox.store_dir(config.store) / FOLDER}/: it is not followed")
