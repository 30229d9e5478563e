"""One tenant's HTTP session to the Fortnox API: throttle, bearer token, retries, and typed errors.

Retry rules: reads (GET) and idempotent writes (PUT) retry timeouts, dropped connections and 5xx with
jittered backoff. A POST is never retried after it may have reached Fortnox: it raises `UncertainOutcome`,
so the runner looks in Fortnox before posting again (there is no idempotency key, §7.6). A 429 or a 401
means Fortnox did not act, so any request waits (429) or gets a new token (401) and goes again.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2

from pipeline.fortnox import errors as fe
from pipeline.fortnox import text
from pipeline.fortnox.auth import TokenProvider
from pipeline.fortnox.errormap import RequestContext, parse_error_body, to_error
from pipeline.fortnox.throttle import RetryPolicy, SlidingWindow

log = logging.getLogger("kassasync.fortnox.http")
Sleep = Callable[[float], Awaitable[None]]
Json = dict[str, Any]


class ApiSession:
    def __init__(self, http: httpx2.AsyncClient, api_url: str, auth: TokenProvider, throttle: SlidingWindow,
                 *, store: str | None = None, policy: RetryPolicy | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.http, self.api_url, self.auth, self.throttle = http, api_url.rstrip("/"), auth, throttle
        self.store, self.policy, self._sleep = store, policy or RetryPolicy(), sleep

    async def call(self, method: str, path: str, ctx: RequestContext, *, params: dict[str, Any] | None = None,
                   body: Json | None = None) -> Json:
        """One API call with the retry rules above; returns the parsed JSON body (empty dict for 204)."""
        retry_unsafe = method == "POST"
        failures = rate_limited = unauthorized = 0
        while True:
            await self.throttle.acquire()
            token = await self.auth.access_token(self.http)
            try:
                response = await self._send(method, path, token, params, body)
            except httpx2.TransportError as exc:
                if retry_unsafe and _maybe_sent(exc):
                    raise fe.UncertainOutcome(
                        f"{ctx.store_text}: {ctx.operation}: the connection failed ({type(exc).__name__}) after "
                        "the request may have reached Fortnox", "look in Fortnox before posting again; "
                        "`kassasync sync` does this by itself") from exc
                failures += 1
                if failures >= self.policy.attempts:
                    raise fe.NetworkError(f"{ctx.store_text}: {ctx.operation}: cannot reach Fortnox "
                                          f"({type(exc).__name__})", "check the network and FORTNOX_API_URL; "
                                          "the next run tries again") from exc
                await self._sleep(self.policy.backoff(failures))
                continue
            status = response.status_code
            if status < 300:
                return _body(response)
            if status == 429:
                rate_limited += 1
                if rate_limited > self.policy.rate_limit_attempts:
                    raise to_error(status, parse_error_body(response.text), ctx)
                wait = self.policy.rate_limit_backoff(rate_limited)
                log.info("%s: Fortnox answered 429; waiting %.1f s", ctx.store_text, wait)
                self.throttle.penalise(wait)
                continue
            if status == 401 and unauthorized == 0:
                unauthorized += 1
                await self.auth.invalidate(token)
                continue
            error = to_error(status, parse_error_body(response.text, response.headers.get("content-type", "")),
                             ctx)
            if status >= 500 and retry_unsafe:
                raise fe.UncertainOutcome(f"{error.message} (the voucher may or may not have been created)",
                                          "look in Fortnox before posting again; `kassasync sync` does this "
                                          "by itself", code=error.code, http_status=status,
                                          fortnox_message=error.fortnox_message)
            if status >= 500:
                failures += 1
                if failures < self.policy.attempts:
                    await self._sleep(self.policy.backoff(failures))
                    continue
            raise error

    async def _send(self, method: str, path: str, token: str, params: dict[str, Any] | None,
                    body: Json | None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            # Every text kassasync sends passes here: Fortnox's character whitelist, once, for every caller.
            content = json.dumps(text.clean_body(body), ensure_ascii=False).encode()
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self.http.request(method, f"{self.api_url}{path}", params=clean, headers=headers,
                                           content=content)
        log.debug("%s %s %s -> HTTP %d", method, path, clean, response.status_code)
        return response


def _maybe_sent(exc: httpx2.TransportError) -> bool:
    """False only when the request surely never left (no connection was made)."""
    return not isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)


def _body(response: httpx2.Response) -> Json:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        data = json.loads(response.text)
    except ValueError:
        raise fe.ServerError(f"Fortnox answered HTTP {response.status_code} with a body that is not JSON",
                             "check FORTNOX_API_URL; if it is right, Fortnox is having trouble") from None
    return data if isinstance(data, dict) else {}
