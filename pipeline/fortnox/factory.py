"""open_client: the one way other stages get a store's FortnoxClient (credentials, throttle, HTTP set up)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox.auth import ClientCredentialsAuth, RefreshTokenAuth, TokenEndpoint, TokenProvider
from pipeline.fortnox.client import FortnoxClient
from pipeline.fortnox.throttle import RetryPolicy, throttle_for
from pipeline.fortnox.tokenstore import REFRESH, TokenStore
from pipeline.settings import Settings

TIMEOUT = httpx2.Timeout(30.0, connect=10.0)


def client_endpoint(settings: Settings, store: str | None, policy: RetryPolicy | None = None,
                    **options: Any) -> TokenEndpoint:
    """The token endpoint with the integration's client id and secret, or a UserError saying what to set."""
    if not settings.client_id or not settings.client_secret:
        raise UserError(f"store {store}: no Fortnox client credentials are configured",
                        "set FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET (the integration's id and secret "
                        "from the Fortnox developer portal; the sandbox uses kassasync-demo / kassasync-demo-secret)")
    return TokenEndpoint(settings.auth_url, settings.client_id, settings.client_secret, store=store, policy=policy,
                         **options)


def token_provider(settings: Settings, store: StoreConfig, policy: RetryPolicy | None = None) -> TokenProvider:
    """Refresh-token flow when `connect` saved one for the store; otherwise client credentials (the fleet default)."""
    tokens = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
    endpoint = client_endpoint(settings, store.store, policy)
    saved = tokens.load(store.store)
    if saved and saved.tenant_id and store.tenant_id and str(store.tenant_id) != saved.tenant_id:
        # Never post one company's day into another's books because the YAML and the consent disagree.
        raise UserError(f"store {store.store}: the store file says tenant_id {store.tenant_id}, but "
                        f"`connect` approved tenant {saved.tenant_id}",
                        f"fix fortnox.tenant_id in {store.path or 'the store file'}, or run "
                        f"`kassasync connect --store {store.store}` again for the right company")
    if saved is not None and saved.kind == REFRESH:
        return RefreshTokenAuth(endpoint, tokens, store.store, saved=saved)
    tenant_id = store.tenant_id or (saved.tenant_id if saved else None)
    if not tenant_id:
        raise UserError(f"store {store.store} has no fortnox.tenant_id",
                        f"run `kassasync connect --store {store.store} --service-account` and put the tenant_id "
                        f"line it prints under fortnox: in {store.path or 'the store file'}")
    return ClientCredentialsAuth(endpoint, str(tenant_id), tokens=tokens)


@contextlib.asynccontextmanager
async def open_client(settings: Settings, store: StoreConfig, *, transport: httpx2.AsyncBaseTransport | None = None,
                      policy: RetryPolicy | None = None,
                      http: httpx2.AsyncClient | None = None) -> AsyncIterator[FortnoxClient]:
    """A FortnoxClient for one store, closed on exit. Every client of a tenant shares one throttle.

    `http`: an HTTP client shared by many stores (the runner's, for instance), left open on exit; without it
    the store gets its own, on `transport` when given.
    """
    auth = token_provider(settings, store, policy)
    tenant = str(auth.tenant_id or store.tenant_id or store.store)
    client = FortnoxClient(http or httpx2.AsyncClient(transport=transport, timeout=TIMEOUT), settings.api_url, auth,
                           throttle_for(f"{settings.api_url}|{tenant}"), store=store.store,
                           tenant_id=auth.tenant_id or store.tenant_id, policy=policy, owns_http=http is None)
    try:
        yield client
    finally:
        await client.aclose()

