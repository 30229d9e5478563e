"""The store's invoice-stream settings (the store file's `invoices:` section) as a plain typed model.

`from_mapping` builds it from the section as loaded YAML and reports every structural problem at once, each
with its key path; the config layer adds file and line. Rules that need the rest of the store file are in
`invoices.rules`.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline.errors import UserError

ADAPTERS = ("sie", "csv")
GUARDS = ("unticked", "clearing")
MATCH_KEYS = ("pos_id", "org_number", "email")
PATTERN_GROUPS = ("invoice", "customer", "name", "original")

# CSV fields kassasync reads, and what each holds. Invoice-level fields repeat on every row of an invoice.
CSV_FIELDS: dict[str, str] = {
    "invoice_number": "the POS invoice number (rows with the same number form one invoice)",
    "invoice_date": "the invoice date",
    "due_date": "the due date (left out: Fortnox computes it from payment_terms)",
    "kind": "marks a credit note by one of csv.credit_values",
    "credit_of": "a credit note's original invoice number",
    "customer_id": "the POS customer number",
    "customer_name": "the customer's name",
    "org_number": "the customer's organisation or personal identity number",
    "email": "the customer's e-mail",
    "street": "the customer's street address",
    "postcode": "the customer's postcode",
    "city": "the customer's city",
    "country": "the customer's country code (SE)",
    "text": "the row text",
    "account": "the row's POS revenue account",
    "article_group": "the row's POS article group",
    "quantity": "the quantity",
    "unit_price": "the unit price",
    "vat_rate": "the VAT rate in percent (left out: the article group's rate)",
    "vat_included": "whether the price includes VAT (ja/nej, yes/no, 1/0)",
    "total": "the invoice's amount to pay, checked against the rows",
    "rounding": "the invoice's öre rounding",
    "payment_date": "the date of a payment taken at the till",
    "payment_amount": "the amount paid at the till",
    "payment_tender": "the till's payment method (Kontant, Kort, Swish)",
}
CSV_REQUIRED = ("invoice_number", "invoice_date", "quantity", "unit_price")


@dataclass(frozen=True)
class SieSettings:
    """SIE 4I invoice journals. `text_pattern` reads invoice and customer from row or voucher text when the
    file has no object dimensions 8 and 10; its named groups: invoice, customer, name, original."""

    text_pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class CsvSettings:
    columns: Mapping[str, str]  # kassasync field (CSV_FIELDS) -> the column's header in the file
    delimiter: str = ";"
    decimal_comma: bool = True
    encoding: str = "utf-8"
    date_format: str = "%Y-%m-%d"
    prices_include_vat: bool = False  # when there is no vat_included column
    credit_values: tuple[str, ...] = ()  # values of the `kind` column that mark a credit note


@dataclass(frozen=True)
class InvoiceSettings:
    adapter: str  # "sie" | "csv"
    receivable_account: int = 1510  # Fortnox's customer receivable (CUSTCLAIM)
    guard: str = "unticked"  # "unticked" | "clearing"
    clearing_account: int | None = None
    customer_matching: tuple[str, ...] = MATCH_KEYS
    payment_terms: str | None = None  # a Fortnox TermsOfPayment code
    rounding_account: int | None = None  # POS account of rounding rows; None: the store's rounding_account
    till_payment_account: int | None = None  # what a till payment debits; None: the tender's own account
    clearing_open_days: int = 7  # guard clearing: a balance older than this needs attention (status)
    sie: SieSettings = field(default_factory=SieSettings)
    csv: CsvSettings | None = None


@dataclass(frozen=True)
class SettingsProblem:
    key: str  # the key path, e.g. "invoices.csv.columns.quantity"
    message: str


class InvoiceSettingsError(UserError):
    def __init__(self, problems: list[SettingsProblem]) -> None:
        text = "; ".join(f"{p.key}: {p.message}" for p in problems)
        super().__init__(f"the invoices: section has {len(problems)} problem(s): {text}",
                         "fix the keys named, as docs/invoices.md describes them")
        self.problems = problems


class _Reader:
    """Reads typed values from a mapping and collects the problems, so every one is reported at once."""

    def __init__(self, data: Mapping[str, Any], prefix: str, problems: list[SettingsProblem]) -> None:
        self.data, self.prefix, self.problems = data, prefix, problems

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def problem(self, name: str, message: str) -> None:
        self.problems.append(SettingsProblem(self.key(name), message))

    def unknown(self, known: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in known:
                self.problem(str(name), f"unknown key; known keys: {', '.join(known)}")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name, default)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # a payment-terms code such as 30 written bare
        self.problem(name, f"expected text, got {value!r}")
        return default

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if isinstance(value, bool):
            return value
        self.problem(name, f"expected true or false, got {value!r}")
        return default

    def days(self, name: str, default: int) -> int:
        value = self.data.get(name, default)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 366:
            return value
        self.problem(name, f"expected a number of days from 1 to 366, got {value!r}")
        return default

    def account(self, name: str, default: int | None = None) -> int | None:
        value = self.data.get(name, default)
        if value is None:
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            return value
        self.problem(name, f"expected a four-digit account number (1000-9999), got {value!r}")
        return default

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.data.get(name, default)
        if value in choices:
            return str(value)
        self.problem(name, f"expected one of {', '.join(choices)}, got {value!r}")
        return default

    def section(self, name: str) -> _Reader | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problem(name, f"expected a mapping of keys, got {value!r}")
            return None
        return _Reader(value, self.key(name), self.problems)


def from_mapping(data: Mapping[str, Any], prefix: str = "invoices") -> InvoiceSettings:
    """The settings from the `invoices:` section as loaded YAML; raises InvoiceSettingsError listing every
    problem (key path and message)."""
    problems: list[SettingsProblem] = []
    top = _Reader(data, prefix, problems)
    top.unknown(("adapter", "sie", "csv", "customer_matching", "payment_terms", "receivable_account", "guard",
                 "clearing_account", "rounding_account", "till_payment_account", "clearing_open_days"))
    adapter = top.choice("adapter", ADAPTERS, None) if "adapter" in data else None
    if "adapter" not in data:
        top.problem("adapter", f"missing: say which adapter reads the POS's invoices ({', '.join(ADAPTERS)})")
    sie = _sie(top.section("sie"))
    csv_reader = top.section("csv")
    csv = _csv(csv_reader) if csv_reader is not None else None
    if adapter == "csv" and csv is None:
        top.problem("csv", "missing: the csv adapter needs a csv: section with at least columns:")
    settings = InvoiceSettings(
        adapter=adapter or "sie",
        receivable_account=top.account("receivable_account", 1510) or 1510,
        guard=_guard(top),
        clearing_account=top.account("clearing_account"),
        customer_matching=_matching(top),
        payment_terms=top.text("payment_terms"),
        rounding_account=top.account("rounding_account"),
        till_payment_account=top.account("till_payment_account"),
        clearing_open_days=top.days("clearing_open_days", 7),
        sie=sie,
        csv=csv,
    )
    if settings.guard == "clearing" and settings.clearing_account is None:
        top.problem("clearing_account", "missing: guard: clearing needs the clearing account the day's invoiced "
                                        "sales are parked on (a BAS 1518-like account)")
    if problems:
        raise InvoiceSettingsError(problems)
    return settings


def _guard(top: _Reader) -> str:
    if "guard" not in top.data:
        top.problem("guard", "missing: say how a sale is kept from being booked twice: unticked (the POS leaves "
                             "invoiced sales out of the Z-report) or clearing (they go to a clearing account)")
        return "unticked"
    return top.choice("guard", GUARDS, "unticked") or "unticked"


def _matching(top: _Reader) -> tuple[str, ...]:
    value = top.data.get("customer_matching", list(MATCH_KEYS))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        top.problem("customer_matching", f"expected a list drawn from {', '.join(MATCH_KEYS)}, got {value!r}")
        return MATCH_KEYS
    bad = [v for v in value if v not in MATCH_KEYS]
    if bad:
        top.problem("customer_matching", f"unknown key(s) {', '.join(bad)}; known: {', '.join(MATCH_KEYS)}")
    if len(set(value)) != len(value):
        top.problem("customer_matching", "a key is listed twice")
    return tuple(v for v in value if v in MATCH_KEYS) or MATCH_KEYS


def _sie(reader: _Reader | None) -> SieSettings:
    if reader is None:
        return SieSettings()
    reader.unknown(("text_pattern",))
    source = reader.text("text_pattern")
    if source is None:
        return SieSettings()
    try:
        pattern = re.compile(source)
    except re.error as exc:
        reader.problem("text_pattern", f"not a valid regular expression: {exc}")
        return SieSettings()
    if "invoice" not in pattern.groupindex:
        reader.problem("text_pattern", "needs a named group for the invoice number: (?P<invoice>...)")
    extra = [g for g in pattern.groupindex if g not in PATTERN_GROUPS]
    if extra:
        reader.problem("text_pattern", f"unknown group(s) {', '.join(extra)}; known: {', '.join(PATTERN_GROUPS)}")
    return SieSettings(text_pattern=pattern)


def _csv(reader: _Reader) -> CsvSettings:
    reader.unknown(("columns", "delimiter", "decimal_comma", "encoding", "date_format", "prices_include_vat",
                    "credit_values"))
    columns = _columns(reader)
    delimiter = reader.text("delimiter", ";") or ";"
    if len(delimiter) != 1:
        reader.problem("delimiter", f"expected one character, got {delimiter!r}")
    encoding = reader.text("encoding", "utf-8") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        reader.problem("encoding", f"unknown encoding {encoding!r}; e.g. utf-8, cp1252, iso-8859-1")
    date_format = reader.text("date_format", "%Y-%m-%d") or "%Y-%m-%d"
    if not _round_trips(date_format):
        reader.problem("date_format", f"{date_format!r} does not write and read back a date; e.g. %Y-%m-%d")
    credit = reader.data.get("credit_values", [])
    if not isinstance(credit, list) or not all(isinstance(v, str) for v in credit):
        reader.problem("credit_values", f"expected a list of texts, got {credit!r}")
        credit = []
    if credit and "kind" not in columns:
        reader.problem("credit_values", "credit_values needs a kind column in columns:")
    return CsvSettings(columns=columns, delimiter=delimiter, decimal_comma=reader.flag("decimal_comma", True),
                       encoding=encoding, date_format=date_format,
                       prices_include_vat=reader.flag("prices_include_vat", False), credit_values=tuple(credit))


def _columns(reader: _Reader) -> dict[str, str]:
    columns = reader.section("columns")
    if columns is None:
        reader.problem("columns", "missing: map kassasync's fields to the export's column headers")
        return {}
    out: dict[str, str] = {}
    for name, header in columns.data.items():
        if name not in CSV_FIELDS:
            columns.problem(str(name), f"unknown field; known fields: {', '.join(CSV_FIELDS)}")
        elif not isinstance(header, str) or not header.strip():
            columns.problem(str(name), f"expected the column's header text, got {header!r}")
        else:
            out[str(name)] = header.strip()
    for name in CSV_REQUIRED:
        if name not in out and name not in columns.data:
            columns.problem(name, f"missing: {CSV_FIELDS[name]}")
    if "account" not in columns.data and "article_group" not in columns.data:
        columns.problem("account", "map account or article_group (or both): where each row's revenue goes")
    if "vat_rate" not in columns.data and "article_group" not in columns.data:
        columns.problem("vat_rate", "map vat_rate, or article_group so the rate comes from the store file")
    return out


def _round_trips(date_format: str) -> bool:
    sample = date(2026, 4, 17)
    try:
        return datetime.strptime(sample.strftime(date_format), date_format).date() == sample
    except ValueError:
        return False
