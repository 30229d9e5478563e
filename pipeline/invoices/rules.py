"""The store-file rules of the invoice stream (KS130-KS137), as pure checks of StoreConfig + InvoiceSettings.

pipeline/config/invoice_rules.py registers them with `validate` (file and line come from the key path);
docs/invoices.md lists them. Rule KS114 (the POS checkbox) applies to guard `unticked` only: guard `clearing`
needs the box ticked (KS134).
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.config.model import StoreConfig
from pipeline.diagnostics import Severity
from pipeline.invoices.settings import InvoiceSettings

PROPOSED_RULES: dict[str, tuple[Severity, str]] = {
    "KS130": (Severity.ERROR, "invoice_sync: true without an invoices: section"),
    "KS131": (Severity.ERROR, "the clearing or till-payment account is the customer receivable account"),
    "KS132": (Severity.ERROR, "the clearing account is also a payment method, revenue or VAT account"),
    "KS133": (Severity.ERROR, "guard: clearing, but the POS's invoiced sales do not land on the clearing account"),
    "KS134": (Severity.ERROR, "guard: clearing, but the POS leaves invoiced sales out of the Z-report"),
    "KS135": (Severity.WARNING, "the SIE adapter has no rounding account: rounding rows stop their invoices"),
    "KS136": (Severity.ERROR, "receivable_account is not a class 1 (asset) account"),
    "KS137": (Severity.WARNING, "an invoices: section while invoice_sync is false: it is not used"),
}


@dataclass(frozen=True)
class SetupProblem:
    rule: str
    path: tuple[str | int, ...]  # the key path in the store file, as the config rules write it
    message: str
    hint: str

    @property
    def severity(self) -> Severity:
        return PROPOSED_RULES[self.rule][0]


def setup_problems(config: StoreConfig, settings: InvoiceSettings | None) -> list[SetupProblem]:
    """Every proposed rule's problems for one store; `validate` blocks an invoice set-up that books a sale twice."""
    if settings is None:
        if config.invoice_sync:
            return [SetupProblem("KS130", ("invoice_sync",), "invoice_sync is true but there is no invoices: "
                                 "section, so nothing says how the POS's invoices are read or kept from being "
                                 "booked twice", "add an invoices: section (docs/invoices.md) or set "
                                 "invoice_sync: false")]
        return []
    out: list[SetupProblem] = []
    if not config.invoice_sync:
        out.append(SetupProblem("KS137", ("invoices",), "invoice_sync is false, so the invoices: section is not "
                                "used", "set invoice_sync: true to sync the POS's invoices, or remove the section"))
    receivable = settings.receivable_account
    if not 1000 <= receivable <= 1999:
        out.append(SetupProblem("KS136", ("invoices", "receivable_account"), f"receivable_account {receivable} is "
                                "not in class 1", "use Fortnox's customer receivable account, usually 1510"))
    for key in ("clearing_account", "till_payment_account"):
        if getattr(settings, key) == receivable:
            out.append(SetupProblem("KS131", ("invoices", key), f"{key} {receivable} is the customer receivable "
                                    "account; the invoice would clear its own receivable and the sale would stay "
                                    "booked twice", "use a dedicated account, e.g. 1518 Ej reskontraförda "
                                    "kundfordringar, chosen with the accountant"))
    if settings.guard == "clearing" and settings.clearing_account is not None:
        out += _clearing(config, settings.clearing_account)
    if settings.adapter == "sie" and settings.rounding_account is None and config.rounding_account is None:
        out.append(SetupProblem("KS135", ("invoices", "rounding_account"), "no rounding account: an invoice with an "
                                "öre-rounding row cannot be read", "set invoices.rounding_account (or the store's "
                                "rounding_account) to the POS's rounding account, e.g. 3740"))
    return out


def _clearing(config: StoreConfig, clearing: int) -> list[SetupProblem]:
    out = []
    path: tuple[str | int, ...] = ("invoices", "clearing_account")
    invoiced = set(config.invoiced_sales_accounts)
    uses = [(f"payment method {name}", a) for name, a in config.payment_methods.items() if a not in invoiced]
    for group, rows in config.article_groups.items():
        for row in rows:
            uses.append((f"article group {group}'s revenue", row.revenue))
            if row.vat_account is not None:
                uses.append((f"article group {group}'s VAT", row.vat_account))
    for what, pos_account in uses:
        if config.fortnox_account(pos_account) == clearing:
            out.append(SetupProblem("KS132", path, f"clearing account {clearing} is also the {what} account; its "
                                    "balance would no longer show what the invoices have yet to clear",
                                    "give the clearing account no other use (BAS 1518 fits)"))
    if not config.include_invoiced_in_account_report:
        out.append(SetupProblem("KS134", ("pos", "include_invoiced_in_account_report"), "guard is clearing but the "
                                "POS leaves invoiced sales out of its Z-report, so their revenue and VAT would never "
                                "be booked (the invoice only moves the receivable)", "tick \"include invoiced in "
                                "account report\" in the POS and set pos.include_invoiced_in_account_report: true, "
                                "or use guard: unticked"))
    if not invoiced:
        out.append(SetupProblem("KS133", ("pos", "invoiced_sales_accounts"), "guard is clearing but "
                                "pos.invoiced_sales_accounts is empty: kassasync cannot tell where the Z-report "
                                "books invoiced sales", "list the POS account of the \"Faktura\" payment method"))
    for i, account in enumerate(config.invoiced_sales_accounts):
        if config.fortnox_account(account) != clearing:
            out.append(SetupProblem("KS133", ("pos", "invoiced_sales_accounts", i), f"invoiced sales on POS account "
                                    f"{account} land on {config.fortnox_account(account)}, not on the clearing "
                                    f"account {clearing}", f"map it with account_map: {{{account}: {clearing}}} "
                                    "or set the POS's \"Faktura\" account to the clearing account"))
    return out
