"""What the invoice stream found wrong with a file or an invoice: ids in the KS5xx range, in the one diagnostic shape."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic, Location, Severity

# id -> (severity, what it means); docs/invoices.md's table is written from this one place.
RULES: dict[str, tuple[Severity, str]] = {
    "KS501": (Severity.ERROR, "the invoice file cannot be read (encoding, format, missing columns)"),
    "KS502": (Severity.ERROR, "a value in the invoice file cannot be read (number, date, missing value)"),
    "KS503": (Severity.ERROR, "an invoice's rows do not add up to its stated net and VAT per rate"),
    "KS504": (Severity.ERROR, "an invoice's totals do not add up: net + VAT + rounding is not the amount to pay"),
    "KS505": (Severity.WARNING, "the POS's VAT differs from what Fortnox will compute from the rows"),
    "KS506": (Severity.ERROR, "rows that belong to no invoice: the invoice number cannot be told"),
    "KS507": (Severity.ERROR, "a row's account, article group or VAT rate is not known from the store file"),
    "KS508": (Severity.ERROR, "the invoice carries nothing to match its customer by (POS id, org number, e-mail)"),
    "KS509": (Severity.ERROR, "several Fortnox customers match the invoice's customer: the invoice is stopped"),
    "KS510": (Severity.ERROR, "the same invoice number twice with different content"),
    "KS511": (Severity.ERROR, "the invoice cannot become a Fortnox invoice as it stands (sign, price basis, rate)"),
    "KS512": (Severity.WARNING, "a till payment that looks wrong (dated before the invoice)"),
    "KS513": (Severity.ERROR, "till payments larger than the invoice"),
    "KS514": (Severity.INFO, "vouchers in the file that are not customer invoices or till payments: not synced"),
    "KS515": (Severity.ERROR, "Fortnox's totals for the created invoice differ from the POS invoice"),
    "KS516": (Severity.WARNING, "the customer has no name: it can be matched in Fortnox but not created"),
    # Found while posting (pipeline/runner/invoice_*.py):
    "KS517": (Severity.ERROR, "an invoice already sent to Fortnox was exported again with other content: held"),
    "KS518": (Severity.ERROR, "Fortnox holds a document kassasync cannot tell apart from this one: stopped"),
    "KS519": (Severity.WARNING, "a till payment of an invoice kassasync has not read: it waits for the invoice"),
}


@dataclass(frozen=True)
class InvoiceFinding:
    """A diagnostic (the project's one shape: file, line, severity, rule, message, hint) and the invoice it
    stops or concerns (its POS number; None for the whole file)."""

    diagnostic: Diagnostic
    invoice: str | None = None

    @property
    def rule(self) -> str:
        return self.diagnostic.rule

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def hint(self) -> str | None:
        return self.diagnostic.hint

    @property
    def location(self) -> Location:
        return self.diagnostic.location

    @property
    def is_error(self) -> bool:
        return self.diagnostic.is_error

    def render(self) -> str:
        return self.diagnostic.render()

    def to_json(self) -> dict[str, object]:
        return {**self.diagnostic.to_json(), "invoice": self.invoice}


def finding(rule: str, message: str, hint: str, path: str, line: int = 0,
            invoice: str | None = None) -> InvoiceFinding:
    """A KS5xx finding; its severity comes from RULES."""
    location = Location(path, line, 1 if line else 0)
    return InvoiceFinding(Diagnostic(location, RULES[rule][0], rule, message, hint), invoice)


def errors(findings: list[InvoiceFinding]) -> list[InvoiceFinding]:
    return [f for f in findings if f.is_error]
