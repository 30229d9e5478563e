"""`kassasync sync`: map each store's new day files and post them to Fortnox exactly once."""
from __future__ import annotations

import logging
import sys
from datetime import date, datetime
from typing import Any

import click

from pipeline.cli.context import DATE, app_context, date_range, today_from, today_option
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.ledger import Ledger
from pipeline.runner.dayfile import OrgOwner, org_owners
from pipeline.runner.inbox import Inbox
from pipeline.runner.render import one_line, render_json, render_text
from pipeline.runner.store_sync import ClientOpener, StoreResult, SyncOptions
from pipeline.runner.sync_all import DEFAULT_CONCURRENCY, RunSummary, begin_run, end_run, run_stores
from pipeline.runner.unit import ledger_connections
from pipeline.settings import Settings

log = logging.getLogger("kassasync.cli")


@click.command("sync")
@click.option("--store", "store_ids", multiple=True, metavar="ID", help="A store id (repeatable).")
@click.option("--all", "all_stores", is_flag=True, help="Every store file in --stores (the default).")
@click.option("--date", "day", type=DATE, default=None, help="Only this business date.")
@click.option("--from", "from_day", type=DATE, default=None, help="First business date to post.")
@click.option("--to", "to_day", type=DATE, default=None, help="Last business date to post.")
@click.option("--dry-run", is_flag=True, help="Read and map, show what would be posted; change nothing.")
@click.option("--retry-failed", is_flag=True,
              help="Re-map failed days with the current store files and post them again. With --date (or "
                   "--from), also a day before start_date the ledger skipped (KS306).")
@click.option("--json", "as_json", is_flag=True, help="Print the versioned JSON summary instead of the table.")
@click.option("--concurrency", type=click.IntRange(1, 512), default=DEFAULT_CONCURRENCY, show_default=True,
              help="Stores talking to Fortnox at the same time (one store's vouchers stay in date order).")
@today_option
def sync_command(store_ids: tuple[str, ...], all_stores: bool, day: datetime | None, from_day: datetime | None,
                 to_day: datetime | None, dry_run: bool, retry_failed: bool, as_json: bool, concurrency: int,
                 today: datetime | None) -> None:
    """Post every store's new Z-reports to Fortnox, each exactly once.

    Reads <inbox>/<store>/*.se|*.si once they have settled, maps them with the store file, posts them in
    date order and moves posted files to <inbox>/archive/<store>/<yyyy>/. Exit 1 when anything failed or
    needs attention (a re-export after posting: see `kassasync correct`).
    """
    context = app_context()
    settings = context.settings
    if store_ids and all_stores:
        raise UserError("--store and --all both given", "use one: --store ID (repeatable) or --all")
    from_date, to_date = date_range(day, from_day, to_day)
    configs, broken, owner = _select(settings, store_ids)
    options = sync_options(settings, today=today_from(today), from_date=from_date, to_date=to_date, owner=owner,
                           dry_run=dry_run, retry_failed=retry_failed)
    summary = run_sync(settings, configs, options, concurrency=concurrency,
                       show_progress=not (as_json or dry_run or context.quiet))
    summary.stores = sorted(summary.stores + broken, key=lambda s: s.store)
    click.echo(render_json(summary) if as_json else render_text(summary), nl=False)
    if not summary.ok:
        raise click.exceptions.Exit(1)


def sync_options(settings: Settings, *, today: date, from_date: date | None, to_date: date | None,
                 owner: OrgOwner | None, dry_run: bool = False, retry_failed: bool = False) -> SyncOptions:
    """A run's options from the command line and the global settings (`--settle-seconds`); `owner` None: the
    store files in --stores are read when a stray file needs its owner named."""
    return SyncOptions(today=today, from_date=from_date, to_date=to_date, dry_run=dry_run, retry_failed=retry_failed,
                       settle_seconds=settings.settle_seconds,
                       org_owner=owner or org_owners(None, settings.stores_dir))


def run_sync(settings: Settings, configs: list[StoreConfig], options: SyncOptions, *, concurrency: int,
             show_progress: bool, opener: ClientOpener | None = None) -> RunSummary:
    """The sync of the given stores with the ledger and inbox from the settings, in this process (the demo and
    `correct` call this too; `opener`: tests' fake clients)."""
    if settings.ledger_url.startswith("sqlite"):
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    # a broken ledger stops the run (BrokenLedger); a server ledger's pool holds every lock the run may take
    ledger = Ledger.open(settings.ledger_url, thorough=True, connections=ledger_connections(concurrency))
    progress = _Progress(len(configs), show_progress)
    try:
        run_id, started = begin_run(ledger, options, configs)
        results = run_stores(settings, configs, options, ledger=ledger, run_id=run_id, concurrency=concurrency,
                             progress=progress, opener=opener)
        return end_run(ledger, run_id, started, options, results)
    except KeyboardInterrupt:
        ledger.interrupt_runs()  # the run's row says so, rather than `running` for ever
        raise
    finally:
        progress.close()
        ledger.close()


def _select(settings: Settings, store_ids: tuple[str, ...]) -> tuple[list[StoreConfig], list[StoreResult], OrgOwner]:
    """The chosen stores, and whose an org number is (a stray file's quarantine note names its store); with all
    stores, a broken store file is reported for that store, the rest run."""
    from pipeline.config import get_store, load_stores
    from pipeline.config.revision import with_revisions

    if store_ids:
        chosen = [get_store(settings.stores_dir, s) for s in dict.fromkeys(store_ids)]
        return with_revisions(chosen, settings.stores_dir), [], org_owners(None, settings.stores_dir)
    configs, diagnostics = load_stores(settings.stores_dir)
    broken: dict[str, StoreResult] = {}
    for diag in diagnostics:
        if not diag.is_error:
            continue
        store = diag.location.path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if store in configs or store.startswith("_") or store in broken:
            continue
        broken[store] = StoreResult(store, state="error", message=f"store file has errors: {diag.render()}",
                                    hint=f"run `kassasync validate {diag.location.path}` and fix it")
    if not configs and not broken:
        raise UserError(f"no store files in {settings.stores_dir}", "pass --stores DIR, or add stores/<id>.yaml")
    inbox = Inbox(settings.inbox_dir)
    for orphan in sorted(set(inbox.store_dirs()) - set(configs) - set(broken)):
        log.warning("inbox folder %s has no store file %s/%s.yaml: its files wait", inbox.store_dir(orphan),
                    settings.stores_dir, orphan)
    chosen = with_revisions([configs[s] for s in sorted(configs)], settings.stores_dir)
    return chosen, list(broken.values()), org_owners(configs)


class _Progress:
    """A bar of stores done on a terminal; a plain line per store otherwise (logs, CI)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.posted = 0
        if self.tty:
            self.bar = click.progressbar(length=total, label="syncing stores", file=sys.stderr,
                                         item_show_func=lambda _: f"{self.posted} posted")
            self.bar.__enter__()

    def __call__(self, store: str, event: str, result: StoreResult | None = None) -> None:
        self.posted += event == "posted"
        if event != "done" or not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
        elif result is not None:  # the store's line, with the counts its row in the table shows
            click.echo(f"sync: {one_line(result)}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def register(group: click.Group) -> None:
    group.add_command(sync_command)
