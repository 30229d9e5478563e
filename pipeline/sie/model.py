"""The typed model of a SIE file: identification, chart, dimensions, balances, periods, budgets, vouchers.

Amounts are Decimal, dates are dates, object ids and account numbers stay the strings the file wrote.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

ObjectRef = tuple[str, str]  # (dimension number, object id), both strings as written
_Date = date  # the field `date` shadows the type inside SieVoucher; mypy needs this alias there


@dataclass(frozen=True)
class SieFinding:
    """Something the reader noticed about one voucher, e.g. kind "unbalanced" with the amount it is off by."""

    kind: str  # "unbalanced" | "rtrans_unpaired" | "too_many_rows"
    code: str  # the diagnostic code, e.g. "SIE301"
    message: str
    amount: Decimal | None = None
    line: int = 0


class SieTransaction(NamedTuple):
    """One #TRANS (or #RTRANS/#BTRANS) row. Positive amount = debit, negative = credit.

    A NamedTuple (like SieBalance): immutable and hashable, read by attribute; rows are most of a file, and
    a tuple is built in one step where a frozen dataclass makes nine attribute stores."""

    account: str
    amount: Decimal
    objects: tuple[ObjectRef, ...] = ()
    date: date | None = None  # the row's own date; see SieVoucher.rows for the fallback
    text: str | None = None
    quantity: Decimal | None = None
    sign: str | None = None
    kind: str = "TRANS"  # "TRANS" | "RTRANS" | "BTRANS"
    line: int = 0


@dataclass
class SieVoucher:
    """One #VER with its rows. `rows` holds the #TRANS rows used for posting (see sie-format.md §5)."""

    series: str
    number: str
    date: date
    text: str | None = None
    reg_date: _Date | None = None
    sign: str | None = None
    rows: list[SieTransaction] = field(default_factory=list)
    added_rows: list[SieTransaction] = field(default_factory=list)  # #RTRANS, for history
    removed_rows: list[SieTransaction] = field(default_factory=list)  # #BTRANS, for history
    line: int = 0
    end_line: int = 0
    findings: list[SieFinding] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        """Sum of the posting rows; zero when the voucher balances."""
        return sum((row.amount for row in self.rows), Decimal(0))

    @property
    def is_balanced(self) -> bool:
        return self.balance == 0

    @property
    def voucher_id(self) -> str:
        """A stable id within the file: series and number as written, else the line of the #VER."""
        if self.series or self.number:
            return f"{self.series}:{self.number}"
        return f"line{self.line}"

    def row_date(self, row: SieTransaction) -> _Date:
        return row.date or self.date


_NEW = object.__new__


def new_voucher(series: str, number: str, day: date, text: str | None, reg_date: date | None, sign: str | None,
                line: int) -> SieVoucher:
    """The same object as SieVoucher(series, number, day, text, reg_date, sign, line=line), its attributes
    stored in field order without the dataclass's four list() calls: the reader makes one per #VER.
    tests/sie/test_sie_api.py checks it against the constructor."""
    voucher = _NEW(SieVoucher)
    voucher.series = series
    voucher.number = number
    voucher.date = day
    voucher.text = text
    voucher.reg_date = reg_date
    voucher.sign = sign
    voucher.rows = []
    voucher.added_rows = []
    voucher.removed_rows = []
    voucher.line = line
    voucher.end_line = 0
    voucher.findings = []
    return voucher
