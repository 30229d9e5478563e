"""`kassasync report --out DIR`: the static HTML status page (index.html, readable without a server)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from pipeline.cli.context import app_context, today_from, today_option
from pipeline.cli.status import now_utc, plan_option
from pipeline.report.collect import collect_status
from pipeline.report.site import write_site


@click.command("report")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write index.html (and status.json) into; created if needed.")
@click.option("--store", "store_ids", multiple=True, metavar="ID", help="Only this store (repeatable).")
@click.option("--days", type=click.IntRange(1, 92), default=14, show_default=True,
              help="How many days (ending today) the grid shows.")
@plan_option
@today_option
def report_command(out_dir: Path, store_ids: tuple[str, ...], days: int, plan_path: Path | None,
                   today: datetime | None) -> None:
    """Write a self-contained HTML status page: a grid of stores by day, and every failure with its fix."""
    context = app_context()
    model = collect_status(context.settings, today_from(today), store_ids=store_ids, window=days,
                           plan_path=plan_path, generated_at=now_utc())
    page = write_site(model, out_dir)
    if not context.quiet:
        totals = model.totals()
        click.echo(f"wrote {page} ({totals['stores']} stores, {totals['attention']} need attention)")


def register(group: click.Group) -> None:
    group.add_command(report_command)
