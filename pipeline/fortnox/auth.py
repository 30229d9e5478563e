"""Access tokens for one tenant: client credentials (service account) or a rotating refresh token.

Refresh-token rule (reference/fortnox-api.md §1.4, §7.1): one refresher per store at a time (a file lock in
the state directory, shared by every process), the store re-read under the lock (another process may have
rotated already), and the new refresh token written durably BEFORE the new access token is used.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol

import httpx2

from pipeline import logs
from pipeline.fortnox import errors as fe
from pipeline.fortnox.errormap import parse_error_body, token_error
from pipeline.fortnox.throttle import RetryPolicy
from pipeline.fortnox.tokenstore import EXPIRY_MARGIN, Credentials, TokenStore, expires_at

log = logging.getLogger("kassasync.fortnox.auth")
Sleep = Callable[[float], Awaitable[None]]


class TokenProvider(Protocol):
    tenant_id: str | None

    async def access_token(self, http: httpx2.AsyncClient) -> str: ...
    async def invalidate(self, token: str) -> None: ...
    def has_token(self) -> bool: ...


class TokenEndpoint:
    """POSTs to `<auth_url>/token` (and `/revoke`) with Basic auth; retries timeouts and 5xx; maps failures
    to typed errors."""

    def __init__(self, auth_url: str, client_id: str, client_secret: str, *, store: str | None = None,
                 policy: RetryPolicy | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.url = f"{auth_url.rstrip('/')}/token"
        self.revoke_url = f"{auth_url.rstrip('/')}/revoke"
        self.client_id, self._secret = client_id, client_secret
        self.store, self.policy, self._sleep = store, policy or RetryPolicy(), sleep
        logs.register_secret(client_secret)

    async def request(self, http: httpx2.AsyncClient, form: dict[str, str],
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
        payload = _json((await self._post(http, self.url, form, headers or {}, form.get("grant_type", ""))).text)
        for key in ("access_token", "refresh_token"):
            logs.register_secret(payload.get(key))
        return payload

    async def revoke(self, http: httpx2.AsyncClient, refresh_token: str) -> None:
        """Revokes a refresh token at Fortnox (`/oauth-v1/revoke`, reference/fortnox-api.md §1.1). A dead
        token raises ReconsentRequired (Fortnox's invalid_grant), a wrong client InvalidClient."""
        await self._post(http, self.revoke_url, {"token_type_hint": "refresh_token", "token": refresh_token}, {},
                         "revoke")

    async def _post(self, http: httpx2.AsyncClient, url: str, form: dict[str, str], headers: dict[str, str],
                    grant: str) -> httpx2.Response:
        """The 200 answer (a token answer must carry an access token); transient failures are retried."""
        last: fe.FortnoxError | None = None
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                await self._sleep(self.policy.backoff(attempt - 1))
            try:
                response = await http.post(url, data=form, headers=headers,
                                           auth=httpx2.BasicAuth(self.client_id, self._secret))
            except httpx2.TransportError as exc:
                last = fe.NetworkError(f"store {self.store}: cannot reach the Fortnox token service "
                                       f"({type(exc).__name__})", "check the network; the next run tries again")
                log.debug("token call %s failed: %s (attempt %d)", grant, type(exc).__name__, attempt)
                continue
            log.debug("token call %s -> HTTP %d", grant, response.status_code)
            if response.status_code == 200 and (grant == "revoke" or _json(response.text).get("access_token")):
                return response
            error = token_error(response.status_code, parse_error_body(response.text,
                                response.headers.get("content-type", "")), self.store, grant)
            if not isinstance(error, fe.ServerError) and response.status_code != 429:
                raise error
            last = error
        assert last is not None
        raise last


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_cc_cache: dict[tuple[str, str, str], tuple[str, float]] = {}
_cc_lock = threading.Lock()


class ClientCredentialsAuth:
    """Service account: a token per tenant with the TenantId header, cached until shortly before it expires.

    The cache lives in the process and, encrypted, in the token store (when one is given and has a key), so
    a run shortly after another needs no token call. No refresh token exists.
    """

    def __init__(self, endpoint: TokenEndpoint, tenant_id: str, *, tokens: TokenStore | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoint, self._clock, self._tokens = endpoint, clock, tokens
        self.tenant_id: str | None = tenant_id
        self._key = (endpoint.url, endpoint.client_id, tenant_id)
        # the file name says nothing about the tenant or the integration
        self.cache_name = "cc-" + hashlib.sha256("|".join(self._key).encode()).hexdigest()[:32]

    def has_token(self) -> bool:
        """Whether a usable access token is at hand (in the process or the token store): no call needed."""
        return self._cached() is not None

    def _cached(self) -> str | None:
        with _cc_lock:
            cached = _cc_cache.get(self._key)
        if cached is None and self._tokens is not None:
            cached = self._tokens.load_access(self.cache_name)
            if cached is not None:
                with _cc_lock:
                    _cc_cache.setdefault(self._key, cached)
        if cached and cached[1] - EXPIRY_MARGIN > self._clock():
            return cached[0]
        return None

    async def access_token(self, http: httpx2.AsyncClient) -> str:
        cached = self._cached()
        if cached is not None:
            return cached
        payload = await self.endpoint.request(http, {"grant_type": "client_credentials"},
                                              {"TenantId": self._key[2]})
        entry = (str(payload["access_token"]), expires_at(payload, self._clock()))
        with _cc_lock:
            _cc_cache[self._key] = entry
        if self._tokens is not None:
            self._tokens.save_access(self.cache_name, *entry)
        return entry[0]

    async def invalidate(self, token: str) -> None:
        with _cc_lock:
            if _cc_cache.get(self._key, ("",))[0] == token:
                del _cc_cache[self._key]
        if self._tokens is not None:
            self._tokens.forget_access(self.cache_name)


class RefreshTokenAuth:
    """A store connected with a rotating refresh token, shared safely by any number of processes."""

    def __init__(self, endpoint: TokenEndpoint, tokens: TokenStore, store: str, *,
                 clock: Callable[[], float] = time.time, saved: Credentials | None = None) -> None:
        """`saved`: the store's credentials when the caller has just loaded them (else they are read here)."""
        self.endpoint, self.tokens, self.store, self._clock = endpoint, tokens, store, clock
        self._current: Credentials | None = saved if saved is not None else tokens.load(store)
        self.tenant_id = self._current.tenant_id if self._current else None
        self._stale: str | None = None  # an access token Fortnox refused (401): never hand it out again

    def has_token(self) -> bool:
        """Whether the saved access token is still good: no refresh needed."""
        creds = self._current
        return bool(creds and not creds.needs_reconsent and creds.access_valid(self._clock())
                    and creds.access_token != self._stale)

    async def access_token(self, http: httpx2.AsyncClient) -> str:
        if self.has_token():
            return str(self._current.access_token)  # type: ignore[union-attr]
        return await self.refresh(http, stale_token=self._stale)

    async def refresh(self, http: httpx2.AsyncClient, *, stale_token: str | None = None) -> str:
        """A working access token: rotates the refresh token under the store's lock, unless another process
        just did (then its new access token is used)."""
        async with self.tokens.locked_async(self.store):
            creds = self._load_usable()
            if creds.access_valid(self._clock()) and creds.access_token != stale_token:
                log.debug("store %s: another process already refreshed; using its token", self.store)
                return str(creds.access_token)
            return str((await self._rotate(http, creds)).access_token)

    async def rotate_if_older(self, http: httpx2.AsyncClient, max_age: float) -> bool:
        """Rotates when the refresh token is older than `max_age` seconds (keeps idle stores alive, §7.2)."""
        async with self.tokens.locked_async(self.store):
            creds = self._load_usable()
            if self._clock() - creds.refreshed_at < max_age:
                return False
            await self._rotate(http, creds)
            return True

    def _load_usable(self) -> Credentials:
        """The store's credentials as on disk now (the caller holds the lock), or ReconsentRequired."""
        creds = self.tokens.load(self.store)
        connect = f"run `kassasync connect --store {self.store}`"
        if creds is None:
            raise fe.ReconsentRequired(f"store {self.store} has no saved Fortnox credentials", connect)
        self._current = creds
        if creds.needs_reconsent:
            raise fe.ReconsentRequired(f"store {self.store} needs a new consent: {creds.reconsent_reason}",
                                       f"the token was revoked: {connect} again")
        if not creds.refresh_token:
            raise fe.ReconsentRequired(f"store {self.store} holds no refresh token", connect)
        return creds

    async def _rotate(self, http: httpx2.AsyncClient, creds: Credentials) -> Credentials:
        try:
            payload = await self.endpoint.request(
                http, {"grant_type": "refresh_token", "refresh_token": str(creds.refresh_token)})
        except fe.ReconsentRequired as exc:
            # Keep the (dead) token: we read it under the lock, so it was the newest; a person must act now.
            self.tokens.save(replace(creds, needs_reconsent=True, access_token=None,
                                     reconsent_reason=exc.message))
            log.warning("store %s needs re-consent: %s", self.store, exc.message)
            raise
        updated = creds.with_tokens(payload, self._clock())
        # Durably first: if the process dies after this line, the file holds the only valid refresh token.
        self.tokens.save(updated)
        self.after_save(updated)
        self._current = updated
        log.info("store %s: refresh token rotated", self.store)
        return updated

    def after_save(self, creds: Credentials) -> None:
        """Called right after a rotated token is saved and before it is used (tests crash the process here)."""

    async def invalidate(self, token: str) -> None:
        self._stale = token
