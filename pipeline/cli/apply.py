"""`kassasync apply`: re-plan, check the reviewed checksum and the safety rules, ask, then make the changes."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli import plan as plan_cli
from pipeline.cli.context import app_context, today_from
from pipeline.cli.plan import plan_configs, plan_selected, store_options
from pipeline.errors import UserError
from pipeline.plan import safety
from pipeline.plan.apply_run import apply_many
from pipeline.plan.compare import plan_differences
from pipeline.plan.execute import ApplyResult
from pipeline.plan.model import Plan
from pipeline.plan.render import render_text
from pipeline.plan.run import PlannedStore, as_plan


def _check_checksum(plan: Plan, checksum: str | None, reviewed: dict[str, Any] | None) -> None:
    if reviewed is not None and not checksum:
        checksum = str(reviewed.get("checksum") or "")
    if not checksum or checksum.strip().lower().removeprefix("sha256:") == plan.checksum:
        return
    what = ""
    if reviewed is not None:
        lines = plan_differences(reviewed, plan.to_json()) or [
            "the plan reads the same, but the Fortnox state it was made from changed (run plan to review it)"]
        what = "\n" + "\n".join(f"  {line}" for line in lines)
    raise UserError(
        f"{safety.KS432_CHECKSUM} Fortnox or the store files changed since the plan was reviewed: "
        f"the reviewed checksum is {checksum}, the plan now is {plan.checksum}. Nothing was changed.{what}",
        "Run `kassasync plan` again, review what it shows, and apply with its new checksum.")


def _reviewed(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the reviewed plan {path}: {exc}",
                        "pass the JSON `kassasync plan --json-out FILE` wrote") from exc
    if not isinstance(doc, dict) or doc.get("format") != 1:
        raise UserError(f"{path} is not a kassasync plan (JSON with \"format\": 1)",
                        "pass the JSON `kassasync plan --json-out FILE` wrote")
    return doc


def _check_safety(planned: list[PlannedStore], force: bool) -> None:
    refused = [r for p in planned if not p.plan.blockers for r in safety.refusals(p.plan, force=force)]
    if refused:
        lines = "\n".join(f"  {r.rule} {r.message}" for r in refused)
        raise UserError(f"apply refuses {len(refused)} change(s) without --force; nothing was changed:\n{lines}",
                        refused[0].fix)


def _confirm(planned: list[PlannedStore], yes: bool) -> None:
    changes = sum(len(p.plan.changes) for p in planned)
    if yes:
        return
    try:
        ok = click.confirm(f"Make these {changes} change(s) in {len(planned)} store(s)' Fortnox?", default=False)
    except click.exceptions.Abort:
        ok = False
    if not ok:
        raise UserError("nothing was changed: apply was not confirmed",
                        "answer y at the question, or pass --yes once the plan is reviewed (CI)")


def _report(results: list[ApplyResult]) -> None:
    for result in results:
        for change in result.done:
            click.echo(f"  {result.store}: {change.symbol} {change.summary}: done")
        if result.failed is not None:
            click.echo(f"  {result.store}: {result.failed.summary}: FAILED: {result.error}", err=True)
            click.echo(f"  {result.store}: stopped there; run plan again to see what is left", err=True)


async def _apply(todo: list[PlannedStore], concurrency: int) -> list[ApplyResult]:
    async with plan_cli.opener_scope(app_context().settings) as opener:
        return await apply_many(todo, opener, concurrency)


@click.command("apply")
@store_options
@click.option("--checksum", metavar="SHA", default=None,
              help="The checksum of the reviewed plan; apply refuses if the plan now differs.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The reviewed plan's JSON (from --json-out): its checksum is used, and on a mismatch apply "
                   "says what differs.")
@click.option("--force", is_flag=True, help="Allow critical changes and changes past the threshold.")
@click.option("--yes", is_flag=True, help="Do not ask before changing Fortnox (CI, after review).")
def apply_command(store_ids: tuple[str, ...], all_stores: bool, concurrency: int, today: datetime | None,
                  checksum: str | None, plan_file: Path | None, force: bool, yes: bool) -> None:
    """Make the changes `plan` shows in each store's Fortnox (after a fresh plan and the safety checks).

    Refuses when --checksum differs from the fresh plan, when a store's plan creates or activates more than
    30 % of its accounts (once it manages 10 or more), and for critical changes (creating a financial year or
    a voucher series, allowing manual bookkeeping on a series) unless --force. Stores with blockers are
    skipped. Exit 0 done, 1 refused, blocked or failed.
    """
    day = today_from(today)
    reviewed = _reviewed(plan_file)
    planned = plan_selected(store_ids, all_stores, day, concurrency)
    plan = as_plan(planned)
    click.echo(render_text(plan, all_stores), nl=False)
    _check_checksum(plan, checksum, reviewed)
    blocked = [p for p in planned if p.plan.blockers]
    todo = [p for p in planned if p.plan.changes and not p.plan.blockers]
    _check_safety(todo, force)
    if not todo:
        click.echo("Nothing to apply." + (f" {len(blocked)} store(s) blocked: fix the blockers above." if blocked
                                          else ""))
        if blocked:
            raise click.exceptions.Exit(1)
        return
    _confirm(todo, yes)
    results = asyncio.run(_apply(todo, concurrency))
    click.echo("Applied:")
    _report(results)
    again = plan_configs([p.config for p in todo], day, concurrency)
    left = [p for p in again if p.plan.changes]
    for p in left:
        click.echo(f"  {p.config.store}: still {len(p.plan.changes)} change(s) pending; run plan to see them",
                   err=True)
    if not left:
        click.echo(f"Plan after apply: clean in {len(todo)} store(s).")
    if blocked or left or any(not r.ok for r in results):
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(apply_command)
