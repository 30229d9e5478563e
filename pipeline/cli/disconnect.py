"""`kassasync disconnect --store ID [--local-only]`: revoke a store's refresh token at Fortnox, then delete it."""
from __future__ import annotations

import asyncio

import click

from pipeline.cli.context import app_context
from pipeline.store_ids import checked_store_id

_SAID = {
    "revoked": "the refresh token is revoked at Fortnox",
    "already dead": "Fortnox had already ended the refresh token",
    "not revoked": "the refresh token was NOT revoked at Fortnox (--local-only): it works until it expires unused",
    "nothing to revoke": "a service account holds no refresh token; its consent stays in Fortnox until a system "
                         "administrator removes the integration (Inställningar > Hantera integrationer)",
}


def register(group: click.Group) -> None:
    @group.command("disconnect")
    @click.option("--store", "store_id", required=True, help="Store id (the store file's name without .yaml).")
    @click.option("--local-only", is_flag=True,
                  help="Delete the saved credentials without asking Fortnox to revoke them (Fortnox unreachable).")
    def disconnect(store_id: str, local_only: bool) -> None:
        """Revoke a store's Fortnox refresh token, then delete its saved credentials."""
        from pipeline.fortnox.maintenance import (
            disconnect as run,  # the HTTP client only when the command runs
        )

        settings = app_context().settings
        done = asyncio.run(run(settings, checked_store_id(store_id), local_only=local_only))
        click.echo(f"store {done.store}: {_SAID[done.revoked]}.")
        click.echo("deleted: " + (", ".join(done.deleted) if done.deleted else "nothing (no file was left)"))
        # With tenant_id in the store file, a service-account consent still gives runs their tokens.
        click.echo(f"To stop syncing {done.store}, also remove fortnox.tenant_id from its store file; "
                   f"`kassasync connect --store {done.store}` connects it again.")
