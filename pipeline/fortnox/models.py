"""Typed Fortnox objects (responses and the voucher we post). Money is Decimal; PascalCase stays at the edge."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class CompanyInformation:
    company_name: str
    organization_number: str
    database_number: int  # == tenant id


@dataclass(frozen=True)
class FinancialYear:
    id: int
    from_date: date
    to_date: date
    accounting_method: str = "ACCRUAL"

    def covers(self, day: date) -> bool:
        return self.from_date <= day <= self.to_date


ALLOWED, MANDATORY, NOTALLOWED = "ALLOWED", "MANDATORY", "NOTALLOWED"  # an account's CostCenterSettings


@dataclass(frozen=True)
class Account:
    number: int
    description: str
    active: bool
    year: int  # financial year id
    vat_code: str | None = None
    cost_center_settings: str = ALLOWED  # whether rows on it may (ALLOWED), must or must not carry one


@dataclass(frozen=True)
class VoucherSeries:
    code: str
    description: str
    manual: bool
    year: int  # financial year id
    next_voucher_number: int | None = None


@dataclass(frozen=True)
class CostCenter:
    code: str
    description: str
    active: bool = True


@dataclass(frozen=True)
class VoucherRowDraft:
    account: int
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    description: str | None = None
    cost_center: str | None = None
    transaction_information: str | None = None


@dataclass(frozen=True)
class VoucherDraft:
    """A voucher to post: what the mapping produces and `create_voucher` sends."""

    voucher_series: str
    transaction_date: date
    description: str
    rows: tuple[VoucherRowDraft, ...]
    comments: str | None = None
    cost_center: str | None = None

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), Decimal(0))


@dataclass(frozen=True)
class VoucherRow:
    account: int
    debit: Decimal
    credit: Decimal
    description: str | None = None
    cost_center: str | None = None
    transaction_information: str | None = None
    removed: bool = False


@dataclass(frozen=True)
class Voucher:
    """A voucher as Fortnox holds it. List responses carry no rows (`rows` is then empty); `comments` is None
    when the response left the field out (list items in Fortnox's older documentation), "" when it was empty."""

    voucher_series: str
    voucher_number: int
    year: int  # financial year id
    transaction_date: date
    description: str
    comments: str | None = None
    cost_center: str | None = None
    rows: tuple[VoucherRow, ...] = field(default=())
