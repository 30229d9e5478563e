"""One HTTP client and connection pool for every store's Fortnox client in a run.

A client per store costs its set-up in CPU per store; a pool per store, a connection (or TLS set-up) each.
The transport is httpx2's own: at Fortnox's latency (100-300 ms a request) the pool's CPU does not show in a
run's wall time (docs/benchmarks.md, issue 15).
"""
from __future__ import annotations

import functools
import ssl
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx2

from pipeline.fortnox.factory import TIMEOUT


def shared_http_client(max_connections: int = 200) -> httpx2.AsyncClient:
    """The run's HTTP client. Cookies are refused: the stores are different tenants, and Fortnox authenticates
    by bearer token alone, so nothing one tenant's answer sets may travel with another tenant's request."""
    limits = httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    transport = httpx2.AsyncHTTPTransport(verify=tls_context(), limits=limits)
    return httpx2.AsyncClient(transport=transport, timeout=TIMEOUT,
                              cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings with the CA bundle loaded (tens of milliseconds): once per process."""
    return httpx2.create_ssl_context()
