"""The per-file summary `kassasync sie inspect` prints, as plain data (the JSON shape) and as text."""
from __future__ import annotations

from typing import Any

from pipeline.diagnostics import Diagnostic
from pipeline.sie.document import SieDocument
from pipeline.sie.values import format_money


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"line": d.location.line, "col": d.location.col, "code": d.rule, "severity": d.severity.value,
            "message": d.message, "hint": d.hint}


def summarize(doc: SieDocument) -> dict[str, Any]:
    """One entry of the inspect JSON `files` list (keys documented in README.md)."""
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
        "unbalanced": [{"id": v.voucher_id, "series": v.series, "number": v.number, "line": v.line,
                        "amount": format_money(f.amount if f.amount is not None else v.balance)}
                       for v in doc.vouchers for f in v.findings if f.kind == "unbalanced"],
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
        lines.append("  unbalanced       " + "; ".join(
            f"{u['series'] or '-'} {u['number'] or '-'} (line {u['line']}) off by {u['amount']}"
            for u in entry["unbalanced"]))
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
