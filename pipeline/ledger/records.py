"""What the ledger hands out: plain records of its rows (vouchers, files, days, marks), and the rules that read
them (a day's state, a problem's line)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

ONE_DAY = timedelta(days=1)


def now() -> datetime:
    """UTC, without tzinfo: SQLite keeps none, so both databases hold the same naive UTC value."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class VoucherRecord:
    key: str
    store: str
    business_date: date
    file_digest: str
    ver_id: str
    marker: str
    source: str
    state: str
    payload: str | None = None
    payload_digest: str | None = None
    series: str | None = None
    number: int | None = None
    year: int | None = None
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    error_permanent: bool | None = None
    findings: str | None = None
    posted_at: datetime | None = None
    updated_at: datetime | None = None
    store_commit: str | None = None  # the git commit of the store file it was mapped with (`<sha>-dirty`)


VOUCHER_FIELDS = [f for f in VoucherRecord.__dataclass_fields__]


def voucher_from_row(row: sa.Row[Any]) -> VoucherRecord:
    data = row._mapping
    return VoucherRecord(**{name: data[name] for name in VOUCHER_FIELDS})


@dataclass(frozen=True)
class FileRecord:
    store: str
    digest: str
    path: str
    name: str
    state: str
    note: str | None
    voucher_count: int
    first_seen_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WaitingFile:
    """A file still in the inbox (state `read`), with the business dates and states of its vouchers."""

    digest: str
    path: str
    name: str
    dates: tuple[date, ...] = ()
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unposted:
    """A voucher not posted: what a run's counts and its list of failures need of it."""

    key: str
    business_date: date
    state: str
    error_code: str | None
    error_message: str | None
    error_hint: str | None
    error_permanent: bool | None


@dataclass(frozen=True)
class DayStatus:
    """One store's business day as the status page shows it."""

    store: str
    business_date: date
    state: str  # posted | failed | held | pending | planned | skipped
    vouchers: int
    posted: int
    failed: int
    held: int = 0  # re-exports after posting waiting for a decision (KS312, `kassasync correct`)
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    error_permanent: bool | None = None
    fortnox: tuple[str, ...] = ()  # "F 12 (year 3)" per posted voucher


@dataclass(frozen=True)
class ProblemFile:
    """A failed or held voucher's day file (`path` where the ledger last saw it) and line in it."""

    key: str
    store: str
    business_date: date
    state: str
    path: str | None
    line: int


@dataclass(frozen=True)
class Mark:
    """A store's reconciled-through mark (pipeline/ledger/marks.py)."""

    from_date: date
    through_date: date

    def covers(self, day: date) -> bool:
        return day >= self.from_date

    def joined(self, first: date, last: date) -> Mark | None:
        """The mark grown by a looked-up range that touches or overlaps it; None when there is a gap between."""
        if last < self.from_date - ONE_DAY or first > self.through_date + ONE_DAY:
            return None
        return Mark(min(self.from_date, first), max(self.through_date, last))


@dataclass(frozen=True)
class FoundVoucher:
    """A voucher found in Fortnox by its marker, with the idempotency key the marker stands for."""

    key: str
    kind: str
    marker: str
    business_date: date
    series: str
    number: int
    year: int


@dataclass
class Recorded:
    """What recording found vouchers changed in the ledger."""

    added: list[str] = field(default_factory=list)  # keys the ledger did not know
    corrected: list[tuple[str, str]] = field(default_factory=list)  # (key, state before): now posted, Fortnox's numbers
    unchanged: int = 0
    mark: Mark | None = None  # the store's mark afterwards


def problem_line(code: str | None, findings: str | None, source: str) -> int:
    """The line a voucher's problem points at: its finding's line when a mapping finding stopped it, else the
    line of its (first) #VER."""
    for finding in json.loads(findings or "[]"):
        if finding.get("rule") == code and finding.get("line"):
            return int(finding["line"])
    vouchers_in = json.loads(source or "[]")
    return int(vouchers_in[0].get("line") or 0) if vouchers_in else 0


def day_state(states: Iterable[str]) -> str:
    """A day's state from its vouchers' states: any failure wins, then a re-export held for a decision, then
    work in flight, then done."""
    found = set(states)
    for state in ("failed", "held", "pending", "planned"):
        if state in found:
            return state
    return "posted" if "posted" in found else "skipped"
