"""`kassasync tokens refresh|status`: keep saved Fortnox credentials alive and show their state."""
from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import click

from pipeline.cli.context import app_context
from pipeline.errors import UserError
from pipeline.fortnox.maintenance import parse_age, refresh_stores
from pipeline.fortnox.tokenstore import SERVICE, TokenStore


def register(group: click.Group) -> None:
    @group.group("tokens")
    def tokens() -> None:
        """Saved Fortnox credentials (the encrypted token store in the state directory)."""

    @tokens.command("refresh")
    @click.option("--older-than", "older_than", default="30d", show_default=True,
                  help="Rotate refresh tokens last rotated longer ago than this (30d, 12h, 0s = all).")
    @click.option("--store", "store_ids", multiple=True, help="Only this store (repeatable).")
    def refresh(older_than: str, store_ids: tuple[str, ...]) -> None:
        """Rotate idle refresh tokens so no store loses access after 45 idle days."""
        settings = app_context().settings
        outcomes = asyncio.run(refresh_stores(settings, parse_age(older_than), list(store_ids) or None))
        if not outcomes:
            click.echo("no saved credentials: nothing to refresh")
        for outcome in outcomes:
            click.echo(f"{outcome.store}: {outcome.status}" + (f" ({outcome.detail})" if outcome.detail else ""))
        failed = [o for o in outcomes if not o.ok]
        if failed:
            raise UserError(f"{len(failed)} of {len(outcomes)} stores could not be refreshed: "
                            + ", ".join(o.store for o in failed),
                            "the other stores were refreshed; follow each store's message above")

    @tokens.command("status")
    def status() -> None:
        """Which stores hold credentials, of what kind, and when each refresh token was last rotated."""
        settings = app_context().settings
        store = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
        names = store.stores()
        if not names:
            click.echo("no saved credentials")
        for name in names:
            creds = store.load(name)
            if creds is None:
                continue
            when = datetime.fromtimestamp(creds.refreshed_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
            age = (time.time() - creds.refreshed_at) / 86400
            state = "NEEDS RE-CONSENT" if creds.needs_reconsent else "ok"
            kind = "service account" if creds.kind == SERVICE else f"refresh token, rotated {when} ({age:.0f} d)"
            click.echo(f"{name}: tenant {creds.tenant_id}, {kind}, {state}")
