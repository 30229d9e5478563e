"""The whole-file model: identification, chart, dimensions, balances, budgets, vouchers and the diagnostics."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from pipeline.diagnostics import Diagnostic, Severity
from pipeline.sie.model import ObjectRef, SieVoucher


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or damaged file from taking unbounded time or memory."""

    max_line_bytes: int = 1 << 20
    max_voucher_rows: int = 100_000
    max_diagnostics: int = 1_000
    max_per_code: int = 20
    max_unknown_items: int = 1_000


@dataclass(frozen=True)
class SieFinancialYear:
    """#RAR: year 0 is the current financial year, -1 the previous one."""

    year: int
    start: date
    end: date
    line: int = 0


@dataclass
class SieAccount:
    """#KONTO with its #KTYP (T/S/K/I), #ENHET and #SRU codes."""

    number: str
    name: str | None = None
    type: str | None = None
    unit: str | None = None
    sru: list[str] = field(default_factory=list)
    line: int = 0


@dataclass(frozen=True)
class SieDimension:
    """#DIM, or #UNDERDIM when `parent` is set."""

    number: str
    name: str
    parent: str | None = None
    line: int = 0


@dataclass(frozen=True)
class SieObject:
    """#OBJEKT: an object id (a string, leading zeros kept) within a dimension."""

    dimension: str
    id: str
    name: str
    line: int = 0


class SieBalance(NamedTuple):
    """#IB/#UB/#RES/#OIB/#OUB/#PSALDO/#PBUDGET (a NamedTuple: there are many and they are read in bulk)."""

    kind: str  # the label without '#'
    year: int
    account: str
    amount: Decimal
    quantity: Decimal | None = None
    objects: tuple[ObjectRef, ...] = ()
    period: str | None = None  # YYYYMM, for PSALDO/PBUDGET
    line: int = 0


@dataclass(frozen=True)
class SieAddress:
    contact: str | None = None
    street: str | None = None
    postal: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class SieUnknownItem:
    """A label the reader does not know, kept with its fields (object lists as tuples) and line."""

    label: str
    fields: tuple[object, ...]
    line: int


@dataclass
class SieDocument:
    """Everything read from one SIE file. `rejected` is true when any diagnostic is an error."""

    name: str = ""
    encoding: str = "ascii"
    size: int = 0
    sha256: str = ""
    lines: int = 0
    flag: int | None = None
    program: str | None = None
    program_version: str | None = None
    format: str | None = None
    generated: date | None = None
    generated_by: str | None = None
    sie_type_declared: int | None = None
    prosa: str | None = None
    company_type: str | None = None
    company_id: str | None = None
    org_number: str | None = None
    sni_code: str | None = None
    address: SieAddress | None = None
    company: str | None = None
    financial_years: list[SieFinancialYear] = field(default_factory=list)
    tax_year: int | None = None
    balance_date: date | None = None
    chart_type: str | None = None
    currency: str | None = None
    accounts: dict[str, SieAccount] = field(default_factory=dict)
    dimensions: dict[str, SieDimension] = field(default_factory=dict)
    objects: dict[tuple[str, str], SieObject] = field(default_factory=dict)
    # Balance rows as read: (kind, year, account, amount text, quantity text, objects, period, line).
    # Their Decimals are built on first use of `balances`: most callers (the runner) never look.
    raw_balances: list[tuple[str, int, str, str, str | None, tuple[ObjectRef, ...], str | None, int]] = field(
        default_factory=list, repr=False)
    _balances: list[SieBalance] | None = field(default=None, repr=False, compare=False)
    vouchers: list[SieVoucher] = field(default_factory=list)
    unknown: list[SieUnknownItem] = field(default_factory=list)
    extra_fields: list[SieUnknownItem] = field(default_factory=list)  # fields past an item's last known one
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checksum: str = "absent"  # "absent" | "ok" | "mismatch"
    checksum_value: int | None = None  # the value the file states
    checksum_computed: int | None = None
    voucher_count: int = 0  # vouchers read (also counted when streaming, where `vouchers` stays empty)
    transaction_count: int = 0  # #TRANS rows of those vouchers
    debit_total: Decimal = Decimal(0)  # sum of the positive #TRANS amounts
    has_balances: bool = False  # any #IB/#UB/#RES/#OIB/#OUB/#PSALDO/#PBUDGET: marks 4E content
    error_count: int = 0
    warning_count: int = 0

    @property
    def balances(self) -> list[SieBalance]:
        """#IB/#UB/#RES/#OIB/#OUB/#PSALDO/#PBUDGET rows, typed (amounts as Decimal)."""
        if self._balances is None or len(self._balances) != len(self.raw_balances):
            self._balances = [
                SieBalance(kind, year, account, Decimal(amount), Decimal(qty) if qty else None, objects, period, line)
                for kind, year, account, amount, qty, objects, period, line in self.raw_balances]
        return self._balances

    @property
    def rejected(self) -> bool:
        return self.error_count > 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def rejection_reason(self) -> str | None:
        """The first error, rendered, for a quarantine note."""
        errors = self.errors
        return errors[0].render() if errors else None

    @property
    def sie_type(self) -> str:
        """"1", "2", "3", "4E" or "4I": type 4 is split by content (4I carries no balances)."""
        declared = self.sie_type_declared or 1
        if declared != 4:
            return str(declared)
        return "4E" if self.has_balances else "4I"

    @property
    def unbalanced(self) -> list[SieVoucher]:
        return [v for v in self.vouchers if any(f.kind == "unbalanced" for f in v.findings)]
