"""What every command gets from the global options: settings, verbosity and the debug log's path."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

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
