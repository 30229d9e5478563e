"""`kassasync reconcile`: per store and month, the till's day files, the ledger and Fortnox side by side, account
by account, and every difference with its cause and fix (docs/reconcile.md)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from pipeline.cli.context import app_context, today_from, today_option
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger
from pipeline.reconcile.model import JSON_FORMAT, TITLES, Month, StoreMonth

FORMATS = ("text", "json", "markdown")
EXIT_ONLY_MANUAL = 2


@click.command("reconcile")
@click.option("--store", "store_ids", multiple=True, metavar="ID", help="A store (repeatable).")
@click.option("--all", "all_stores", is_flag=True, help="Every store file in --stores.")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="The month to reconcile.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, markdown for a ticket or a job summary, json (\"format\": 1) for scripts.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 (not 1) when the only differences are vouchers booked by hand.")
@click.option("--include-manual", is_flag=True,
              help="Count vouchers booked by hand in the store's series in Fortnox's figures (they are always listed).")
@click.option("--verify-rows", is_flag=True,
              help="Also read every voucher kassasync posted (one request each) to find one changed in place in "
                   "Fortnox; without it, a voucher's rows are the ones Fortnox answered when it was created.")
@click.option("--pos-report", "pos_report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="The POS's own account report for the month (CSV or SIE), compared as a fourth "
                                   "column (one store only).")
@today_option
def reconcile_command(store_ids: tuple[str, ...], all_stores: bool, month_text: str, fmt: str,
                      detailed_exitcode: bool, include_manual: bool, verify_rows: bool, pos_report: Path | None,
                      today: datetime | None) -> None:
    """Does Fortnox equal the till, to the öre, for each store and month?

    Compares per account the month's Z-reports in the day files (the till), what kassasync posted (the ledger)
    and the vouchers in the store's series in Fortnox now, and lists every difference with its day, cause and
    fix. Exit 0 when every store agrees, 1 on any difference (or a store that could not be reconciled); with
    --detailed-exitcode, 2 when the only differences are vouchers booked by hand.
    """
    from pipeline.cli.ledger import per_store
    from pipeline.plan.inputs import select_stores
    from pipeline.reconcile import reconcile_store_month
    from pipeline.report.collect import open_ledger
    from pipeline.runner.inbox import Inbox

    month, day = Month.parse(month_text), today_from(today)
    if month.first >= day:
        raise UserError(f"{month} has no business day before today ({day}) to reconcile",
                        "give a month that has begun, e.g. last month")
    if store_ids and all_stores:
        raise UserError("--store and --all both given", "choose one: --store ID (repeatable) or --all")
    settings = app_context().settings
    configs = select_stores(settings.stores_dir, store_ids, all_stores=all_stores)
    if pos_report is not None and len(configs) != 1:
        raise UserError("--pos-report is one store's account report", "give it with one --store ID")
    inbox = Inbox(settings.inbox_dir)

    def work(ledger: Ledger, config: StoreConfig, client: FortnoxApi) -> Any:
        return reconcile_store_month(config, ledger, client, inbox, month, today=day, include_manual=include_manual,
                                     verify_rows=verify_rows, pos_report=pos_report)

    outcomes, failed = per_store(settings, open_ledger(settings), configs, "reconciled", work)
    click.echo(render(outcomes, month, fmt, failed=failed, stores=len(configs)), nl=False)
    raise click.exceptions.Exit(exit_code(outcomes, failed, detailed=detailed_exitcode))


def exit_code(outcomes: list[StoreMonth], failed: int, *, detailed: bool) -> int:
    if failed or any(o.differences and not o.only_manual for o in outcomes):
        return 1
    if any(o.only_manual for o in outcomes):
        return EXIT_ONLY_MANUAL if detailed else 1
    return 0


def render(outcomes: list[StoreMonth], month: Month, fmt: str, *, failed: int = 0, stores: int = 0) -> str:
    totals = {"stores": stores or len(outcomes), "reconciled": len(outcomes),
              "agreed": sum(1 for o in outcomes if o.agreed),
              "with_differences": sum(1 for o in outcomes if not o.agreed),
              "only_manual": sum(1 for o in outcomes if o.only_manual), "not_reconciled": failed}
    if fmt == "json":
        return json.dumps({"format": JSON_FORMAT, "month": str(month), "totals": totals,
                           "stores": [o.to_json() for o in outcomes]}, ensure_ascii=False, indent=2) + "\n"
    from pipeline.plan.render import environment

    template = "reconcile.md.j2" if fmt == "markdown" else "reconcile.txt.j2"
    return environment().get_template(template).render(month=str(month), totals=totals, titles=TITLES,
                                                       stores=[_view(o) for o in outcomes])


def _view(outcome: StoreMonth) -> dict[str, Any]:
    data = outcome.to_json()
    data["differing"] = [a for a in data["accounts"] if not a["agrees"]]
    return data


def register(group: click.Group) -> None:
    group.add_command(reconcile_command)
