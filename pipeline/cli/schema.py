"""`kassasync schema`: print the store file JSON Schema (the packaged one; `make schema` copies it to schemas/)."""
from __future__ import annotations

import click

from pipeline.config.schema import schema_text


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft-07) of store files, for editors and other tools."""
    click.echo(schema_text(), nl=False)


def register(group: click.Group) -> None:
    group.add_command(schema_command)
