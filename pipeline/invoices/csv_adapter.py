"""CSV invoice exports -> PosInvoices: one row per invoice line, columns named by the store's column mapping.

Rows with the same invoice number form one invoice; invoice-level values (date, customer, totals) may repeat
on every row but must agree. Numbers may use a decimal comma and spaces between thousands.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.invoices.findings import InvoiceFinding, finding
from pipeline.invoices.model import (
    ZERO,
    Address,
    InvoiceFile,
    InvoiceKind,
    InvoiceRow,
    InvoiceTotals,
    PosCustomer,
    PosInvoice,
    SourceRef,
    TillPayment,
    totals_from_rows,
)
from pipeline.invoices.settings import CsvSettings, InvoiceSettings

INVOICE_FIELDS = ("invoice_date", "due_date", "kind", "credit_of", "customer_id", "customer_name", "org_number",
                  "email", "street", "postcode", "city", "country", "total", "rounding", "payment_date",
                  "payment_amount", "payment_tender")
TRUE = frozenset({"1", "ja", "j", "yes", "y", "true", "sant", "inkl", "inklusive"})
FALSE = frozenset({"0", "nej", "n", "no", "false", "falskt", "exkl", "exklusive", ""})
_COMMA_NUMBER = re.compile(r"-?(\d{1,3}([ .]\d{3})+|\d+)(,\d+)?")
_POINT_NUMBER = re.compile(r"-?(\d{1,3}([ ,]\d{3})+|\d+)(\.\d+)?")
FIX_EXPORT = "correct the value in the POS (or the export) and export the file again"


class _Bad(Exception):
    """A value that cannot be read; becomes a KS502 finding for its invoice."""


@dataclass(frozen=True)
class _Record:
    line: int
    values: dict[str, str]  # field -> cell text, stripped; only mapped fields


def read_csv_invoices(path: Path, config: StoreConfig, settings: InvoiceSettings) -> InvoiceFile:
    label = str(path)
    if settings.csv is None:
        return _rejected(label, "the store has no invoices.csv settings", "add invoices.csv with its columns", 0)
    opts = settings.csv
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _rejected(label, f"cannot read the file: {exc.strerror or exc}", "check the path and permissions", 0)
    try:
        text = data.decode(opts.encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return _rejected(label, f"byte 0x{data[exc.start]:02x} is not {opts.encoding} text",
                         "set invoices.csv.encoding to the export's encoding (Windows programs often write "
                         "cp1252)", line)
    records, problem = _records(text.removeprefix("\ufeff"), opts, label)
    if problem is not None:
        return InvoiceFile(label, "csv", (), (), (problem,))
    grouped: dict[str, list[_Record]] = {}
    found: list[InvoiceFinding] = []
    for record in records:
        number = record.values.get("invoice_number", "")
        if not number:
            found.append(finding("KS506", "row has no invoice number", FIX_EXPORT, label, record.line))
        else:
            grouped.setdefault(number, []).append(record)
    invoices = []
    for number, group in grouped.items():
        try:
            invoices.append(_invoice(number, group, config, opts, label))
        except _Bad as bad:
            found.append(bad.args[0])
    return InvoiceFile(label, "csv", tuple(invoices), (), tuple(found))


def _rejected(label: str, message: str, hint: str, line: int) -> InvoiceFile:
    return InvoiceFile(label, "csv", (), (), (finding("KS501", message, hint, label, line),))


def _records(text: str, opts: CsvSettings, label: str) -> tuple[list[_Record], InvoiceFinding | None]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter)
    try:
        header = [cell.strip().casefold() for cell in next(reader)]
    except StopIteration:
        return [], finding("KS501", "the file is empty", "export the invoices again", label, 1)
    except csv.Error as exc:
        return [], finding("KS501", f"the header line cannot be read: {exc}", "export the invoices again", label, 1)
    index: dict[str, int] = {}
    missing = []
    for name, column in opts.columns.items():
        if column.casefold() in header:
            index[name] = header.index(column.casefold())
        else:
            missing.append(f"{column!r} ({name})")
    if missing:
        hint = (f"the file's columns are {', '.join(repr(h) for h in header)}; correct invoices.csv.columns, or "
                f"invoices.csv.delimiter ({opts.delimiter!r}) if the header was read as one column")
        return [], finding("KS501", f"the header has no column {', '.join(missing)}", hint, label, 1)
    records = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) < len(header) and len(cells) <= max(index.values()):
                    return [], finding("KS501", f"row has {len(cells)} column(s) but the header has {len(header)}",
                                       f"check invoices.csv.delimiter ({opts.delimiter!r}) and quoting", label, line)
                records.append(_Record(line, {name: cells[i].strip() for name, i in index.items()}))
            line = reader.line_num + 1
    except csv.Error as exc:
        return [], finding("KS501", f"the file cannot be read as CSV: {exc}", "export the invoices again", label,
                           line)
    return records, None


class _Values:
    """Typed values of one invoice's records; a bad value raises _Bad naming the file, line and column."""

    def __init__(self, number: str, opts: CsvSettings, label: str) -> None:
        self.number, self.opts, self.label = number, opts, label

    def bad(self, record: _Record, name: str, message: str, hint: str = FIX_EXPORT, rule: str = "KS502") -> _Bad:
        column = self.opts.columns.get(name, name)
        return _Bad(finding(rule, f"invoice {self.number}, column {column!r}: {message}", hint, self.label,
                            record.line, self.number))

    def number_of(self, record: _Record, name: str, required: bool = False) -> Decimal | None:
        text = record.values.get(name, "").replace("\u00a0", " ").replace("\u2212", "-")
        if not text:
            if required:
                raise self.bad(record, name, "is empty")
            return None
        shape = _COMMA_NUMBER if self.opts.decimal_comma else _POINT_NUMBER
        if not shape.fullmatch(text):
            sep = "comma" if self.opts.decimal_comma else "point"
            raise self.bad(record, name, f"{text!r} is not a number (expected a decimal {sep})",
                           f"{FIX_EXPORT}, or set invoices.csv.decimal_comma to match the file")
        if self.opts.decimal_comma:
            text = text.replace(" ", "").replace(".", "").replace(",", ".")
        else:
            text = text.replace(" ", "").replace(",", "")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise self.bad(record, name, f"{text!r} is not a number") from None

    def date_of(self, record: _Record, name: str, required: bool = False) -> date | None:
        text = record.values.get(name, "")
        if not text:
            if required:
                raise self.bad(record, name, "is empty")
            return None
        try:
            return datetime.strptime(text, self.opts.date_format).date()
        except ValueError:
            raise self.bad(record, name, f"{text!r} is not a date written as {self.opts.date_format}",
                           f"{FIX_EXPORT}, or set invoices.csv.date_format to match the file") from None

    def flag_of(self, record: _Record) -> bool:
        if "vat_included" not in self.opts.columns:
            return self.opts.prices_include_vat
        text = record.values.get("vat_included", "").casefold()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise self.bad(record, "vat_included", f"{text!r} is neither yes nor no (ja/nej, 1/0)")


def _header(values: _Values, records: list[_Record]) -> dict[str, str]:
    """The invoice-level values: the first non-empty per field; a different one on a later row is an error."""
    chosen: dict[str, tuple[str, int]] = {}
    for record in records:
        for name in INVOICE_FIELDS:
            value = record.values.get(name, "")
            if not value:
                continue
            if name not in chosen:
                chosen[name] = (value, record.line)
            elif chosen[name][0] != value:
                raise values.bad(record, name, f"{value!r} differs from {chosen[name][0]!r} on line "
                                               f"{chosen[name][1]} of the same invoice", FIX_EXPORT, "KS510")
    return {name: value for name, (value, _line) in chosen.items()}


def _invoice(number: str, records: list[_Record], config: StoreConfig, opts: CsvSettings,
             label: str) -> PosInvoice:
    values = _Values(number, opts, label)
    head = _Record(records[0].line, _header(values, records))
    day = values.date_of(head, "invoice_date", required=True)
    assert day is not None
    in_force = config.article_rows_on(day)
    rows: list[InvoiceRow] = []
    for record in records:
        group = record.values.get("article_group") or None
        account_text = record.values.get("account", "")
        if account_text and not account_text.isdigit():
            raise values.bad(record, "account", f"{account_text!r} is not an account number")
        rate = values.number_of(record, "vat_rate")
        if rate is None:
            if group is None or group not in in_force:
                raise values.bad(record, "vat_rate", f"no VAT rate, and article group {group or '(none)'} has no "
                                                     f"row in force on {day}",
                                 f"add the rate to the export or the article group to stores/{config.store}.yaml",
                                 "KS507")
            rate = in_force[group].vat_rate
        quantity = values.number_of(record, "quantity", required=True)
        price = values.number_of(record, "unit_price", required=True)
        assert quantity is not None and price is not None
        rows.append(InvoiceRow(text=record.values.get("text") or group or f"Rad {len(rows) + 1}", quantity=quantity,
                               unit_price=price, vat_rate=rate, vat_included=values.flag_of(record),
                               account=int(account_text) if account_text else None, article_group=group,
                               line=record.line))
    credit_values = {v.casefold() for v in opts.credit_values}
    marked = bool(head.values.get("credit_of")) or head.values.get("kind", "").casefold() in credit_values
    # A credit note written with positive numbers (the document says "credit" elsewhere) is turned around.
    flip = marked and all(r.amount >= 0 for r in rows) and any(r.amount for r in rows)
    sign = Decimal(-1) if flip else Decimal(1)
    if flip:
        rows = [InvoiceRow(r.text, -r.quantity, r.unit_price, r.vat_rate, r.vat_included, r.account,
                           r.article_group, r.line) for r in rows]
    rounding = sign * (values.number_of(head, "rounding") or ZERO)
    computed = totals_from_rows(rows, rounding)
    stated = values.number_of(head, "total")
    gross = computed.gross if stated is None else sign * stated
    kind = InvoiceKind.CREDIT if marked or gross < 0 else InvoiceKind.INVOICE
    payments: tuple[TillPayment, ...] = ()
    paid = values.number_of(head, "payment_amount")
    if paid:
        payments = (TillPayment(number, kind, values.date_of(head, "payment_date") or day,
                                head.values.get("payment_tender", ""), sign * paid, None, head.line),)
    return PosInvoice(
        store=config.store, number=number, kind=kind, invoice_date=day, customer=_customer(head),
        rows=tuple(rows), totals=InvoiceTotals(vat=computed.vat, rounding=rounding, gross=gross),
        source=SourceRef(label, "csv", records[0].line, records[-1].line),
        credit_of=head.values.get("credit_of") or None, due_date=values.date_of(head, "due_date"),
        payments=payments,
    )


def _customer(head: _Record) -> PosCustomer:
    get = head.values.get
    address = None
    if any(get(k) for k in ("street", "postcode", "city", "country")):
        address = Address(street=get("street") or None, postcode=get("postcode") or None, city=get("city") or None,
                          country=(get("country") or "").upper() or None)
    return PosCustomer(pos_id=get("customer_id") or None, name=get("customer_name") or None,
                       org_number=get("org_number") or None, email=get("email") or None, address=address)
