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
    """The pool's network backend answers "did the server close it?" itself: a connection the server closed
    after its answer (without saying so) must be dropped, and the next request goes on a new one."""
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


def test_server_closed_reads_the_socket_state() -> None:
    import socket

    from pipeline.runner.http import server_closed

    ours, theirs = socket.socketpair()
    try:
        assert not server_closed(ours)
        theirs.close()
        assert server_closed(ours)
    finally:
        ours.close()
    assert server_closed(ours)  # closed on this side too: not usable
    assert server_closed(None)


def test_the_shared_pool_uses_the_socket_keeping_backend() -> None:
    from pipeline.runner import http as runner_http

    async def backend() -> object:
        async with shared_http_client(max_connections=2) as http:
            return http._transport._pool._network_backend  # type: ignore[attr-defined]

    assert isinstance(asyncio.run(backend()), runner_http._Backend)


class _Recorder:
    """A network stream that records what is sent (and can fail the send)."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[bytes] = []
        self.fail = fail

    def get_extra_info(self, info: str) -> object:
        return None

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if self.fail:
            import httpcore2

            raise httpcore2.WriteError("connection reset")
        self.sent.append(buffer)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return b"HTTP/1.1 200 OK\r\n"

    async def aclose(self) -> None:
        pass


def test_a_request_leaves_in_one_send_and_a_failed_send_is_still_a_write_error() -> None:
    import httpcore2
    import pytest

    from pipeline.runner.http import _Stream

    async def go(inner: _Recorder) -> bytes:
        stream = _Stream(inner)  # type: ignore[arg-type]
        await stream.write(b"POST /3/vouchers HTTP/1.1\r\nContent-Length: 2\r\n\r\n")
        await stream.write(b"{}")
        await stream.write(b"")
        assert inner.sent == []  # held until the answer is read
        answer = await stream.read(100)
        assert await stream.read(100) == answer  # nothing more to send
        return answer

    inner = _Recorder()
    assert asyncio.run(go(inner)) == b"HTTP/1.1 200 OK\r\n"
    assert inner.sent == [b"POST /3/vouchers HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"]
    with pytest.raises(httpcore2.WriteError):
        asyncio.run(go(_Recorder(fail=True)))
