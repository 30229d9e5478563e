"""Voucher rules of the parser: #VER, its { } block, #TRANS/#RTRANS/#BTRANS rows, balance (§5)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pipeline.sie.model import SieFinding, SieTransaction, SieVoucher, new_voucher
from pipeline.sie.tokens import Field, column, pairs, text_field
from pipeline.sie.values import _DATES, NUMBER_CHARS, format_money, is_account, parse_amount, parse_date

if TYPE_CHECKING:
    from pipeline.sie.document import Limits, SieDocument

_ZERO = Decimal(0)
_ACCOUNTS: set[str] = set()  # account numbers seen valid
_ACCOUNTS_MAX = 50_000
_TUPLE = tuple.__new__  # builds a SieTransaction from its fields in one step (see _trans)
_ROW_KINDS = {"#TRANS": "TRANS", "#RTRANS": "RTRANS", "#BTRANS": "BTRANS"}


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
    max_rows: int  # limits.max_voucher_rows
    rtrans: SieTransaction | None
    any_voucher: bool
    limits: Limits

    def diag(self, code: str, line: int, col: int = 0, detail: str | None = None,
             hint: str | None = None) -> None:
        raise NotImplementedError

    def extra(self, f: list[Field], start: int, raw: str, line: int) -> None:
        raise NotImplementedError

    def _ver(self, f: list[Field], raw: str, line: int) -> None:
        """#VER series number date [text] [regdate] [sign]: opens a voucher; its rows follow in { }."""
        self.any_voucher = True
        if self.state:
            self.diag("SIE110", line, 1, f"a new #VER starts while the voucher of line "
                      f"{self.voucher.line if self.voucher else 0} is open")
            self.voucher_bad = True
            self._finish_voucher(line - 1)
        n = len(f)
        series = f[1] if n > 1 else ""
        number = f[2] if n > 2 else ""
        day = (_DATES.get(f[3]) or parse_date(f[3])) if n > 3 else None  # type: ignore[arg-type]
        bad = series.__class__ is not str or number.__class__ is not str
        at = 4  # where the optional fields start
        if day is None:
            if not bad and series.isdigit() and series.isascii() and parse_date(number) is not None:  # type: ignore[union-attr]
                # No series field at all, not even "" (Sie4j reads it so): number and date moved one place left.
                self.diag("SIE308", line, column(raw, 1), f"read as series \"\", number {series}, date {number}",
                          hint=f'write "" for an empty series: #VER "" {series} {number}')
                series, number, day, at = "", series, parse_date(number), 3
            else:
                hint = "write the voucher date as YYYYMMDD, e.g. 20240131"
                if parse_date(number) is not None:
                    hint = (f"the voucher number {number} looks like a date: a field before it is probably "
                            'missing; write "" for an empty series or number')
                found = f"{f[3]!r} is not a date" if n > 3 else "is missing"
                self.diag("SIE204", line, column(raw, 3), f"#VER date {found}; the voucher is skipped", hint=hint)
                bad = True
        text = text_field(f, at)
        reg_date = None
        if n > at + 1 and f[at + 1] != "":
            reg_date = _DATES.get(f[at + 1]) or parse_date(f[at + 1])  # type: ignore[arg-type]
            if reg_date is None:
                self.diag("SIE217", line, column(raw, at + 1), f"#VER registration date {f[at + 1]!r}")
        sign = text_field(f, at + 2)
        if n > at + 3:
            self.extra(f, at + 3, raw, line)
        self.voucher = new_voucher(series if series.__class__ is str else "",  # type: ignore[arg-type]
                                   number if number.__class__ is str else "",  # type: ignore[arg-type]
                                   day or date.min, text, reg_date, sign, line)
        self.voucher_bad = bad
        self.vsum = self.vdebit = _ZERO
        self.overflow = 0
        self.rtrans = None
        self.state = 1

    def _open(self, line: int) -> None:
        """A { line that does not follow a #VER (the parser's loop opens a voucher's braces itself)."""
        where = "a second { inside a voucher" if self.state == 2 else "a { with no #VER before it"
        self.diag("SIE109", line, 1, where)

    def _close(self, line: int) -> None:
        """A } line that does not close a voucher's rows (the parser's loop finishes those itself)."""
        if self.state == 0:
            self.diag("SIE109", line, 1, "a } with no voucher open")
            return
        if self.state == 1:
            self.diag("SIE303", line, 1, f"{describe(self.voucher)}")  # type: ignore[arg-type]
            self.voucher_bad = True
        self._finish_voucher(line)

    def _trans(self, f: list[Field], raw: str, line: int) -> None:
        """#TRANS/#RTRANS/#BTRANS account {objects} amount [date] [text] [quantity] [sign] inside a voucher.

        Rows are most of a file, so this is written for speed: values are read inline (the caches of
        values.py first), and the row tuple is built in one step."""
        if self.state != 2 and not self._rows_may_start(f, raw, line):
            return
        n = len(f)
        text: Field | None
        objs: Field | None
        if n > 3 and f[2].__class__ is tuple:  # account {objects} amount: the usual row
            account, objs, text, i = f[1], f[2], f[3], 3
        else:
            account, objs, i = self._row_without_list(f, raw, line, n)
            text = f[i] if n > i else None
        amount = None
        if text.__class__ is str and text and not text.strip(NUMBER_CHARS):  # type: ignore[union-attr]
            try:  # digits, points and minus signs are left: Decimal rejects the bad arrangements
                amount = Decimal(text)  # type: ignore[arg-type]
            except InvalidOperation:
                pass
        if amount is None or account.__class__ is not str or account == "" or objs is None or len(objs) & 1:
            self._bad_row(f, raw, line, account, objs, i, n)
            return
        if account not in _ACCOUNTS:  # a file books on a few hundred accounts: each is checked once
            if is_account(account):  # type: ignore[arg-type]
                if len(_ACCOUNTS) >= _ACCOUNTS_MAX:
                    _ACCOUNTS.clear()
                _ACCOUNTS.add(account)  # type: ignore[arg-type]
            else:  # real exports book on accounts such as "FEL" or "DIFF": kept, so mapping can report them
                self.diag("SIE206", line, column(raw, 1), f"{f[0]} account {account!r}")
        day = memo = quantity = sign = None
        if n > i + 1:
            value = f[i + 1]
            if value != "":
                day = _DATES.get(value) or parse_date(value)  # type: ignore[arg-type]
                if day is None:
                    self.diag("SIE204", line, column(raw, i + 1), f"{f[0]} date {value!r}")
                    self.voucher_bad = True
                    return
            if n > i + 2:
                memo = f[i + 2]
                if memo.__class__ is not str or memo == "":
                    memo = None
                if n > i + 3:
                    quantity, sign = self._row_end(f, i + 3, raw, line)
        kind = _ROW_KINDS[f[0]]  # type: ignore[index]
        row = _TUPLE(SieTransaction, (account, amount, pairs(objs) if objs else (), day, memo,  # type: ignore[arg-type]
                                      quantity, sign, kind, line))
        if (kind != "TRANS" or self.rtrans is not None) and not self._history(row, self.voucher):  # type: ignore[arg-type]
            return
        rows = self.voucher.rows  # type: ignore[union-attr]
        if len(rows) >= self.max_rows:
            self.overflow += 1
            return
        rows.append(row)
        self.vsum += amount
        if text[0] != "-":  # type: ignore[index]  # the debit side (a zero adds nothing)
            self.vdebit += amount

    def _row_end(self, f: list[Field], i: int, raw: str, line: int) -> tuple[Decimal | None, str | None]:
        """A row's quantity and sign (fields i and i + 1), and extra fields after them."""
        quantity = None
        if f[i] != "":
            quantity = parse_amount(f[i])
            if quantity is None:
                self.diag("SIE217", line, column(raw, i), f"{f[0]} quantity {f[i]!r}")
        if len(f) > i + 2:
            self.extra(f, i + 2, raw, line)
        return quantity, text_field(f, i + 1)

    def _row_without_list(self, f: list[Field], raw: str, line: int, n: int) -> tuple[Field, Field | None, int]:
        """Account, object list and the amount's index of a row that is short or has no object list: then
        the amount moves up one place (only broken files do this); None for a list that is not one."""
        account = f[1] if n > 1 else ""
        if n > 2 and f[2].__class__ is tuple:
            return account, f[2], 3
        if n > 2 and parse_amount(f[2]) is None:
            return account, None, 3
        if n > 2:
            self.diag("SIE218", line, column(raw, 2), f"{f[0]} {account}")
        return account, (), 2

    def _rows_may_start(self, f: list[Field], raw: str, line: int) -> bool:
        """A row outside a voucher's braces: after a #VER without its { the rows are read (reported once)."""
        voucher = self.voucher
        if self.state == 0 or voucher is None:
            self.diag("SIE215", line, column(raw, 0), f"{f[0]} on line {line}")
            return False
        self.diag("SIE303", voucher.line, 1, f"{describe(voucher)}: its rows start without a {{ line")
        self.state = 2
        return True

    def _history(self, row: SieTransaction, voucher: SieVoucher) -> bool:
        """Keeps a #RTRANS or #BTRANS row apart and checks that the row after a #RTRANS repeats it; True
        when `row` is a #TRANS row, to be added to the voucher's rows."""
        kind = row.kind
        pending = self.rtrans
        if pending is not None:
            self.rtrans = None
            if kind != "TRANS" or (row.account, row.amount, row.objects) != \
                    (pending.account, pending.amount, pending.objects):
                self.diag("SIE305", pending.line, 1, f"{describe(voucher)}, #RTRANS on line {pending.line}")
        if kind == "RTRANS":
            voucher.added_rows.append(row)
            self.rtrans = row
        elif kind == "BTRANS":
            voucher.removed_rows.append(row)
        return kind == "TRANS"

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
        """The voucher ends on `line`: a clean one with rows is counted, checked for balance and handed out."""
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
        if self.vsum:
            self._unbalanced(voucher, self.vsum, self.vdebit)
        doc = self.doc
        doc.voucher_count += 1
        doc.transaction_count += len(voucher.rows)
        doc.debit_total += self.vdebit
        self.ready.append(voucher)

    def _unbalanced(self, voucher: SieVoucher, off: Decimal, debit: Decimal) -> None:
        credit = debit - off
        message = (f"{describe(voucher)} is off by {format_money(off)}: debit {format_money(debit)}, "
                   f"credit {format_money(credit)}")
        voucher.findings.append(SieFinding("unbalanced", "SIE301", message, off, voucher.line))
        self.diag("SIE301", voucher.line, 1, message)
