"""PosInvoice: one invoice (or credit note) issued in the POS, normalised from any adapter, with its totals.

Money is Decimal kronor at öre precision. A credit note carries negative quantities and negative totals, as
Fortnox writes a credit invoice made from scratch; payments carry the sign of the money's direction (a refund
at the till on a credit note is negative).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pipeline.invoices.findings import InvoiceFinding

ORE = Decimal("0.01")
ZERO = Decimal(0)


def to_ore(value: Decimal) -> Decimal:
    """Rounded to öre, half up (how Fortnox rounds prices and row totals in the recorded exchanges)."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT = "credit"


@dataclass(frozen=True)
class Address:
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166 alpha-2, e.g. "SE"


@dataclass(frozen=True)
class PosCustomer:
    """The customer as the POS knows it; any field may be missing (a SIE journal carries little)."""

    pos_id: str | None = None
    name: str | None = None
    org_number: str | None = None
    email: str | None = None
    address: Address | None = None

    def key(self, name: str) -> str | None:
        """The value of one customer-matching key: "pos_id", "org_number" or "email"."""
        value: str | None = getattr(self, name)
        return value


@dataclass(frozen=True)
class InvoiceRow:
    """One line of the invoice. `account` is a POS account (as the SIE file or export writes it) and
    `article_group` a POS article group; at least one of them says where the revenue goes."""

    text: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal  # percent: 25, 12, 6, 0
    vat_included: bool
    account: int | None = None
    article_group: str | None = None
    line: int = 0

    @property
    def amount(self) -> Decimal:
        """Quantity times price, rounded to öre: including VAT when `vat_included`, else excluding it."""
        return to_ore(self.quantity * self.unit_price)

    @property
    def net(self) -> Decimal:
        """The row's amount without VAT, unrounded when the price includes VAT (VAT is rounded per rate)."""
        if not self.vat_included:
            return self.amount
        return self.amount * 100 / (100 + self.vat_rate)


@dataclass(frozen=True)
class VatTotal:
    """Net and VAT at one rate; `account` is the POS VAT account when the source names one."""

    rate: Decimal
    net: Decimal
    vat: Decimal
    account: int | None = None


@dataclass(frozen=True)
class InvoiceTotals:
    """The invoice's totals as the source states them: net and VAT per rate, öre rounding, gross (to pay)."""

    vat: tuple[VatTotal, ...]
    rounding: Decimal
    gross: Decimal

    @property
    def net(self) -> Decimal:
        return sum((v.net for v in self.vat), ZERO)

    @property
    def vat_amount(self) -> Decimal:
        return sum((v.vat for v in self.vat), ZERO)

    def at_rate(self, rate: Decimal) -> VatTotal | None:
        return next((v for v in self.vat if v.rate == rate), None)


@dataclass(frozen=True)
class TillPayment:
    """A payment of a POS invoice taken at the till (cash, card, Swish), as opposed to a bank payment."""

    invoice_number: str
    kind: InvoiceKind  # the kind of the document paid, so its source id can be found
    date: date
    tender: str  # the POS payment method's name, e.g. "Kontant"
    amount: Decimal
    account: int | None = None  # the POS account the tender books on, when the source names one
    line: int = 0


@dataclass(frozen=True)
class SourceRef:
    """Where an invoice was read: the file, its format, and the lines it spans (1-based; 0 when unknown)."""

    path: str
    format: str  # "sie" | "csv"
    line: int = 0
    end_line: int = 0


@dataclass(frozen=True)
class PosInvoice:
    store: str
    number: str  # the POS invoice number, as written
    kind: InvoiceKind
    invoice_date: date
    customer: PosCustomer
    rows: tuple[InvoiceRow, ...]
    totals: InvoiceTotals
    source: SourceRef
    credit_of: str | None = None  # a credit note's original invoice number, when the source says
    due_date: date | None = None  # None: Fortnox computes it from the payment terms
    payments: tuple[TillPayment, ...] = ()

    @property
    def is_credit(self) -> bool:
        return self.kind is InvoiceKind.CREDIT

    @property
    def vat_included(self) -> bool | None:
        """The price basis of all rows (Fortnox takes one per invoice); None when the rows mix them."""
        bases = {row.vat_included for row in self.rows}
        return bases.pop() if len(bases) == 1 else (False if not bases else None)


def totals_from_rows(rows: Iterable[InvoiceRow], rounding: Decimal = ZERO) -> InvoiceTotals:
    """The totals the rows give, VAT rounded per rate (the model the sandbox uses for Fortnox, which does
    not document its own): VAT = net × rate, or gross × rate / (100 + rate) when prices include VAT."""
    stated: dict[tuple[Decimal, bool], Decimal] = {}
    for row in rows:
        key = (row.vat_rate, row.vat_included)
        stated[key] = stated.get(key, ZERO) + row.amount
    per_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for (rate, included), amount in stated.items():
        if included:
            vat = to_ore(amount * rate / (100 + rate))
            net = amount - vat
        else:
            net, vat = amount, to_ore(amount * rate / 100)
        old_net, old_vat = per_rate.get(rate, (ZERO, ZERO))
        per_rate[rate] = (old_net + net, old_vat + vat)
    vat_totals = tuple(VatTotal(rate, net, vat) for rate, (net, vat) in sorted(per_rate.items(), reverse=True))
    net_sum = sum((v.net for v in vat_totals), ZERO)
    vat_sum = sum((v.vat for v in vat_totals), ZERO)
    return InvoiceTotals(vat=vat_totals, rounding=rounding, gross=net_sum + vat_sum + rounding)


@dataclass(frozen=True)
class InvoiceFile:
    """What an adapter read from one file: the invoices, till payments of invoices not in the file (to be
    matched to invoices read earlier), and the findings. A file-level error means nothing in it is used."""

    path: str
    format: str  # "sie" | "csv"
    invoices: tuple[PosInvoice, ...]
    payments: tuple[TillPayment, ...]
    findings: tuple[InvoiceFinding, ...]

    @property
    def rejected(self) -> bool:
        return any(f.is_error and f.invoice is None for f in self.findings)

    def findings_for(self, number: str) -> list[InvoiceFinding]:
        return [f for f in self.findings if f.invoice == number]
