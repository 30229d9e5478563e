"""The `kassasync` click group: global options, command registration, and exit codes (0, 1, 2, 3, 130)."""
from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from pipeline import logs
from pipeline.cli.context import AppContext
from pipeline.errors import UserError
from pipeline.settings import Settings

# 2 belongs to `plan --detailed-exitcode` (changes): a usage error exits 1 like any other error the user
# can fix, never click's 2. 130 is the shell's code for Ctrl-C.
EXIT_OK, EXIT_USER_ERROR, EXIT_CHANGES, EXIT_CRASH, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# What to run after Ctrl-C, by command (one line); any other command can simply be run again.
NEXT_AFTER_INTERRUPT = {
    "sync": "run `kassasync sync` again to carry on: nothing is posted twice (`kassasync status` shows each store)",
    "apply": "run `kassasync plan` to see what is still to change, then `kassasync apply` again",
    "demo": "run `kassasync demo` again: it starts afresh in its own folder",
}

# Command name -> the modules whose `register(group)` add it (one module per command or command family).
# Modules are imported only when their command runs, so `validate` in a pre-commit hook does not pay for
# the HTTP client, the sandbox server and the database layer.
COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate",), "schema": ("schema",), "pos-sheet": ("pos_sheet",), "sie": ("sie", "sie_map"),
    "sandbox": ("sandbox",), "connect": ("connect",), "tokens": ("tokens",), "plan": ("plan",),
    "apply": ("apply",), "doctor": ("doctor",), "sync": ("sync",), "status": ("status",), "report": ("report",),
    "demo": ("demo",), "serve": ("serve",), "onboard": ("onboard",),
    "disconnect": ("disconnect",), "ledger": ("ledger",), "correct": ("correct",), "db": ("db",),
    "reconcile": ("reconcile",), "worker": ("worker",), "enqueue": ("worker",),
}

log = logging.getLogger("kassasync.cli")
_RUNNING: dict[str, AppContext] = {}  # the running command's context, for the crash message
_INVOKED: dict[str, str] = {}  # the running command's name, for the line after Ctrl-C


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            staging = click.Group(cmd_name)
            for module in COMMANDS[cmd_name]:
                importlib.import_module(f"pipeline.cli.{module}").register(staging)
            if cmd_name in staging.commands:
                self.add_command(staging.commands[cmd_name], cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--stores", "stores_dir", type=click.Path(path_type=Path), default=None,
              help="Directory of store files (default ./stores).")
@click.option("--inbox", "inbox_dir", type=click.Path(path_type=Path), default=None,
              help="Root of the per-store inboxes of SIE day files (default ./inbox).")
@click.option("--state-dir", type=click.Path(path_type=Path), default=None,
              help="State directory: ledger, tokens, logs (default $KASSASYNC_HOME or ./.kassasync).")
@click.option("--settle-seconds", type=click.IntRange(0, 86400), default=None, metavar="N",
              help="Read a day file only once it has been unchanged this long (default: each store file's "
                   "inbox.settle_seconds, else 120); 0 reads every file at once.")
@click.option("-v", "--verbose", count=True, help="More output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="kassasync")
@click.pass_context
def cli(ctx: click.Context, stores_dir: Path | None, inbox_dir: Path | None, state_dir: Path | None,
        settle_seconds: int | None, verbose: int, quiet: bool) -> None:
    """kassasync: store bookkeeping set-up as code, from the POS's SIE files to Fortnox."""
    settings = Settings.from_env(stores_dir=stores_dir, inbox_dir=inbox_dir, state_dir=state_dir,
                                 settle_seconds=settle_seconds)
    verbosity = -1 if quiet else verbose
    log_path = logs.configure(verbosity, settings.state_dir)
    ctx.obj = _RUNNING["app"] = AppContext(settings=settings, verbosity=verbosity, log_path=log_path)
    _INVOKED["command"] = ctx.invoked_subcommand or ""


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the group and maps every outcome to an exit code, never a bare traceback."""
    try:
        code = cli.main(args=argv, prog_name="kassasync", standalone_mode=False)
    except UserError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"  hint: {exc.hint}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C at a prompt into Abort
        click.echo(f"interrupted: {_next_after_interrupt()}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:  # usage errors included: exit 1, not click's 2
        exc.show()
        sys.exit(EXIT_USER_ERROR)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line and a log path
        log_path = _crash_log_path()
        logging.getLogger("kassasync.crash").exception("unexpected error")
        first = (str(exc).splitlines() or [""])[0][:200]
        click.echo(f"kassasync crashed: {type(exc).__name__}: {logs.redact(first)}", err=True)
        click.echo(f"  details are in {log_path}; please attach it to a bug report", err=True)
        sys.exit(EXIT_CRASH)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _next_after_interrupt() -> str:
    command = _INVOKED.get("command", "")
    if command in NEXT_AFTER_INTERRUPT:
        return NEXT_AFTER_INTERRUPT[command]
    return f"run `kassasync {command}` again" if command else "run the command again"


def _crash_log_path() -> Path:
    if "app" in _RUNNING:
        return _RUNNING["app"].log_path
    return logs.configure(0, Settings.from_env().state_dir)
