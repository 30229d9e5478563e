"""`kassasync ledger rebuild|check`: the ledger's posted records read back from Fortnox, or compared with it."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click

from pipeline.cli.context import DATE, app_context, today_from, today_option
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger
from pipeline.ledger.sqlite_file import BrokenLedger, move_aside
from pipeline.runner.locks import store_lock
from pipeline.runner.rebuild import Checked, Rebuilt, check_store, rebuild_store
from pipeline.settings import Settings

T = TypeVar("T")
STORES_AT_ONCE = 8  # stores talking to Fortnox at the same time (requests within one store stay in order)


@click.group("ledger")
def ledger_group() -> None:
    """The ledger against Fortnox, the source of truth: rebuild it from Fortnox, or check that they agree."""


def _common(command: Any) -> Any:
    for option in reversed([
        click.option("--store", "store_ids", multiple=True, metavar="ID", help="A store id (repeatable; default all)."),
        click.option("--series", "series", multiple=True, metavar="CODE",
                     help="Also look in this voucher series (repeatable), e.g. one the store used before."),
        today_option,
    ]):
        command = option(command)
    return command


@ledger_group.command("rebuild")
@_common
@click.option("--from", "from_day", type=DATE, default=None,
              help="First business date to read back (default: each store's start_date).")
def rebuild_command(store_ids: tuple[str, ...], series: tuple[str, ...], today: datetime | None,
                    from_day: datetime | None) -> None:
    """Read back every voucher kassasync posted from Fortnox into the ledger.

    Each voucher's marker names its store, business date and Z-report; the ledger records it posted, with
    Fortnox's series and number, so `status` and the next `sync` are right again. A broken ledger file is
    moved aside first (kept, never deleted). Exit 1 if a store could not be read, or a marker could not.
    """
    settings, last = app_context().settings, today_from(today)
    configs = _configs(settings, store_ids)

    def rebuild(ledger: Ledger, config: StoreConfig, client: FortnoxApi) -> Awaitable[Rebuilt]:
        first = from_day.date() if from_day else config.start_date
        return rebuild_store(config, ledger, client, first, last, series)

    outcomes, problems = _per_store(settings, _open_or_move_aside(settings), configs, "rebuilt", rebuild)
    for outcome in outcomes:
        click.echo(_rebuilt_line(outcome))
        for text in outcome.twice + [f"{v}: its marker's key cannot be read" for v in outcome.unreadable]:
            problems += 1
            click.echo(f"  ! {text}")
        if outcome.unreadable:
            click.echo(f"    hint: run `kassasync ledger check --store {outcome.store} --from {outcome.first} --to "
                       f"{outcome.last}`; the runner still recognises the voucher by its marker")
    click.echo(f"{len(outcomes)} of {len(configs)} store(s) rebuilt from Fortnox; next, `kassasync sync`: a day file "
               "whose vouchers Fortnox holds is archived, not posted again")
    if problems:
        raise click.exceptions.Exit(1)


@ledger_group.command("check")
@_common
@click.option("--from", "from_day", type=DATE, required=True, help="First business date to compare.")
@click.option("--to", "to_day", type=DATE, required=True, help="Last business date to compare.")
def check_command(store_ids: tuple[str, ...], series: tuple[str, ...], today: datetime | None,
                  from_day: datetime, to_day: datetime) -> None:
    """Compare the ledger with Fortnox and list every difference; exit 1 if there is any."""
    first, last = from_day.date(), to_day.date()
    if first > last:
        raise UserError(f"--from {first} is after --to {last}", "swap the two dates")
    settings = app_context().settings
    configs = _configs(settings, store_ids)

    def check(ledger: Ledger, config: StoreConfig, client: FortnoxApi) -> Awaitable[Checked]:
        return check_store(config, ledger, client, first, last, series)

    outcomes, differences = _per_store(settings, Ledger.open(settings.ledger_url, thorough=True), configs,
                                       "checked", check)
    for outcome in outcomes:
        if not outcome.differences:
            click.echo(f"{outcome.store}: the ledger and Fortnox agree ({outcome.held} voucher(s) with kassasync's "
                       f"marker from {first} to {last})")
            continue
        differences += len(outcome.differences)
        click.echo(f"{outcome.store}: {len(outcome.differences)} difference(s) from {first} to {last}")
        for item in outcome.differences:
            click.echo(f"  {str(item.business_date or ''):10} {item.key or ''}: {item.message}")
            click.echo(f"      fix: {item.hint}")
    click.echo(f"{len(configs)} store(s): {differences} difference(s)")
    if differences:
        raise click.exceptions.Exit(1)


def _configs(settings: Settings, store_ids: Sequence[str]) -> list[StoreConfig]:
    from pipeline.plan.inputs import select_stores

    return select_stores(settings.stores_dir, store_ids, all_stores=not store_ids)


def _open_or_move_aside(settings: Settings) -> Ledger:
    """The ledger; a broken one is moved aside (kept for a closer look) and a new one started in its place."""
    if settings.database_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        return Ledger.open(settings.ledger_url, thorough=True)
    except BrokenLedger as exc:
        kept = move_aside(exc.path)
        click.echo(f"{exc.message}\nmoved it aside to {kept}; rebuilding a new ledger from Fortnox", err=True)
        return Ledger.open(settings.ledger_url, thorough=True)


def _per_store(settings: Settings, ledger: Ledger, configs: Sequence[StoreConfig], done: str,
               work: Callable[[Ledger, StoreConfig, FortnoxApi], Awaitable[T]]) -> tuple[list[T], int]:
    """`work` for each store with its Fortnox client, a few stores at a time, each under the store's lock, then
    the ledger closed. A store's failure (credentials, Fortnox unreachable, another runner at work) is its own:
    it is told on stderr and counted. Returns the outcomes of the stores that worked, and how many did not."""
    from pipeline.plan.clients import shared_opener

    async def run() -> list[T | UserError]:
        gate = asyncio.Semaphore(STORES_AT_ONCE)
        async with shared_opener(settings) as opener:
            async def one(config: StoreConfig) -> T | UserError:
                async with gate:
                    with store_lock(ledger, settings.state_dir, config.store) as held:
                        if not held:
                            return UserError("another runner is working this store right now",
                                             "run this again when its sync has finished")
                        try:
                            async with opener(config) as client:
                                return await work(ledger, config, client)
                        except UserError as exc:  # typed Fortnox errors included
                            return exc

            return list(await asyncio.gather(*(one(c) for c in configs)))

    try:
        outcomes = asyncio.run(run())
    finally:
        ledger.close()
    worked: list[T] = []
    for config, outcome in zip(configs, outcomes, strict=True):
        if isinstance(outcome, UserError):
            click.echo(f"{config.store}: not {done}: {outcome.message}", err=True)
            if outcome.hint:
                click.echo(f"  hint: {outcome.hint}", err=True)
        else:
            worked.append(outcome)
    return worked, len(outcomes) - len(worked)


def _rebuilt_line(outcome: Rebuilt) -> str:
    changed = len(outcome.added) + len(outcome.corrected)
    parts = [f"{outcome.store}: {outcome.found} voucher(s) with kassasync's marker in Fortnox from {outcome.first} to "
             f"{outcome.last}; {changed} recorded anew ({len(outcome.added)} the ledger did not know, "
             f"{len(outcome.corrected)} it held otherwise)"]
    if outcome.read_one_by_one:
        parts.append(f"{outcome.read_one_by_one} read one by one (the voucher list has no Comments)")
    if outcome.mark is not None:
        parts.append(f"reconciled {outcome.mark.from_date} to {outcome.mark.through_date}")
    return "; ".join(parts)


def register(group: click.Group) -> None:
    group.add_command(ledger_group)

