"""Reconciling one store's month: the till, the ledger and Fortnox read, compared, and the outcome recorded.

`reconcile_store_month` is the unit of work: `kassasync reconcile` runs it per store, and a periodic job of the
fleet can call it as it is (one store and month, its own Fortnox client and ledger).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger, now
from pipeline.reconcile.compare import compare
from pipeline.reconcile.fortnox_side import fortnox_month
from pipeline.reconcile.model import Month, StoreMonth
from pipeline.reconcile.pos_report import read_pos_report
from pipeline.reconcile.till import read_till
from pipeline.runner.inbox import Inbox
from pipeline.runner.reconcile_records import record_outcome

log = logging.getLogger("kassasync.reconcile")


async def reconcile_store_month(config: StoreConfig, ledger: Ledger, client: FortnoxApi, inbox: Inbox, month: Month,
                                *, today: date, include_manual: bool = False, verify_rows: bool = False,
                                pos_report: Path | None = None, record: bool = True) -> StoreMonth:
    """The store's month compared: the business days of `month` from the store's start_date up to yesterday.

    Fortnox costs one voucher list per financial year and series (per 500 vouchers), the financial years when the
    ledger's cache does not span the month, and one read per voucher the ledger has no rows for (`verify_rows`:
    per voucher). `record`: the outcome is kept in the ledger for `status` and the HTML page. Raises UserError
    (a POS report that cannot be read) and Fortnox's typed errors (credentials, Fortnox unreachable).
    """
    first, last = max(month.first, config.start_date), min(month.last, today - timedelta(days=1))
    notes = []
    if first > month.first:
        notes.append(f"days before the store's start_date {config.start_date} are left out")
    if last < month.last:
        notes.append(f"the month is not over: business days up to {last} (yesterday) are compared")
    pos = read_pos_report(pos_report, config, month) if pos_report is not None else None
    if first > last:
        result = StoreMonth(config.store, config.name, month, first, last, include_manual=include_manual,
                            verify_rows=verify_rows, pos_report=pos.path if pos else None,
                            notes=[*notes, "no business day of the month to compare"])
    else:
        records = ledger.store_vouchers(config.store, from_date=first, to_date=last)
        fortnox = await fortnox_month(config, ledger, client, first, last, records, verify_rows=verify_rows,
                                      now=now())
        till = read_till(config, inbox, first, last, records, ledger.store_files(config.store), today=today)
        result = compare(config, month, first, last, till, records, fortnox, include_manual=include_manual, pos=pos)
        result.verify_rows = verify_rows
        if pos is not None:
            notes.append(f"the POS report {pos.path} ({pos.shape}) is taken to cover {month}")
        if till.replaced:
            notes.append(f"{len(till.replaced)} earlier export(s) of the same Z-reports left out: each Z-report counts "
                         "as its newest export")
        notes += [f"a day file that cannot be read: {why}" for why in till.unreadable]
        result.notes = notes
    if record:
        record_outcome(ledger, config.store, str(month), agreed=result.agreed, only_manual=result.only_manual,
                       differences=len(result.differences), summary=result.to_json(), now=now())
    log.info("%s %s: %s (%d difference(s))", config.store, month, "agreed" if result.agreed else "differs",
             len(result.differences))
    return result
