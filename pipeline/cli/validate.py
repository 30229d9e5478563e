"""`kassasync validate [PATH...]`: check store files and print every diagnostic (text, json or github)."""
from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.context import app_context
from pipeline.config import validate_paths
from pipeline.diagnostics import Diagnostic, render_json


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json (versioned) for scripts, github for workflow annotations.")
def validate_command(paths: tuple[Path, ...], output_format: str) -> None:
    """Check store files (default: the stores directory); exit 1 when any file has an error."""
    context = app_context()
    targets = list(paths) or [context.settings.stores_dir]
    diagnostics = validate_paths(targets)
    errors = sum(1 for d in diagnostics if d.is_error)
    if output_format == "json":
        click.echo(render_json(diagnostics, paths=[str(p) for p in targets]))
    else:
        for diagnostic in diagnostics:
            click.echo(diagnostic.render_github() if output_format == "github" else diagnostic.render())
        if not context.quiet or errors:
            click.echo(_summary(diagnostics, errors), err=output_format == "github")
    if errors:
        raise click.exceptions.Exit(1)


def _summary(diagnostics: list[Diagnostic], errors: int) -> str:
    warnings = len(diagnostics) - errors
    files = len({d.location.path for d in diagnostics})
    if not diagnostics:
        return "all store files are valid"
    return f"{errors} error(s), {warnings} warning(s) in {files} file(s)"


def register(group: click.Group) -> None:
    group.add_command(validate_command)
