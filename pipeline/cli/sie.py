"""`kassasync sie`: the SIE command group, with `sie inspect FILE... [--json]` (sie map is added by its own module)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from pipeline.cli.main import EXIT_OK, EXIT_USER_ERROR
from pipeline.sie.summary import inspect_file, render_text


@click.group("sie")
def sie() -> None:
    """Read SIE files (the daily files the point-of-sale system writes)."""


@sie.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object {"format": 1, "files": [...]}.')
@click.option("--strict", is_flag=True,
              help="Treat survivable problems (#FLAGGA 1, unbalanced vouchers, ...) as errors.")
@click.pass_context
def inspect(ctx: click.Context, files: tuple[Path, ...], as_json: bool, strict: bool) -> None:
    """Read each FILE and summarise it: encoding, program, SIE type, company, vouchers, checksum, problems.

    Exits 0 when every file was read, 1 when any file was rejected.
    """
    policy = "strict" if strict else "lenient"
    entries = [inspect_file(path, policy) for path in files]  # streamed: bounded memory for any file size
    if as_json:
        click.echo(json.dumps({"format": 1, "files": entries}, ensure_ascii=False, indent=2))
    else:
        for i, entry in enumerate(entries):
            if i:
                click.echo("")
            click.echo("\n".join(render_text(entry)))
    ctx.exit(EXIT_USER_ERROR if any(e["rejected"] for e in entries) else EXIT_OK)  # 1: a file was rejected


def register(group: click.Group) -> None:
    group.add_command(sie)
