"""What a store-month's reconciliation found, as plain data: the accounts side by side and every difference.

`to_json` is the store's part of `kassasync reconcile --format json` (format 1, docs/reconcile.md): fields may
be added, existing ones keep their meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pipeline.errors import UserError

JSON_FORMAT = 1
ZERO = Decimal("0.00")

# The kinds of difference, in the order a report lists them.
NO_VOUCHER = "no_voucher"  # a day with sales in the till and no voucher in Fortnox
NOT_IN_FORTNOX = "not_in_fortnox"  # the ledger says posted, Fortnox's series has no such voucher
NOT_IN_LEDGER = "not_in_ledger"  # a voucher with kassasync's marker the ledger does not know (or not as posted)
TWICE = "twice"  # the same marker on two vouchers
CHANGED = "changed"  # a voucher changed in Fortnox since it was posted
REVERSED = "reversed"  # a voucher reversed in Fortnox (a mirrored voucher books it away)
HELD = "held"  # a re-export after posting, waiting for `kassasync correct`
CORRECTION = "correction"  # a correction voucher decided, not in Fortnox yet
PENDING = "pending"  # a voucher whose POST's outcome is not known yet
ACCOUNT = "account"  # an account whose month total differs between the till and Fortnox
POS_REPORT = "pos_report"  # an account whose total in the POS's own account report differs from the day files
MANUAL = "manual"  # a voucher booked by hand in the store's series (no kassasync marker)
KINDS = (NO_VOUCHER, NOT_IN_FORTNOX, NOT_IN_LEDGER, TWICE, CHANGED, REVERSED, HELD, CORRECTION, PENDING, ACCOUNT,
         POS_REPORT, MANUAL)
TITLES = {
    NO_VOUCHER: "day with sales, no voucher", NOT_IN_FORTNOX: "posted, not in Fortnox",
    NOT_IN_LEDGER: "in Fortnox, not in the ledger", TWICE: "voucher twice", CHANGED: "changed in Fortnox",
    REVERSED: "reversed in Fortnox", HELD: "re-export held", CORRECTION: "correction not posted",
    PENDING: "outcome unknown", ACCOUNT: "account total differs", POS_REPORT: "POS report differs",
    MANUAL: "booked by hand",
}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text.strip())
        if not found:
            raise UserError(f"--month {text!r} is not a month", "write it as YYYY-MM, e.g. --month 2026-11")
        return cls(int(found[1]), int(found[2]))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def money(value: Decimal) -> str:
    """An amount as the reports show it: to the öre, with a point."""
    return str(value.quantize(ZERO))


@dataclass(frozen=True)
class Difference:
    """One way the till, the ledger and Fortnox disagree, with its cause and its fix."""

    kind: str
    day: date | None
    message: str  # what differs, with the voucher, file or account
    cause: str  # why (as far as kassasync can tell)
    fix: str  # what to do
    accounts: tuple[int, ...] = ()
    voucher: str | None = None  # "F 12 (year 1)"
    key: str | None = None  # kassasync's idempotency key, where there is one
    amount: Decimal | None = None  # the voucher's total (debit), or the account's difference

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "date": self.day.isoformat() if self.day else None,
                "message": self.message,
                "cause": self.cause, "fix": self.fix, "accounts": list(self.accounts), "voucher": self.voucher,
                "key": self.key, "amount": money(self.amount) if self.amount is not None else None}


@dataclass(frozen=True)
class DayAmounts:
    """One day's figures on one account, where the till and Fortnox differ."""

    day: date
    till: Decimal
    fortnox: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "till": money(self.till), "fortnox": money(self.fortnox),
                "difference": money(self.fortnox - self.till)}


@dataclass(frozen=True)
class AccountLine:
    """One Fortnox account's month total in each column (debit minus credit, as in SIE)."""

    account: int
    name: str
    till: Decimal
    ledger: Decimal
    fortnox: Decimal
    pos_report: Decimal | None = None
    days: tuple[DayAmounts, ...] = ()  # the days whose till and Fortnox figures differ on this account

    @property
    def difference(self) -> Decimal:
        """Fortnox minus the till."""
        return self.fortnox - self.till

    @property
    def agrees(self) -> bool:
        return (self.till == self.fortnox == self.ledger
                and (self.pos_report is None or self.pos_report == self.till))

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "name": self.name, "till": money(self.till), "ledger": money(self.ledger),
                "fortnox": money(self.fortnox),
                "pos_report": money(self.pos_report) if self.pos_report is not None else None,
                "difference": money(self.difference), "agrees": self.agrees,
                "days": [d.to_json() for d in self.days]}


@dataclass(frozen=True)
class Counts:
    """How many of what each side holds for the month, and what it cost in Fortnox."""

    till_reports: int = 0  # Z-reports (or days, voucher.per: day) in the month's day files
    till_files: int = 0
    ledger_posted: int = 0  # vouchers the ledger says are posted for the month
    fortnox_vouchers: int = 0  # vouchers in the store's series for the month
    fortnox_kassasync: int = 0  # of those, with kassasync's marker of this store
    manual: int = 0  # of those, booked by hand (no marker)
    read_one_by_one: int = 0  # vouchers read from Fortnox by this reconciliation (GET each)

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class StoreMonth:
    """One store's month: the accounts in the till, the ledger, Fortnox (and the POS's report), and differences."""

    store: str
    name: str
    month: Month
    first: date  # the first and last business day compared (the month, from start_date, up to today)
    last: date
    accounts: list[AccountLine] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    include_manual: bool = False
    verify_rows: bool = False
    pos_report: str | None = None  # the POS report's file, when one was given
    notes: list[str] = field(default_factory=list)  # what the reader should know (a month not over yet, ...)

    @property
    def agreed(self) -> bool:
        return not self.differences

    @property
    def only_manual(self) -> bool:
        """Differences, and every one is a voucher booked by hand (`--detailed-exitcode` exits 2)."""
        return bool(self.differences) and all(d.kind == MANUAL for d in self.differences)

    def totals(self) -> dict[str, str]:
        columns = {"till": ZERO, "ledger": ZERO, "fortnox": ZERO}
        for line in self.accounts:
            for name in columns:
                value = getattr(line, name)
                columns[name] += value if value > 0 else 0  # the debit side: what a voucher list sums
        return {name: money(value) for name, value in columns.items()}

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "name": self.name, "month": str(self.month), "from": self.first.isoformat(),
                "to": self.last.isoformat(), "agreed": self.agreed, "only_manual": self.only_manual,
                "include_manual": self.include_manual, "verify_rows": self.verify_rows,
                "pos_report": self.pos_report, "counts": self.counts.to_json(), "debit_totals": self.totals(),
                "accounts": [a.to_json() for a in self.accounts],
                "differences": [d.to_json() for d in self.differences], "notes": list(self.notes)}
