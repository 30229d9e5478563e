"""Checks on one PosInvoice before any Fortnox call: its rows, totals, VAT, customer keys and till payments."""
from __future__ import annotations

from decimal import Decimal

from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.invoices.findings import InvoiceFinding, finding
from pipeline.invoices.model import ZERO, InvoiceKind, PosInvoice, totals_from_rows
from pipeline.invoices.settings import InvoiceSettings
from pipeline.mapping.vat import check_vat

RESEND = "correct the invoice in the POS and export it again"


def validate_invoice(invoice: PosInvoice, config: StoreConfig, settings: InvoiceSettings) -> list[InvoiceFinding]:
    """Every finding for one invoice; any error means the invoice must not be sent to Fortnox."""
    found = _shape(invoice, config) + _sums(invoice)
    if settings.guard == "unticked":  # the invoice carries revenue and VAT: its accounts and rates must hold
        accounts = _accounts(invoice, config)
        found += accounts
        if not accounts and not any(f.rule == "KS503" for f in found):
            found += _vat(invoice, config)
    found += _customer(invoice, settings) + _payments(invoice, config, settings)
    return found


def _at(invoice: PosInvoice, rule: str, message: str, hint: str, line: int = 0) -> InvoiceFinding:
    return finding(rule, f"invoice {invoice.number}: {message}", hint, invoice.source.path,
                   line or invoice.source.line, invoice.number)


def _shape(invoice: PosInvoice, config: StoreConfig) -> list[InvoiceFinding]:
    out = []
    word = "credit note" if invoice.is_credit else "invoice"
    if not invoice.rows:
        out.append(_at(invoice, "KS511", "has no rows", RESEND))
    if invoice.kind is InvoiceKind.INVOICE and invoice.totals.gross < 0:
        out.append(_at(invoice, "KS511", f"is an invoice with a negative amount to pay ({invoice.totals.gross})",
                       f"{RESEND}; a credit note must be exported as one (its own number, the original's number)"))
    if invoice.kind is InvoiceKind.CREDIT and invoice.totals.gross > 0:
        out.append(_at(invoice, "KS511", f"is a credit note with a positive amount ({invoice.totals.gross})",
                       f"{RESEND}; a credit note's amounts are negative"))
    if invoice.rows and invoice.vat_included is None:
        out.append(_at(invoice, "KS511", "mixes prices with and without VAT; a Fortnox invoice takes one basis",
                       f"{RESEND} with one price basis for all rows"))
    for row in invoice.rows:
        if row.vat_rate != row.vat_rate.to_integral_value() or not 0 <= row.vat_rate < 100:
            out.append(_at(invoice, "KS511", f"row {row.text!r} has VAT rate {row.vat_rate} %; Fortnox takes whole "
                                             "percent from 0 to 99", RESEND, row.line))
    if invoice.credit_of is not None and invoice.credit_of == invoice.number:
        out.append(_at(invoice, "KS511", f"{word} says it credits itself", RESEND))
    if invoice.due_date is not None and invoice.due_date < invoice.invoice_date:
        out.append(_at(invoice, "KS511", f"due date {invoice.due_date} is before the invoice date "
                                         f"{invoice.invoice_date}", RESEND))
    return out


def _sums(invoice: PosInvoice) -> list[InvoiceFinding]:
    """Rows against the stated net per rate (gross per rate where prices include VAT), and the totals' sum."""
    out = []
    stated, computed = invoice.totals, totals_from_rows(invoice.rows)
    included = invoice.vat_included is True
    for rate in sorted({v.rate for v in stated.vat} | {v.rate for v in computed.vat}, reverse=True):
        have, want = computed.at_rate(rate), stated.at_rate(rate)
        rows_sum = ZERO if have is None else have.net + (have.vat if included else ZERO)
        said = ZERO if want is None else want.net + (want.vat if included else ZERO)
        if rows_sum != said:
            what = "gross" if included else "net"
            out.append(_at(invoice, "KS503", f"the rows at {rate.normalize()} % VAT add up to {rows_sum} but the "
                                             f"invoice states {what} {said} at that rate", RESEND))
    total = stated.net + stated.vat_amount + stated.rounding
    if total != stated.gross:
        out.append(_at(invoice, "KS504", f"net {stated.net} + VAT {stated.vat_amount} + rounding {stated.rounding} "
                                         f"= {total}, but the amount to pay is {stated.gross}", RESEND))
    return out


def _groups_on(config: StoreConfig, invoice: PosInvoice) -> dict[str, ArticleGroupRow]:
    return config.article_rows_on(invoice.invoice_date)


def revenue_account(row_account: int | None, group: str | None, in_force: dict[str, ArticleGroupRow]) -> int | None:
    """The POS revenue account of a row: its own account, else its article group's on the invoice date."""
    if row_account is not None:
        return row_account
    found = in_force.get(group) if group is not None else None
    return None if found is None else found.revenue


def _accounts(invoice: PosInvoice, config: StoreConfig) -> list[InvoiceFinding]:
    """Each row must land on a revenue account an article group books on that day, at that group's rate."""
    out = []
    in_force = _groups_on(config, invoice)
    hint = (f"add the row's account or article group to article_groups in stores/{config.store}.yaml "
            "(with its VAT account and rate, in force on the invoice date), or correct the POS export")
    for row in invoice.rows:
        if row.article_group is not None and row.account is None and row.article_group not in in_force:
            out.append(_at(invoice, "KS507", f"row {row.text!r}: article group {row.article_group} has no row in "
                                             f"force on {invoice.invoice_date}", hint, row.line))
            continue
        account = revenue_account(row.account, row.article_group, in_force)
        if account is None:
            out.append(_at(invoice, "KS507", f"row {row.text!r} names neither an account nor an article group",
                           hint, row.line))
            continue
        rates = {g.vat_rate for g in in_force.values() if g.revenue == account}
        if not rates:
            out.append(_at(invoice, "KS507", f"row {row.text!r}: account {account} is not the revenue account of an "
                                             f"article group in force on {invoice.invoice_date}", hint, row.line))
        elif row.vat_rate not in rates:
            listed = ", ".join(f"{r.normalize()} %" for r in sorted(rates))
            out.append(_at(invoice, "KS507", f"row {row.text!r} has VAT {row.vat_rate.normalize()} % but the article "
                                             f"groups on account {account} have {listed}", hint, row.line))
    for total in invoice.totals.vat if not out else ():  # a row's finding already names the rate
        if total.vat and total.account is None and vat_account_for(total.rate, in_force) is None:
            out.append(_at(invoice, "KS507", f"no article group in force on {invoice.invoice_date} has VAT rate "
                                             f"{total.rate.normalize()} %, so the VAT has no account", hint))
    return out


def vat_account_for(rate: Decimal, in_force: dict[str, ArticleGroupRow]) -> int | None:
    """The POS VAT account of a rate: the lowest of the article groups in force at that rate."""
    accounts = sorted({g.vat_account for g in in_force.values() if g.vat_rate == rate and g.vat_account})
    return accounts[0] if accounts else None


def pos_amounts(invoice: PosInvoice, config: StoreConfig) -> dict[int, Decimal]:
    """The invoice as POS-account totals with the daily stream's sign (credit negative): revenue per row
    account, VAT per VAT account. This is the shape mapping.vat.check_vat judges."""
    in_force = _groups_on(config, invoice)
    amounts: dict[int, Decimal] = {}
    for row in invoice.rows:
        account = revenue_account(row.account, row.article_group, in_force)
        if account is not None:
            amounts[account] = amounts.get(account, ZERO) - row.net
    for total in invoice.totals.vat:
        account = total.account or vat_account_for(total.rate, in_force)
        if account is not None and total.vat:
            amounts[account] = amounts.get(account, ZERO) - total.vat
    return amounts


def _vat(invoice: PosInvoice, config: StoreConfig) -> list[InvoiceFinding]:
    """The daily stream's VAT check (KS304) on the invoice, then a warning where Fortnox's VAT, computed from
    the rows, will differ by öre from the POS's (the invoice would stop at the total comparison after POST)."""
    out: list[InvoiceFinding] = []
    if "KS304" not in config.rules_disable:
        for item in check_vat(pos_amounts(invoice, config), config, invoice.invoice_date, invoice.source.line):
            out.append(InvoiceFinding(item.to_diagnostic(invoice.source.path), invoice.number))
    if out:
        return out
    computed = totals_from_rows(invoice.rows)
    for stated in invoice.totals.vat:
        mine = computed.at_rate(stated.rate)
        if mine is not None and mine.vat != stated.vat:
            out.append(_at(invoice, "KS505", f"VAT at {stated.rate.normalize()} % is {stated.vat} in the POS but "
                                             f"{mine.vat} when computed from the rows as Fortnox does",
                           "check the POS's and Fortnox's öre-rounding settings; kassasync stops the invoice "
                           "unbooked if Fortnox's total differs after it is created"))
    return out


def _customer(invoice: PosInvoice, settings: InvoiceSettings) -> list[InvoiceFinding]:
    out = []
    customer = invoice.customer
    if not any(customer.key(key) for key in settings.customer_matching):
        keys = ", ".join(settings.customer_matching)
        out.append(_at(invoice, "KS508", f"the customer ({customer.name or 'no name'}) has none of {keys}",
                       "export the POS customer number with the invoice (object dimension 8, or the customer "
                       "group in invoices.sie.text_pattern, or the customer_id column), or add a key to "
                       "invoices.customer_matching"))
    if not customer.name:
        out.append(_at(invoice, "KS516", "the customer has no name; if no Fortnox customer matches, none can be "
                                         "created", "export the customer's name with the invoice"))
    return out


def _payments(invoice: PosInvoice, config: StoreConfig, settings: InvoiceSettings) -> list[InvoiceFinding]:
    out = []
    paid = sum((p.amount for p in invoice.payments), ZERO)
    gross = invoice.totals.gross
    if invoice.payments and (paid * gross < 0 or abs(paid) > abs(gross)):
        out.append(_at(invoice, "KS513", f"till payments of {paid} on an amount to pay of {gross}", RESEND))
    for payment in invoice.payments:
        if payment.date < invoice.invoice_date:
            out.append(_at(invoice, "KS512", f"a till payment dated {payment.date}, before the invoice date "
                                             f"{invoice.invoice_date}; it is registered on the invoice date",
                           "nothing to do if the customer paid in advance; otherwise correct the date in the POS",
                           payment.line))
        if (settings.till_payment_account is None and payment.account is None
                and payment.tender not in config.payment_methods):
            out.append(_at(invoice, "KS507", f"till payment by {payment.tender!r}: not a payment method of the "
                                             "store", f"add {payment.tender} to payment_methods in "
                                             f"stores/{config.store}.yaml, or set invoices.till_payment_account",
                           payment.line))
    return out
