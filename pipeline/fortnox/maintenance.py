"""Saved credentials over their life: rotate refresh tokens older than a threshold, store by store, and
disconnect a store (revoke at Fortnox, then delete locally).

A refresh token dies after 45 idle days (reference/fortnox-api.md §7.2), so the scheduled workflow runs
`kassasync tokens refresh --older-than 30d`. One store's failure (e.g. a revoked consent) is reported and
every other store carries on.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx2

from pipeline.errors import UserError
from pipeline.fortnox import errors as fe
from pipeline.fortnox.auth import ClientCredentialsAuth, RefreshTokenAuth
from pipeline.fortnox.factory import TIMEOUT, client_endpoint
from pipeline.fortnox.throttle import RetryPolicy
from pipeline.fortnox.tokenstore import REFRESH, TokenStore
from pipeline.settings import Settings

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> float:
    """'30d', '12h', '90m', '0s' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if not match:
        raise UserError(f"cannot read the age {text!r}", "write a number and a unit: 30d, 12h, 90m, 2w")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Outcome:
    store: str
    status: str  # rotated | fresh | service-account | needs-reconsent | failed
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("rotated", "fresh", "service-account")


async def refresh_stores(settings: Settings, max_age: float, only: list[str] | None = None, *,
                         transport: httpx2.AsyncBaseTransport | None = None,
                         policy: RetryPolicy | None = None) -> list[Outcome]:
    tokens = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
    names = only or tokens.stores()
    outcomes: list[Outcome] = []
    async with httpx2.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        for name in names:
            outcomes.append(await _refresh_one(settings, tokens, http, name, max_age, policy))
    return outcomes


async def _refresh_one(settings: Settings, tokens: TokenStore, http: httpx2.AsyncClient, name: str,
                       max_age: float, policy: RetryPolicy | None) -> Outcome:
    try:
        creds = tokens.load(name)
        if creds is None:
            return Outcome(name, "failed", f"no saved credentials: run `kassasync connect --store {name}`")
        if creds.kind != REFRESH:
            # Nothing to rotate, but asking for a token proves the consent is still there.
            tenant = str(creds.tenant_id)
            await ClientCredentialsAuth(client_endpoint(settings, name, policy), tenant).access_token(http)
            return Outcome(name, "service-account", "client credentials work; nothing to refresh")
        auth = RefreshTokenAuth(client_endpoint(settings, name, policy), tokens, name, saved=creds)
        rotated = await auth.rotate_if_older(http, max_age)
        age_days = (time.time() - (tokens.load(name) or creds).refreshed_at) / 86400
        return Outcome(name, "rotated" if rotated else "fresh",
                       "new refresh token saved" if rotated else f"rotated {age_days:.1f} days ago")
    except fe.ReconsentRequired as exc:
        return Outcome(name, "needs-reconsent", f"{exc.message}; {exc.hint}")
    except UserError as exc:
        return Outcome(name, "failed", f"{exc.message}" + (f"; {exc.hint}" if exc.hint else ""))


@dataclass(frozen=True)
class Disconnected:
    store: str
    kind: str  # REFRESH or SERVICE
    revoked: str  # "revoked" | "already dead" | "not revoked" (--local-only) | "nothing to revoke"
    deleted: list[str]  # the files removed from the token store


async def disconnect(settings: Settings, store: str, *, local_only: bool = False,
                     transport: httpx2.AsyncBaseTransport | None = None,
                     policy: RetryPolicy | None = None) -> Disconnected:
    """Revokes the store's refresh token at Fortnox, then deletes its saved credentials (and any cached access
    token). If Fortnox cannot be reached or refuses the client, nothing is deleted: the token still works,
    and only Fortnox can end it. A service account has no refresh token: its consent ends in Fortnox."""
    tokens = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
    async with tokens.locked_async(store):  # no refresher may rotate the token between reading and revoking
        creds = tokens.load(store)
        if creds is None:
            raise UserError(f"store {store} has no saved Fortnox credentials in {tokens.directory}",
                            "nothing to disconnect here; a service-account store's consent is ended in Fortnox "
                            "(Inställningar > Hantera integrationer)")
        outcome = "nothing to revoke"
        if creds.kind == REFRESH and creds.refresh_token:
            outcome = "not revoked" if local_only else await _revoke(settings, store, creds.refresh_token,
                                                                     transport, policy)
        deleted = tokens.delete_all(store, _access_cache_names(settings, creds.tenant_id))
    return Disconnected(store, creds.kind, outcome, [str(path) for path in deleted])


async def _revoke(settings: Settings, store: str, refresh_token: str,
                  transport: httpx2.AsyncBaseTransport | None, policy: RetryPolicy | None) -> str:
    endpoint = client_endpoint(settings, store, policy)
    async with httpx2.AsyncClient(transport=transport, timeout=TIMEOUT) as http:
        try:
            await endpoint.revoke(http, refresh_token)
        except fe.ReconsentRequired:  # Fortnox says the token is dead already: nothing left to end
            return "already dead"
        except fe.TransientError as exc:
            raise UserError(f"store {store}: {exc.message}; the refresh token was not revoked and is kept",
                            f"run `kassasync disconnect --store {store}` again later, or add --local-only to "
                            "delete it here only (it then works until it expires unused)") from exc
    return "revoked"


def _access_cache_names(settings: Settings, tenant_id: str | None) -> list[str]:
    """The cached client-credentials token of the store's tenant, for this integration (none without both)."""
    if not tenant_id or not settings.client_id or not settings.client_secret:
        return []
    return [ClientCredentialsAuth(client_endpoint(settings, None), str(tenant_id)).cache_name]
