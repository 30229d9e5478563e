"""What one run of a store's invoice stream did and what it left, for the run summary, `sync --json` and status."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InvoiceResult:
    state: str = "ok"  # ok | failed | attention | error | dry-run
    invoices: int = 0  # invoices booked in Fortnox by this run (taken over ones included)
    credits: int = 0  # credit notes booked by this run
    payments: int = 0  # till payments registered and booked by this run
    customers_created: int = 0
    found: int = 0  # documents found in Fortnox by their source id and taken over, not created again
    deferred: int = 0  # credit notes waiting for their original to be booked
    failed: int = 0  # documents and payments failed after this run (all dates)
    held: int = 0  # documents re-exported with other content after they were sent (KS517)
    pending: int = 0  # outcome unknown, searched for on the next run
    planned: int = 0  # read, not sent yet (dry run: would be sent)
    files_read: int = 0
    files_quarantined: int = 0
    files_archived: int = 0
    files_waiting: int = 0
    message: str | None = None  # a stream-wide problem (credentials, scope, Fortnox unreachable)
    hint: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    attention: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    would_post: list[dict[str, Any]] = field(default_factory=list)
    booked: list[dict[str, Any]] = field(default_factory=list)  # what this run booked: POS number -> Fortnox number

    @property
    def ok(self) -> bool:
        return (self.state in ("ok", "dry-run") and not self.failed and not self.files_quarantined
                and not self.held)

    @property
    def posted(self) -> int:
        return self.invoices + self.credits + self.payments
