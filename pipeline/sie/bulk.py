"""Whole-chunk fast paths: the C regex engine finds runs of plain lines and takes their fields apart.

A voucher block (#VER, `{`, plain #TRANS rows, `}`) and runs of plain #KONTO, #SRU, #KTYP, #IB/#UB/#RES
and #PSALDO/#PBUDGET lines are matched over the decoded text of a whole chunk, so the per-line work in
Python is only building the result. The patterns accept only lines whose fields the general tokenizer
(tokens.py, sie-format.md §3) reads the same way: plain separators (space, tab), no backslash, balanced
quotes, digits where a number belongs. Anything else, and any value a handler would report, goes through
the line-by-line parser instead, so results and diagnostics are identical (tests/sie/test_sie_bulk.py).
"""
from __future__ import annotations

import dataclasses
import gc
import os
import re
import zlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from pipeline.sie.document import SieAccount
from pipeline.sie.labels import _YEARS
from pipeline.sie.model import SieTransaction, SieVoucher
from pipeline.sie.tokens import checksum_text, tokenize
from pipeline.sie.values import _DATES, parse_amount, parse_date
from pipeline.sie.vouchers import _ROW_TEMPLATE, _ZERO, _pairs, make_row

if TYPE_CHECKING:
    from pipeline.sie.parser import Parser

_S = r"[ \t]+"  # a separator: only what both str.split() and the tokenizer treat as one
_END = r"[ \t]*\n"
_F = r'(?:"[^"\\\n]*"|[^\s"{}\\]+)'  # a field: quoted (no backslash), or a bare word
_AMT = r"-?[0-9]+(?:\.[0-9]+)?"
_OBJC = r'[^{}"\\\n]*(?:"[^"\\\n]*"[^{}"\\\n]*)*'  # object-list contents, quotes balanced
_YEAR = r"-?[0-9]+"

_VER = rf"[ \t]*#VER{_S}({_F}){_S}({_F}){_S}({_F})(?:{_S}({_F})(?:{_S}({_F})(?:{_S}({_F}))?)?)?{_END}"
# A row: account, object-list contents, amount, and the rest of the line (date, text, quantity, sign), which
# repeats from row to row and is taken apart once per distinct value by the general tokenizer (_tail).
_ROW = rf"^[ \t]*#TRANS{_S}([0-9]+){_S}\{{([^{{}}\\\n]*)\}}{_S}({_AMT})((?:[ \t][^\n]*)?)\n"
_CHART = rf"^[ \t]*#(KONTO|SRU|KTYP){_S}([0-9]+){_S}({_F}){_END}"
_PERIOD = r"[0-9]{4}(?:0[1-9]|1[0-2])"
_BAL = rf"^[ \t]*#(IB|UB|RES|OIB|OUB|PSALDO|PBUDGET){_S}({_YEAR})(?:{_S}({_PERIOD}))?{_S}([0-9]+)(?:{_S}\{{([^{{}}\\\n]*)\}})?{_S}({_AMT}){_END}"

# Finding the runs is cheap (whole lines by their label); the field patterns above then take each run
# apart, and a run where any line does not fit them goes the line-by-line way.
# The #VER line is taken apart by the search itself (groups 2-7): one regex call less per voucher.
_RUNS = re.compile(
    rf"(?P<ver>^{_VER}[ \t]*\{{[ \t]*\n(?P<rows>(?:[ \t]*#TRANS[ \t][^\n]*\n)+)[ \t]*\}}[ \t]*\n)"
    r"|(?P<chart>(?:^[ \t]*#(?:KONTO|SRU|KTYP)[ \t][^\n]*\n)+)"
    r"|(?P<bal>(?:^[ \t]*#(?:IB|UB|RES|OIB|OUB|PSALDO|PBUDGET)[ \t][^\n]*\n)+)", re.M)
_RUN_START = re.compile(r"^[ \t]*#(VER|KONTO|SRU|KTYP|IB|UB|RES|OIB|OUB|PSALDO|PBUDGET)[ \t]", re.M)
_ROW_RE = re.compile(_ROW, re.M)
_CHART_RE = re.compile(_CHART, re.M)
_BAL_RE = re.compile(_BAL, re.M)

_BAD = object()  # a value a handler would report: that run goes the line-by-line way
_CACHE_MAX = 20_000  # distinct values kept per cache; then it starts afresh
_KEY_MAX = 200  # longest value kept (characters)
_FIELD_DATES: dict[str, object] = {"": None, '""': None}  # raw field (quotes kept) -> date | None | _BAD
_Tail = tuple[date | None, str | None, Decimal | None, str | None]  # a row's date, text, quantity, sign
_Objects = tuple[tuple[str, str], ...]
_OBJECT_LISTS: dict[str, object] = {"": ()}  # object-list contents -> pairs | _BAD
_TAILS: dict[str, object] = {"": (None, None, None, None)}  # rest of a row -> (date, text, qty, sign) | _BAD


def _unquote(field: str) -> str:
    return field[1:-1] if field[:1] == '"' else field


def _remember(cache: dict[str, object], key: str, value: object) -> object:
    if len(key) > _KEY_MAX:  # a long value is not kept: the caches stay small whatever the file holds
        return value
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


def _field_date(field: str) -> object:
    """A date field as captured ('' when absent): its date, None when empty, _BAD when not a date."""
    day = parse_date(_unquote(field))
    return _remember(_FIELD_DATES, field, _BAD if day is None else day)


def _object_list(content: str) -> object:
    """The (dimension, object) pairs of an object list's contents, read by the general tokenizer."""
    fields, flags = tokenize("{" + content + "}")
    objs = fields[0] if len(fields) == 1 else None
    if flags or not isinstance(objs, tuple) or len(objs) & 1:
        return _remember(_OBJECT_LISTS, content, _BAD)
    return _remember(_OBJECT_LISTS, content, _pairs(objs))


def _tail(tail: str) -> object:
    """Date, text, quantity and sign of a row, read by the general tokenizer, as _trans_general takes them."""
    fields, flags = tokenize(tail.strip())
    if flags or len(fields) > 4 or not all(f.__class__ is str for f in fields):
        return _remember(_TAILS, tail, _BAD)
    day_f, text, qty_f, sign = (*fields, "", "", "", "")[:4]
    day = parse_date(day_f) if day_f != "" else None
    quantity = parse_amount(qty_f) if qty_f != "" else None
    if (day is None and day_f != "") or (quantity is None and qty_f != ""):
        return _remember(_TAILS, tail, _BAD)
    return _remember(_TAILS, tail, (day, text or None, quantity, sign or None))


def feed_text(p: Parser, text: str) -> None:
    """Parse decoded text of whole lines (each ending in a newline) that follows what was fed so far."""
    # Nothing the parser builds forms a reference cycle, so the cycle collector only costs time here
    # (a third of it for read_sie, which keeps every row); it is back on before the caller runs again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _feed(p, text)
    finally:
        if collecting:
            gc.enable()


def _feed(p: Parser, text: str) -> None:
    if p.ksumma_closed:  # items after the closing #KSUMMA: the line-by-line parser reports the first
        _slow(p, text, 0, len(text))
        return
    pos = 0
    while (at := text.find("#KSUMMA", pos)) >= 0:  # #KSUMMA lines themselves go line by line
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.index("\n", at) + 1
        if line_start > pos:
            _bulk(p, text, pos, line_start)
        if p.stopped:
            return
        _slow(p, text, line_start, line_end)
        if p.ksumma_closed:
            _slow(p, text, line_end, len(text))
            return
        pos = line_end
    _bulk(p, text, pos, len(text))


def _bulk(p: Parser, text: str, pos: int, end: int) -> None:
    """Lines [pos, end) of the chunk: runs the patterns find in bulk, the lines between them line by line."""
    if _TAKE is not None:
        _accelerated(p, text, pos, end, _TAKE)
        return
    search = _RUNS.search
    while not p.stopped:
        m = search(text, pos, end)
        if m is None:
            if pos < end:
                _slow(p, text, pos, end)
            return
        start = m.start()
        if start > pos:
            _slow(p, text, pos, start)
            if p.stopped:
                return
        p.seen_label = True
        _KINDS[m.lastgroup](p, text, m)  # type: ignore[index]
        pos = m.end()


def _accelerated(p: Parser, text: str, pos: int, end: int, take: Callable[[Parser, str, int, int], int]) -> None:
    """_bulk with the C accelerator: it takes what it can; a voucher block it leaves goes through
    _voucher_block, any other line it leaves goes line by line, and then the accelerator goes on."""
    while not p.stopped:
        pos = take(p, text, pos, end)
        if pos >= end:
            return
        m = _RUN_START.search(text, pos, end)  # only where the next run starts: not the whole run
        stop = end if m is None else m.start()
        if stop == pos:  # a line the accelerator declined
            block = _RUNS.match(text, pos, end) if m.group(1) == "VER" else None  # type: ignore[union-attr]
            if block is not None and block.lastgroup == "ver":
                p.seen_label = True
                _voucher_block(p, text, block)
                pos = block.end()
                continue
            stop = text.index("\n", pos) + 1
        _slow(p, text, pos, stop)
        pos = stop


def _lines(text: str, start: int, end: int) -> list[str]:
    lines = text[start:end].split("\n")
    lines.pop()  # the span ends with a newline
    return lines


def _slow(p: Parser, text: str, start: int, end: int, skip: int = 0) -> None:
    """Lines `skip`.. of [start, end), which starts on line p.lineno + 1 - skip, the line-by-line way."""
    if p.raw_text is not None:  # a single-byte file under #KSUMMA: the checksum hashes the bytes as written
        p.raw_lines = _lines(p.raw_text, start, end)[skip:]
    p.feed(_lines(text, start, end)[skip:])


def _crc(p: Parser, text: str, start: int, end: int) -> None:
    """Adds the items of [start, end), read in bulk, to a running #KSUMMA checksum (sie-format.md §7)."""
    if p.crc is None:
        return
    span = (p.raw_text if p.raw_text is not None else text)[start:end]
    if "\\" in span:  # escapes: each line's fields as the tokenizer reads them
        data = "".join(checksum_text(tokenize(line.strip())[0]) for line in span.split("\n"))
    else:  # every line's quotes pair up: bare parts lose their separators and braces, quoted parts stay
        parts = span.split('"')
        parts[0::2] = ["".join(part.split()).replace("{", "").replace("}", "") for part in parts[0::2]]
        data = "".join(parts)
    _crc_text(p, data)


def _crc_text(p: Parser, data: str) -> None:
    """Adds checksum text (labels and field contents joined) to the running #KSUMMA checksum: as the bytes
    were written for a single-byte file (p.raw_text), else mapped to CP437 (sie-format.md §7)."""
    if p.crc is not None:
        p.crc = zlib.crc32(data.encode("latin-1") if p.raw_text is not None else data.encode("cp437", "replace"),
                           p.crc)


def _voucher_block(p: Parser, text: str, m: re.Match[str]) -> None:
    start, end = m.span()
    if p.state:  # a voucher is still open: the general path reports it
        _slow(p, text, start, end)
        return
    series, number, day_f, vtext, reg_f, sign = m.groups("")[1:7]
    day = parse_date(day_f[1:-1] if day_f[:1] == '"' else day_f)
    reg = _FIELD_DATES[reg_f] if reg_f in _FIELD_DATES else _field_date(reg_f)
    first = p.lineno + 1
    rows = _rows(p, text, m.start("rows"), m.end("rows"), first + 2) if day is not None and reg is not _BAD \
        else None
    if rows is None or day is None:
        _slow(p, text, start, end)
        return
    built, p.vsum, p.vdebit = rows
    last = first + 2 + len(built)
    p.any_voucher = True
    voucher = SieVoucher(series[1:-1] if series[:1] == '"' else series,
                         number[1:-1] if number[:1] == '"' else number, day,
                         (vtext[1:-1] if vtext[:1] == '"' else vtext) or None, reg,  # type: ignore[arg-type]
                         (sign[1:-1] if sign[:1] == '"' else sign) or None, rows=built, line=first, end_line=last)
    p.lineno = last
    _crc(p, text, start, end)
    p._accept(voucher)  # as Parser._finish_voucher ends a voucher that opened and closed cleanly with rows


def _rows(p: Parser, text: str, start: int, end: int,
          line: int) -> tuple[list[SieTransaction], Decimal, Decimal] | None:
    """The #TRANS rows of a block as built rows with their sum and debit; None if any needs the general path."""
    found = _ROW_RE.findall(text, start, end)
    if len(found) != text.count("\n", start, end) or len(found) > p.limits.max_voucher_rows:
        return None
    tails, object_lists = _TAILS, _OBJECT_LISTS
    built: list[SieTransaction] = []
    append = built.append
    total = debit = _ZERO
    for account, objs, amount_text, tail in found:
        rest = tails.get(tail) or _tail(tail)
        objects = object_lists.get(objs) or (_object_list(objs) if objs else ())
        if rest is _BAD or objects is _BAD:
            return None
        day, memo, quantity, sign = cast(_Tail, rest)
        amount = Decimal(amount_text)
        append(make_row(account, amount, cast(_Objects, objects), day, memo, quantity, sign, "TRANS", line))
        line += 1
        total += amount
        if amount_text[0] != "-":
            debit += amount
    return built, total, debit


def _run(p: Parser, text: str, start: int, end: int, pattern: re.Pattern[str],
         handler: Callable[[Parser, list[tuple[str, ...]], int], int]) -> None:
    """A run of lines of one family: the ones `pattern` takes apart go to `handler` in bulk, the rest (and
    any the handler declines) line by line, all in file order."""
    found = pattern.findall(text, start, end)
    if len(found) == text.count("\n", start, end):
        _apply(p, text, start, end, found, handler)
        return
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            _slow(p, text, pos, m.start())
        _apply(p, text, m.start(), m.end(), [m.groups("")], handler)
        pos = m.end()
    if pos < end:
        _slow(p, text, pos, end)


def _apply(p: Parser, text: str, start: int, end: int, found: list[tuple[str, ...]],
           handler: Callable[[Parser, list[tuple[str, ...]], int], int]) -> None:
    """`found` are the lines of [start, end) taken apart; a line the handler declines goes line by line."""
    while found:
        first = p.lineno + 1
        done = handler(p, found, first)
        p.lineno = first + done - 1
        if done == len(found):
            _crc(p, text, start, end)
            return
        cut = start
        for _ in range(done):
            cut = text.index("\n", cut) + 1
        _crc(p, text, start, cut)
        start = text.index("\n", cut) + 1
        _slow(p, text, cut, start)
        found = found[done + 1:]


def _chart_run(p: Parser, text: str, m: re.Match[str]) -> None:
    _run(p, text, m.start(), m.end(), _CHART_RE, _chart_rows)


def _chart_rows(p: Parser, found: list[tuple[str, ...]], line: int) -> int:
    """#KONTO, #SRU and #KTYP lines (exports interleave them account by account); returns how many it took."""
    accounts = p.doc.accounts
    for done, (label, number, value) in enumerate(found):
        value = value[1:-1] if value[:1] == '"' else value
        known = accounts.get(number)
        if label == "KONTO":
            if known is None:
                accounts[number] = SieAccount(number, value or None, line=line + done)
            else:
                known.name, known.line = value or None, line + done
        elif known is None or label == "SRU" and not value:  # the general path creates and reports
            return done
        elif label == "SRU":
            known.sru.append(value)
        else:
            known.type = value or None
    return len(found)


def _balance_run(p: Parser, text: str, m: re.Match[str]) -> None:
    _run(p, text, m.start(), m.end(), _BAL_RE, _balance_rows)


def _balance_rows(p: Parser, found: list[tuple[str, ...]], line: int) -> int:
    """#IB/#UB/#RES/#OIB/#OUB/#PSALDO/#PBUDGET lines without a quantity; returns how many it took."""
    doc = p.doc
    append = doc.raw_balances.append
    years, object_lists = _YEARS, _OBJECT_LISTS
    for done, (kind, year_text, period, account, objs, amount) in enumerate(found):
        year = years.get(year_text)
        objects = object_lists.get(objs) or (_object_list(objs) if objs else ())
        # A period belongs to #PSALDO/#PBUDGET only: anywhere else those digits are the account.
        if year is None or objects is _BAD or (period != "") is not (kind[0] == "P"):
            return done
        doc.has_balances = True
        append((kind, year, account, amount, None, cast(_Objects, objects), period or None, line + done))
    return len(found)


_KINDS: dict[str, Callable[[Parser, str, re.Match[str]], None]] = {
    "ver": _voucher_block, "chart": _chart_run, "bal": _balance_run}


# The C accelerator (_speedups.c) --------------------------------------------------------------------------
# It builds rows, vouchers and accounts as object.__new__ plus their attributes in field order (what the
# dataclasses' own __init__ does, without running Python code); if the model's fields are not the ones it
# was written for, or KASSASYNC_SIE_PURE is set, the pure-Python path runs.
_ROW_FIELDS = ("account", "amount", "objects", "date", "text", "quantity", "sign", "kind", "line")
_VOUCHER_FIELDS = ("series", "number", "date", "text", "reg_date", "sign", "rows", "added_rows", "removed_rows",
                   "line", "end_line", "findings")
_ACCOUNT_FIELDS = ("number", "name", "type", "unit", "sru", "line")
_LIST_FIELDS = {"rows", "added_rows", "removed_rows", "findings", "sru"}


def _model_fits() -> bool:
    if _ROW_TEMPLATE is None or tuple(_ROW_TEMPLATE) != _ROW_FIELDS or _ROW_TEMPLATE["kind"] != "TRANS":
        return False
    for cls, names in ((SieVoucher, _VOUCHER_FIELDS), (SieAccount, _ACCOUNT_FIELDS)):
        fields = dataclasses.fields(cls)
        if hasattr(cls, "__post_init__") or tuple(f.name for f in fields) != names:
            return False
        if not all(f.default_factory is list if f.name in _LIST_FIELDS else
                   f.default is dataclasses.MISSING or f.default == (0 if f.name.endswith("line") else None)
                   for f in fields):
            return False
    return not hasattr(SieTransaction, "__post_init__")


def _load_accelerator() -> tuple[Callable[[Parser, str, int, int], int] | None, str]:
    if os.environ.get("KASSASYNC_SIE_PURE", "") not in ("", "0"):
        return None, "pure Python (KASSASYNC_SIE_PURE is set)"
    try:
        from pipeline.sie import _speedups
    except ImportError:
        return None, "pure Python (the C accelerator pipeline/sie/_speedups is not built)"
    if not _model_fits():
        return None, "pure Python (the model's fields changed; the C accelerator is not used)"
    _speedups.configure(Decimal, SieTransaction, SieVoucher, SieAccount, _ROW_FIELDS, _VOUCHER_FIELDS, _DATES,
                        parse_date, _FIELD_DATES, _field_date, _OBJECT_LISTS, _object_list, _TAILS, _tail, _BAD,
                        _YEARS, _crc, _ZERO, _ACCOUNT_FIELDS, _crc_text)
    return _speedups.take, "C accelerator"


_TAKE, ACCELERATOR = _load_accelerator()  # ACCELERATOR says which path runs, for the bench and the tests
