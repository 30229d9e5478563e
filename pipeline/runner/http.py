"""One HTTP connection pool for every store's client in a run (creating one per store costs a TLS set-up each)."""
from __future__ import annotations

import httpx2


class SharedTransport(httpx2.AsyncBaseTransport):
    """A view of one transport that a store's client may close without closing it for the other stores."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:  # the run closes the real transport once, at the end
        return None


def pooled_transport(max_connections: int = 200) -> httpx2.AsyncHTTPTransport:
    return httpx2.AsyncHTTPTransport(limits=httpx2.Limits(max_connections=max_connections,
                                                          max_keepalive_connections=max_connections))
