"""Handlers for the identification, chart, dimension and balance labels of SIE 4B (§4 of sie-format.md).

Each handler takes the parser, the line's fields (label first), the raw line and its number. Handlers keep
what they can: a bad optional field is reported and left out, never fatal.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.sie.document import (
    SieAccount,
    SieAddress,
    SieDimension,
    SieFinancialYear,
    SieObject,
)
from pipeline.sie.tokens import pairs, text_field
from pipeline.sie.values import is_account, is_amount, parse_int

if TYPE_CHECKING:
    from pipeline.sie.parser import Parser
    from pipeline.sie.tokens import Field

Handler = Callable[["Parser", "list[Field]", str, int], None]


def _flagga(p: Parser, f: list[Field], raw: str, line: int) -> None:
    value = parse_int(text_field(f, 1))
    if value is None or value not in (0, 1):
        p.diag("SIE209", line, p.col(raw, 1), f"#FLAGGA must be 0 or 1, not {f[1:2]!r}")
        return
    p.doc.flag = value
    if value == 1:
        p.diag("SIE213", line, p.col(raw, 1))
    p.extra(f, 2, raw, line)


def _program(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.program = text_field(f, 1)
    p.doc.program_version = text_field(f, 2)
    p.extra(f, 3, raw, line)


def _format(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.format = text_field(f, 1)
    if p.doc.format != "PC8":
        p.diag("SIE212", line, p.col(raw, 1), f"#FORMAT {p.doc.format!r}; the encoding is detected instead")


def _gen(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.generated = p.date_field(f, 1, raw, line, required=True, code="SIE217")
    p.doc.generated_by = text_field(f, 2)
    p.extra(f, 3, raw, line)


def _sietyp(p: Parser, f: list[Field], raw: str, line: int) -> None:
    value = parse_int(text_field(f, 1))
    if value not in (1, 2, 3, 4):
        p.diag("SIE211", line, p.col(raw, 1), f"#SIETYP {text_field(f, 1)!r}")
        return
    p.doc.sie_type_declared = value


def _simple(attr: str) -> Handler:
    def handler(p: Parser, f: list[Field], raw: str, line: int) -> None:
        setattr(p.doc, attr, text_field(f, 1))
        p.extra(f, 2, raw, line)
    return handler


def _name(attr: str) -> Handler:
    """A label whose one field is free text: unquoted words are joined back into one value."""
    def handler(p: Parser, f: list[Field], raw: str, line: int) -> None:
        value = text_field(f, 1)
        if len(f) > 2 and all(isinstance(x, str) for x in f[1:]):
            value = " ".join(str(x) for x in f[1:])
            p.diag("SIE219", line, p.col(raw, 1), f"{f[0]} {value!r}")
        setattr(p.doc, attr, value)
    return handler


def _orgnr(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.org_number = text_field(f, 1)


def _adress(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.address = SieAddress(text_field(f, 1), text_field(f, 2), text_field(f, 3), text_field(f, 4))
    p.extra(f, 5, raw, line)


def _rar(p: Parser, f: list[Field], raw: str, line: int) -> None:
    year = parse_int(text_field(f, 1))
    if year is None:
        p.diag("SIE209", line, p.col(raw, 1), f"#RAR year number {f[1:2]!r}")
        return
    if len(f) < 4:
        p.diag("SIE217", line, p.col(raw, len(f)), f"#RAR {year} has no start and end dates; ignored")
        return
    start = p.date_field(f, 2, raw, line, required=True, code="SIE216")
    end = p.date_field(f, 3, raw, line, required=True, code="SIE216")
    if start is None or end is None:
        return
    if start > end:
        p.diag("SIE210", line, p.col(raw, 2), f"#RAR {year} runs from {start:%Y%m%d} to {end:%Y%m%d}")
    p.doc.financial_years.append(SieFinancialYear(year, start, end, line))
    p.extra(f, 4, raw, line)


def _taxar(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.tax_year = parse_int(text_field(f, 1))


def _omfattn(p: Parser, f: list[Field], raw: str, line: int) -> None:
    p.doc.balance_date = p.date_field(f, 1, raw, line, required=True, code="SIE217")


def _account(p: Parser, f: list[Field], raw: str, line: int) -> SieAccount | None:
    """The account of a chart line, created on first sight; None (reported) when the number is invalid."""
    number = f[1] if len(f) > 1 else ""
    account = p.doc.accounts.get(number)  # type: ignore[arg-type]
    if account is not None:  # only valid numbers are keys
        return account
    if number.__class__ is not str or not is_account(number):  # type: ignore[arg-type]
        p.diag("SIE216", line, p.col(raw, 1), f"{f[0]} account {number!r} is not a number",
               hint="account numbers are digits only, e.g. 1930")
        return None
    account = p.doc.accounts[number] = SieAccount(number, line=line)  # type: ignore[index,arg-type]
    return account


def _konto(p: Parser, f: list[Field], raw: str, line: int) -> None:
    account = _account(p, f, raw, line)
    if account is not None:
        account.name = text_field(f, 2)
        account.line = line
        if len(f) > 3:
            p.extra(f, 3, raw, line)


def _ktyp(p: Parser, f: list[Field], raw: str, line: int) -> None:
    account = _account(p, f, raw, line)
    if account is not None:
        account.type = text_field(f, 2)


def _enhet(p: Parser, f: list[Field], raw: str, line: int) -> None:
    account = _account(p, f, raw, line)
    if account is not None:
        account.unit = text_field(f, 2)


def _sru(p: Parser, f: list[Field], raw: str, line: int) -> None:
    account = _account(p, f, raw, line)
    code = text_field(f, 2)
    if account is not None and code is not None:
        account.sru.append(code)


def _dim(p: Parser, f: list[Field], raw: str, line: int) -> None:
    number = text_field(f, 1)
    if number is None or parse_int(number) is None:
        p.diag("SIE216", line, p.col(raw, 1), f"{f[0]} dimension {f[1:2]!r} is not a number")
        return
    parent = text_field(f, 3) if f[0] == "#UNDERDIM" else None
    p.doc.dimensions[number] = SieDimension(number, text_field(f, 2) or "", parent, line)


def _objekt(p: Parser, f: list[Field], raw: str, line: int) -> None:
    dim, obj = text_field(f, 1), (f[2] if len(f) > 2 else None)
    if dim is None or not isinstance(obj, str):
        p.diag("SIE203", line, p.col(raw, len(f)), "#OBJEKT needs a dimension and an object id")
        return
    p.doc.objects[(dim, obj)] = SieObject(dim, obj, text_field(f, 3) or "", line)


_YEARS = {str(n): n for n in range(-20, 1)}  # the year numbers files use: no int() call for them
_WITH_PERIOD = ("#PSALDO", "#PBUDGET")


def _balance(p: Parser, f: list[Field], raw: str, line: int) -> None:
    """#IB/#UB/#RES (year account amount [qty]); #OIB/#OUB add an object list; #PSALDO/#PBUDGET a period.
    Kept as read (amounts as text): their Decimals are built when `doc.balances` is first asked for."""
    label = f[0]
    n = len(f)
    p.doc.has_balances = True
    year_text = f[1] if n > 1 else None
    year = _YEARS.get(year_text) if year_text.__class__ is str else None  # type: ignore[call-overload]
    if year is None:
        year = parse_int(year_text)
    i = 2
    period = None
    if label in _WITH_PERIOD:
        period = f[2] if n > 2 else None
        if period.__class__ is not str or len(period) != 6 or not period.isdigit() or not period.isascii() \
                or not "01" <= period[4:] <= "12":  # type: ignore[union-attr,index]
            p.diag("SIE214", line, p.col(raw, 2), f"{label} period {f[2:3]!r}")
            return
        i = 3
    account = f[i] if n > i else ""
    if year is None:
        p.diag("SIE216", line, p.col(raw, 1), f"{label} year number {f[1:2]!r} is not an integer")
        return
    if account.__class__ is not str or not is_account(account):  # type: ignore[arg-type]
        p.diag("SIE216", line, p.col(raw, i), f"{label} account {account!r} is not a number")
        return
    objects: tuple[tuple[str, str], ...] = ()
    objs = f[i + 1] if n > i + 1 else None
    if objs.__class__ is tuple:  # a missing list (on #OIB/#PSALDO too) reads as the empty list
        if len(objs) & 1:  # type: ignore[arg-type]
            p.diag("SIE216", line, p.col(raw, i + 1), f"{label} object list {objs!r} is not pairs")
            return
        if objs:
            objects = pairs(objs)  # type: ignore[arg-type]
        i += 1
    amount = f[i + 1] if n > i + 1 else None
    if amount.__class__ is not str or not is_amount(amount):  # type: ignore[arg-type]
        p.diag("SIE216", line, p.col(raw, i + 1),
               f"{label} {account}: amount {f[i + 1:i + 2]!r} is not a number; the balance is skipped",
               hint="write amounts like -1234.50")
        return
    quantity = f[i + 2] if n > i + 2 else None
    if quantity is not None and (quantity.__class__ is not str or not is_amount(quantity)):  # type: ignore[arg-type]
        if quantity != "":
            p.diag("SIE217", line, p.col(raw, i + 2), f"{label} quantity {quantity!r}")
        quantity = None
    p.doc.raw_balances.append((label[1:], year, account, amount, quantity, objects, period, line))  # type: ignore[index,arg-type]


HANDLERS: dict[str, Handler] = {
    "#FLAGGA": _flagga,
    "#PROGRAM": _program,
    "#FORMAT": _format,
    "#GEN": _gen,
    "#SIETYP": _sietyp,
    "#PROSA": _name("prosa"),
    "#FTYP": _simple("company_type"),
    "#FNR": _simple("company_id"),
    "#ORGNR": _orgnr,
    "#BKOD": _simple("sni_code"),
    "#ADRESS": _adress,
    "#FNAMN": _name("company"),
    "#RAR": _rar,
    "#TAXAR": _taxar,
    "#OMFATTN": _omfattn,
    "#KPTYP": _simple("chart_type"),
    "#VALUTA": _simple("currency"),
    "#KONTO": _konto,
    "#KTYP": _ktyp,
    "#ENHET": _enhet,
    "#SRU": _sru,
    "#DIM": _dim,
    "#UNDERDIM": _dim,
    "#OBJEKT": _objekt,
    "#IB": _balance,
    "#UB": _balance,
    "#RES": _balance,
    "#OIB": _balance,
    "#OUB": _balance,
    "#PSALDO": _balance,
    "#PBUDGET": _balance,
}
