"""`kassasync correct --store ID --date D`: a re-export after posting, shown as its correction voucher; `--yes`
posts it (exactly once, through the runner), `--dismiss --reason` records that nothing is posted."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from pipeline.cli.context import DATE, app_context, today_from, today_option
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.ledger import Ledger
from pipeline.runner.decisions import Proposal, decided_by, dismiss, proposals, release, rows_unknown
from pipeline.runner.inbox import Inbox
from pipeline.runner.locks import store_lock
from pipeline.settings import Settings

FORMATS = ("text", "markdown", "json")


@click.command("correct")
@click.option("--store", "store_id", required=True, metavar="ID", help="The store.")
@click.option("--date", "day", required=True, type=DATE, help="The business date that was exported again.")
@click.option("--yes", "post", is_flag=True, help="Post the correction voucher(s) shown, once.")
@click.option("--dismiss", "dismissed", is_flag=True, help="Post nothing; record the decision (needs --reason).")
@click.option("--reason", default=None, help="Why the re-export is dismissed (kept in the ledger).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, markdown for a ticket or pull request, json (\"format\": 1) for scripts.")
@today_option
def correct_command(store_id: str, day: datetime, post: bool, dismissed: bool, reason: str | None, fmt: str,
                    today: datetime | None) -> None:
    """Show the correction voucher for a day the POS exported again after it was posted (KS312).

    The correction voucher books the difference, account by account, between what Fortnox holds for the
    Z-report (the voucher posted, and corrections before) and the new export. --yes posts it exactly once,
    with its own marker, through the same pending-first protocol as every voucher; --dismiss --reason
    records that nothing is posted. Exit 1 when nothing is held on that day or it cannot be posted.
    """
    from pipeline.config import get_store
    from pipeline.config.revision import with_revisions
    from pipeline.report.collect import open_ledger

    if post and dismissed:
        raise UserError("--yes and --dismiss both given", "choose one: --yes posts the correction, --dismiss does not")
    if dismissed and not (reason or "").strip():
        raise UserError("--dismiss needs --reason", 'say why, e.g. --reason "the first export was right"')
    settings = app_context().settings
    config = with_revisions([get_store(settings.stores_dir, store_id)], settings.stores_dir)[0]
    business_date = day.date()
    ledger = open_ledger(settings)
    try:
        _read_amounts(settings, ledger, config, business_date)
        held = proposals(ledger, config, business_date, today=today_from(today))
        if not held:
            raise UserError(f"no re-export of store {config.store} is held on {business_date}",
                            _nothing_held_hint(ledger, config, business_date))
        view = _view(config, business_date, held, ledger, Inbox(settings.inbox_dir))
        click.echo(_render(view, fmt), nl=False)
        if dismissed:
            _dismiss(ledger, config, held, (reason or "").strip(), settings.state_dir)
        elif post:
            _release(ledger, config, held, settings.state_dir)
    finally:
        ledger.close()
    if post:
        _post(config, business_date, today_from(today))


def _read_amounts(settings: Settings, ledger: Ledger, config: StoreConfig, day: date) -> None:
    """The rows of the day's posted vouchers the ledger has no amounts for (recorded from Fortnox after a lost
    ledger), read from Fortnox and kept, so that the correction voucher can be worked out. A failure is told
    and left to the blocker."""
    from pipeline.fortnox.factory import open_client
    from pipeline.ledger import now
    from pipeline.runner.reconcile_records import read_from_fortnox

    need = rows_unknown(ledger.store_vouchers(config.store, dates=[day]))
    if not need:
        return

    async def read() -> list[str]:
        async with open_client(settings, config) as client:
            return await read_from_fortnox(ledger, client, config.store, need, now=now())

    try:
        problems = asyncio.run(read())
    except UserError as exc:  # typed Fortnox errors included: credentials, Fortnox unreachable
        problems = [f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")]
    for problem in problems:
        click.echo(f"warning: could not read a posted voucher's amounts from Fortnox: {problem}", err=True)


def _render(view: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"format": 1, **view}, ensure_ascii=False, indent=2) + "\n"
    # plan's renderers: the same Jinja2 environment, layout, filters and Markdown escaping
    from pipeline.plan.render import environment

    return environment().get_template("correct.md.j2" if fmt == "markdown" else "correct.txt.j2").render(view=view)


def _view(config: StoreConfig, day: date, held: list[Proposal], ledger: Ledger, inbox: Inbox) -> dict[str, Any]:
    where = {p.key: p for p in ledger.problem_files(config.store, keys=[p.held.key for p in held])}
    items = []
    for proposal in held:
        payload = json.loads(proposal.payload) if proposal.payload else {}
        found = where.get(proposal.held.key)
        total = sum((r.debit for r in proposal.rows), Decimal(0))
        items.append({
            "key": proposal.held.key, "ver_id": proposal.held.ver_id.lstrip(":"),
            "store_commit": proposal.held.store_commit,  # the store file's git commit the re-export was read with
            "file": inbox.relative(found.path) if found and found.path else proposal.held.file_digest[:12],
            "line": found.line if found else 0,
            "fortnox": [f"{r.series} {r.number} (year {r.year})" for r in proposal.booked if r.number is not None],
            "series": payload.get("voucher_series", config.voucher_series),
            "description": payload.get("description"), "rows": [r.to_json() for r in proposal.rows],
            "total": str(total), "blocker": proposal.blocker,
            "findings": [{"rule": f.rule, "message": f.message} for f in proposal.findings],
        })
    return {"store": config.store, "name": config.name, "tenant_id": config.tenant_id, "date": day.isoformat(),
            "corrections": items, "postable": any(not p.blocker for p in held)}


def _nothing_held_hint(ledger: Ledger, config: StoreConfig, day: date) -> str:
    decided = [d for d in ledger.correction_decisions(config.store) if d["business_date"] == day]
    if decided:
        last = decided[0]
        what = "posted as a correction voucher" if last["decision"] == "post" else f"dismissed ({last['reason']})"
        return (f"it was decided on {last['decided_at']:%Y-%m-%d %H:%M} UTC by {last['decided_by']}: {what}; "
                f"`kassasync status --store {config.store}` shows the days that need attention")
    return f"`kassasync status --store {config.store}` lists the days that need attention"


def _release(ledger: Ledger, config: StoreConfig, held: list[Proposal], state_dir: Path) -> None:
    blocked = [p for p in held if p.blocker]
    if blocked:
        raise UserError(f"the correction for Z-report {blocked[0].held.ver_id.lstrip(':')} cannot be posted: "
                        f"{blocked[0].blocker}", "fix what the blocker says and run the command again; nothing was "
                        "posted")
    _decide(ledger, config, held, state_dir, lambda proposal, by: release(ledger, proposal, by=by) is not None)


def _dismiss(ledger: Ledger, config: StoreConfig, held: list[Proposal], reason: str, state_dir: Path) -> None:
    _decide(ledger, config, held, state_dir, lambda proposal, by: dismiss(ledger, proposal, reason=reason, by=by))
    click.echo(f"dismissed: nothing is posted for {len(held)} re-export(s) of {config.store} on "
               f"{held[0].held.business_date}; the reason is kept in the ledger")


def _decide(ledger: Ledger, config: StoreConfig, held: list[Proposal], state_dir: Path,
            decide: Callable[[Proposal, str], bool]) -> None:
    """Each held re-export decided under the store's lock (no sync works the store meanwhile)."""
    with store_lock(ledger, state_dir, config.store) as mine:
        if not mine:
            raise UserError(f"another runner is working store {config.store} right now",
                            "run the command again in a moment; nothing was decided")
        by = decided_by()
        for proposal in held:
            if not decide(proposal, by):
                raise UserError(f"the re-export {proposal.held.key} was decided by someone else meanwhile",
                                f"`kassasync status --store {config.store}` shows where it stands")


def _post(config: StoreConfig, day: date, today: date) -> None:
    """The released correction posted by the runner (a sync of this store and day): pending first, exactly once."""
    from pipeline.cli.sync import run_sync, sync_options
    from pipeline.runner.render import render_text

    settings = app_context().settings
    options = sync_options(settings, today=today, from_date=day, to_date=day, owner=None)
    summary = run_sync(settings, [config], options, concurrency=1, show_progress=False)
    click.echo("\nposting (a sync of this store and day):")
    click.echo(render_text(summary), nl=False)
    if not summary.ok:
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(correct_command)
