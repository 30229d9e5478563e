"""What every command gets from the global options: settings, verbosity and the debug log's path."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.errors import UserError
from pipeline.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    verbosity: int
    log_path: Path

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0


F = TypeVar("F", bound=Callable[..., Any])
DATE = click.DateTime(["%Y-%m-%d"])


def today_option(command: F) -> F:
    """The hidden `--today` of every command whose result depends on the date (tests and the demo)."""
    return click.option("--today", type=DATE, default=None, hidden=True,
                        help="Pretend today is this date (tests, demo).")(command)


def today_from(option: datetime | None) -> date:
    return option.date() if option is not None else date.today()


def date_range(day: datetime | None, from_day: datetime | None,
               to_day: datetime | None) -> tuple[date | None, date | None]:
    """The business dates `--date D` or `--from D --to D` ask for (None: open on that side); a UserError for
    both forms at once, or a range that ends before it starts."""
    if day and (from_day or to_day):
        raise UserError("--date cannot be combined with --from/--to", "use --date D, or --from D --to D")
    start, end = day or from_day, day or to_day
    first, last = (start.date() if start else None), (end.date() if end else None)
    if first and last and first > last:
        raise UserError(f"--from {first} is after --to {last}", "swap the two dates")
    return first, last


def app_context() -> AppContext:
    """The AppContext of the running command (set by the `kassasync` group)."""
    ctx = click.get_current_context()
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked on its own in a test
        from pipeline import logs

        settings = Settings.from_env()
        obj = AppContext(settings=settings, verbosity=0, log_path=logs.configure(0, settings.state_dir))
        ctx.obj = obj
    return obj
