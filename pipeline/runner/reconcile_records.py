"""Reads and writes of the ledger's tables for `kassasync reconcile` (pipeline/ledger/reconcile_tables.py): the
vouchers as Fortnox answered each POST (or as read later), and each store-month's outcome.

Kept apart from the Ledger class so that the ledger's own parts and this feature's can change independently.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pipeline.fortnox.models import Voucher, VoucherRow
from pipeline.ledger.reconcile_tables import posted_rows, reconciliations

if TYPE_CHECKING:
    from pipeline.fortnox.protocol import FortnoxApi
    from pipeline.ledger import Ledger, VoucherRecord

ORE = Decimal("0.01")
POST, READ = "post", "read"  # where a voucher's rows came from

@dataclass(frozen=True)
class PostedVoucher:
    """A voucher kassasync posted, as Fortnox holds (or held) it: from `posted_rows`, or read just now."""

    key: str
    year: int
    series: str
    number: int
    transaction_date: date
    description: str
    comments: str | None
    rows: tuple[VoucherRow, ...]
    source: str

    @property
    def where(self) -> str:
        return f"{self.series} {self.number} (year {self.year})"

    def net(self) -> dict[int, Decimal]:
        """Debit minus credit per account, rows struck in Fortnox (`Removed`) left out."""
        return net_of(self.rows)

    @classmethod
    def of(cls, key: str, voucher: Voucher, source: str) -> PostedVoucher:
        return cls(key, voucher.year, voucher.voucher_series, voucher.voucher_number, voucher.transaction_date,
                   voucher.description, voucher.comments, voucher.rows, source)


def net_of(rows: Iterable[VoucherRow]) -> dict[int, Decimal]:
    net: dict[int, Decimal] = {}
    for row in rows:
        if not row.removed:
            net[row.account] = net.get(row.account, Decimal(0)) + row.debit - row.credit
    return net


def rows_json(rows: Sequence[VoucherRow]) -> str:
    return json.dumps([{"account": r.account, "debit": str(r.debit.quantize(ORE)), "credit": str(r.credit.quantize(ORE)),
                        "cost_center": r.cost_center, "description": r.description,
                        "transaction_information": r.transaction_information, "removed": r.removed}
                       for r in rows], ensure_ascii=False)


def rows_from_json(text: str) -> tuple[VoucherRow, ...]:
    return tuple(VoucherRow(int(r["account"]), Decimal(r["debit"]), Decimal(r["credit"]), r.get("description"),
                            r.get("cost_center"), r.get("transaction_information"), bool(r.get("removed")))
                 for r in json.loads(text))


def record_vouchers(ledger: Ledger, store: str, vouchers: Sequence[tuple[str, Voucher]], source: str,
                    *, now: datetime) -> None:
    """(key, voucher as Fortnox answered) of vouchers of one store, in one transaction; a key stored before is
    replaced (a voucher read again is what Fortnox holds now). On the calling thread's held ledger connection
    when it has one (the runner's ledger thread: no second connection per store)."""
    if not vouchers:
        return
    keys = [key for key, _ in vouchers]
    values = [{"key": key, "store": store, "year": v.year, "series": v.voucher_series, "number": v.voucher_number,
               "transaction_date": v.transaction_date, "description": v.description, "comments": v.comments,
               "rows": rows_json(v.rows), "source": source, "stored_at": now} for key, v in vouchers]
    with ledger._connect() as conn:  # noqa: SLF001 - the ledger's own transaction, as its parts use it
        if source != POST:  # a POST's answer is the first word on its key; a read replaces what was kept
            for start in range(0, len(keys), 500):  # within SQL's limit on bound parameters
                conn.execute(posted_rows.delete().where(posted_rows.c.key.in_(keys[start:start + 500])))
        conn.execute(posted_rows.insert(), values)


def stored_vouchers(ledger: Ledger, keys: Iterable[str]) -> dict[str, PostedVoucher]:
    """The stored vouchers of these keys (the ones stored; a key without rows is left out)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, PostedVoucher] = {}
    c = posted_rows.c
    with ledger.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            for row in conn.execute(posted_rows.select().where(c.key.in_(wanted[start:start + 500]))):
                found[row.key] = PostedVoucher(row.key, row.year, row.series, row.number, row.transaction_date,
                                               row.description, row.comments, rows_from_json(row.rows), row.source)
    return found


async def read_from_fortnox(ledger: Ledger, client: FortnoxApi, store: str, records: Sequence[VoucherRecord], *,
                            now: datetime) -> list[str]:
    """The posted vouchers among `records` whose rows the ledger lacks, read from Fortnox (one GET each) and kept.
    A voucher is kept only when it carries the record's marker (it is that Z-report's voucher). Returns what
    could not be had ("F 1 (year 2): why")."""
    from pipeline.runner.markers import key_hash, read

    have = stored_vouchers(ledger, [r.key for r in records])
    found: list[tuple[str, Voucher]] = []
    missing: list[str] = []
    for record in records:
        if record.key in have or record.number is None or record.year is None or record.series is None:
            continue
        voucher = await client.voucher(record.year, record.series, record.number)
        if any(m.hash == key_hash(record.key) for m in read(voucher.comments)):
            found.append((record.key, voucher))
        else:
            missing.append(f"{record.series} {record.number} (year {record.year}): it does not carry the marker of "
                           f"{record.key}")
    record_vouchers(ledger, store, found, READ, now=now)
    return missing


@dataclass(frozen=True)
class Outcome:
    """A store's last reconciled month, as `status` and the HTML page show it."""

    store: str
    month: str
    agreed: bool
    only_manual: bool
    differences: int
    summary: dict[str, Any]
    reconciled_at: datetime


def record_outcome(ledger: Ledger, store: str, month: str, *, agreed: bool, only_manual: bool, differences: int,
                   summary: dict[str, Any], now: datetime) -> None:
    """The store-month's outcome, replacing an earlier one of the same month."""
    values = {"agreed": agreed, "only_manual": only_manual, "differences": differences,
              "summary": json.dumps(summary, ensure_ascii=False, default=str), "reconciled_at": now}
    c = reconciliations.c
    with ledger.engine.begin() as conn:
        done = conn.execute(reconciliations.update().where(c.store == store, c.month == month).values(**values))
        if not done.rowcount:
            conn.execute(reconciliations.insert().values(store=store, month=month, **values))


def last_outcomes(ledger: Ledger, stores: Iterable[str] | None = None) -> dict[str, Outcome]:
    """Per store, the outcome of its latest month reconciled (the month, not the time it was run)."""
    query = reconciliations.select().order_by(reconciliations.c.store, reconciliations.c.month)
    if stores is not None:
        query = query.where(reconciliations.c.store.in_(list(stores)))
    found: dict[str, Outcome] = {}
    with ledger.engine.connect() as conn:
        for row in conn.execute(query):  # months in order: the last one per store wins
            found[row.store] = Outcome(row.store, row.month, bool(row.agreed), bool(row.only_manual),
                                       int(row.differences), json.loads(row.summary), row.reconciled_at)
    return found
