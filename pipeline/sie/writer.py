"""The SIE 4I writer: CP437, CRLF, fields quoted only where needed, optional #KSUMMA (§7)."""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date

from pipeline.sie.document import SieDocument
from pipeline.sie.model import SieTransaction, SieVoucher
from pipeline.sie.tokens import Field, checksum_text
from pipeline.sie.values import format_amount

_NEEDS_QUOTES = frozenset(' \t"{}\\')


_CONTROL = {i: " " for i in [*range(32), 127]}  # no control characters inside SIE strings (§5)


def _clean(value: str) -> str:
    """The value the reader will get back: control characters become spaces, and a quoted value cannot
    end in a backslash (the reader would take `\\"` as a quote), so such a value gets a trailing space."""
    value = value.translate(_CONTROL)
    if value.endswith("\\") and _quoted(value):
        value += " "
    return value


def _quoted(value: str) -> bool:
    # Any whitespace (a no-break space too) would split a bare field: the reader splits as str.split() does.
    return not value or any(ch in _NEEDS_QUOTES or ch.isspace() for ch in value) or value.startswith("#")


class Text(str):
    """A free-text field (name, text, series, number): always quoted, as most programs write them."""


def _field(value: str, quote: bool = False) -> str:
    """A (clean) field as written: bare when it is safe, else quoted with `\\"` for quotes."""
    return '"' + value.replace('"', '\\"') + '"' if quote or _quoted(value) else value


def _day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


class _Lines:
    """Collects items as (text line, fields) so the checksum sees exactly the fields that were written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.crc = 0

    def item(self, label: str, *fields: Field, trim: bool = True) -> None:
        values: list[Field] = [_clean(v) if isinstance(v, str) else tuple(_clean(x) for x in v) for v in fields]
        while trim and values and values[-1] == "":
            values.pop()
        parts = [label]
        for value, original in zip(values, fields, strict=False):
            if isinstance(value, tuple):
                parts.append("{" + " ".join(_field(v, True) for v in value) + "}")
            else:
                parts.append(_field(value, isinstance(original, Text)))
        self.lines.append(" ".join(parts))
        self.crc = zlib.crc32(checksum_text([label, *values]).encode("cp437", "replace"), self.crc)

    def raw(self, text: str) -> None:
        self.lines.append(text)


def _row(out: _Lines, row: SieTransaction, label: str) -> None:
    objects = tuple(part for pair in row.objects for part in pair)
    quantity = format_amount(row.quantity) if row.quantity is not None else ""
    out.item(label, row.account, objects, format_amount(row.amount), _day(row.date), Text(row.text or ""),
             quantity, Text(row.sign or ""))


def _voucher(out: _Lines, voucher: SieVoucher) -> None:
    out.item("#VER", Text(voucher.series), Text(voucher.number), _day(voucher.date), Text(voucher.text or ""),
             _day(voucher.reg_date), Text(voucher.sign or ""))
    out.raw("{")
    added = list(voucher.added_rows)
    for row in voucher.removed_rows:
        _row(out, row, "#BTRANS")
    for row in voucher.rows:
        for i, extra in enumerate(added):  # an #RTRANS goes right before its identical #TRANS (§5)
            if (extra.account, extra.amount, extra.objects) == (row.account, row.amount, row.objects):
                _row(out, added.pop(i), "#RTRANS")
                break
        _row(out, row, "#TRANS")
    out.raw("}")


def write_sie_4i(doc_or_vouchers: SieDocument | Iterable[SieVoucher], *, program: str = "kassasync",
                 program_version: str = "1.0", company: str | None = None, org_number: str | None = None,
                 generated: date | None = None, ksumma: bool = False) -> bytes:
    """A SIE 4I file (CP437 bytes, CRLF) holding the vouchers, and from a SieDocument its company, org
    number and chart of accounts. With `ksumma`, the file carries a #KSUMMA pair the reader verifies."""
    doc = doc_or_vouchers if isinstance(doc_or_vouchers, SieDocument) else None
    vouchers = doc.vouchers if doc is not None else list(doc_or_vouchers)  # type: ignore[arg-type]
    out = _Lines()
    out.item("#FLAGGA", "0")
    if ksumma:
        out.raw("#KSUMMA")
        out.crc = 0
    out.item("#PROGRAM", Text(program), Text(program_version))
    out.item("#FORMAT", "PC8")
    out.item("#GEN", _day(generated or date.today()))
    out.item("#SIETYP", "4")
    company = company or (doc.company if doc else None)
    org_number = org_number or (doc.org_number if doc else None)
    if org_number:
        out.item("#ORGNR", org_number)
    out.item("#FNAMN", Text(company or ""))
    if doc is not None:
        for account in doc.accounts.values():
            out.item("#KONTO", account.number, Text(account.name or ""))
    for voucher in vouchers:
        _voucher(out, voucher)
    if ksumma:
        out.raw(f"#KSUMMA {out.crc}")
    text = "\r\n".join(out.lines) + "\r\n"
    return text.encode("cp437", "replace")
