"""What the mapping found wrong with a voucher: ids in the KS3xx range, each with a message and the fix."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic, Location, Severity

# id -> (severity, what it means); the table in docs/runner.md is written from this one place.
RULES: dict[str, tuple[Severity, str]] = {
    "KS301": (Severity.ERROR, "the voucher in the SIE file does not balance (to the öre)"),
    "KS302": (Severity.ERROR, "the mapped Fortnox voucher does not balance (amounts finer than öre, or lost rows)"),
    "KS303": (Severity.ERROR, "a row lands on a Fortnox account the store file does not declare under accounts:"),
    "KS304": (Severity.ERROR, "VAT does not match the rate of the revenue it belongs to (beyond öre rounding)"),
    "KS305": (Severity.ERROR, "a row on an invoiced-sales account while invoice_sync is on (double booking)"),
    "KS306": (Severity.WARNING, "business date before the store's start_date: skipped, never posted"),
    "KS307": (Severity.ERROR, "business date in the future"),
    "KS308": (Severity.WARNING, "the same Z-report was already posted from another file: skipped"),
    "KS309": (Severity.WARNING, "nothing to post (fewer than two non-zero rows): skipped"),
    "KS310": (Severity.ERROR, "an account that is not a four-digit number (1000-9999) after account_map"),
    "KS311": (Severity.ERROR, "the day file cannot be read: moved to quarantine"),
    "KS312": (Severity.WARNING, "the Z-report is already posted with other amounts (a re-export): held until "
                                "`kassasync correct` posts the difference or dismisses it"),
    "KS313": (Severity.WARNING, "replaced by a newer export of the same Z-report before it was posted"),
    # Whether a day file belongs to its store (the runner checks these before anything is mapped).
    "KS314": (Severity.ERROR, "the day file's #ORGNR is another company's: moved to quarantine, never posted"),
    "KS315": (Severity.WARNING, "the day file has no #ORGNR line: posted, as some tills leave it out"),
    "KS316": (Severity.ERROR, "a symlink in the store's inbox leads out of it: moved to quarantine, not followed"),
    "KS317": (Severity.ERROR, "the day file has no #ORGNR line and the store requires one (pos.require_orgnr)"),
}
# Findings that end a voucher as `skipped`, never to be posted: before start_date, nothing to post, or
# another file's voucher stands for this Z-report (REPLACED; `--retry-failed` leaves those alone).
SKIPS = frozenset({"KS306", "KS308", "KS309", "KS312", "KS313"})
REPLACED = frozenset({"KS308", "KS312", "KS313"})
# Findings a store may switch off with `rules: disable:`; balance and account checks protect Fortnox itself.
DISABLEABLE = frozenset({"KS304", "KS305", "KS309"})


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    hint: str
    line: int = 0  # line in the SIE file (of the #VER or #TRANS), 0 when unknown

    @property
    def severity(self) -> Severity:
        return RULES[self.rule][0]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def skips(self) -> bool:
        """A finding that means "do not post, and that is fine" rather than "fix this"."""
        return self.rule in SKIPS


    def to_diagnostic(self, path: str) -> Diagnostic:
        return Diagnostic(Location(path, self.line, 1 if self.line else 0), self.severity, self.rule,
                          self.message, self.hint)

    def to_json(self) -> dict[str, object]:
        return {"rule": self.rule, "severity": self.severity.value, "message": self.message,
                "hint": self.hint, "line": self.line}
