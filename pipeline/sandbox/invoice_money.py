"""The sandbox's model of Fortnox's invoice arithmetic [U], and the vouchers that bookkeeping an invoice or a
payment makes.

Fortnox does not document how it computes VAT or öre rounding (reference invoices.md §3.3). The model: a row's
total is quantity × price rounded to öre (both rounded to two decimals first, half up, as the recorded
exchanges show); VAT is rounded once per rate, net × rate or, with VATIncluded, gross × rate / (100 + rate);
RoundOff brings the total to whole kronor when the company rounds invoices (a seed setting, off by default).
kassasync's own model (`pipeline.invoices.model.totals_from_rows`) is the same, so a difference is a real one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pipeline.sandbox.voucher_rules import RowIn, VoucherIn

ORE = Decimal("0.01")
RECEIVABLES = 1510  # [U] the predefined CUSTCLAIM account of a fresh company
ROUND_OFF_ACCOUNT = 3740  # [U] the predefined ROUNDOFF account
VAT_ACCOUNTS = {25: 2611, 12: 2621, 6: 2631}  # OUTVAT_MP1/2/3
VAT_RATES = frozenset({0, *VAT_ACCOUNTS})
INVOICE_SERIES = "B"  # [U] customer invoices are booked in series B by default
PAYMENT_SERIES = "C"  # [U] customer payments in series C


def round2(value: Decimal) -> Decimal:
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One invoice row as the arithmetic needs it."""

    account: int
    vat: int
    total: Decimal  # quantity × price, rounded: with VAT when the invoice's prices include it


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    round_off: Decimal
    revenue: dict[int, Decimal] = field(default_factory=dict)  # account -> net credited at bookkeeping
    vat_by_rate: dict[int, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.net + self.vat + self.round_off


def totals(lines: list[Line], vat_included: bool, whole_kronor: bool) -> Totals:
    """Net, VAT, rounding and the revenue per account of an invoice's rows (see the module docstring)."""
    by_rate: dict[int, list[Line]] = {}
    for line in lines:
        by_rate.setdefault(line.vat, []).append(line)
    revenue: dict[int, Decimal] = {}
    vat_by_rate: dict[int, Decimal] = {}
    for rate, group in by_rate.items():
        amount = sum((line.total for line in group), Decimal(0))
        vat = round2(amount * rate / (100 + rate)) if vat_included else round2(amount * rate / 100)
        vat_by_rate[rate] = vat
        net_rows = _nets(group, rate, vat_included, amount - vat if vat_included else amount)
        for line, net in zip(group, net_rows, strict=True):
            revenue[line.account] = revenue.get(line.account, Decimal(0)) + net
    net = sum(revenue.values(), Decimal(0))
    vat_sum = sum(vat_by_rate.values(), Decimal(0))
    before = net + vat_sum
    round_off = (before.quantize(Decimal(1), rounding=ROUND_HALF_UP) - before) if whole_kronor else Decimal(0)
    return Totals(net, vat_sum, round_off, revenue, vat_by_rate)


def _nets(group: list[Line], rate: int, vat_included: bool, net: Decimal) -> list[Decimal]:
    """Each row's share of the rate's net; with VAT included the öre left over goes to the largest row, so the
    shares add up to the net exactly."""
    if not vat_included:
        return [line.total for line in group]
    shares = [line.total - round2(line.total * rate / (100 + rate)) for line in group]
    if shares:
        largest = max(range(len(shares)), key=lambda i: abs(group[i].total))
        shares[largest] += net - sum(shares, Decimal(0))
    return shares


def _row(account: int, amount: Decimal) -> RowIn:
    """A voucher row from a signed amount: positive is a debit, negative a credit (a credit invoice's rows)."""
    debit, credit = (amount, Decimal(0)) if amount > 0 else (Decimal(0), -amount)
    return RowIn(account, debit, credit, None, None, None, None)


def invoice_voucher(number: int, day: date, money: Totals) -> VoucherIn:
    """What bookkeeping an invoice books: the receivable against revenue, VAT and rounding."""
    signed: dict[int, Decimal] = {RECEIVABLES: money.total}
    for account, net in money.revenue.items():
        signed[account] = signed.get(account, Decimal(0)) - net
    for rate, vat in money.vat_by_rate.items():
        if vat:
            account = VAT_ACCOUNTS[rate]
            signed[account] = signed.get(account, Decimal(0)) - vat
    if money.round_off:
        signed[ROUND_OFF_ACCOUNT] = signed.get(ROUND_OFF_ACCOUNT, Decimal(0)) - money.round_off
    rows = tuple(_row(account, amount) for account, amount in sorted(signed.items()) if amount)
    return VoucherIn(INVOICE_SERIES, day, f"Kundfaktura {number}", None, None, rows)


def payment_voucher(number: int, invoice: int, day: date, account: int, amount: Decimal) -> VoucherIn:
    """What bookkeeping an invoice payment books: the payment account against the receivable."""
    rows = (_row(account, amount), _row(RECEIVABLES, -amount))
    return VoucherIn(PAYMENT_SERIES, day, f"Inbetalning {number} faktura {invoice}", None, None, rows)


def ocr(number: int) -> str:
    """The OCR Fortnox derives from a DocumentNumber in recorded responses: the number, a length digit (the
    length with both check digits, mod 10), and a Luhn check digit (39 -> 3947, 18 -> 1842)."""
    base = f"{number}{(len(str(number)) + 2) % 10}"
    total = 0
    for i, char in enumerate(reversed(base)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{base}{(10 - total % 10) % 10}"
