"""Reading a store's new day files into the ledger: once per content digest, mapped, or quarantined.

A file is read only when the inbox scan found it settled (inbox.py) and it did not change while it was read;
it is posted only when it belongs to the store (#ORGNR, dayfile.py). A file the runner cannot open, another
company's file and a symlink out of the inbox are each quarantined on their own: the store's other files go on.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.ledger import FileRecord, Ledger, VoucherRecord
from pipeline.mapping.findings import Finding
from pipeline.runner import items
from pipeline.runner.dayfile import OrgOwner, belongs, read_day_file
from pipeline.runner.inbox import Escaped, Inbox, Scan, Unsettled, name_key, unreadable
from pipeline.runner.records import plan_records
from pipeline.sie.model import SieVoucher

log = logging.getLogger("kassasync.runner")
REREAD = ("quarantined", "superseded")  # a known content put back into the inbox is read again (see _sort)


@dataclass(frozen=True)
class Problem:
    """Something about one day file a run reports: a quarantine (error) or a warning, with where and the fix."""

    code: str
    file: str  # as the user finds it under the inbox: `<store>/<name>`
    line: int  # 0: the file as a whole
    message: str
    hint: str
    business_date: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {"business_date": self.business_date.isoformat() if self.business_date else None, "key": None,
                "code": self.code, "file": self.file, "line": self.line, "message": self.message,
                "hint": self.hint, "permanent": True}


@dataclass
class IngestResult:
    read: int = 0
    quarantined: int = 0
    archived: int = 0
    problems: list[Problem] = field(default_factory=list)  # files quarantined (or that would be, on a dry run)
    warnings: list[Problem] = field(default_factory=list)  # reported once, in the run that read the file
    unsettled: list[Unsettled] = field(default_factory=list)  # left for a later run
    skipped: int = 0  # vouchers this ingest recorded as skipped: the new files' and the earlier ones they replace
    records: list[VoucherRecord] = field(default_factory=list)  # the vouchers of the files read (dry run shows them)
    inserted: set[str] = field(default_factory=set)  # keys this ingest added to the ledger, mapped just now
    replaced: set[str] = field(default_factory=set)  # keys of earlier vouchers a new file replaced (now skipped)
    waiting: list[VoucherRecord] = field(default_factory=list)  # see ingest(waiting=...)
    files: dict[str, str] = field(default_factory=dict)  # digest -> the new file as the user finds it


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


@dataclass
class _New:
    path: Path
    digest: str
    vouchers: list[SieVoucher]
    earlier: list[str] = field(default_factory=list)  # digests of this file's earlier versions (changed in place)


def ingest(config: StoreConfig, inbox: Inbox, ledger: Ledger, scan: Scan, *, today: date, run_id: int | None,
           dry_run: bool, waiting: Waiting | None = None, owner: OrgOwner | None = None) -> IngestResult:
    """Every new file of the store (`scan`: its settled day files, Inbox.scan): read, mapped and recorded (or
    quarantined); known contents are not re-read.

    `waiting`: also read the store's vouchers in these states (and dates) as they were before the new files
    went in, into `IngestResult.waiting`: in the same query as the vouchers on the new files' dates.
    `owner`: the store an org number belongs to (names it in another company's file's quarantine note).
    """
    result = IngestResult(unsettled=list(scan.unsettled))
    quarantine = _Quarantine(config, inbox, ledger, result, dry_run)
    for escaped in scan.escaped:
        quarantine.link(escaped)
    contents = _read_all(inbox, scan, quarantine, result)
    # only the digests in the inbox: the ledger's whole file history is not needed
    known: dict[str, FileRecord] = {
        f.digest: f for f in ledger.store_files(config.store, digests=[d for _, _, d in contents])} if contents else {}
    new: list[_New] = []
    copies: list[tuple[Path, str]] = []  # a second copy of a file read in this run: seen again once it is in
    for path, content, digest in contents:
        if digest in known and known[digest].state not in REREAD:
            _known_again(config, inbox, ledger, path, known[digest].state, digest, result, dry_run, today)
            continue
        if any(digest == seen.digest for seen in new):
            copies.append((path, digest))
            continue
        day = read_day_file(content, path.name)
        where = inbox.relative(path)
        if day.vouchers is None:
            first = re.match(r"[^:]*:(\d+):(?:\d+:)? *(?:error )?(.*)", day.why.splitlines()[0])
            reason = first[2] if first else day.why.splitlines()[0]
            quarantine.file(path, digest, Finding("KS311", f"the day file cannot be read: {reason}",
                                                  "export the day again from the POS", int(first[1]) if first else 0),
                            day.why)
            continue
        finding = belongs(config, day, owner=owner, inbox_of=lambda store: str(inbox.store_dir(store)))
        if finding is not None and finding.is_error:
            quarantine.file(path, digest, finding)
            continue
        if finding is not None:
            result.warnings.append(Problem(finding.rule, where, finding.line, finding.message, finding.hint))
        new.append(_New(path, digest, day.vouchers))
        result.files[digest] = where
    earlier_versions = _changed_in_place(ledger, config.store, new) if new else {}
    dates = {v.date for item in new for v in item.vouchers}
    stored: list[VoucherRecord] = []
    if dates or waiting is not None:  # one query for both, before the new files go in
        stored = ledger.store_vouchers(config.store, dates=dates or None, **(waiting.filters() if waiting else {}))
        result.waiting = [r for r in stored if waiting.holds(r)] if waiting else []
    # the same Z-report in earlier files: the ledger's rows on these dates (as this ingest changes them), the rows
    # of a file's earlier versions, and the rows of the files read before this one
    earlier = [r for r in stored if r.business_date in dates]
    for old in earlier_versions.values():
        earlier += [r for r in ledger.store_vouchers(config.store, file_digest=old.digest)
                    if r.business_date not in dates]
    for item in new:
        _record(config, ledger, item, earlier, earlier_versions, result, today=today, run_id=run_id,
                dry_run=dry_run)
    for path, digest in copies:
        _known_again(config, inbox, ledger, path, "read", digest, result, dry_run, today)
    return result


def _read_all(inbox: Inbox, scan: Scan, quarantine: _Quarantine,
              result: IngestResult) -> list[tuple[Path, bytes, str]]:
    """The settled files' bytes and digests; one that cannot be opened is quarantined on its own, one written to
    while it was read waits for a later run."""
    contents: list[tuple[Path, bytes, str]] = []
    for seen in scan.ready:
        try:
            content = inbox.read(seen.path)
        except FileNotFoundError:  # moved away meanwhile (another runner archived it before we held the lock)
            continue
        except OSError as exc:
            quarantine.unreadable(seen.path, exc)
            continue
        if not inbox.unchanged(seen):
            result.unsettled.append(Unsettled(seen.path, "changed while it was read: read on a later run, once "
                                              "it has settled"))
            continue
        contents.append((seen.path, content, items.file_digest(content)))
    return contents


def _changed_in_place(ledger: Ledger, store: str, new: list[_New]) -> dict[str, FileRecord]:
    """Files read before and still in the inbox (`read`) whose name a new content now has: the till rewrote
    the file. By new digest, the earlier version's record (names compared after Unicode normalisation)."""
    names = {name_key(item.path.name): item for item in new}
    found: dict[str, FileRecord] = {}
    for record in ledger.store_files(store, state="read"):
        item = names.get(name_key(record.name))
        if item is not None and record.digest != item.digest:
            item.earlier.append(record.digest)
            found[item.digest] = record
    return found


def _record(config: StoreConfig, ledger: Ledger, item: _New, earlier: list[VoucherRecord],
            earlier_versions: dict[str, FileRecord], result: IngestResult, *, today: date, run_id: int | None,
            dry_run: bool) -> None:
    """One new file's rows planned against the earlier ones and recorded (with the rows it replaces)."""
    others = [o for o in earlier if o.key not in result.replaced] + result.records
    twins: set[str] = set()
    records, replaced = plan_records(config, item.digest, item.vouchers, today=today, others=others,
                                     same_file=item.earlier, twins=twins)
    # an earlier version's rows the new content does not stand behind (a twin) are done with: skipped
    gone = {o.key for o in replaced}
    for old in (r for r in others if r.file_digest in item.earlier and r.key not in gone | twins):
        if old.state in ("planned", "failed", "held"):
            replaced.append(_superseded(old, item.path.name))
            gone.add(old.key)
    result.read += 1
    result.replaced |= gone
    result.records = [r for r in result.records if r.key not in gone] + records
    result.skipped += sum(1 for r in records if r.state == "skipped") + len(replaced)
    where = f"{config.store}/{item.path.name}"
    result.warnings += [Problem(r.error_code or "KS306", where, _line(r), r.error_message or "", r.error_hint or "",
                                r.business_date) for r in records if r.error_code == "KS306"]
    if not dry_run:  # vouchers and file in one commit: a crash before it re-reads the file, keys dedupe
        superseded = [earlier_versions[item.digest].digest] if item.digest in earlier_versions else []
        result.inserted.update(ledger.add_file(config.store, item.digest, str(item.path), item.path.name, records,
                                               run_id, replaced=replaced, superseded=superseded))
        # a content seen before whose rows a later version replaced (the till rewrote the file back): its rows
        # stand again, or the day would end up skipped with nothing posted
        known = {o.key: o for o in others}
        for record in records:
            before = known.get(record.key)
            if (before is not None and before.state == "skipped" and before.error_code == "KS313"
                    and record.state != "skipped"):
                ledger.update_voucher(record.key, state=record.state, payload=record.payload,
                                      payload_digest=record.payload_digest, findings=record.findings,
                                      error_code=record.error_code, error_message=record.error_message,
                                      error_hint=record.error_hint, error_permanent=record.error_permanent)
                result.inserted.add(record.key)


def _superseded(record: VoucherRecord, name: str) -> VoucherRecord:
    return replace(record, state="skipped", error_code="KS313", error_permanent=None,
                   error_message=f"the day file {name} changed after it was read, and its new content no longer "
                                 f"holds this voucher (file {record.file_digest[:12]})",
                   error_hint="nothing to do: the file's new content is posted instead")


def _line(record: VoucherRecord) -> int:
    return int(items.source_vouchers(record.source)[0].line) if record.source else 0


class _Quarantine:
    """Moves one store's unusable files aside (each on its own) and reports them."""

    def __init__(self, config: StoreConfig, inbox: Inbox, ledger: Ledger, result: IngestResult,
                 dry_run: bool) -> None:
        self.config, self.inbox, self.ledger, self.result, self.dry_run = config, inbox, ledger, result, dry_run

    def file(self, path: Path, digest: str, finding: Finding, detail: str = "") -> None:
        self._move(path, digest, finding, detail)

    def unreadable(self, path: Path, exc: OSError) -> None:
        why = unreadable(exc)
        finding = Finding("KS311", f"the day file cannot be opened: {why}",
                          "give the runner read access to the file (e.g. `chmod a+r`), or export the day again", 0)
        self._move(path, _pseudo_digest("unreadable", path), finding)

    def link(self, escaped: Escaped) -> None:
        finding = Finding("KS316", f"the day file is a symlink to {escaped.target}, outside the store's inbox "
                          f"{self.inbox.store_dir(self.config.store)}/: it is not followed",
                          "copy the day file itself into the store's inbox folder (a link could lead to another "
                          "store's or another company's file)", 0)
        self._move(escaped.path, _pseudo_digest("symlink:" + escaped.target, escaped.path), finding)

    def _move(self, path: Path, digest: str, finding: Finding, detail: str = "") -> None:
        """`detail`: more than the finding says (the SIE reader's diagnostics), for the note."""
        where = self.inbox.relative(path)
        self.result.quarantined += 1
        self.result.problems.append(Problem(finding.rule, where, finding.line, finding.message, finding.hint))
        if self.dry_run:
            return
        store = self.config.store
        said = finding.to_diagnostic(where).render().splitlines()[0] + (f"\n\n{detail}" if detail else "")
        note = (f"{where} (store {store}) was not posted: it is in quarantine.\n\n{said}\n\nFix: {finding.hint}.\n\nTo release the file after the fix, move it (not this note) back into "
                f"{self.inbox.store_dir(store)}/; the next sync reads it again. This note may then be deleted.")
        target = self.inbox.quarantine(store, path, note, digest)
        self.ledger.record_file(store, digest, str(target), name_key(path.name), "quarantined", note=finding.message)


def _pseudo_digest(kind: str, path: Path) -> str:
    """A ledger key for a file whose content cannot be read: its kind, name and the moment it was seen."""
    try:
        info = path.lstat()
        stamp = f"{info.st_size}:{info.st_mtime_ns}"
    except OSError:
        stamp = ""
    return hashlib.sha256(f"{kind}\0{path.name}\0{stamp}".encode()).hexdigest()


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
    target = inbox.archive(config.store, path, archive_year(ledger, config.store, digest, today), digest)
    log.info("%s: %s has the same content as a file already posted; archived to %s", config.store, path.name, target)
    result.archived += 1

