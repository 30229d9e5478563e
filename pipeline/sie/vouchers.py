"""Voucher rules of the parser: #VER, its { } block, #TRANS/#RTRANS/#BTRANS rows, balance (§5)."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pipeline.sie.model import SieFinding, SieTransaction, SieVoucher
from pipeline.sie.tokens import Field, column
from pipeline.sie.values import _DATES, NUMBER_CHARS, format_money, is_account, parse_amount, parse_date

if TYPE_CHECKING:
    from pipeline.sie.document import Limits, SieDocument

_ZERO = Decimal(0)
_NEW = object.__new__
_SETATTR = object.__setattr__
_ROW_KINDS = {"#TRANS": "TRANS", "#RTRANS": "RTRANS", "#BTRANS": "BTRANS"}


def _row_template() -> dict[str, object] | None:
    """Every SieTransaction field with its default, or None if a field has a default factory (then
    rows are built with the plain constructor, so fields added to the contract later keep working)."""
    template: dict[str, object] = {}
    for item in dataclasses.fields(SieTransaction):
        if item.default_factory is not dataclasses.MISSING:
            return None
        template[item.name] = None if item.default is dataclasses.MISSING else item.default
    return template


_ROW_TEMPLATE = _row_template()


def make_row(account: str, amount: Decimal, objects: tuple[tuple[str, str], ...], day: date | None,
             text: str | None, quantity: Decimal | None, sign: str | None, kind: str, line: int) -> SieTransaction:
    """Same object as SieTransaction(...), built without the frozen dataclass's per-field __setattr__
    calls (a copy of the defaults with the read values put in): #TRANS rows are the bulk of a file."""
    if _ROW_TEMPLATE is None:
        return SieTransaction(account, amount, objects, day, text, quantity, sign, kind, line)
    values = _ROW_TEMPLATE.copy()
    values["account"] = account
    values["amount"] = amount
    values["objects"] = objects
    values["date"] = day
    values["text"] = text
    values["quantity"] = quantity
    values["sign"] = sign
    values["kind"] = kind
    values["line"] = line
    row = _NEW(SieTransaction)
    _SETATTR(row, "__dict__", values)
    return row


def _pairs(objs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(zip(objs[::2], objs[1::2], strict=False))


def describe(voucher: SieVoucher) -> str:
    """How a person finds the voucher: series and number when it has them, and its line."""
    if voucher.series or voucher.number:
        return f"voucher {voucher.series or '-'} {voucher.number or '-'} (line {voucher.line})"
    return f"voucher of line {voucher.line}"


class VoucherRules:
    """Mixed into Parser; the attributes below are set by Parser.__init__."""

    doc: SieDocument
    ready: list[SieVoucher]
    state: int
    voucher: SieVoucher | None
    voucher_bad: bool
    vsum: Decimal
    vdebit: Decimal
    overflow: int
    rtrans: SieTransaction | None
    any_voucher: bool
    limits: Limits

    def diag(self, code: str, line: int, col: int = 0, detail: str | None = None,
             hint: str | None = None) -> None:
        raise NotImplementedError

    def extra(self, f: list[Field], start: int, raw: str, line: int) -> None:
        raise NotImplementedError

    def _ver(self, f: list[Field], raw: str, line: int) -> None:
        self.any_voucher = True
        n = len(f)
        if not self.state and 4 <= n <= 7:  # fast path: series, number, a cached date, simple extras
            series, number, day = f[1], f[2], _DATES.get(f[3])  # type: ignore[call-overload,arg-type]
            if day is not None and series.__class__ is str and number.__class__ is str:
                text = f[4] if n > 4 and f[4] != "" and f[4].__class__ is str else None
                reg_date = _DATES.get(f[5]) if n > 5 and f[5] != "" else None  # type: ignore[call-overload,arg-type]
                if reg_date is not None or n < 6 or f[5] == "":
                    sign = f[6] if n > 6 and f[6] != "" and f[6].__class__ is str else None
                    self.voucher = SieVoucher(series, number, day, text, reg_date, sign,  # type: ignore[arg-type]
                                              line=line)
                    self.voucher_bad = False
                    self.vsum = self.vdebit = _ZERO
                    self.overflow = 0
                    self.rtrans = None
                    self.state = 1
                    return
        self._ver_general(f, raw, line)

    def _ver_general(self, f: list[Field], raw: str, line: int) -> None:
        if self.state:
            self.diag("SIE110", line, 1, f"a new #VER starts while the voucher of line "
                      f"{self.voucher.line if self.voucher else 0} is open")
            self.voucher_bad = True
            self._finish_voucher(line - 1)
        series = f[1] if len(f) > 1 else ""
        number = f[2] if len(f) > 2 else ""
        day = parse_date(f[3]) if len(f) > 3 else None
        bad = day is None or not isinstance(series, str) or not isinstance(number, str)
        if day is None:
            hint = "write the voucher date as YYYYMMDD, e.g. 20240131"
            if parse_date(number) is not None:
                hint = (f"the voucher number {number} looks like a date: the series field is probably missing; "
                        'write "" for an empty series')
            self.diag("SIE204", line, column(raw, 3),
                      f"#VER date {f[3] if len(f) > 3 else None!r}; the voucher is skipped", hint=hint)
        text = f[4] if len(f) > 4 and isinstance(f[4], str) and f[4] != "" else None
        reg_date = None
        if len(f) > 5 and f[5] != "":
            reg_date = parse_date(f[5])
            if reg_date is None:
                self.diag("SIE217", line, column(raw, 5), f"#VER registration date {f[5]!r}")
        sign = f[6] if len(f) > 6 and isinstance(f[6], str) and f[6] != "" else None
        if len(f) > 7:
            self.extra(f, 7, raw, line)
        self.voucher = SieVoucher(str(series) if isinstance(series, str) else "",
                                  str(number) if isinstance(number, str) else "",
                                  day or date.min, text, reg_date, sign, line=line)
        self.voucher_bad = bad
        self.vsum = self.vdebit = _ZERO
        self.overflow = 0
        self.rtrans = None
        self.state = 1

    def _open(self, line: int) -> None:
        if self.state == 1:
            self.state = 2
        else:
            where = "a second { inside a voucher" if self.state == 2 else "a { with no #VER before it"
            self.diag("SIE109", line, 1, where)

    def _close(self, line: int) -> None:
        if self.state == 0:
            self.diag("SIE109", line, 1, "a } with no voucher open")
            return
        if self.state == 1:
            self.diag("SIE303", line, 1, f"{describe(self.voucher)}")  # type: ignore[arg-type]
            self.voucher_bad = True
        self._finish_voucher(line)

    def _trans(self, f: list[Field], raw: str, line: int) -> None:
        # Fast path: "#TRANS account {} amount [date] [text]" inside a voucher's braces, all fields valid.
        n = len(f)
        objs = f[2] if n > 2 else None
        if 4 <= n <= 6 and self.state == 2 and objs.__class__ is tuple and not len(objs) & 1 \
                and f[0] == "#TRANS" and self.rtrans is None:  # type: ignore[arg-type]
            account, text = f[1], f[3]
            if account.__class__ is str and account.isdigit() and account.isascii() and text.__class__ is str \
                    and text and not text.strip(NUMBER_CHARS):  # type: ignore[union-attr]
                try:
                    amount = Decimal(text)  # type: ignore[arg-type]
                except InvalidOperation:
                    amount = None
                day = None
                if n > 4 and f[4] != "":
                    day = _DATES.get(f[4]) or parse_date(f[4])  # type: ignore[call-overload,arg-type]
                    if day is None:
                        amount = None
                rows = self.voucher.rows  # type: ignore[union-attr]
                if amount is not None and len(rows) < self.limits.max_voucher_rows:
                    memo = f[5] if n == 6 and f[5] != "" and f[5].__class__ is str else None
                    if _ROW_TEMPLATE is None:
                        rows.append(make_row(account, amount, _pairs(objs), day, memo, None, None,  # type: ignore[arg-type]
                                             "TRANS", line))
                    else:
                        values = _ROW_TEMPLATE.copy()  # the defaults: kind TRANS, no quantity or sign
                        values["account"] = account
                        values["amount"] = amount
                        if objs:
                            values["objects"] = _pairs(objs)  # type: ignore[arg-type]
                        values["date"] = day
                        values["text"] = memo
                        values["line"] = line
                        row = _NEW(SieTransaction)
                        _SETATTR(row, "__dict__", values)
                        rows.append(row)
                    self.vsum += amount
                    if text[0] != "-":  # type: ignore[index]
                        self.vdebit += amount
                    return
        self._trans_general(f, raw, line)

    def _trans_general(self, f: list[Field], raw: str, line: int) -> None:
        voucher = self.voucher
        if self.state != 2:
            if self.state == 0 or voucher is None:
                self.diag("SIE215", line, column(raw, 0), f"{f[0]} on line {line}")
                return
            self.diag("SIE303", voucher.line, 1, f"{describe(voucher)}: its rows start without a {{ line")
            self.state = 2
        n = len(f)
        account = f[1] if n > 1 else ""
        if n > 2 and f[2].__class__ is tuple:
            objs, i = f[2], 3
        else:  # no object list: the amount moves up one place (only broken files do this)
            objs, i = (), 2
            if n > 2 and parse_amount(f[2]) is None:
                objs, i = None, 3  # type: ignore[assignment]
            elif n > 2:
                self.diag("SIE218", line, column(raw, 2), f"{f[0]} {account}")
        amount = parse_amount(f[i]) if n > i else None
        if amount is None or account.__class__ is not str or account == "" or objs is None or len(objs) & 1:
            self._bad_row(f, raw, line, account, objs, i, n)
            return
        if not is_account(account):  # type: ignore[arg-type]
            # Real exports book on accounts such as "FEL" or "DIFF": kept, so mapping can report them.
            self.diag("SIE206", line, column(raw, 1), f"{f[0]} account {account!r}")
        day = None
        if n > i + 1 and f[i + 1] != "":
            day = parse_date(f[i + 1])
            if day is None:
                self.diag("SIE204", line, column(raw, i + 1), f"{f[0]} date {f[i + 1]!r}")
                self.voucher_bad = True
                return
        text = f[i + 2] if n > i + 2 and f[i + 2] != "" and isinstance(f[i + 2], str) else None
        quantity = None
        if n > i + 3 and f[i + 3] != "":
            quantity = parse_amount(f[i + 3])
            if quantity is None:
                self.diag("SIE217", line, column(raw, i + 3), f"{f[0]} quantity {f[i + 3]!r}")
        sign = f[i + 4] if n > i + 4 and f[i + 4] != "" and isinstance(f[i + 4], str) else None
        if n > i + 5:
            self.extra(f, i + 5, raw, line)
        pairs = _pairs(objs) if objs else ()  # type: ignore[arg-type]
        kind = _ROW_KINDS[f[0]]  # type: ignore[index]
        row = make_row(account, amount, pairs, day, text, quantity, sign, kind, line)  # type: ignore[arg-type]
        self._add_row(row, voucher, raw, line)  # type: ignore[arg-type]

    def _add_row(self, row: SieTransaction, voucher: SieVoucher, raw: str, line: int) -> None:
        kind = row.kind
        pending = self.rtrans
        if pending is not None:
            self.rtrans = None
            if kind != "TRANS" or (row.account, row.amount, row.objects) != \
                    (pending.account, pending.amount, pending.objects):
                self.diag("SIE305", pending.line, 1, f"{describe(voucher)}, #RTRANS on line {pending.line}")
        if kind == "TRANS":
            if len(voucher.rows) >= self.limits.max_voucher_rows:
                self.overflow += 1
                return
            voucher.rows.append(row)
            amount = row.amount
            self.vsum += amount
            if amount > 0:
                self.vdebit += amount
        elif kind == "RTRANS":
            voucher.added_rows.append(row)
            self.rtrans = row
        else:
            voucher.removed_rows.append(row)

    def _bad_row(self, f: list[Field], raw: str, line: int, account: Field, objs: Field | None, i: int,
                 n: int) -> None:
        self.voucher_bad = True
        label = f[0]
        if account.__class__ is not str:
            self.diag("SIE206", line, column(raw, 1), f"{label}: the account is an object list")
        elif account == "":
            self.diag("SIE207", line, column(raw, 1), f"{label} on line {line}")
        elif objs is None:
            self.diag("SIE208", line, column(raw, 2), f"{label} {account}: {f[2]!r} is not an object list")
        elif len(objs) & 1:
            self.diag("SIE208", line, column(raw, 2), f"{label} {account}: {{{' '.join(objs)}}}")
        elif n <= i:
            self.diag("SIE203", line, column(raw, n), f"{label} {account} has no amount",
                      hint="a row is: #TRANS account {objects} amount [date] [text]; e.g. #TRANS 1930 {} 100.00")
        else:
            self.diag("SIE205", line, column(raw, i), f"{label} {account}: {f[i]!r}")

    def _finish_voucher(self, line: int) -> None:
        voucher = self.voucher
        self.state = 0
        self.voucher = None
        if voucher is None:
            return
        voucher.end_line = line
        if self.rtrans is not None:
            self.diag("SIE305", self.rtrans.line, 1, f"{describe(voucher)}, #RTRANS on line {self.rtrans.line}")
            self.rtrans = None
        if self.overflow:
            self.diag("SIE306", voucher.line, 1, f"{describe(voucher)} has {len(voucher.rows) + self.overflow} "
                      f"rows; at most {self.limits.max_voucher_rows} are read")
            return
        if self.voucher_bad:
            if voucher.date != date.min:
                self.diag("SIE307", voucher.line, 1, f"{describe(voucher)}")
            return
        if not voucher.rows:
            self.diag("SIE302", voucher.line, 1, f"{describe(voucher)}")
            return
        self._accept(voucher)

    def _accept(self, voucher: SieVoucher) -> None:
        """A voucher that closed cleanly with rows, whose sums are in vsum/vdebit: checks its balance,
        counts it and hands it out (the bulk reader's voucher blocks end here too)."""
        if self.vsum:
            self._unbalanced(voucher)
        doc = self.doc
        doc.voucher_count += 1
        doc.transaction_count += len(voucher.rows)
        doc.debit_total += self.vdebit
        self.ready.append(voucher)

    def _unbalanced(self, voucher: SieVoucher) -> None:
        off = self.vsum
        credit = self.vdebit - off
        message = (f"{describe(voucher)} is off by {format_money(off)}: debit {format_money(self.vdebit)}, "
                   f"credit {format_money(credit)}")
        voucher.findings.append(SieFinding("unbalanced", "SIE301", message, off, voucher.line))
        self.diag("SIE301", voucher.line, 1, message)
