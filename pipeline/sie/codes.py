"""The SIE reader's stable diagnostic codes, their default severity and the fix each one suggests."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic, Location, Severity

# "policy" = a problem a reader can survive: a warning under the lenient policy, an error under strict.
POLICY = "policy"


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # "error" | "warning" | "info" | POLICY
    title: str
    hint: str | None = None


_TABLE = [
    Code("SIE000", "error", "invalid call of the reader", "policy is 'lenient' or 'strict'"),
    # File level: is this SIE at all, how it is encoded, how its lines are shaped.
    Code("SIE100", "error", "file cannot be read", "check the path and the file's permissions"),
    Code("SIE101", "error", "not a SIE file: it is an HTML page",
         "the download saved an error page instead of the SIE file; fetch the file again"),
    Code("SIE102", "error", "not a SIE file: no line starts with a SIE label such as #FLAGGA",
         "check that this is the SIE export from the point-of-sale system"),
    Code("SIE103", "error", "line is too long",
         "a SIE line is a few hundred characters; the file is damaged or not SIE"),
    Code("SIE104", "warning", "text holds U+FFFD replacement characters (letters lost upstream)",
         "the file was re-encoded lossily before it reached us; export it again from the source program"),
    Code("SIE105", "info", "stray Latin-1 bytes in CP437 text were read as the Swedish letters they encode"),
    Code("SIE106", "error", "the file is UTF-16 text, which is not a SIE encoding",
         "export the file again from the program, or save it as UTF-8 or PC8 (CP437), not as Unicode"),
    Code("SIE107", "warning", "quoted field has no closing quote", "close the quote at the end of the field"),
    Code("SIE108", "warning", "line is not a SIE item (it does not start with #, { or })",
         "remove the line or restore the label it lost"),
    Code("SIE109", "warning", "brace without a voucher", "a { or } belongs directly after a #VER line"),
    Code("SIE110", "error", "voucher block is not closed with }",
         "the file may be truncated; export it again"),
    Code("SIE111", "warning", "object list is not closed with }", "close the object list: {dim object}"),
    # Labels and fields.
    Code("SIE201", "warning", "unknown label (kept and skipped)",
         "nothing to do unless the label carries data you need; SIE 4B readers ignore unknown labels"),
    Code("SIE202", "info", "extra fields at the end of the item (kept and skipped)",
         "SIE 4B readers ignore extra trailing fields; quote text that holds spaces"),
    Code("SIE203", "error", "required field is missing", "add the missing field; see the item's layout in SIE 4B"),
    Code("SIE204", "error", "date is not a valid YYYYMMDD date", "write dates as YYYYMMDD, e.g. 20240131"),
    Code("SIE205", "error", "amount is not a number", "write amounts like -1234.50: point, no spaces"),
    Code("SIE206", POLICY, "account number is not numeric", "account numbers are digits only, e.g. 1930"),
    Code("SIE207", "error", "account number is empty", "every #TRANS row names its account"),
    Code("SIE208", "error", "object list must hold (dimension, object) pairs",
         "write the list as {dimension object ...}, e.g. {1 \"100\"}"),
    Code("SIE209", "warning", "number field is not an integer", "write a whole number, e.g. 0 or -1"),
    Code("SIE210", POLICY, "financial year starts after it ends", "fix the dates of #RAR"),
    Code("SIE211", "warning", "#SIETYP is not 1, 2, 3 or 4", "the file is read as type 1"),
    Code("SIE212", "info", "#FORMAT is not PC8", "nothing to do: the encoding is detected from the bytes"),
    Code("SIE213", POLICY, "#FLAGGA 1: the file is marked as already imported",
         "check the vouchers were not booked already; the importer sets #FLAGGA 1 after importing"),
    Code("SIE214", "warning", "period is not a valid YYYYMM period", "write periods as YYYYMM, e.g. 202401"),
    Code("SIE215", "error", "#TRANS row outside a voucher", "rows belong inside the { } after a #VER"),
    Code("SIE216", POLICY, "chart or balance item skipped: a field is invalid", "correct the field named in the message"),
    Code("SIE217", "warning", "optional field ignored: its value is invalid", "correct it or leave it out (write \"\")"),
    Code("SIE218", "warning", "#TRANS row has no object list; read as the empty list {}",
         "write {} between the account and the amount"),
    Code("SIE219", "info", "unquoted text with spaces read as one value", "quote text that holds spaces"),
    # Vouchers.
    Code("SIE301", POLICY, "voucher does not balance",
         "the #TRANS amounts of a voucher must sum to exactly 0.00; correct the day in the POS and export again"),
    Code("SIE302", POLICY, "voucher has no rows (skipped)", "remove the empty #VER or add its #TRANS rows"),
    Code("SIE303", POLICY, "#VER is not followed by a { line", "put the rows in { } after the #VER line"),
    Code("SIE305", "warning", "#RTRANS is not followed by its identical #TRANS row",
         "an added row is written as #RTRANS followed by the same row as #TRANS"),
    Code("SIE306", "error", "voucher has too many rows", "split the voucher; the file may be damaged"),
    Code("SIE307", "error", "voucher skipped: it has invalid rows", "fix the rows reported above"),
    Code("SIE308", POLICY, "#VER has no series field: the number and date stand one place early",
         'write "" for an empty series, e.g. #VER "" 1 20260101'),
    # #KSUMMA checksum.
    Code("SIE401", "error", "#KSUMMA checksum does not match the content",
         "the file was changed or damaged after it was written; export it again"),
    Code("SIE402", "error", "#KSUMMA opened but never closed: the file is truncated",
         "export the file again; the last part is missing"),
    Code("SIE403", "warning", "items after the closing #KSUMMA are not covered by the checksum",
         "#KSUMMA with its value must be the last item"),
    Code("SIE404", "error", "#KSUMMA value is not an unsigned 32-bit number", "export the file again"),
    Code("SIE405", "info", "more diagnostics of this kind are counted but not listed"),
]

CODES: dict[str, Code] = {c.code: c for c in _TABLE}


def severity_for(code: str, policy: str) -> Severity:
    """The severity of `code` under `policy` ("lenient" or "strict")."""
    level = CODES[code].severity
    if level == POLICY:
        return Severity.ERROR if policy == "strict" else Severity.WARNING
    return Severity(level)


def make(code: str, policy: str, path: str, line: int, col: int, detail: str | None = None,
         hint: str | None = None) -> Diagnostic:
    """A Diagnostic for `code`: the table's title, then the specific detail, and the table's hint."""
    entry = CODES[code]
    message = f"{entry.title}: {detail}" if detail else entry.title
    return Diagnostic(Location(path, line, col), severity_for(code, policy), code, message,
                      hint if hint is not None else entry.hint)


class SieError(Exception):
    """The reader's one error type: a stable code, a message, and where (file, line, column)."""

    def __init__(self, code: str, message: str, file: str = "", line: int = 0, col: int = 0,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.hint = hint

    @classmethod
    def from_diagnostic(cls, diag: Diagnostic) -> SieError:
        loc = diag.location
        return cls(diag.rule, diag.message, loc.path, loc.line, loc.col, diag.hint)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col or 1}" if self.line else self.file
        return f"{where}: {self.code} {self.message}" if where else f"{self.code} {self.message}"
