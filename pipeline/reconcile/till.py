"""The till's side of a month: per business day and Fortnox account, the Z-reports in the store's day files.

This is the kontorapport (the POS's account report) rebuilt from what the till exported: every day file of the
store in the archive (`<inbox>/archive/<store>/<yyyy>/`) and still in the inbox, read again. Each Z-report counts
once, as its newest export (the POS may export a day again; an identical copy adds nothing). Its amounts are in
Fortnox accounts, mapped as they were posted: the ledger's mapping of that very export where the ledger has one
(so a later change to the store file is not a difference), the store file as it is now for an export the ledger
never mapped, and the file's own accounts (through `account_map`) when the export does not map at all.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.ledger import FileRecord, VoucherRecord
from pipeline.runner import items
from pipeline.runner.corrections import net_rows
from pipeline.runner.dayfile import belongs, read_day_file
from pipeline.runner.inbox import Inbox, is_day_file_name
from pipeline.sie.model import SieVoucher

AS_POSTED, MAPPED_NOW, NOT_MAPPED = "as the ledger mapped it", "mapped with the store file now", "does not map"


@dataclass(frozen=True)
class TillReport:
    """One Z-report (with `voucher.per: day`, one day's reports of a file) as the till exported it."""

    business_date: date
    ver_id: str
    key: str  # the idempotency key this export has (or would have) in the ledger
    file: str  # where it is, relative to the inbox
    line: int
    amounts: dict[int, Decimal]  # Fortnox account -> debit minus credit
    how: str  # AS_POSTED | MAPPED_NOW | NOT_MAPPED (with the finding)


@dataclass
class Till:
    reports: list[TillReport] = field(default_factory=list)  # the newest export of each Z-report
    replaced: list[TillReport] = field(default_factory=list)  # earlier exports of those Z-reports
    files: int = 0  # day files with a Z-report in the month
    unreadable: list[str] = field(default_factory=list)  # day files that cannot be read (`file: why`)

    def by_day(self) -> dict[date, dict[int, Decimal]]:
        days: dict[date, dict[int, Decimal]] = {}
        for report in self.reports:
            day = days.setdefault(report.business_date, {})
            for account, amount in report.amounts.items():
                day[account] = day.get(account, Decimal(0)) + amount
        return days


def read_till(config: StoreConfig, inbox: Inbox, first: date, last: date, records: Sequence[VoucherRecord],
              known_files: Sequence[FileRecord], *, today: date) -> Till:
    """The Z-reports of business days `first`..`last` in the store's day files. `records`: the ledger's vouchers of
    those days (their mapping, and which files hold them); `known_files`: the store's files the ledger knows (a
    known file with nothing on these days is not read again)."""
    seen_at = {f.digest: f.first_seen_at for f in known_files}
    on_days = {r.file_digest[:16] for r in records}  # rebuilt rows know only 16 digits of their file's digest
    by_key = {r.key: r for r in records}
    till = Till()
    exports: dict[tuple[date, str], list[tuple[tuple[datetime, int, str], TillReport]]] = {}
    for path in _day_files(inbox, config.store, first.year):
        try:
            content = path.read_bytes()
            mtime = path.stat().st_mtime_ns
        except OSError as exc:
            till.unreadable.append(f"{inbox.relative(path)}: {exc.strerror or exc}")
            continue
        digest = items.file_digest(content)
        if digest in seen_at and digest[:16] not in on_days:
            continue  # the ledger read it: none of its Z-reports is on these days
        day_file = read_day_file(content, path.name)
        if day_file.vouchers is None:
            till.unreadable.append(f"{inbox.relative(path)}: {day_file.why.splitlines()[0]}")
            continue
        stranger = belongs(config, day_file)
        if stranger is not None and stranger.is_error:
            continue  # another company's file (KS314), or one the store refuses (KS317): never the store's sales
        order = (seen_at.get(digest, datetime.max), mtime, path.name)  # newest last: the ledger's order first
        found = False
        for ver_id, day, group in items.group_by_item(day_file.vouchers, config.voucher_per):
            if not (first <= day <= last) or day < config.start_date:
                continue
            found = True
            key = items.idempotency_key(config.store, day, digest, ver_id)
            amounts, how = _amounts(config, group, day, by_key.get(key), today)
            report = TillReport(day, ver_id, key, inbox.relative(path), group[0].line, amounts, how)
            # a bare #VER (no number) cannot be recognised in another file: each counts on its own
            same = (day, ver_id) if not ver_id.startswith("line") else (day, f"{ver_id}@{digest}")
            exports.setdefault(same, []).append((order, report))
        till.files += found
    for versions in exports.values():
        versions.sort(key=lambda item: item[0])
        till.reports.append(versions[-1][1])
        till.replaced += [report for _, report in versions[:-1]]
    till.reports.sort(key=lambda r: (r.business_date, r.ver_id))
    return till


def _day_files(inbox: Inbox, store: str, year: int) -> list[Path]:
    """The store's day files in its inbox folder and in the archive; a file is archived under the year of its
    first business date, so a month's days may sit in last year's folder too."""
    found = [p for p in inbox.day_files(store) if p.is_file()]
    for folder_year in (year - 1, year):
        folder = inbox.root / "archive" / store / f"{folder_year:04d}"
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.is_file() and is_day_file_name(p.name))
    return found


def _amounts(config: StoreConfig, group: list[SieVoucher], day: date, record: VoucherRecord | None,
             today: date) -> tuple[dict[int, Decimal], str]:
    if record is not None and record.payload:
        return payload_net(record.payload), AS_POSTED
    mapped = items.map_source(group, config, day, today=today)
    if mapped.draft is not None:
        net: dict[int, Decimal] = {}
        for drafted in mapped.draft.rows:
            net[drafted.account] = net.get(drafted.account, Decimal(0)) + drafted.debit - drafted.credit
        return net, MAPPED_NOW
    raw: dict[int, Decimal] = {}
    for voucher in group:
        for row in voucher.rows:
            try:
                account = config.fortnox_account(int(row.account))
            except ValueError:  # not a number: no Fortnox account can hold it
                continue
            raw[account] = raw.get(account, Decimal(0)) + row.amount
    first = next((f for f in mapped.errors), None) or next(iter(mapped.findings), None)
    return raw, f"{NOT_MAPPED} ({first.rule} {first.message})" if first else NOT_MAPPED


def payload_net(payload: str) -> dict[int, Decimal]:
    """Debit minus credit per account of a ledger payload (the voucher as kassasync mapped it)."""
    net: dict[int, Decimal] = {}
    for (account, _center), amount in net_rows([payload]).items():
        net[account] = net.get(account, Decimal(0)) + amount
    return net
