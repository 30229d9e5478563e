"""The sync summary for people (a table, then each failure with its fix) and for scripts (versioned JSON)."""
from __future__ import annotations

import json

from pipeline.runner.sync_all import RunSummary

COLUMNS = ("store", "posted", "found", "failed", "pending", "skipped", "files", "state")


def render_json(summary: RunSummary) -> str:
    return json.dumps(summary.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"


def render_text(summary: RunSummary) -> str:
    dry = bool(summary.options and summary.options.dry_run)
    header = list(COLUMNS)
    if dry:
        header[1] = "would post"
    rows = [header]
    for s in summary.stores:
        files = f"{s.files_read} read"
        if s.files_archived:
            files += f", {s.files_archived} archived"
        if s.files_quarantined:
            files += f", {s.files_quarantined} quarantined"
        rows.append([s.store, str(s.planned if dry else s.posted), str(s.found), str(s.failed), str(s.pending),
                     str(s.skipped), files, s.state])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    numeric = {1, 2, 3, 4, 5}
    lines = ["  ".join(cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in
                       enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += _details(summary, dry)
    totals = summary.totals()
    verb = "would post" if dry else "posted"
    lines.append("")
    lines.append(f"{totals['stores']} store(s): {totals['planned'] if dry else totals['posted']} voucher(s) {verb}, "
                 f"{totals['failed']} failed, {totals['pending']} pending, {totals['skipped']} skipped"
                 + ("" if summary.ok else f"; {totals['stores_with_problems']} store(s) need attention"))
    return "\n".join(lines) + "\n"


def _details(summary: RunSummary, dry: bool) -> list[str]:
    lines: list[str] = []
    for s in summary.stores:
        if s.message:
            lines += ["", f"{s.store}: {s.message}"] + ([f"  fix: {s.hint}"] if s.hint else [])
        for failure in s.failures:
            kind = "" if failure["permanent"] else " (retried on the next run)"
            when = f" {failure['business_date']}" if failure["business_date"] else ""
            lines += ["", f"{s.store}{when}: {failure['code']} {failure['message']}{kind}"]
            if failure["hint"]:
                lines.append(f"  fix: {failure['hint']}")
        if dry:
            for item in s.would_post:
                lines.append(f"  {s.store} {item['business_date']}: {item['description']} "
                             f"({item['rows']} rows, {item['total']} SEK)")
    if any(s.pending for s in summary.stores):
        lines += ["", "pending: the outcome of a POST is unknown; the next run looks for it in Fortnox before "
                  "posting again"]
    return lines
