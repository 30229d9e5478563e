"""`kassasync status`: per store the last posted day, failed days with the fix, missing days and drift."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.cli.context import app_context, today_from, today_option
from pipeline.report.build import DEFAULT_WINDOW
from pipeline.report.collect import collect_status
from pipeline.report.render import FORMATS, render

F = TypeVar("F", bound=Callable[..., Any])


def plan_option(command: F) -> F:
    return click.option(
        "--plan", "plan_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
        help="The plan JSON to read drift from (default: last-plan.json in the state directory, "
             "written by `kassasync plan --all --json-out`).")(command)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@click.command("status")
@click.option("--store", "store_ids", multiple=True, metavar="ID", help="Only this store (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json (versioned, \"format\": 1) for scripts.")
@click.option("--days", type=click.IntRange(1, 366), default=DEFAULT_WINDOW, show_default=True,
              help="How many days (ending today) the day strip and the JSON `days` list cover.")
@click.option("--attention", "attention_only", is_flag=True,
              help="Only the stores that need attention (a failed or missing day, a quarantined file, drift).")
@plan_option
@today_option
def status_command(store_ids: tuple[str, ...], fmt: str, days: int, attention_only: bool, plan_path: Path | None,
                   today: datetime | None) -> None:
    """Show each store's last posted day, failed days (reason and fix), missing days and drift.

    A day is due the day after its business date. Text lists missing and failed days of the last
    31 days; JSON lists them all. Exit code 0 whatever the stores' state (read it from the output).
    """
    settings = app_context().settings
    model = collect_status(settings, today_from(today), store_ids=store_ids, window=days, plan_path=plan_path,
                           generated_at=now_utc())
    if attention_only:
        model = replace(model, stores=tuple(s for s in model.stores if s.needs_attention))
    click.echo(render(model, fmt), nl=False)


def register(group: click.Group) -> None:
    group.add_command(status_command)
