"""`kassasync worker` and `kassasync enqueue`: the fleet's commands (procrastinate over PostgreSQL, docs/fleet.md)."""
from __future__ import annotations

import asyncio
import os
from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from pipeline.cli.context import DATE, app_context, date_range, today_option
from pipeline.errors import UserError

if TYPE_CHECKING:
    from pipeline.fleet.engine import Fleet


def _fleet(*, periodic: bool, stalled_after: float = 30.0, today: date | None = None) -> Fleet:
    """The fleet's app for this machine's settings; a clear message when the job engine is not installed."""
    try:
        from pipeline.fleet.engine import Fleet, Schedule
        from pipeline.fleet.schedule import DEFAULT_SYNC_CRON, LocalCron
    except ImportError as exc:
        raise UserError(f"the fleet's job engine is not installed ({exc.name})",
                        "pip install 'kassasync[postgres]' (procrastinate and psycopg)") from exc
    cron = LocalCron.parse(os.environ.get("KASSASYNC_SYNC_CRON") or DEFAULT_SYNC_CRON, source="KASSASYNC_SYNC_CRON")
    return Fleet(app_context().settings, Schedule(cron, periodic=periodic), stalled_after=stalled_after, today=today)


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Jobs (stores) this worker runs at the same time.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(["sync", "engine"]),
              help="Only this queue's jobs (repeatable): sync (the stores' jobs) or engine (the schedule's own). "
                   "Default: both.")
@click.option("--until-idle", is_flag=True,
              help="Exit once no job waits or runs in the whole fleet (for cron and tests); runs no schedule.")
@click.option("--stalled-after", type=click.FloatRange(3, 3600), default=30.0, show_default=True,
              help="Seconds without a heartbeat after which another worker's job counts as stalled (its worker "
                   "died) and is retried.")
@today_option
def worker_command(concurrency: int, queues: tuple[str, ...], until_idle: bool, stalled_after: float,
                   today: datetime | None) -> None:
    """Run a fleet worker: sync stores as the jobs in PostgreSQL say, until SIGTERM.

    Needs KASSASYNC_DATABASE_URL (PostgreSQL, upgraded with `kassasync db upgrade`). Each store's jobs run one at
    a time across every worker. The nightly sync is deferred at KASSASYNC_SYNC_CRON (default '30 5 * * *',
    Swedish time) once for the whole fleet, however many workers run. SIGTERM or Ctrl-C: the running stores
    finish their posts, then the worker exits. A worker killed outright leaves its jobs running in the
    database until another worker's sweep retries them (after --stalled-after seconds); the ledger makes sure
    nothing is posted twice.
    """
    fleet = _fleet(periodic=not until_idle, stalled_after=stalled_after, today=today.date() if today else None)

    async def main() -> None:
        async with fleet.opened():
            await fleet.run_worker(concurrency=concurrency, queues=list(queues) or None, until_idle=until_idle)

    asyncio.run(main())


@click.command("enqueue")
@click.option("--store", "store_ids", multiple=True, metavar="ID", help="A store id (repeatable).")
@click.option("--all", "all_stores", is_flag=True, help="Every store file in --stores.")
@click.option("--date", "day", type=DATE, default=None, help="Only this business date.")
@click.option("--from", "from_day", type=DATE, default=None, help="First business date.")
@click.option("--to", "to_day", type=DATE, default=None, help="Last business date.")
def enqueue_command(store_ids: tuple[str, ...], all_stores: bool, day: datetime | None, from_day: datetime | None,
                    to_day: datetime | None) -> None:
    """Defer sync jobs now, for the fleet's workers (a store with a sync already waiting keeps that one)."""
    if bool(store_ids) == all_stores:
        raise UserError("say which stores", "use --all, or --store ID (repeatable)")
    first, last = date_range(day, from_day, to_day)
    fleet = _fleet(periodic=False)
    _check_schema(fleet.settings.ledger_url)
    stores = fleet.work.store_ids() if all_stores else list(dict.fromkeys(store_ids))
    if not stores:
        raise UserError(f"no store files in {fleet.settings.stores_dir}", "pass --stores DIR")

    async def main() -> int:
        async with fleet.opened():
            return await fleet.defer_all(stores, first, last)

    deferred = asyncio.run(main())
    kept = len(stores) - deferred
    click.echo(f"deferred {deferred} sync job(s)" + (f"; {kept} store(s) already had one waiting" if kept else ""))


def _check_schema(url: str) -> None:
    """The ledger and the job engine's tables are there and current (else: run `kassasync db upgrade`)."""
    from pipeline.ledger import Ledger

    Ledger.open(url, thorough=True).close()


def register(group: click.Group) -> None:
    group.add_command(worker_command)
    group.add_command(enqueue_command)
