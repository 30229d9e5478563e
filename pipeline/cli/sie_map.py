"""`kassasync sie map --store ID FILE...`: a dry run of the mapping: the vouchers that would be posted, and findings."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.cli.context import app_context, today_from, today_option

if TYPE_CHECKING:
    from pipeline.config.model import StoreConfig


@click.command("map")
@click.option("--store", "store_id", required=True, metavar="ID", help="The store whose mapping to use.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Versioned JSON instead of text.")
@today_option
def map_command(store_id: str, files: tuple[Path, ...], as_json: bool, today: datetime | None) -> None:
    """Show the Fortnox vouchers FILE(s) would become for a store, and every finding (posts nothing).

    Exit 1 when a file cannot be read, belongs to another company (#ORGNR, KS314) or a voucher has an
    error finding.
    """
    from pipeline.config import get_store
    from pipeline.runner.dayfile import org_owners
    from pipeline.runner.preview import preview_file  # the ledger layer: imported only when `sie map` runs

    stores_dir = app_context().settings.stores_dir
    config = get_store(stores_dir, store_id)
    day = today_from(today)
    owner = org_owners(None, stores_dir)
    reports = [preview_file(config, path, day, owner=owner) for path in files]
    failed = any(r["rejected"] or any(v["errors"] for v in r["vouchers"]) for r in reports)
    if as_json:
        click.echo(json.dumps({"format": 1, "store": config.store, "ok": not failed, "files": reports},
                              ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_text(config, r) for r in reports), nl=False)
    if failed:
        raise click.exceptions.Exit(1)


def _text(config: StoreConfig, report: dict[str, Any]) -> str:
    if report["rejected"]:
        what = "cannot be read" if report["code"] == "KS311" else f"is not store {config.store}'s own"
        return f"{report['path']}: {what}; sync would quarantine it, never post it\n{report['reason']}\n"
    lines = [f"{report['path']}: {len(report['vouchers'])} voucher(s) for store {config.store}"]
    lines += ["  " + f["rendered"].replace("\n", "\n  ") for f in report["findings"]]
    for item in report["vouchers"]:
        voucher = item["voucher"]
        head = f"  {item['business_date']} #VER {item['ver_id'].lstrip(':')}: "
        if voucher:
            lines.append(head + f"would post to series {voucher['voucher_series']}: \"{voucher['description']}\"")
            lines.append(f"    {'account':>7}  {'debit':>12}  {'credit':>12}  cost center")
            for row in voucher["rows"]:
                debit = row["debit"] if row["debit"] not in ("0", "0.00") else ""
                credit = row["credit"] if row["credit"] not in ("0", "0.00") else ""
                lines.append(f"    {row['account']:>7}  {debit:>12}  {credit:>12}  {row['cost_center'] or ''}")
            lines.append(f"    {'total':>7}  {voucher['total']:>12}  {voucher['total']:>12}")
        else:
            lines.append(head + ("skipped" if item["outcome"] == "skip" else "NOT posted"))
        lines += ["    " + f["rendered"].replace("\n", "\n    ") for f in item["findings"]]
    return "\n".join(lines) + "\n"


def register(group: click.Group) -> None:
    sie = group.commands.get("sie")
    if isinstance(sie, click.Group):
        sie.add_command(map_command)
    else:  # the sie group is missing: still offer the command, under its own group
        fallback = click.Group("sie", help="SIE files: inspect and map.")
        fallback.add_command(map_command)
        group.add_command(fallback)
