"""One HTTP client and connection pool for every store's Fortnox client in a run.

A client per store costs its set-up in CPU per store; a pool per store, a connection (or TLS set-up) each.

The pool asks every idle connection whether the server closed it, each time a request starts or ends. The
stock network stream answers that by building anyio's table of socket attributes, a `getpeername` system
call included, per connection per question: with a dozen or more idle connections that was a fifth of the
event loop's time in a 500-store run (py-spy). `_Backend` keeps each connection's socket at hand and asks it
directly (one `poll`).
"""
from __future__ import annotations

import functools
import select
import socket
import ssl
from collections.abc import Iterable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpcore2
import httpx2

from pipeline.fortnox.factory import TIMEOUT

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


def shared_http_client(max_connections: int = 200) -> httpx2.AsyncClient:
    """The run's HTTP client. Cookies are refused: the stores are different tenants, and Fortnox authenticates
    by bearer token alone, so nothing one tenant's answer sets may travel with another tenant's request."""
    limits = httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    tls = tls_context()
    transport = httpx2.AsyncHTTPTransport(verify=tls, limits=limits)
    if hasattr(transport, "_pool"):  # httpx2 builds its pool inside; the same pool, with our network backend
        transport._pool = httpcore2.AsyncConnectionPool(
            ssl_context=tls, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend())
    return httpx2.AsyncClient(transport=transport, timeout=TIMEOUT,
                              cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings with the CA bundle loaded (tens of milliseconds): once per process."""
    return httpx2.create_ssl_context()


def server_closed(sock: socket.socket | None) -> bool:
    """Whether an idle connection's socket has something to read: for HTTP/1.1 between requests, only the
    end of the stream (the server closed it) or garbage, so the connection must not be used again."""
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore2.AsyncNetworkStream):
    """anyio's stream with its socket kept, so the pool's "did the server close it?" costs one poll.

    Writes are held until the connection next reads (or starts TLS): HTTP/1.1 writes the whole request, head
    and body apart, before it reads the answer, so the request leaves in one send instead of two. A failed
    send still raises the write error it raised before (now from the read), so "was it sent?" is unchanged.
    """

    def __init__(self, inner: httpcore2.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")
        self._unsent: list[bytes] = []
        self._write_timeout: float | None = None

    async def _send(self) -> None:
        if self._unsent:
            data = b"".join(self._unsent)
            self._unsent.clear()
            await self._inner.write(data, self._write_timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._send()
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._unsent.append(buffer)
            self._write_timeout = timeout

    async def aclose(self) -> None:
        self._unsent.clear()  # a request given up before its answer was read: nothing more goes out
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore2.AsyncNetworkStream:
        await self._send()
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return server_closed(self._socket)
        if info == "socket":
            return self._socket
        return self._inner.get_extra_info(info)


class _Backend(httpcore2.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[SocketOption] | None = None) -> httpcore2.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[SocketOption] | None = None) -> httpcore2.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
