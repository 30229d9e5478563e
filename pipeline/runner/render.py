"""The sync summary for people (a table, then each failure with its fix) and for scripts (versioned JSON)."""
from __future__ import annotations

import json

from pipeline.runner.store_sync import StoreResult
from pipeline.runner.sync_all import RunSummary

COLUMNS = ("store", "posted", "found", "failed", "held", "pending", "skipped", "files", "state")


def render_json(summary: RunSummary) -> str:
    return json.dumps(summary.to_json(), ensure_ascii=False, indent=2, default=str) + "\n"


def files_text(s: StoreResult) -> str:
    files = f"{s.files_read} read"
    for count, what in ((s.files_archived, "archived"), (s.files_quarantined, "quarantined"),
                        (s.files_waiting, "waiting")):
        if count:
            files += f", {count} {what}"
    return files


def one_line(s: StoreResult, dry: bool = False) -> str:
    """A store's result in one line: the same counts as its row in the table."""
    posted = f"{s.planned} would post" if dry else f"{s.posted} posted"
    invoices = ""
    if s.invoices is not None:
        inv = s.invoices
        invoices = (f"; invoices {inv.planned} would be sent" if dry else
                    f"; invoices {inv.posted} booked, {inv.failed} failed")
    return (f"{s.store}: {posted}, {s.failed} failed, {s.held} held, {s.pending} pending, {s.skipped} skipped; "
            f"files {files_text(s)}{invoices}; {s.state}")


def render_text(summary: RunSummary) -> str:
    dry = bool(summary.options and summary.options.dry_run)
    header = list(COLUMNS)
    if dry:
        header[1] = "would post"
    rows = [header]
    for s in summary.stores:
        rows.append([s.store, str(s.planned if dry else s.posted), str(s.found), str(s.failed), str(s.held),
                     str(s.pending), str(s.skipped), files_text(s), s.state])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    numeric = {1, 2, 3, 4, 5, 6}
    lines = ["  ".join(cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in
                       enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += _details(summary, dry)
    lines += _invoices(summary, dry)
    totals = summary.totals()
    verb = "would post" if dry else "posted"
    lines.append("")
    lines.append(f"{totals['stores']} store(s): {totals['planned'] if dry else totals['posted']} voucher(s) {verb}, "
                 f"{totals['failed']} failed, {totals['held']} held, {totals['pending']} pending, "
                 f"{totals['skipped']} skipped this run"
                 + ("" if summary.ok else f"; {totals['stores_with_problems']} store(s) need attention"))
    return "\n".join(lines) + "\n"


def _problem(store: str, item: dict[str, object], kind: str = "") -> list[str]:
    when = f" {item['business_date']}" if item.get("business_date") else ""
    lines = ["", f"{store}{when}: {item['code']} {item['message']}{kind}"]
    if item.get("file"):
        lines.append(f"  in: {item['file']}" + (f", line {item['line']}" if item.get("line") else ""))
    if item.get("hint"):
        lines.append(f"  fix: {item['hint']}")
    return lines


def _notes(s: StoreResult) -> list[str]:
    """This run's warnings; the same warning about several files (e.g. KS315 for each day file) said once."""
    lines: list[str] = []
    grouped: dict[tuple[object, ...], list[dict[str, object]]] = {}
    for note in s.notes:
        grouped.setdefault((note["code"], note["message"], note["hint"], note.get("business_date")), []).append(note)
    for notes in grouped.values():
        if len(notes) == 1:
            lines += _problem(s.store, notes[0], " (warning)")
            continue
        first = notes[0]
        lines += ["", f"{s.store}: {first['code']} {first['message']} (warning)",
                  f"  in: {', '.join(str(n['file']) for n in notes)}", f"  fix: {first['hint']}"]
    return lines


def invoices_line(s: StoreResult, dry: bool = False) -> str:
    """The store's invoice stream in one line (docs/invoices.md: part of sync for stores with invoice_sync)."""
    inv = s.invoices
    assert inv is not None
    if dry:
        done = f"{inv.planned} would be sent"
    else:
        done = (f"{inv.invoices} invoice(s), {inv.credits} credit note(s), {inv.payments} till payment(s) booked "
                f"({inv.customers_created} customer(s) created, {inv.found} found in Fortnox)")
    files = f"{inv.files_read} read" + "".join(f", {n} {what}" for n, what in (
        (inv.files_archived, "archived"), (inv.files_quarantined, "quarantined"), (inv.files_waiting, "waiting")) if n)
    return (f"{s.store} invoices: {done}, {inv.failed} failed, {inv.held} held, {inv.pending} pending; files {files}; "
            f"{inv.state}")


def _invoices(summary: RunSummary, dry: bool) -> list[str]:
    """The invoice stream of each store that has it: a line, then its failures, held re-exports and notes."""
    lines: list[str] = []
    for s in summary.stores:
        inv = s.invoices
        if inv is None:
            continue
        lines += ["", invoices_line(s, dry)]
        store = f"{s.store} invoices"
        for item in inv.booked:
            what = {"invoice": "invoice", "credit": "credit note", "payment": "till payment of invoice"}[item["kind"]]
            target = f"Fortnox payment {item['document']}" if item["kind"] == "payment" else \
                f"Fortnox invoice {item['document']}"
            how = f", {item['how']}" if item["how"] else ""
            lines.append(f"  {item['date']} {what} {item['number']}: {item['total']} SEK, {target}{how}")
        if inv.message:
            lines += [f"{store}: {inv.message}"] + ([f"  fix: {inv.hint}"] if inv.hint else [])
        for failure in inv.failures:
            lines += _problem(store, failure, "" if failure["permanent"] else " (retried on the next run)")
        for held in inv.attention:
            lines += _problem(store, held, " (needs a decision)")
        for note in inv.notes:
            lines += _problem(store, note, " (note)")
        for waiting in inv.waiting:
            lines += ["", f"{store}: {waiting['file']} {waiting['reason']}"]
        for item in inv.would_post if dry else ():
            lines.append(f"  {store} {item['date']}: {item['kind']} {item['number']} for {item['customer']} "
                         f"({item['total']} SEK, {item['payments']} till payment(s))")
    return lines


def _details(summary: RunSummary, dry: bool) -> list[str]:
    lines: list[str] = []
    for s in summary.stores:
        if s.message:
            lines += ["", f"{s.store}: {s.message}"] + ([f"  fix: {s.hint}"] if s.hint else [])
        for failure in s.failures:
            lines += _problem(s.store, failure, "" if failure["permanent"] else " (retried on the next run)")
        for held in s.attention:
            lines += _problem(s.store, held, " (needs a decision)")
        lines += _notes(s)
        for waiting in s.waiting:
            lines += ["", f"{s.store}: {waiting['file']} {waiting['reason']}"]
        if dry:
            for item in s.would_post:
                lines.append(f"  {s.store} {item['business_date']}: {item['description']} "
                             f"({item['rows']} rows, {item['total']} SEK)")
    if any(s.pending for s in summary.stores):
        lines += ["", "pending: the outcome of a POST is unknown; the next run looks for it in Fortnox before "
                  "posting again"]
    return lines
