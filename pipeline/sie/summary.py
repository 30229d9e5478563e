"""The per-file summary `kassasync sie inspect` prints, as plain data (the JSON shape) and as text.

`inspect_file` streams: it keeps the summary of each voucher that does not balance, not the vouchers, so a
file of any size is summarised in bounded memory.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic
from pipeline.sie import codes
from pipeline.sie.codes import SieError
from pipeline.sie.document import Limits, SieDocument
from pipeline.sie.model import SieVoucher
from pipeline.sie.reader import iter_vouchers
from pipeline.sie.values import format_money

MAX_UNBALANCED = Limits().max_diagnostics  # unbalanced vouchers listed per file; the rest are counted


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"line": d.location.line, "col": d.location.col, "code": d.rule, "severity": d.severity.value,
            "message": d.message, "hint": d.hint}


def inspect_file(path: Path, policy: str = "lenient") -> dict[str, Any]:
    """Read the file at `path` as a stream and summarise it; a file that cannot be read becomes a rejected
    entry with SIE100, like any other rejected file."""
    unbalanced: list[dict[str, Any]] = []
    count = 0
    try:
        stream = iter_vouchers(path, policy=policy, raise_errors=False)
        for voucher in stream:
            if voucher.findings and any(f.kind == "unbalanced" for f in voucher.findings):
                count += 1
                if len(unbalanced) < MAX_UNBALANCED:
                    unbalanced.extend(_unbalanced(voucher))
        doc = stream.document
    except (SieError, OSError) as exc:
        message = exc.message if isinstance(exc, SieError) else (exc.strerror or str(exc))
        doc = SieDocument(name=str(path))
        doc.diagnostics.append(codes.make("SIE100", policy, str(path), 0, 0, message.split(": ", 1)[-1]))
        doc.error_count = 1
    return summarize(doc, unbalanced, count)


def _unbalanced(voucher: SieVoucher) -> list[dict[str, Any]]:
    return [{"id": voucher.voucher_id, "series": voucher.series, "number": voucher.number, "line": voucher.line,
             "amount": format_money(f.amount if f.amount is not None else voucher.balance)}
            for f in voucher.findings if f.kind == "unbalanced"]


def summarize(doc: SieDocument, unbalanced: list[dict[str, Any]] | None = None,
              unbalanced_count: int | None = None) -> dict[str, Any]:
    """One entry of the inspect JSON `files` list (keys documented in README.md). A streamed document keeps
    no vouchers: its unbalanced ones are passed in, at most MAX_UNBALANCED of `unbalanced_count`."""
    if unbalanced is None:
        unbalanced = [entry for v in doc.vouchers for entry in _unbalanced(v)]
    return {
        "file": doc.name,
        "encoding": doc.encoding,
        "program": doc.program,
        "program_version": doc.program_version,
        # A page that is not SIE has no type: don't claim the "type 1" a missing #SIETYP would mean.
        "sie_type": doc.sie_type if doc.sie_type_declared or doc.flag is not None or doc.program else None,
        "company": doc.company,
        "org_number": doc.org_number,
        "financial_years": [{"year": y.year, "start": y.start.isoformat(), "end": y.end.isoformat()}
                            for y in doc.financial_years],
        "flag": doc.flag,
        "vouchers": doc.voucher_count,
        "transactions": doc.transaction_count,
        "debit_total": format_money(doc.debit_total),
        "unbalanced": unbalanced,
        "unbalanced_count": len(unbalanced) if unbalanced_count is None else unbalanced_count,
        "checksum": doc.checksum,
        "sha256": doc.sha256,
        "diagnostics": [_diagnostic(d) for d in doc.diagnostics],
        "errors": doc.error_count,
        "warnings": doc.warning_count,
        "rejected": doc.rejected,
    }


def render_text(entry: dict[str, Any]) -> list[str]:
    """The summary as lines a person reads."""
    status = "REJECTED" if entry["rejected"] else "read"
    program = " ".join(p for p in (entry["program"], entry["program_version"]) if p) or "(not stated)"
    company = entry["company"] or "(no #FNAMN)"
    if entry["org_number"]:
        company += f", org. no. {entry['org_number']}"
    years = ", ".join(f"{y['year']}: {y['start']} to {y['end']}" for y in entry["financial_years"]) or "none"
    lines = [
        f"{entry['file']}: {status}",
        f"  encoding         {entry['encoding']}",
        f"  program          {program}",
        f"  SIE type         {entry['sie_type'] or 'unknown'}",
        f"  company          {company}",
        f"  financial years  {years}",
        f"  vouchers         {entry['vouchers']} with {entry['transactions']} #TRANS rows, "
        f"debit total {entry['debit_total']}",
    ]
    if entry["unbalanced"]:
        more = entry["unbalanced_count"] - len(entry["unbalanced"])
        lines.append("  unbalanced       " + "; ".join(
            f"{u['series'] or '-'} {u['number'] or '-'} (line {u['line']}) off by {u['amount']}"
            for u in entry["unbalanced"]) + (f"; and {more} more" if more > 0 else ""))
    else:
        lines.append("  unbalanced       none")
    lines.append(f"  checksum         {entry['checksum']}")
    if entry["diagnostics"]:
        lines.append(f"  diagnostics      {entry['errors']} error(s), {entry['warnings']} warning(s)")
        for d in entry["diagnostics"]:
            where = f"{entry['file']}:{d['line']}:{d['col'] or 1}" if d["line"] else entry["file"]
            lines.append(f"    {where}: {d['severity']} {d['code']} {d['message']}")
            if d["hint"]:
                lines.append(f"      hint: {d['hint']}")
    return lines
