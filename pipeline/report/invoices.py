"""The invoice stream in status and the report: per store and day what happened to its POS invoices, every
failure with its fix, and (guard clearing) the clearing account's running balance. The model and its build are
pure; `collect_invoices` is the I/O edge (the invoice ledger and the posted vouchers' rows).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pipeline.config.model import StoreConfig

ZERO = Decimal(0)
# Day states of the invoice row, in the legend's order; a day without invoices is blank.
INVOICE_SYMBOLS = {"booked": "✓", "failed": "✗", "held": "!", "waiting": "…", "none": " "}
INVOICE_LABELS = {"booked": "booked", "failed": "stopped", "held": "re-export held", "waiting": "waiting",
                  "none": "no invoices"}
INVOICE_MEANINGS = {"booked": "every invoice, credit note and till payment of the day is booked in Fortnox",
                    "failed": "an invoice or till payment was stopped: see the fix",
                    "held": "an invoice already sent was exported again with other content (KS517)",
                    "waiting": "read, not booked yet: the next sync goes on", "none": "no invoices that day"}


@dataclass(frozen=True)
class InvoiceProblem:
    """A document, till payment or file that needs a person (failed, held) or waits, with where and the fix."""

    day: date | None
    code: str
    message: str
    fix: str | None
    file: str | None = None
    line: int = 0
    key: str | None = None

    @property
    def where(self) -> str | None:
        if not self.file:
            return None
        return f"{self.file}, line {self.line}" if self.line else self.file

    def to_json(self) -> dict[str, object]:
        return {"date": self.day.isoformat() if self.day else None, "code": self.code, "message": self.message,
                "fix": self.fix, "file": self.file, "line": self.line, "key": self.key}


@dataclass(frozen=True)
class InvoiceDay:
    day: date
    state: str  # booked | failed | held | waiting | none
    documents: int = 0
    booked: int = 0

    @property
    def symbol(self) -> str:
        return INVOICE_SYMBOLS[self.state]

    def to_json(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), "state": self.state, "documents": self.documents, "booked": self.booked}


@dataclass(frozen=True)
class ClearingBalance:
    """Guard clearing: what the day vouchers parked on the clearing account and the invoices have not cleared."""

    account: int
    balance: Decimal
    open_since: date | None  # the first day of the run of days the balance has not been back at 0
    days_open: int
    limit_days: int  # invoices.clearing_open_days

    @property
    def needs_attention(self) -> bool:
        return self.balance != 0 and self.days_open > self.limit_days

    @property
    def text(self) -> str:
        if self.balance == 0:
            return f"account {self.account}: 0.00, every parked invoiced sale is cleared by its invoice"
        since = f" since {self.open_since.isoformat()} ({self.days_open} days)" if self.open_since else ""
        what = "parked and not cleared" if self.balance > 0 else "cleared by invoices more than the days parked"
        text = f"account {self.account}: {self.balance} {what}{since}"
        if self.needs_attention:
            text += (f"; open longer than {self.limit_days} days: check that each invoice of those days reached "
                     "Fortnox (failed invoices above) and that the day files book the \"Faktura\" tender on it")
        return text

    def to_json(self) -> dict[str, object]:
        return {"account": self.account, "balance": str(self.balance),
                "open_since": self.open_since.isoformat() if self.open_since else None, "days_open": self.days_open,
                "limit_days": self.limit_days, "needs_attention": self.needs_attention}


@dataclass(frozen=True)
class StoreInvoices:
    guard: str
    days: tuple[InvoiceDay, ...]  # the status window, oldest first
    booked: int  # documents booked in Fortnox, all dates
    credits: int = 0  # of those, credit notes
    payments: int = 0  # till payments booked
    failed: tuple[InvoiceProblem, ...] = ()
    held: tuple[InvoiceProblem, ...] = ()
    waiting: tuple[InvoiceProblem, ...] = ()
    clearing: ClearingBalance | None = None

    @property
    def needs_attention(self) -> bool:
        return bool(self.failed or self.held or (self.clearing and self.clearing.needs_attention))

    @property
    def text(self) -> str:
        """What Fortnox holds, in words: `3 invoices, 1 credit note and 1 till payment booked`."""
        invoices = self.booked - self.credits
        parts = [f"{invoices} invoice{'' if invoices == 1 else 's'}"]
        if self.credits:
            parts.append(f"{self.credits} credit note{'' if self.credits == 1 else 's'}")
        if self.payments:
            parts.append(f"{self.payments} till payment{'' if self.payments == 1 else 's'}")
        listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        return f"{listed} booked"

    def to_json(self) -> dict[str, object]:
        return {"guard": self.guard, "booked": self.booked, "credits": self.credits, "payments": self.payments,
                "needs_attention": self.needs_attention,
                "failed": [p.to_json() for p in self.failed], "held": [p.to_json() for p in self.held],
                "waiting": [p.to_json() for p in self.waiting],
                "clearing": self.clearing.to_json() if self.clearing else None,
                "days": [d.to_json() for d in self.days]}


@dataclass(frozen=True)
class DocState:
    """What the build needs of one document or till payment from the ledger."""

    day: date
    state: str  # the ledger state: planned | pending | created | booked | failed | held | skipped
    problem: InvoiceProblem | None = None
    kind: str = "invoice"  # invoice | credit | payment (a till payment)


def _day_state(states: set[str]) -> str:
    for state, shown in (("failed", "failed"), ("held", "held")):
        if state in states:
            return shown
    if states & {"planned", "pending", "created"}:
        return "waiting"
    return "booked" if "booked" in states else "none"


def build_invoices(guard: str, items: Sequence[DocState], window: Sequence[date],
                   quarantined: Sequence[InvoiceProblem] = (), clearing: ClearingBalance | None = None) -> StoreInvoices:
    """One store's invoice status from its documents and payments (pure)."""
    by_day: dict[date, list[DocState]] = {}
    for item in items:
        by_day.setdefault(item.day, []).append(item)
    days = tuple(InvoiceDay(day, _day_state({i.state for i in by_day.get(day, [])} - {"skipped"}),
                            sum(1 for i in by_day.get(day, []) if i.state != "skipped"),
                            sum(1 for i in by_day.get(day, []) if i.state == "booked")) for day in window)
    newest = sorted(items, key=lambda i: i.day, reverse=True)
    return StoreInvoices(
        guard=guard, days=days, booked=sum(1 for i in items if i.state == "booked" and i.kind != "payment"),
        credits=sum(1 for i in items if i.state == "booked" and i.kind == "credit"),
        payments=sum(1 for i in items if i.state == "booked" and i.kind == "payment"),
        failed=tuple(quarantined) + tuple(i.problem for i in newest if i.state == "failed" and i.problem),
        held=tuple(i.problem for i in newest if i.state == "held" and i.problem),
        waiting=tuple(i.problem for i in newest if i.state in ("planned", "pending", "created") and i.problem),
        clearing=clearing)


def clearing_balance(account: int, movements: Mapping[date, Decimal], today: date, limit_days: int) -> ClearingBalance:
    """The running balance of the clearing account from its movements per day (parked positive, cleared negative),
    and since when it has not been back at 0 (pure)."""
    running, since = ZERO, None
    for day in sorted(movements):
        before = running
        running += movements[day]
        if running == 0:
            since = None
        elif since is None or (before > 0) != (running > 0):
            since = day
    return ClearingBalance(account, running, since, (today - since).days if since else 0, limit_days)


def voucher_movements(payloads: Iterable[tuple[date, str | None]], account: int) -> dict[date, Decimal]:
    """Per business date, what the posted day vouchers booked on the account (debit positive)."""
    found: dict[date, Decimal] = {}
    for day, payload in payloads:
        for row in json.loads(payload or "{}").get("rows", []):
            if int(row["account"]) == account:
                found[day] = found.get(day, ZERO) + Decimal(row["debit"]) - Decimal(row["credit"])
    return found


def collect_invoices(ledger: Any, configs: Mapping[str, StoreConfig], window: Sequence[date],
                     today: date, relative: Any) -> dict[str, StoreInvoices]:
    """Every invoice store's status from the ledger (`relative`: a path as found under the inbox)."""
    from pipeline.ledger.invoices import InvoiceLedger

    if not any(c.invoice_sync and c.invoices is not None for c in configs.values()):
        return {}
    books = InvoiceLedger(ledger)
    found: dict[str, StoreInvoices] = {}
    quarantined: dict[str, list[InvoiceProblem]] = {}
    for record in books.all_quarantined():
        quarantined.setdefault(record.store, []).append(InvoiceProblem(
            None, (record.note or "").split(" ", 1)[0] or "quarantined", f"invoice file {record.name} was not used: "
            f"{(record.note or '').split(' ', 1)[-1]}", f"read the note {record.path}.why.txt: it says what is wrong "
            "and how to release the file", relative(record.path)))
    for store, config in configs.items():
        if not config.invoice_sync or config.invoices is None:
            continue
        files = {f.digest: relative(f.path) for f in books.files(store)}
        items = [DocState(d.invoice_date, d.state, _problem(d.invoice_date, d.error_code, d.error_message,
                                                          d.error_hint, files.get(d.file_digest), d.line, d.source_id),
                          d.kind) for d in books.docs(store)]
        docs = {d.source_id: d for d in books.docs(store)}
        for p in books.payments(store):
            owner = docs.get(p.source_id)
            state = p.state if owner is not None or p.state in ("failed", "booked") else "planned"
            code = p.error_code or ("KS519" if owner is None else "")
            message = p.error_message or (f"a till payment of {p.amount} for {p.source_id}, which kassasync has not "
                                          "read: it waits for the invoice" if owner is None else "")
            items.append(DocState(p.pay_date, "pending" if state in ("planned", "created") else state,
                                  _problem(p.pay_date, code, message, p.error_hint or "export the invoice from the POS "
                                           "too", files.get(owner.file_digest) if owner else None, p.line, p.key),
                                  "payment"))
        found[store] = build_invoices(config.invoices.guard, items, window, quarantined.get(store, ()),
                                      _clearing(ledger, books, config, today))
    return found


def _problem(day: date, code: str | None, message: str | None, hint: str | None, file: str | None, line: int,
             key: str) -> InvoiceProblem | None:
    if not message:
        return None
    return InvoiceProblem(day, code or "", message, hint, file, line, key)


def _clearing(ledger: Any, books: Any, config: StoreConfig, today: date) -> ClearingBalance | None:
    settings = config.invoices
    if settings is None or settings.guard != "clearing" or settings.clearing_account is None:
        return None
    account = settings.clearing_account
    moves = voucher_movements(((r.business_date, r.payload) for r in ledger.store_vouchers(config.store,
                                                                                          states=["posted"])), account)
    for day, total in books.booked_totals(config.store).items():  # an invoice moves its amount off the account
        moves[day] = moves.get(day, ZERO) - total
    for day, paid in books.booked_payments(config.store, account).items():  # a till payment on it: Dr account
        moves[day] = moves.get(day, ZERO) + paid
    return clearing_balance(account, moves, today, settings.clearing_open_days)
