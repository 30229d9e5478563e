"""`kassasync pos-sheet --store ID`: what to enter in the POS, rendered from pipeline/templates/pos_sheet.txt.j2."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import jinja2

from pipeline.cli.context import app_context
from pipeline.config import get_store
from pipeline.config.pos_sheet import sheet_context


def render_pos_sheet(stores_dir: Path, store_id: str, on: date) -> str:
    """The sheet for one store as text (raises UserError when the store file is missing or invalid)."""
    config = get_store(stores_dir, store_id)
    # Package data, like the plan's and the report's templates: found in a wheel as in the checkout.
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline", "templates"), trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True)
    return env.get_template("pos_sheet.txt.j2").render(sheet_context(config, on))


@click.command("pos-sheet")
@click.option("--store", "store_id", required=True, help="Store id (the file name stores/<ID>.yaml without .yaml).")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Show the article group rows in force on this day (default today).")
def pos_sheet_command(store_id: str, on: object) -> None:
    """Print what the store must enter in the POS: Kontoplan, article groups, payment methods, invoice sync."""
    day = on.date() if hasattr(on, "date") else date.today()
    click.echo(render_pos_sheet(app_context().settings.stores_dir, store_id, day), nl=False)


def register(group: click.Group) -> None:
    group.add_command(pos_sheet_command)
