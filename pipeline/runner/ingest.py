"""Reading a store's new day files into the ledger: once per content digest, mapped, or quarantined."""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.mapping import MappingResult
from pipeline.runner import items
from pipeline.runner.inbox import Inbox
from pipeline.runner.ledger import FileRecord, Ledger, VoucherRecord
from pipeline.sie.model import SieVoucher

log = logging.getLogger("kassasync.runner")


@dataclass
class IngestResult:
    read: int = 0
    quarantined: int = 0
    archived: int = 0
    notes: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file name, first reason)
    records: list[VoucherRecord] = field(default_factory=list)  # the vouchers of the files read (dry run shows them)
    inserted: set[str] = field(default_factory=set)  # keys this ingest added to the ledger, mapped just now
    replaced: set[str] = field(default_factory=set)  # keys of earlier vouchers a new file replaced (now skipped)
    waiting: list[VoucherRecord] = field(default_factory=list)  # see ingest(waiting=...)


def read_day_file(content: bytes, name: str) -> tuple[list[SieVoucher] | None, str]:
    """The file's vouchers, or None and why it cannot be used (the quarantine note)."""
    from pipeline.sie import read_sie

    try:
        document = read_sie(content, name=name, policy="lenient")
    except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot be read": quarantine, say why
        return None, f"{name}: the SIE reader failed: {type(exc).__name__}: {exc}"
    if document.rejected:
        reasons = [d.render() for d in document.diagnostics if d.is_error]
        return None, "\n".join(reasons) or f"{name}: rejected by the SIE reader"
    return list(document.vouchers), ""


def plan_records(config: StoreConfig, digest: str, vouchers: list[SieVoucher], *, today: date,
                 others: Sequence[VoucherRecord] = ()) -> tuple[list[VoucherRecord], list[VoucherRecord]]:
    """The file's ledger rows, mapped now (so the status page shows mapping errors before anything is posted).

    `others`: the store's ledger rows on the same dates. The same Z-report from another file (the POS
    exported the day again) is never posted twice: identical rows are skipped (KS308); other rows for a
    Z-report already posted, or maybe posted, are skipped too (KS312: a Fortnox voucher cannot be changed,
    a correction is a person's job); an earlier export that was never posted is replaced by the newer one
    (KS313). Returns (this file's rows, the earlier rows it replaces, now marked skipped).
    """
    records: list[VoucherRecord] = []
    replaced: list[VoucherRecord] = []
    for ver_id, day, group in items.group_by_item(vouchers, config.voucher_per):
        key = items.idempotency_key(config.store, day, digest, ver_id)
        result = items.map_source(group, config, day, today=today)
        record = VoucherRecord(key=key, store=config.store, business_date=day, file_digest=digest, ver_id=ver_id,
                               marker=items.marker(key), source=items.source_json(group), state="planned")
        record = apply_mapping(record, result)
        earlier = [o for o in [*others, *records] if o.file_digest != digest and o.business_date == day
                   and o.ver_id == ver_id and o.state != "skipped"]
        twin = next((o for o in earlier if record.state == "planned" and o.payload_digest == record.payload_digest
                     and o.state in ("posted", "pending", "planned")), None)
        booked = next((o for o in earlier if o.state in ("posted", "pending")), None)
        if twin:
            record = _skip(record, "KS308", twin, "is already in the ledger from another file: not posted twice",
                           "nothing to do: the POS exported the same day twice")
        elif booked and _identified(ver_id):
            record = _skip(record, "KS312", booked, "is already posted (or being posted) from another file with "
                           "other amounts: this file is not posted, so the day is not booked twice",
                           "if the posted voucher is wrong, correct it in Fortnox with a correction voucher "
                           "(vouchers cannot be changed or deleted through the API); nothing else to do")
        elif _identified(ver_id):
            replaced += [_skip(o, "KS313", record, "was exported again before it was posted: the newer file "
                               "replaces this one", "nothing to do: the newer export is posted instead")
                         for o in earlier if o.state in ("planned", "failed")]
        records.append(record)
    return records, replaced


def _identified(ver_id: str) -> bool:
    """A numbered Z-report (or a store's whole day) can be recognised in another file; a bare #VER cannot."""
    return not ver_id.startswith("line")


def apply_mapping(record: VoucherRecord, result: MappingResult) -> VoucherRecord:
    """The record after (re-)mapping: planned with a payload, failed with the first error, or skipped."""
    findings = json.dumps([f.to_json() for f in result.findings], ensure_ascii=False) if result.findings else None
    if result.draft is not None:
        payload = items.payload_json(result.draft)
        return replace(record, state="planned", payload=payload, payload_digest=items.payload_digest(payload),
                       findings=findings, error_code=None, error_message=None, error_hint=None,
                       error_permanent=None)
    first = (result.errors or result.findings)[0]
    extra = len(result.errors) - 1
    message = first.message + (f" (and {extra} more finding{'s' if extra > 1 else ''})" if extra > 0 else "")
    state = "skipped" if result.skipped else "failed"
    # a future date fixes itself with time; every other mapping error needs a person and --retry-failed
    permanent = None if state == "skipped" else first.rule != "KS307"
    return replace(record, state=state, payload=None, payload_digest=None, findings=findings,
                   error_code=first.rule, error_message=message, error_hint=first.hint, error_permanent=permanent)


def _skip(record: VoucherRecord, rule: str, other: VoucherRecord, what: str, hint: str) -> VoucherRecord:
    return replace(record, state="skipped", error_code=rule, error_permanent=None, error_hint=hint,
                   error_message=f"the Z-report {other.ver_id} of {other.business_date} {what} "
                                 f"(file {other.file_digest[:12]})")


def ingest(config: StoreConfig, inbox: Inbox, ledger: Ledger, paths: list[Path], *, today: date,
           run_id: int | None, dry_run: bool, waiting: Waiting | None = None) -> IngestResult:
    """Every new file of the store (`paths`: its day files, Inbox.day_files): read, mapped and recorded (or
    quarantined); known contents are not re-read.

    `waiting`: also read the store's vouchers in these states (and dates) as they were before the new files
    went in, into `IngestResult.waiting`: in the same query as the vouchers on the new files' dates.
    """
    result = IngestResult()
    contents: list[tuple[Path, bytes, str]] = []
    for path in paths:
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # moved away meanwhile (another runner archived it before we held the lock)
            continue
        contents.append((path, content, items.file_digest(content)))
    # only the digests in the inbox: the ledger's whole file history is not needed
    known: dict[str, FileRecord] = {
        f.digest: f for f in ledger.store_files(config.store, digests=[d for _, _, d in contents])} if contents else {}
    new: list[tuple[Path, str, list[SieVoucher]]] = []
    copies: list[tuple[Path, str]] = []  # a second copy of a file read in this run: seen again once it is in
    for path, content, digest in contents:
        if digest in known:
            _known_again(config, inbox, ledger, path, known[digest].state, digest, result, dry_run, today)
            continue
        if any(digest == seen for _, seen, _ in new):
            copies.append((path, digest))
            continue
        vouchers, why = read_day_file(content, path.name)
        if vouchers is None:
            _quarantine(config, inbox, ledger, path, digest, why, result, dry_run)
        else:
            new.append((path, digest, vouchers))
    dates = {v.date for _, _, vouchers in new for v in vouchers}
    stored: list[VoucherRecord] = []
    if dates or waiting is not None:  # one query for both, before the new files go in
        stored = ledger.store_vouchers(config.store, dates=dates or None, **(waiting.filters() if waiting else {}))
        result.waiting = [r for r in stored if waiting.holds(r)] if waiting else []
    # the same Z-report in earlier files: the ledger's rows on these dates (as this ingest changes them) and
    # the rows of the files read before this one
    earlier = [r for r in stored if r.business_date in dates]
    for path, digest, vouchers in new:
        others = [o for o in earlier if o.key not in result.replaced] + result.records
        records, replaced = plan_records(config, digest, vouchers, today=today, others=others)
        result.read += 1
        gone = {o.key for o in replaced}
        result.replaced |= gone
        result.records = [r for r in result.records if r.key not in gone] + records
        if not dry_run:  # vouchers and file in one commit: a crash before it re-reads the file, keys dedupe
            result.inserted.update(ledger.add_file(config.store, digest, str(path), path.name, records, run_id,
                                                   replaced=replaced))
    for path, digest in copies:
        _known_again(config, inbox, ledger, path, "read", digest, result, dry_run, today)
    return result


@dataclass(frozen=True)
class Waiting:
    """Which of a store's vouchers wait for a run: by state, in a date range."""

    states: tuple[str, ...]
    from_date: date | None = None
    to_date: date | None = None

    def filters(self) -> dict[str, Any]:
        """Ledger.store_vouchers filters for these vouchers, or (with `dates`) the vouchers on those dates."""
        return {"either_states": self.states, "either_from": self.from_date, "either_to": self.to_date}

    def holds(self, record: VoucherRecord) -> bool:
        day = record.business_date
        return (record.state in self.states and not (self.from_date and day < self.from_date)
                and not (self.to_date and day > self.to_date))


def _quarantine(config: StoreConfig, inbox: Inbox, ledger: Ledger, path: Path, digest: str, why: str,
                result: IngestResult, dry_run: bool) -> None:
    result.quarantined += 1
    result.notes.append(f"{path.name}: quarantined: {why.splitlines()[0]}")
    result.unreadable.append((path.name, why.splitlines()[0] if why else "cannot be read"))
    if not dry_run:
        note = (f"{path.name} (store {config.store}) cannot be read and was not posted.\n\n{why}\n\n"
                f"Fix: export the day again from the POS and put the new file in {inbox.store_dir(config.store)}/")
        target = inbox.quarantine(config.store, path, note, digest)
        ledger.record_file(config.store, digest, str(target), path.name, "quarantined", note=why)


def archive_year(ledger: Ledger, store: str, digest: str, today: date) -> int:
    """The year folder of an archived file: its first business date's year."""
    days = [r.business_date for r in ledger.store_vouchers(store, file_digest=digest)]
    return min(days).year if days else today.year


def _known_again(config: StoreConfig, inbox: Inbox, ledger: Ledger, path: Path, state: str, digest: str,
                 result: IngestResult, dry_run: bool, today: date) -> None:
    """A file whose content the ledger already knows: never read twice; a second copy is moved aside."""
    if state == "read" or dry_run:
        if state == "read" and not dry_run:
            ledger.set_file_state(config.store, digest, "read", path=str(path))
        return
    if state == "quarantined":
        inbox.quarantine(config.store, path, f"{path.name}: the same content was quarantined before; see the "
                         "note beside the first copy", digest)
    else:
        target = inbox.archive(config.store, path, archive_year(ledger, config.store, digest, today), digest)
        result.notes.append(f"{path.name}: same content as a file already posted; archived to {target}")
    result.archived += 1 if state != "quarantined" else 0
