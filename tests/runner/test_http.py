"""The run's shared HTTP client: one pool for every store, and no cookies carried from one tenant to another."""
from __future__ import annotations

import asyncio

import httpx2

from pipeline.runner.http import shared_http_client


def test_the_shared_client_keeps_no_cookies() -> None:
    async def go() -> int:
        async with shared_http_client(max_connections=4) as http:
            request = httpx2.Request("GET", "https://api.fortnox.se/3/vouchers")
            http.cookies.extract_cookies(httpx2.Response(200, headers={"set-cookie": "session=tenant-a; Path=/"},
                                                         request=request))
            return len(http.cookies.jar)

    assert asyncio.run(go()) == 0
