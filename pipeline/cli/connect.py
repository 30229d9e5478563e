"""`kassasync connect --store ID [--service-account]`: onboard a store to Fortnox in one command."""
from __future__ import annotations

import asyncio
import logging
import webbrowser
from pathlib import Path
from typing import Any

import click
import httpx2
import yaml

from pipeline.cli.context import app_context
from pipeline.config import load_store
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox.auth import ClientCredentialsAuth
from pipeline.fortnox.factory import TIMEOUT, client_endpoint
from pipeline.fortnox.onboarding import (
    Connected,
    LoopbackReceiver,
    authorize_url,
    code_from_redirect,
    exchange_and_save,
    new_state,
    required_scopes,
)
from pipeline.fortnox.tokenstore import TokenStore
from pipeline.settings import Settings
from pipeline.store_ids import checked_store_id

log = logging.getLogger("kassasync.cli.connect")
DEFAULT_PORT = 8400


def load_store_for_connect(settings: Settings, store_id: str) -> StoreConfig | None:
    """The store's config when its file loads; connect still works without a valid one (then default scopes)."""
    path = settings.stores_dir / f"{store_id}.yaml"
    if not path.exists():
        return None
    try:
        store, _diagnostics = load_store(path)
    except Exception as exc:  # noqa: BLE001 - connect must not depend on the store file being valid yet
        log.debug("store file %s did not load: %s", path, exc)
        store = None
    return store or _minimal_store(path, store_id)


def _minimal_store(path: Path, store_id: str) -> StoreConfig | None:
    try:
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(doc, dict):
        return None
    fortnox: dict[str, Any] = doc["fortnox"] if isinstance(doc.get("fortnox"), dict) else {}
    return StoreConfig(store=store_id, name=str(doc.get("name") or store_id),
                       org_number=str(doc.get("org_number") or ""), start_date=doc.get("start_date") or None,  # type: ignore[arg-type]
                       voucher_series=str(fortnox.get("voucher_series") or ""),
                       tenant_id=None if fortnox.get("tenant_id") is None else str(fortnox.get("tenant_id")),
                       invoice_sync=bool(doc.get("invoice_sync", False)), path=path)


async def _connect(settings: Settings, store_id: str, store: StoreConfig | None, service_account: bool,
                   port: int, timeout: float, open_browser: bool,
                   transport: httpx2.AsyncBaseTransport | None = None) -> Connected:
    endpoint = client_endpoint(settings, store_id)
    tokens = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
    if not tokens.can_encrypt and not service_account:  # say so before the browser, not after
        raise UserError("a refresh-token store needs KASSASYNC_SECRET_KEY to encrypt its tokens",
                        "set KASSASYNC_SECRET_KEY, or use --service-account (recommended for fleets)")
    state = new_state()
    with LoopbackReceiver(port) as receiver:
        url = authorize_url(settings.auth_url, endpoint.client_id, receiver.redirect_uri,
                            required_scopes(store), state, service_account=service_account)
        click.echo("Open this address in a browser and approve kassasync"
                   + (" (a system administrator must approve a service account)" if service_account else "")
                   + ":", err=True)
        click.echo(f"  {url}", err=True)
        if open_browser:
            webbrowser.open(url)
        redirect = await asyncio.to_thread(receiver.wait, timeout)
    code = code_from_redirect(redirect, state)
    async with httpx2.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        connected = await exchange_and_save(http, endpoint, settings.api_url, tokens, store_id, code,
                                            receiver.redirect_uri, service_account=service_account)
        if service_account:  # prove that later runs will get tokens without any refresh token
            await ClientCredentialsAuth(endpoint, str(connected.credentials.tenant_id)).access_token(http)
    return connected


def register(group: click.Group) -> None:
    @group.command("connect")
    @click.option("--store", "store_id", required=True, help="Store id (the store file's name without .yaml).")
    @click.option("--service-account", is_flag=True,
                  help="Consent as a service account: later runs use client credentials, no refresh token.")
    @click.option("--port", type=int, default=DEFAULT_PORT, show_default=True,
                  help="Loopback port for Fortnox's redirect; register http://127.0.0.1:PORT/callback as the "
                       "integration's redirect URI (0 = any free port, for the sandbox).")
    @click.option("--timeout", type=float, default=600.0, show_default=True,
                  help="Seconds to wait for the approval in the browser.")
    @click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
    def connect(store_id: str, service_account: bool, port: int, timeout: float, no_browser: bool) -> None:
        """Connect a store to its Fortnox company and print the tenant_id line for its store file."""
        store_id = checked_store_id(store_id)
        settings = app_context().settings
        store = load_store_for_connect(settings, store_id)
        connected = asyncio.run(_connect(settings, store_id, store, service_account, port, timeout,
                                         not no_browser))
        creds = connected.credentials
        click.echo(f"Connected store {store_id} to {connected.company_name} ({connected.organization_number}), "
                   f"tenant {creds.tenant_id}, "
                   + ("service account: runs use client credentials." if service_account
                      else "refresh token saved (keep it alive with `kassasync tokens refresh`)."))
        if store and store.org_number and connected.organization_number \
                and store.org_number != connected.organization_number:
            click.echo(f"warning: the store file says org_number {store.org_number}, but Fortnox says "
                       f"{connected.organization_number}: check that you approved the right company", err=True)
        where = store.path if store and store.path else settings.stores_dir / f"{store_id}.yaml"
        click.echo(f"Put this line under fortnox: in {where}:")
        click.echo(f'  tenant_id: "{creds.tenant_id}"')
