"""What every command gets from the global options: settings, verbosity and the debug log's path."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
