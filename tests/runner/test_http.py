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


def test_an_idle_connection_the_server_closed_is_not_used_again() -> None:
    """A connection the server closed after its answer (without saying so) must be dropped, and the next
    request goes on a new one."""
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # keep-alive was not refused, yet the connection ends here

    async def go() -> list[int]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, shared_http_client(max_connections=4) as http:
            codes = []
            for _ in range(3):
                codes.append((await http.get(f"http://127.0.0.1:{port}/")).status_code)
                await asyncio.sleep(0.05)  # the close reaches this side
            return codes

    assert asyncio.run(go()) == [200, 200, 200]
    assert connections == 3
