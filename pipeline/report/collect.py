"""The I/O edge of status and report: store files, the ledger and the last plan, read into a StatusModel.

The day query counts states in the database and reads only the columns status shows (not the SIE source
or the Fortnox payload, which `Ledger.store_days` loads too), so a fleet of hundreds of stores with a year
of history stays quick.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.config import load_stores
from pipeline.errors import UserError
from pipeline.report.build import DEFAULT_WINDOW, build_status
from pipeline.report.model import StatusModel, StoreInfo
from pipeline.report.plan_record import load_plan
from pipeline.runner.inbox import Inbox
from pipeline.runner.ledger import DayStatus, Ledger, vouchers
from pipeline.settings import Settings

log = logging.getLogger("kassasync.report")

_STATE_COUNTS = [sa.func.sum(sa.case((vouchers.c.state == state, 1), else_=0)).label(state)
                 for state in ("posted", "failed", "pending", "planned")]


def read_days(ledger: Ledger, store: str | None = None, *, references_from: date | None = None) -> list[DayStatus]:
    """Per store and business date, the day's state and its first failure (same rules as Ledger.store_days).

    The states are counted in the database; only failed and uncertain vouchers are read one by one, and
    the posted vouchers' Fortnox numbers only from `references_from` on (what the grid and JSON show).
    """
    counts = (sa.select(vouchers.c.store, vouchers.c.business_date, sa.func.count().label("total"), *_STATE_COUNTS)
              .group_by(vouchers.c.store, vouchers.c.business_date)
              .order_by(vouchers.c.store, vouchers.c.business_date))
    details = (sa.select(vouchers.c.store, vouchers.c.business_date, vouchers.c.state, vouchers.c.error_code,
                         vouchers.c.error_message, vouchers.c.error_hint, vouchers.c.error_permanent)
               .where(sa.or_(vouchers.c.state == "failed",
                             sa.and_(vouchers.c.state == "pending", vouchers.c.error_message.is_not(None))))
               .order_by(vouchers.c.store, vouchers.c.business_date, vouchers.c.key))
    posted = (sa.select(vouchers.c.store, vouchers.c.business_date, vouchers.c.series, vouchers.c.number,
                        vouchers.c.year)
              .where(vouchers.c.state == "posted").order_by(vouchers.c.store, vouchers.c.business_date, vouchers.c.key))
    if store:
        counts, details, posted = (q.where(vouchers.c.store == store) for q in (counts, details, posted))
    if references_from:
        posted = posted.where(vouchers.c.business_date >= references_from)
    first_problem: dict[tuple[str, date], Any] = {}
    references: dict[tuple[str, date], list[str]] = {}
    with ledger.engine.connect() as conn:
        for row in conn.execute(details):
            key = (row.store, row.business_date)
            # a failure wins over an uncertain post, as in the ledger's own summary
            if key not in first_problem or (row.state == "failed" and first_problem[key].state != "failed"):
                first_problem[key] = row
        for ref in conn.execute(posted):
            references.setdefault((ref.store, ref.business_date), []).append(
                f"{ref.series} {ref.number} (year {ref.year})")
        rows = conn.execute(counts).all()
    return [_day(store_id, day, counted, first_problem.get((store_id, day)), references.get((store_id, day), ()))
            for store_id, day, *counted in rows]


def _day(store: str, day: date, counted: list[int], problem: Any, references: Sequence[str]) -> DayStatus:
    total, posted, failed, pending, planned = counted
    state = ("failed" if failed else "pending" if pending else "planned" if planned
             else "posted" if posted else "skipped")  # the order of ledger.day_state
    return DayStatus(
        store=store, business_date=day, state=state, vouchers=int(total), posted=int(posted), failed=int(failed),
        error_code=problem.error_code if problem else None,
        error_message=problem.error_message if problem else None,
        error_hint=problem.error_hint if problem else None,
        error_permanent=problem.error_permanent if problem else None,
        fortnox=tuple(references))


def store_infos(settings: Settings, ledger: Ledger, store_ids: Sequence[str]) -> list[StoreInfo]:
    """The stores to show: every valid store file, plus stores only the ledger knows; or just `store_ids`."""
    configs, diags = load_stores(settings.stores_dir)
    errors = [d for d in diags if d.severity.value == "error"]
    if errors:
        log.warning("%d problem(s) in the store files; stores with errors show without their start_date "
                    "(run `kassasync validate`)", len(errors))
    infos = {c.store: StoreInfo(c.store, c.name, c.start_date) for c in configs.values()}
    for store in ledger.stores():
        infos.setdefault(store, StoreInfo(store, store, None, configured=False))
    if not store_ids:
        return [infos[k] for k in sorted(infos)]
    unknown = [s for s in store_ids if s not in infos]
    if unknown:
        raise UserError(f"no store {', '.join(unknown)}: neither a valid store file in {settings.stores_dir} "
                        "nor any day in the ledger",
                        f"known stores: {', '.join(sorted(infos)) or 'none'}; check the id, or --stores DIR")
    return [infos[s] for s in store_ids]


def open_ledger(settings: Settings) -> Ledger:
    if settings.database_url is None:  # the default SQLite file: its folder may not exist before a first sync
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return Ledger.open(settings.ledger_url)


def collect_status(settings: Settings, today: date, *, store_ids: Sequence[str] = (),
                   window: int = DEFAULT_WINDOW, plan_path: Path | None = None,
                   generated_at: datetime | None = None) -> StatusModel:
    """Everything status and report show, read once."""
    ledger = open_ledger(settings)
    try:
        infos = store_infos(settings, ledger, store_ids)
        only = store_ids[0] if len(store_ids) == 1 else None
        days = read_days(ledger, only, references_from=today - timedelta(days=window))
        files = ledger.store_files(only, state="quarantined")
    finally:
        ledger.close()
    plan = load_plan(settings.state_dir, plan_path)
    inbox = Inbox(settings.inbox_dir)
    waiting = {info.store: [p.name for p in inbox.day_files(info.store)] for info in infos}
    return build_status(infos, days, files, today, window=window, plan=plan, generated_at=generated_at,
                        inbox=waiting)
