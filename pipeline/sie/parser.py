"""The line-by-line SIE parser: dispatches labels, builds vouchers, checks balance and #KSUMMA.

Pure: it is fed decoded lines and fills a SieDocument; completed vouchers wait in `ready` for the reader
to hand out (or keep), so a file of any size is read in bounded memory.
"""
from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal

from pipeline.diagnostics import Severity
from pipeline.sie import codes
from pipeline.sie.document import Limits, SieDocument, SieUnknownItem
from pipeline.sie.labels import HANDLERS
from pipeline.sie.model import SieTransaction, SieVoucher
from pipeline.sie.tokens import (
    STRAY_BRACE,
    UNCLOSED_LIST,
    UNTERMINATED_QUOTE,
    Field,
    checksum_text,
    column,
    tokenize,
)
from pipeline.sie.values import parse_date
from pipeline.sie.vouchers import VoucherRules

_PRE_LABEL_GARBAGE = 20  # this many non-SIE lines before any label: the file is not SIE


class Parser(VoucherRules):
    """Feeds lines into a SieDocument. States: 0 outside a voucher, 1 after #VER, 2 inside its braces."""

    def __init__(self, doc: SieDocument, policy: str = "lenient", limits: Limits | None = None) -> None:
        if policy not in ("lenient", "strict"):
            raise codes.SieError("SIE000", f"policy must be 'lenient' or 'strict', not {policy!r}", doc.name)
        self.doc = doc
        self.policy = policy
        self.limits = limits or Limits()
        self.ready: list[SieVoucher] = []
        self.lineno = 0
        self.stopped = False
        self.seen_label = False
        self.garbage = 0
        self.per_code: dict[str, int] = {}
        self.stored_error = False
        self.state = 0
        self.any_voucher = False
        self.voucher: SieVoucher | None = None
        self.voucher_bad = False
        self.vsum = self.vdebit = Decimal(0)  # the open voucher's sum and debit
        self.overflow = 0
        self.max_rows = self.limits.max_voucher_rows
        self.rtrans: SieTransaction | None = None
        self.crc: int | None = None
        self.ksumma_line = 0
        self.raw_lines: list[str] | None = None  # the fed lines as undecoded Latin-1, for #KSUMMA
        self.feed_start = 0
        self.ksumma_closed = 0
        self.handlers = {**HANDLERS, "#VER": Parser._ver, "#TRANS": Parser._trans,
                         "#RTRANS": Parser._trans, "#BTRANS": Parser._trans}

    # Reporting -------------------------------------------------------------------------------------

    def diag(self, code: str, line: int, col: int = 0, detail: str | None = None, hint: str | None = None) -> None:
        severity = codes.severity_for(code, self.policy)
        is_error = severity is Severity.ERROR
        if is_error:
            self.doc.error_count += 1
        elif severity is Severity.WARNING:
            self.doc.warning_count += 1
        seen = self.per_code.get(code, 0)
        self.per_code[code] = seen + 1
        # Past the caps a diagnostic is only counted, except the first error, which says why a file is rejected.
        if (seen < self.limits.max_per_code and len(self.doc.diagnostics) < self.limits.max_diagnostics) \
                or is_error and not self.stored_error:
            self.doc.diagnostics.append(codes.make(code, self.policy, self.doc.name, line, col, detail, hint))
            self.stored_error = self.stored_error or is_error

    @staticmethod
    def col(raw: str, index: int) -> int:
        return column(raw, index)

    def extra(self, f: list[Field], start: int, raw: str, line: int) -> None:
        if len(f) > start:
            self.diag("SIE202", line, column(raw, start), f"{f[0]} has {len(f) - start} more field(s)")
            if len(self.doc.extra_fields) < self.limits.max_unknown_items:
                self.doc.extra_fields.append(SieUnknownItem(str(f[0]), tuple(f[start:]), line))

    def date_field(self, f: list[Field], i: int, raw: str, line: int, *, required: bool, code: str) -> date | None:
        value = f[i] if i < len(f) else None
        if value in (None, "") and not required:
            return None
        day = parse_date(value)
        if day is None:
            self.diag(code, line, column(raw, i), f"{f[0]}: {value!r} is not a YYYYMMDD date",
                      hint="write dates as YYYYMMDD, e.g. 20240131")
        return day

    # The main loop ---------------------------------------------------------------------------------

    def feed(self, lines: list[str], raw_lines: list[str] | None = None) -> None:
        """Parse whole lines (without terminators) that follow the lines fed so far. `raw_lines` are the
        same lines as undecoded Latin-1 text, for the #KSUMMA checksum of a single-byte file."""
        handlers = self.handlers
        lineno = self.feed_start = self.lineno
        self.raw_lines = raw_lines
        watch = self.crc is not None or self.ksumma_closed  # checksum bookkeeping needed per item
        seen = self.seen_label
        for raw in lines:
            lineno += 1
            s = raw.strip()
            if not s:
                continue
            if s[0] == "#":
                fields, flags = tokenize(s)
                if flags:
                    self._token_flags(flags, raw, lineno)
                label: str = fields[0]  # type: ignore[assignment]
                if not seen:
                    seen = self.seen_label = True
                if watch:
                    self._checksum_item(label, fields, lineno)
                if label in handlers:
                    handlers[label](self, fields, raw, lineno)
                elif label == "#KSUMMA":
                    self._ksumma(fields, raw, lineno)
                    watch = self.crc is not None or self.ksumma_closed
                else:
                    self._unknown(fields, raw, lineno)
            elif s == "{":
                if self.state == 1:  # the braces of the voucher just opened: rows follow
                    self.state = 2
                else:
                    self._open(lineno)
            elif s == "}":
                if self.state == 2:
                    self._finish_voucher(lineno)
                else:
                    self._close(lineno)
            else:
                self._garbage(s, raw, lineno)
                if self.stopped:
                    break
        self.lineno = lineno
        self.doc.lines = lineno

    def _checksum_item(self, label: str, fields: list[Field], line: int) -> None:
        if label == "#KSUMMA":
            return
        if self.crc is not None:
            if self.raw_lines is not None:  # a single-byte file: hash the field bytes as written
                raw_fields, _ = tokenize(self.raw_lines[line - self.feed_start - 1].strip())
                data = checksum_text(raw_fields).encode("latin-1")
            else:  # UTF-8 text mapped to CP437, as sie-format.md §7 says
                data = checksum_text(fields).encode("cp437", "replace")
            self.crc = zlib.crc32(data, self.crc)
        elif self.ksumma_closed:
            self.diag("SIE403", line, 1, f"the checksum closed on line {self.ksumma_closed}")
            self.ksumma_closed = 0  # report once

    def line_too_long(self, line: int) -> None:
        self.diag("SIE103", line, 1, f"line {line} is longer than {self.limits.max_line_bytes} bytes; "
                  "it was skipped")

    def finish(self) -> None:
        """End of file: close what is open and judge the file as a whole."""
        line = self.lineno
        if self.state:
            code = "SIE110" if self.state == 2 else "SIE303"
            self.diag(code, line, 1, f"the voucher of line {self.voucher.line if self.voucher else 0} "
                      "is still open at the end of the file")
            self.voucher_bad = True
            self._finish_voucher(line)
        if self.crc is not None:
            self.diag("SIE402", line, 1, f"the opening #KSUMMA is on line {self.ksumma_line}")
        if not self.stopped and not self._anything_known():
            if self.doc.size == 0:
                self.diag("SIE102", 1, 1, "the file is empty")
            else:
                self.diag("SIE102", 1, 1)
        listed: dict[str, int] = {}
        for d in self.doc.diagnostics:
            listed[d.rule] = listed.get(d.rule, 0) + 1
        for code, count in self.per_code.items():
            if count > listed.get(code, 0):
                self.doc.diagnostics.append(codes.make(
                    "SIE405", self.policy, self.doc.name, 0, 0,
                    f"{code}: {count - listed.get(code, 0)} more of {count} not listed"))
        self.doc.lines = line

    def _anything_known(self) -> bool:
        doc = self.doc
        return any((doc.flag is not None, doc.program, doc.format, doc.sie_type_declared, doc.company,
                    doc.generated, doc.accounts, doc.raw_balances, doc.financial_years, self.any_voucher,
                    self.ksumma_line, doc.dimensions, doc.objects, doc.org_number))

    # Lines that are not items -----------------------------------------------------------------------

    def _token_flags(self, flags: int, raw: str, line: int) -> None:
        if flags & UNTERMINATED_QUOTE:
            self.diag("SIE107", line, raw.rfind('"') + 1)
        if flags & UNCLOSED_LIST:
            self.diag("SIE111", line, raw.rfind("{") + 1)
        if flags & STRAY_BRACE:
            self.diag("SIE109", line, max(raw.rfind("}"), 0) + 1, "a brace inside the line does not pair up")

    def _garbage(self, s: str, raw: str, line: int) -> None:
        if not s.strip("\x1a\u2192"):  # a DOS end-of-file mark (Ctrl-Z; CP437 shows it as an arrow)
            return
        if not self.seen_label:
            if s.startswith("<"):
                self.diag("SIE101", line, 1, f"line {line} starts with {s[:40]!r}")
                self.stopped = True
                return
            self.garbage += 1
            if self.garbage >= _PRE_LABEL_GARBAGE:
                self.diag("SIE102", 1, 1, f"the first {self.garbage} lines hold no SIE label")
                self.stopped = True
                return
        col = len(raw) - len(raw.lstrip()) + 1
        self.diag("SIE108", line, col, f"{s[:40]!r}")

    def _unknown(self, f: list[Field], raw: str, line: int) -> None:
        label = str(f[0])
        self.diag("SIE201", line, column(raw, 0), f"{label} on line {line}")
        if len(self.doc.unknown) < self.limits.max_unknown_items:
            self.doc.unknown.append(SieUnknownItem(label, tuple(f[1:]), line))

    def _ksumma(self, f: list[Field], raw: str, line: int) -> None:
        if len(f) == 1:
            if self.crc is None and not self.ksumma_closed:
                self.crc = 0
                self.ksumma_line = line
            return
        value = f[1]
        stated = int(value) if isinstance(value, str) and value.isdigit() and value.isascii() else -1
        if not 0 <= stated <= 0xFFFFFFFF:
            self.diag("SIE404", line, column(raw, 1), f"{value!r}")
        elif self.crc is None:
            self.diag("SIE404", line, column(raw, 1), "a closing value with no opening #KSUMMA")
        else:
            self.doc.checksum_value = stated
            self.doc.checksum_computed = self.crc
            self.doc.checksum = "ok" if stated == self.crc else "mismatch"
            if stated != self.crc:
                self.diag("SIE401", line, column(raw, 1),
                          f"the file states {stated}, its content gives {self.crc}")
        self.crc = None
        self.ksumma_closed = line

