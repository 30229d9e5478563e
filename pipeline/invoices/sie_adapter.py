"""SIE 4I invoice journals (FAKT.SI) -> PosInvoices: one #VER per invoice, or a journal of several.

Each #TRANS row belongs to an invoice by object dimension 10 (invoice), or else by the store's text pattern
on the row or voucher text. A group of rows is an invoice when it books on the receivable account; its
revenue rows (classes 3-8) become account rows at the rate of the article group that books on that account,
its VAT rows the VAT per rate, a row on the rounding account the rounding, and rows on a till payment method's
account till payments. A group with a negative amount to pay is a credit note. Receivable rows against a
till account alone are till payments; against any other account (a bank) they are left to Fortnox.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.invoices.findings import InvoiceFinding, finding
from pipeline.invoices.model import (
    ZERO,
    InvoiceFile,
    InvoiceKind,
    InvoiceRow,
    InvoiceTotals,
    PosCustomer,
    PosInvoice,
    SourceRef,
    TillPayment,
    VatTotal,
)
from pipeline.invoices.settings import InvoiceSettings
from pipeline.sie import SieDocument, SieTransaction, SieVoucher, read_sie

INVOICE_DIM, CUSTOMER_DIM = "10", "8"
FIX_STORE = "add the account to the store file ({what}) or correct the POS's account plan and export again"


@dataclass
class _Group:
    """The rows of one invoice (or payment) within a voucher."""

    number: str | None
    rows: list[SieTransaction] = field(default_factory=list)


@dataclass
class _Roles:
    """Rows sorted by what their account is to the store."""

    receivable: list[SieTransaction] = field(default_factory=list)
    revenue: list[SieTransaction] = field(default_factory=list)
    vat: list[SieTransaction] = field(default_factory=list)
    rounding: list[SieTransaction] = field(default_factory=list)
    tender: list[SieTransaction] = field(default_factory=list)
    other: list[SieTransaction] = field(default_factory=list)


def read_sie_invoices(path: Path, config: StoreConfig, settings: InvoiceSettings) -> InvoiceFile:
    """The invoices of one SIE invoice journal; the SIE reader's own findings come first."""
    doc = read_sie(path)
    found = [InvoiceFinding(d) for d in doc.diagnostics]
    if doc.rejected:
        return InvoiceFile(doc.name, "sie", (), (), tuple(found))
    journal = _Journal(doc, config, settings)
    for voucher in doc.vouchers:
        journal.read(voucher)
    invoices, payments = journal.finish()
    return InvoiceFile(doc.name, "sie", invoices, payments, tuple(found + journal.findings))


class _Journal:
    def __init__(self, doc: SieDocument, config: StoreConfig, settings: InvoiceSettings) -> None:
        self.doc, self.config, self.settings = doc, config, settings
        self.path = doc.name
        self.findings: list[InvoiceFinding] = []
        self.invoices: dict[tuple[InvoiceKind, str], PosInvoice] = {}
        self.conflicts: set[tuple[InvoiceKind, str]] = set()
        self.payments: list[TillPayment] = []
        self.ignored: dict[str, list[int]] = {}  # why -> #VER lines
        self.tenders = {account: name for name, account in reversed(config.payment_methods.items())}
        self.vat_accounts = {r.vat_account for rows in config.article_groups.values() for r in rows if r.vat_account}
        self.rounding_account = settings.rounding_account or config.rounding_account

    # -- grouping ----------------------------------------------------------------------------------------

    def _fields(self, *texts: str | None) -> dict[str, str]:
        """The text pattern's named groups, first match wins per group (row texts before the voucher's)."""
        pattern = self.settings.sie.text_pattern
        out: dict[str, str] = {}
        if pattern is None:
            return out
        for text in texts:
            match = pattern.search(text or "")
            if match:
                for name, value in match.groupdict().items():
                    if value and name not in out:
                        out[name] = value.strip()
        return out

    def _row_number(self, row: SieTransaction) -> str | None:
        objects = dict(row.objects)
        return objects.get(INVOICE_DIM) or self._fields(row.text).get("invoice")

    def _groups(self, voucher: SieVoucher) -> tuple[list[_Group], list[SieTransaction]]:
        """The voucher's rows per invoice number, and the rows that name none when several invoices share it."""
        groups: dict[str | None, _Group] = {}
        numbered = [(self._row_number(row), row) for row in voucher.rows]
        numbers = list(dict.fromkeys(n for n, _row in numbered if n))
        if len(numbers) <= 1:
            number = numbers[0] if numbers else self._fields(voucher.text).get("invoice")
            return [_Group(number, list(voucher.rows))], []
        shared = []
        for number, row in numbered:
            if number is None:
                shared.append(row)
            else:
                groups.setdefault(number, _Group(number)).rows.append(row)
        return list(groups.values()), shared

    def _roles(self, rows: list[SieTransaction]) -> _Roles | None:
        roles = _Roles()
        for row in rows:
            account = _account(row)
            if account is None:  # the lenient SIE reader warns and keeps the row: here it stops the invoice
                self._error("KS502", f"account {row.account!r} is not a number, so the row's invoice is not read",
                            "correct the POS's account plan and export the journal again", row.line)
                return None
            if self.config.fortnox_account(account) == self.settings.receivable_account:
                roles.receivable.append(row)
            elif account == self.rounding_account:
                roles.rounding.append(row)
            elif account in self.vat_accounts:
                roles.vat.append(row)
            elif account in self.tenders:
                roles.tender.append(row)
            elif 3000 <= account <= 8999:
                roles.revenue.append(row)
            else:
                roles.other.append(row)
        return roles

    # -- reading a voucher -------------------------------------------------------------------------------

    def read(self, voucher: SieVoucher) -> None:
        groups, shared = self._groups(voucher)
        if shared:
            self._shared_payment(voucher, groups, shared)
            return
        for group in groups:
            roles = self._roles(group.rows)
            if roles is None:
                continue
            if not roles.receivable:
                self._ignore("not a customer invoice (no row on the receivable account)", voucher)
            elif roles.revenue or roles.vat:
                self._invoice(voucher, group, roles, single=len(groups) == 1)
            elif roles.tender and not roles.other:
                self._payments(voucher, group.number, roles.receivable, roles.tender)
            else:
                self._ignore("a payment not taken at the till (left to Fortnox's bank matching)", voucher)

    def _ignore(self, why: str, voucher: SieVoucher) -> None:
        self.ignored.setdefault(why, []).append(voucher.line)

    def _error(self, rule: str, message: str, hint: str, line: int, number: str | None = None) -> None:
        self.findings.append(finding(rule, message, hint, self.path, line, number))

    def _shared_payment(self, voucher: SieVoucher, groups: list[_Group], shared: list[SieTransaction]) -> None:
        """Several invoices in one voucher with rows naming none: only a payment of several invoices fits
        (Mamut writes one bank row for two invoices paid together)."""
        roles = [self._roles(g.rows) for g in groups]
        common = self._roles(shared)
        if common is None or any(r is None for r in roles):
            return
        if any(r.revenue or r.vat or r.tender or r.other or r.rounding for r in roles if r):
            self._error("KS506", f"voucher {voucher.voucher_id} holds several invoices "
                                 f"({', '.join(str(g.number) for g in groups)}) and rows that name none of them",
                        "export each invoice's rows with its invoice number (object dimension 10 or the text "
                        "the store's text_pattern reads)", voucher.line)
        elif common.tender and not (common.other or common.revenue or common.vat or common.receivable):
            if len({_account(r) for r in common.tender}) != 1:
                self._error("KS506", f"voucher {voucher.voucher_id} pays several invoices with several till "
                                     "payment methods: which invoice got which cannot be told",
                            "export one payment voucher per invoice", voucher.line)
                return
            for group, role in zip(groups, roles, strict=True):
                if role is not None:
                    self._payments(voucher, group.number, role.receivable, common.tender, split=True)
        else:
            self._ignore("a payment not taken at the till (left to Fortnox's bank matching)", voucher)

    def _payments(self, voucher: SieVoucher, number: str | None, receivable: list[SieTransaction],
                  tender: list[SieTransaction], split: bool = False) -> None:
        if number is None:
            self._error("KS506", f"voucher {voucher.voucher_id}: a till payment that names no invoice",
                        "export the payment with its invoice number", voucher.line)
            return
        paid = -sum((r.amount for r in receivable), ZERO)  # a credit on the receivable: money came in
        kind = InvoiceKind.INVOICE if paid >= 0 else InvoiceKind.CREDIT
        rows = tender[:1] if split else tender
        for row in rows:
            account = _account(row)
            amount = paid if split else row.amount
            self.payments.append(TillPayment(number, kind, voucher.row_date(row), self.tenders.get(account or 0, ""),
                                             amount, account, row.line))

    # -- building an invoice -----------------------------------------------------------------------------

    def _invoice(self, voucher: SieVoucher, group: _Group, roles: _Roles, single: bool) -> None:
        line = voucher.line if single else group.rows[0].line
        if group.number is None:
            self._error("KS506", f"voucher {voucher.voucher_id} books on the receivable account but names no "
                                 "invoice number", "export the invoice number as object dimension 10, or set "
                                 "invoices.sie.text_pattern to read it from the row text", line)
            return
        if roles.other:
            row = roles.other[0]
            self._error("KS507", f"invoice {group.number}: row on account {row.account} is neither revenue, VAT, "
                                 "rounding, the receivable nor a till payment method",
                        FIX_STORE.format(what="payment_methods or article_groups"), row.line, group.number)
            return
        day = voucher.row_date(roles.receivable[0])
        rows, vat = self._rows(group.number, roles, day)
        if rows is None or vat is None:
            return
        gross = sum((r.amount for r in roles.receivable + roles.tender), ZERO)
        net = sum((v.net for v in vat), ZERO)
        kind = InvoiceKind.CREDIT if gross < 0 or (gross == 0 and net < 0) else InvoiceKind.INVOICE
        texts = [r.text for r in group.rows] + [voucher.text]
        fields = self._fields(*texts)
        invoice = PosInvoice(
            store=self.config.store, number=group.number, kind=kind, invoice_date=day,
            customer=self._customer(group.rows, fields), rows=tuple(rows),
            totals=InvoiceTotals(vat=vat, rounding=-sum((r.amount for r in roles.rounding), ZERO), gross=gross),
            source=SourceRef(self.path, "sie", line, voucher.end_line if single else group.rows[-1].line),
            credit_of=fields.get("original") if kind is InvoiceKind.CREDIT else None,
            payments=tuple(TillPayment(group.number, kind, voucher.row_date(r),
                                       self.tenders.get(_account(r) or 0, ""), r.amount, _account(r), r.line)
                           for r in roles.tender),
        )
        self._keep(invoice)

    def _rows(self, number: str, roles: _Roles, day: date
              ) -> tuple[list[InvoiceRow] | None, tuple[VatTotal, ...] | None]:
        in_force = self.config.article_rows_on(day)
        rows: list[InvoiceRow] = []
        nets: dict[Decimal, Decimal] = {}
        for row in roles.revenue:
            account = _account(row) or 0
            rates = sorted({g.vat_rate for g in in_force.values() if g.revenue == account})
            if len(rates) != 1:
                what = "no article group" if not rates else "article groups with different VAT rates"
                self._error("KS507", f"invoice {number}: revenue account {account} has {what} in force on {day}, "
                                     "so its VAT rate is unknown", FIX_STORE.format(what="article_groups"),
                            row.line, number)
                return None, None
            net = -row.amount
            declared = self.doc.accounts.get(row.account)
            text = (declared.name if declared and declared.name else None) or row.text or f"Konto {account}"
            rows.append(InvoiceRow(text=text, quantity=Decimal(1 if net >= 0 else -1), unit_price=abs(net),
                                   vat_rate=rates[0], vat_included=False, account=account, line=row.line))
            nets[rates[0]] = nets.get(rates[0], ZERO) + net
        vats: dict[Decimal, tuple[Decimal, set[int]]] = {}
        for row in roles.vat:
            account = _account(row) or 0
            rates = sorted({g.vat_rate for g in in_force.values() if g.vat_account == account})
            if len(rates) != 1:
                self._error("KS507", f"invoice {number}: VAT account {account} belongs to "
                                     f"{'no article group' if not rates else 'several VAT rates'} on {day}",
                            FIX_STORE.format(what="article_groups"), row.line, number)
                return None, None
            amount, accounts = vats.get(rates[0], (ZERO, set()))
            vats[rates[0]] = (amount - row.amount, accounts | {account})
        totals = tuple(
            VatTotal(rate, nets.get(rate, ZERO), vats.get(rate, (ZERO, set()))[0],
                     _only(vats.get(rate, (ZERO, set()))[1]))
            for rate in sorted(set(nets) | set(vats), reverse=True))
        return rows, totals

    def _customer(self, rows: list[SieTransaction], fields: dict[str, str]) -> PosCustomer:
        pos_id = next((dict(r.objects)[CUSTOMER_DIM] for r in rows if CUSTOMER_DIM in dict(r.objects)), None)
        pos_id = pos_id or fields.get("customer")
        declared = self.doc.objects.get((CUSTOMER_DIM, pos_id)) if pos_id else None
        return PosCustomer(pos_id=pos_id, name=(declared.name if declared else None) or fields.get("name"))

    def _keep(self, invoice: PosInvoice) -> None:
        key = (invoice.kind, invoice.number)
        first = self.invoices.get(key)
        if first is None and key not in self.conflicts:
            self.invoices[key] = invoice
            return
        if first is not None and _same(first, invoice):
            return  # the same invoice written twice: once is enough
        self.conflicts.add(key)
        self.invoices.pop(key, None)
        where = f"line {first.source.line}" if first else "earlier"
        self._error("KS510", f"{invoice.kind.value} {invoice.number} appears twice with different rows ({where} "
                             f"and line {invoice.source.line}); neither is synced",
                    "export the journal again from the POS; if the invoice was changed, it needs a credit note",
                    invoice.source.line, invoice.number)

    def finish(self) -> tuple[tuple[PosInvoice, ...], tuple[TillPayment, ...]]:
        """The invoices with the till payments found for them, and the payments of invoices not in the file."""
        for why, lines in self.ignored.items():
            self.findings.append(finding("KS514", f"{len(lines)} voucher(s) skipped: {why}", "nothing to do",
                                         self.path, lines[0]))
        invoices = dict(self.invoices)
        orphans = []
        for payment in self.payments:
            key = (payment.kind, payment.invoice_number)
            if key in invoices:
                invoice = invoices[key]
                invoices[key] = dataclasses.replace(invoice, payments=(*invoice.payments, payment))
            elif key not in self.conflicts:
                orphans.append(payment)
        return tuple(invoices.values()), tuple(orphans)


def _account(row: SieTransaction) -> int | None:
    return int(row.account) if row.account.isdigit() else None


def _only(accounts: set[int]) -> int | None:
    return next(iter(accounts)) if len(accounts) == 1 else None


def _same(a: PosInvoice, b: PosInvoice) -> bool:
    """The same content, wherever in the file it was written."""
    def rows(invoice: PosInvoice) -> list[InvoiceRow]:
        return [dataclasses.replace(r, line=0) for r in invoice.rows]
    return (rows(a), a.totals, a.customer, a.invoice_date) == (rows(b), b.totals, b.customer, b.invoice_date)

