"""The status model: per store and business day what happened (posted, failed, missing, ...), as plain data.

Built by `pipeline.report.build.build_status` (pure) and rendered as text, JSON or HTML by
`pipeline.report.render`. JSON output is versioned: `JSON_FORMAT` changes only when a field is removed or
changes meaning; new fields may appear at any time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.fleet.jobs import StoreJobs
    from pipeline.report.invoices import StoreInvoices

JSON_FORMAT = 1

# Day states, in the order the legend shows them.
POSTED, FAILED, HELD, PENDING, MISSING, SKIPPED, BEFORE_START, NOT_YET_DUE, NOT_STARTED = (
    "posted", "failed", "held", "pending", "missing", "skipped", "before_start", "not_yet_due", "not_started")
DAY_STATES = (POSTED, FAILED, HELD, PENDING, MISSING, SKIPPED, BEFORE_START, NOT_YET_DUE, NOT_STARTED)

# What each state means to a person; the text and HTML renderers both use these words (never colour alone).
STATE_LABELS = {
    POSTED: "posted",
    FAILED: "failed",
    HELD: "re-export held",
    PENDING: "waiting",
    MISSING: "missing",
    SKIPPED: "skipped",
    BEFORE_START: "before start",
    NOT_YET_DUE: "not yet due",
    NOT_STARTED: "not started",
}
STATE_SYMBOLS = {
    POSTED: "✓", FAILED: "✗", HELD: "!", PENDING: "…", MISSING: "?", SKIPPED: "–", BEFORE_START: "«",
    NOT_YET_DUE: "·", NOT_STARTED: " ",
}
STATE_MEANINGS = {
    POSTED: "every voucher of the day is in Fortnox",
    FAILED: "a voucher was not posted, or the day file could not be read; see the fix",
    HELD: "the POS exported the day again after it was posted, with other amounts: decide with `kassasync correct`",
    PENDING: "read but not posted yet, or a post whose outcome is being checked; the next sync settles it",
    MISSING: "no day file arrived for this business day",
    SKIPPED: "nothing to post (already posted from another file, or nothing in it)",
    BEFORE_START: "a day file arrived for a day before start_date: not posted (KS306 says how, if it should be)",
    NOT_YET_DUE: "today or later: the POS has not closed the day yet",
    NOT_STARTED: "before the store's start_date, or before its first day file arrived",
}


@dataclass(frozen=True)
class StoreInfo:
    """What status needs of a store file (or of a store the ledger knows but no file declares)."""

    store: str
    name: str
    start_date: date | None
    configured: bool = True  # False: in the ledger, but no store file says so any more
    settle_seconds: int = 120  # how long its day files must be unchanged before a sync reads them


@dataclass(frozen=True)
class DayCell:
    """One store's business day."""

    day: date
    state: str
    vouchers: int = 0
    posted: int = 0
    failed: int = 0
    code: str | None = None
    message: str | None = None
    fix: str | None = None
    permanent: bool | None = None
    fortnox: tuple[str, ...] = ()
    file: str | None = None  # the day file of the problem, as found under the inbox
    line: int = 0  # its line (0: the file as a whole)

    @property
    def where(self) -> str | None:
        """`file, line N`, or the file alone, or None."""
        if not self.file:
            return None
        return f"{self.file}, line {self.line}" if self.line else self.file

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]

    def to_json(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(), "state": self.state, "vouchers": self.vouchers, "posted": self.posted,
            "failed": self.failed, "code": self.code, "message": self.message, "fix": self.fix,
            "permanent": self.permanent, "fortnox": list(self.fortnox), "file": self.file, "line": self.line,
        }


@dataclass(frozen=True)
class DayRange:
    """Consecutive days (inclusive), e.g. a run of missing days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __str__(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def to_json(self) -> dict[str, object]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "days": self.days}


@dataclass(frozen=True)
class DriftItem:
    """One line of a store's last plan: a change apply would make, a warning, or a blocker."""

    kind: str  # change | warning | blocker
    rule: str
    text: str
    fix: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "rule": self.rule, "text": self.text, "fix": self.fix}


@dataclass(frozen=True)
class StoreDrift:
    """A store's part of the last recorded plan."""

    status: str  # clean | changes | blocked
    items: tuple[DriftItem, ...] = ()

    @property
    def changes(self) -> int:
        return sum(1 for i in self.items if i.kind == "change")

    @property
    def blockers(self) -> int:
        return sum(1 for i in self.items if i.kind == "blocker")

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "changes": self.changes, "blockers": self.blockers,
                "items": [i.to_json() for i in self.items]}


@dataclass(frozen=True)
class PlanRecord:
    """The last plan `kassasync plan --json-out` wrote, as far as status cares."""

    path: str
    recorded_at: datetime | None
    stores: dict[str, StoreDrift] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"path": self.path,
                "recorded_at": self.recorded_at.isoformat(timespec="seconds") if self.recorded_at else None}


@dataclass(frozen=True)
class UndatedFile:
    """A quarantined day file whose business date is unknown (its name holds no date)."""

    name: str
    path: str
    note: str | None


@dataclass(frozen=True)
class SettlingFile:
    """A day file in the inbox that the next sync leaves alone: not settled yet (the till may still write it)."""

    name: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class ReconciledMonth:
    """A store's last month reconciled (`kassasync reconcile`): agreed ✓ or not ✗, with the differences."""

    month: str  # YYYY-MM
    agreed: bool
    only_manual: bool  # the only differences are vouchers booked by hand
    reconciled_at: datetime
    differences: tuple[dict[str, object], ...] = ()  # as `reconcile --format json` lists them

    @property
    def symbol(self) -> str:
        return "✓" if self.agreed else "✗"

    @property
    def text(self) -> str:
        if self.agreed:
            return f"{self.month} ✓ Fortnox agrees with the till to the öre"
        count = len(self.differences)
        what = " (vouchers booked by hand only)" if self.only_manual else ""
        return f"{self.month} ✗ {count} difference{'s' if count != 1 else ''}{what}"

    def to_json(self) -> dict[str, object]:
        return {"month": self.month, "agreed": self.agreed, "only_manual": self.only_manual,
                "reconciled_at": self.reconciled_at.isoformat(timespec="seconds"),
                "differences": list(self.differences)}


@dataclass(frozen=True)
class StoreStatus:
    info: StoreInfo
    last_posted_day: date | None
    first_file_day: date | None  # the earliest business date any file delivered
    cells: tuple[DayCell, ...]  # every day of the window, oldest first
    failed: tuple[DayCell, ...]  # every failed day (whole history), newest first
    pending: tuple[DayCell, ...]  # every day still in flight, newest first
    missing: tuple[DayRange, ...]  # every missing run of days (whole history), newest first
    not_started: DayRange | None  # start_date .. day before the first file, when there is such a gap
    undated: tuple[UndatedFile, ...] = ()
    drift: StoreDrift | None = None
    posted_days: int = 0
    inbox_files: int = 0  # day files waiting in the inbox folder (not read by a sync yet, or not all posted)
    held: tuple[DayCell, ...] = ()  # re-exports after posting waiting for `kassasync correct`, newest first
    before_start: tuple[DayCell, ...] = ()  # days before start_date a day file arrived for, newest first
    settling: tuple[SettlingFile, ...] = ()  # day files the next sync leaves alone until they have settled
    reconciled: ReconciledMonth | None = None  # the last month `kassasync reconcile` compared
    invoices: StoreInvoices | None = None  # the invoice stream, for stores with invoice_sync (report/invoices.py)
    jobs: StoreJobs | None = None  # the store's fleet jobs (None: no job engine, the embedded runner)

    @property
    def store(self) -> str:
        return self.info.store

    @property
    def missing_days(self) -> int:
        return sum(r.days for r in self.missing)

    @property
    def needs_attention(self) -> bool:
        return bool(self.failed or self.held or self.missing or self.undated
                    or (self.drift and self.drift.status != "clean")
                    or (self.reconciled and not self.reconciled.agreed and not self.reconciled.only_manual)
                    or (self.invoices is not None and self.invoices.needs_attention)
                    or (self.jobs is not None and self.jobs.failed > 0))


@dataclass(frozen=True)
class StatusModel:
    today: date
    window: tuple[date, ...]  # the days the grid shows, oldest first
    stores: tuple[StoreStatus, ...]
    plan: PlanRecord | None = None
    generated_at: datetime | None = None

    def totals(self) -> dict[str, int]:
        return {
            "stores": len(self.stores),
            "attention": sum(1 for s in self.stores if s.needs_attention),
            "failed_days": sum(len(s.failed) for s in self.stores),
            "held_days": sum(len(s.held) for s in self.stores),
            "missing_days": sum(s.missing_days for s in self.stores),
            "pending_days": sum(len(s.pending) for s in self.stores),
            "drifting_stores": sum(1 for s in self.stores if s.drift and s.drift.status != "clean"),
        }
