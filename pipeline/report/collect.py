"""The I/O edge of status and report: store files, the ledger and the last plan, read into a StatusModel.

The days come from `Ledger.store_days`, which counts states in the database and reads only the columns
status shows, so a fleet of hundreds of stores with a year of history stays quick.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from pipeline.config import load_stores
from pipeline.config.model import StoreConfig
from pipeline.diagnostics import Diagnostic
from pipeline.errors import UserError
from pipeline.fleet.jobs import store_jobs
from pipeline.ledger import Ledger
from pipeline.report.build import DEFAULT_WINDOW, build_status, window_days
from pipeline.report.invoices import collect_invoices
from pipeline.report.model import ReconciledMonth, SettlingFile, StatusModel, StoreInfo
from pipeline.report.plan_record import load_plan
from pipeline.runner.inbox import Inbox, settle_seconds
from pipeline.runner.reconcile_records import last_outcomes
from pipeline.settings import Settings

log = logging.getLogger("kassasync.report")

def store_infos(settings: Settings, ledger: Ledger, store_ids: Sequence[str],
                loaded: tuple[dict[str, StoreConfig], list[Diagnostic]] | None = None) -> list[StoreInfo]:
    """The stores to show: every valid store file, plus stores only the ledger knows; or just `store_ids`.
    `loaded`: the store files as load_stores read them, when the caller has them."""
    configs, diags = loaded or load_stores(settings.stores_dir)
    errors = [d for d in diags if d.severity.value == "error"]
    if errors:
        log.warning("%d problem(s) in the store files; stores with errors show without their start_date "
                    "(run `kassasync validate`)", len(errors))
    infos = {c.store: StoreInfo(c.store, c.name, c.start_date, settle_seconds=_settle(settings, c))
             for c in configs.values()}
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
    inbox = Inbox(settings.inbox_dir, clock=time.time)  # status writes nothing, not even the inbox's clock probe
    try:
        loaded = load_stores(settings.stores_dir)
        infos = store_infos(settings, ledger, store_ids, loaded)
        only = store_ids[0] if len(store_ids) == 1 else None
        days = ledger.store_days(only, references_from=today - timedelta(days=window))
        files = ledger.store_files(only, state="quarantined")
        problems = ledger.problem_files(only)
        reconciled = {store: ReconciledMonth(o.month, o.agreed, o.only_manual, o.reconciled_at,
                                             tuple(o.summary.get("differences", ())))
                      for store, o in last_outcomes(ledger, [i.store for i in infos]).items()}
        invoices = collect_invoices(ledger, {i.store: loaded[0][i.store] for i in infos if i.store in loaded[0]},
                                    window_days(today, window), today, inbox.relative)
        jobs = store_jobs(ledger.engine, [i.store for i in infos]) or {}
    finally:
        ledger.close()
    plan = load_plan(settings.state_dir, plan_path)
    waiting = {info.store: [p.name for p in inbox.day_files(info.store)] for info in infos}
    settling = {info.store: [SettlingFile(u.path.name, u.reason)
                             for u in inbox.scan(info.store, info.settle_seconds).unsettled]
                for info in infos if waiting[info.store]}
    where: dict[tuple[str, date], tuple[str, int]] = {}
    for state in ("failed", "held"):  # a day shows its failure before a held re-export (Ledger.store_days)
        for problem in problems:
            if problem.state == state and problem.path is not None:
                where.setdefault((problem.store, problem.business_date), (inbox.relative(problem.path), problem.line))
    model = build_status(infos, days, files, today, window=window, plan=plan, generated_at=generated_at,
                         inbox=waiting, where=where, settling=settling, reconciled=reconciled)
    return replace(model, stores=tuple(replace(s, invoices=invoices.get(s.store), jobs=jobs.get(s.store))
                                       for s in model.stores))


def _settle(settings: Settings, config: StoreConfig) -> int:
    return settle_seconds(settings.settle_seconds, config.settle_seconds)
