"""`kassasync plan`: each selected store's file against its live Fortnox; prints the plan and its checksum."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.cli.context import app_context, today_from, today_option
from pipeline.cli.main import EXIT_CHANGES, EXIT_USER_ERROR
from pipeline.config.model import StoreConfig
from pipeline.plan import render
from pipeline.plan.clients import shared_opener
from pipeline.plan.inputs import first_unposted_days, select_stores
from pipeline.plan.run import DEFAULT_CONCURRENCY, ClientOpener, PlannedStore, plan_many
from pipeline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def store_options(command: F) -> F:
    """--store (repeatable), --all, --concurrency and the hidden --today, shared by plan, apply and doctor."""
    for option in reversed([
        click.option("--store", "store_ids", multiple=True, metavar="ID", help="A store id (repeatable)."),
        click.option("--all", "all_stores", is_flag=True, help="Every store file in --stores."),
        click.option("--concurrency", type=click.IntRange(1, 256), default=DEFAULT_CONCURRENCY, show_default=True,
                     help="Stores worked on at the same time (requests within a store stay sequential)."),
        today_option,
    ]):
        command = option(command)
    return command


def opener_scope(settings: Settings) -> AbstractAsyncContextManager[ClientOpener]:
    """Where each store's Fortnox client comes from during one run (tests replace this with fakes)."""
    return shared_opener(settings)


def plan_configs(configs: Sequence[StoreConfig], today: date, concurrency: int) -> list[PlannedStore]:
    """Plan these stores against their Fortnox, concurrently, in one event loop and one connection pool."""
    settings = app_context().settings
    unposted = first_unposted_days(settings, configs)

    async def run() -> list[PlannedStore]:
        async with opener_scope(settings) as opener:
            return await plan_many(configs, opener, today, unposted=lambda c: unposted.get(c.store),
                                   concurrency=concurrency)

    return asyncio.run(run())


def plan_selected(store_ids: Sequence[str], all_stores: bool, today: date,
                  concurrency: int) -> list[PlannedStore]:
    """Load the selected store files and plan them (the part apply and doctor share)."""
    configs = select_stores(app_context().settings.stores_dir, store_ids, all_stores)
    return plan_configs(configs, today, concurrency)


@click.command("plan")
@store_options
@click.option("--format", "fmt", type=click.Choice(render.FORMATS), default="text", show_default=True,
              help="text for people, json (versioned), markdown for a pull-request comment, github annotations.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes to apply (0 when none).")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON plan to this file (same plan, same checksum).")
def plan_command(store_ids: tuple[str, ...], all_stores: bool, concurrency: int, today: datetime | None, fmt: str,
                 detailed_exitcode: bool, json_out: Path | None) -> None:
    """Show what apply would change in each store's Fortnox, and what it cannot fix.

    Exit codes: 0 no changes, 2 changes pending (with --detailed-exitcode), 1 blocked or error.
    """
    from pipeline.plan.run import as_plan

    plan = as_plan(plan_selected(store_ids, all_stores, today_from(today), concurrency))
    click.echo(render.render(plan, fmt, all_stores), nl=False)
    if json_out is not None:
        json_out.write_text(render.render_json(plan), encoding="utf-8")
    if all_stores:  # `kassasync status` shows each store's pending drift from the last full plan
        _record_last_plan(app_context().settings.state_dir, render.render_json(plan))
    if plan.status == "blocked":
        raise click.exceptions.Exit(EXIT_USER_ERROR)  # blocked: a person must fix something first
    if plan.status == "changes" and detailed_exitcode:
        raise click.exceptions.Exit(EXIT_CHANGES)


def _record_last_plan(state_dir: Path, plan_json: str) -> None:
    from pipeline.report.plan_record import PLAN_FILES

    target = state_dir / PLAN_FILES[0]
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".json.partial")
        partial.write_text(plan_json, encoding="utf-8")
        partial.replace(target)
    except OSError as exc:  # the plan itself was shown; only the status page's drift column misses it
        click.echo(f"warning: could not record the plan in {target}: {exc}", err=True)


def register(group: click.Group) -> None:
    group.add_command(plan_command)
