"""Fortnox's side of a month: the vouchers in the store's series, from the voucher list, with their rows.

One list per financial year and series (Fortnox pages it by 500), never one request per voucher: a voucher the
ledger knows gets its rows from the ledger (what Fortnox answered when it was created, `posted_rows`), and only
the vouchers the ledger does not know are read one by one, and the ones whose rows the ledger lacks (recorded
from a look-up or a `ledger rebuild`): those rows are kept, so the next month's run need not read them again.
`verify_rows` reads every voucher: a voucher changed in place in Fortnox (rows struck and added) looks the
same in the list, and only its rows show the change.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pipeline.config.model import StoreConfig
from pipeline.fortnox.models import FinancialYear, Voucher
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger, VoucherRecord
from pipeline.reconcile.till import payload_net
from pipeline.runner import markers
from pipeline.runner.look_before import spanned
from pipeline.runner.reconcile_records import READ, PostedVoucher, net_of, record_vouchers, stored_vouchers

log = logging.getLogger("kassasync.reconcile")


@dataclass(frozen=True)
class Entry:
    """A voucher in the store's series for the month: as listed, its rows now, and what the ledger knows of it."""

    listed: Voucher  # the list item (no rows; Comments None when the list leaves them out)
    net: dict[int, Decimal]  # debit minus credit per account, as Fortnox holds it (struck rows left out)
    record: VoucherRecord | None  # the ledger's row this voucher is (by its number, else by its marker)
    found: tuple[markers.Marker, ...]  # kassasync markers in its Comments
    posted_as: PostedVoucher | None  # what Fortnox answered when it was posted (or when it was last read)
    read: Voucher | None = None  # the voucher as read just now (GET), when it was

    @property
    def where(self) -> str:
        v = self.listed
        return f"{v.voucher_series} {v.voucher_number} (year {v.year})"

    @property
    def day(self) -> date:
        return self.listed.transaction_date

    @property
    def total(self) -> Decimal:
        return sum((amount for amount in self.net.values() if amount > 0), Decimal(0))

    def key_of(self, store: str) -> str | None:
        """The kassasync key this voucher stands for: the ledger's, else its marker's when it names this store."""
        if self.record is not None:
            return self.record.key
        return next((m.key for m in self.found if m.key and m.key.split("/", 1)[0] == store), None)


@dataclass
class FortnoxMonth:
    entries: list[Entry] = field(default_factory=list)
    series: tuple[str, ...] = ()
    read_one_by_one: int = 0
    # per posted ledger row: its rows as Fortnox answered its POST (else as sent, else as read now); a row whose
    # rows are nowhere to be had (recorded without rows, and not in Fortnox's list) is left out
    ledger_net: dict[str, dict[int, Decimal]] = field(default_factory=dict)


async def fortnox_month(config: StoreConfig, ledger: Ledger, client: FortnoxApi, first: date, last: date,
                        records: Sequence[VoucherRecord], *, verify_rows: bool, now: datetime) -> FortnoxMonth:
    """Every voucher of the store's series dated `first`..`last`, each matched to the ledger and with its rows."""
    posted = [r for r in records if r.state == "posted"]
    stored = stored_vouchers(ledger, [r.key for r in posted])
    by_number = {(r.year, r.series, r.number): r for r in posted if r.number is not None}
    by_hash = {markers.key_hash(r.key): r for r in records}
    series = sorted({config.voucher_series} | {r.series for r in posted if r.series}
                    | {json.loads(r.payload).get("voucher_series", config.voucher_series) for r in records if r.payload})
    month = FortnoxMonth(series=tuple(series))
    listed: list[Voucher] = []
    for year in await years_between(ledger, client, config.store, first, last):
        for code in series:
            listed += await client.vouchers(year.id, series=code, from_date=max(first, year.from_date),
                                            to_date=min(last, year.to_date))
    learnt: list[tuple[str, Voucher]] = []  # rows read for vouchers of the ledger: kept for the next run
    for item in listed:
        record = by_number.get((item.year, item.voucher_series, item.voucher_number))
        found = tuple(markers.read(item.comments))
        if record is None:
            record = next((by_hash[m.hash] for m in found if m.hash in by_hash), None)
        ours = record is not None and record.state == "posted" and _is_it(record, item)  # not a second one
        posted_as = stored.get(record.key) if ours and record is not None else None
        net = _known_net(record, posted_as) if ours and record is not None else None
        read: Voucher | None = None
        if net is None or verify_rows or item.comments is None or (ours and _head_changed(item, record, posted_as)):
            read = await client.voucher(item.year, item.voucher_series, item.voucher_number)
            month.read_one_by_one += 1
            net = net_of(read.rows)
            found = tuple(markers.read(read.comments))
            if ours and record is not None and posted_as is None:
                learnt.append((record.key, read))
        month.entries.append(Entry(item, net, record, found, posted_as, read))
    if learnt:
        record_vouchers(ledger, config.store, learnt, READ, now=now)
    read_now = {e.record.key: e.net for e in month.entries if e.record is not None and e.read is not None
                and _is_it(e.record, e.listed)}
    for record in posted:
        known = _known_net(record, stored.get(record.key)) or read_now.get(record.key)
        if known is not None:
            month.ledger_net[record.key] = known
    return month


def _known_net(record: VoucherRecord, posted_as: PostedVoucher | None) -> dict[int, Decimal] | None:
    """The rows the ledger knows for a posted voucher: Fortnox's answer, else what kassasync sent (a ledger from
    before the answers were kept), else None (recorded from Fortnox without rows: read it)."""
    if posted_as is not None:
        return posted_as.net()
    if record.payload:
        return payload_net(record.payload)
    return None


def _is_it(record: VoucherRecord, item: Voucher) -> bool:
    """Whether this is the voucher the ledger recorded (not a second one with the same marker)."""
    return (record.year, record.series, record.number) == (item.year, item.voucher_series, item.voucher_number)


def _head_changed(item: Voucher, record: VoucherRecord | None, posted_as: PostedVoucher | None) -> bool:
    """Whether the list shows another description, date or Comments than the voucher had when it was posted."""
    if posted_as is not None:
        return ((item.description, item.transaction_date) != (posted_as.description, posted_as.transaction_date)
                or (item.comments is not None and posted_as.comments is not None and item.comments != posted_as.comments))
    if record is not None and record.payload:
        sent = json.loads(record.payload)
        return (item.description, item.transaction_date.isoformat()) != (sent["description"], sent["transaction_date"])
    return False


async def years_between(ledger: Ledger, client: FortnoxApi, store: str, first: date, last: date) -> list[FinancialYear]:
    """The store's financial years that overlap first..last: from the ledger's cache when it spans them, else
    every year from Fortnox at once (one request), cached."""
    years = [FinancialYear(i, f, t) for i, f, t in ledger.cached_years(store)]
    if not spanned(years, first, last):
        for year in await client.financial_years():
            if all(known.id != year.id for known in years):
                years.append(year)
                ledger.cache_year(store, year.id, year.from_date, year.to_date)
    return sorted((y for y in years if y.from_date <= last and y.to_date >= first), key=lambda y: y.from_date)

