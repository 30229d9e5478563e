"""The sandbox ASGI app: Starlette routes for /3, /oauth-v1 and /_sandbox over one SandboxState."""
from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.fortnox import codes
from pipeline.sandbox import (
    admin,
    admin_vouchers,
    chart,
    customers,
    invoices,
    oauth,
    payments,
    resources,
    vouchers,
)
from pipeline.sandbox.clock import Clock
from pipeline.sandbox.faults import Faults
from pipeline.sandbox.responses import fortnox_error, json_response
from pipeline.sandbox.seed import demo_seed, load_seed
from pipeline.sandbox.seed_apply import apply_seed
from pipeline.sandbox.state import Lifetimes, SandboxState
from pipeline.sandbox.vouchers import ConnectionDropped

log = logging.getLogger("kassasync.sandbox")


class _QuietDrops(logging.Filter):
    """uvicorn logs a traceback for every exception; an injected connection drop is not a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/3"):
        return fortnox_error(codes.NO_SUCH_ROUTE, request.url.path[:200])
    return json_response({"error": "not found", "path": request.url.path[:200]}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    """A method the route does not declare (TRACE, DELETE of a voucher, ...). [U] Fortnox's answer is not
    documented; the sandbox says 405 with the methods that exist in `Allow`, as HTTP asks."""
    if request.url.path.startswith("/3"):  # in Fortnox's error shape, which every client of /3 reads
        response = fortnox_error(codes.NO_SUCH_ROUTE, f"{request.method[:20]} {request.url.path[:200]}", 405)
    else:
        response = json_response({"message": "Method Not Allowed", "method": request.method[:20]}, 405)
    response.headers.update(dict(exc.headers or {}) if isinstance(exc, HTTPException) else {})
    return response


MAX_BODY = 1024 * 1024  # [U] Fortnox's limit is not published; a voucher of 500 rows is about 150 KB


class _TooLarge(Exception):
    pass


class _BodyLimit:
    """Refuses a body over MAX_BODY with 413: at once when Content-Length says so (nothing is read), else as
    soon as the chunks received pass the limit (at most one chunk more is held). The rest of a chunked body is
    then read and dropped, up to DRAIN more bytes, before the answer: a connection closed with the client's
    bytes unread is reset, and a client still sending would see the reset instead of the 413."""

    DRAIN = 4 * MAX_BODY

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _answer_too_large(send)
            return
        received, started, more = 0, False, True

        async def take() -> Message:
            nonlocal received, more
            message = await receive()
            received += len(message.get("body", b""))
            more = message["type"] == "http.request" and message.get("more_body", False)
            return message

        async def limited() -> Message:
            message = await take()
            if received > self.limit:
                raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except _TooLarge:
            if not started:
                while more and received <= self.limit + self.DRAIN:
                    await take()
                await _answer_too_large(send)


async def _answer_too_large(send: Send) -> None:
    body = json.dumps({"message": f"Request Entity Too Large (at most {MAX_BODY} bytes)"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _one_route_per_path(routes: list[Route]) -> list[Route]:
    """Routes of the same path merged into one that dispatches on the method, so that a method no route
    declares gets 405 with every allowed method in `Allow` (Starlette would name only the first route's)."""
    grouped: dict[str, list[Route]] = {}
    for route in routes:
        grouped.setdefault(route.path, []).append(route)
    merged: list[Route] = []
    for path, group in grouped.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        table = {method: route.endpoint for route in group for method in route.methods or ()}

        async def dispatch(request: Request, table: dict[str, Any] = table) -> Response:
            return await table[request.method](request)  # type: ignore[no-any-return]

        merged.append(Route(path, dispatch, methods=sorted(table), name=group[0].name))
    return merged


def open_state(data_dir: Path, seed: dict | Path | None = None, *, clock: Clock | None = None,
               today: date | None = None, fault_seed: int | None = None, lifetimes: Lifetimes | None = None,
               **faults: Any) -> SandboxState:
    """Open (or create) the state under data_dir and seed it: the given seed, else the demo tenant when empty."""
    clock = clock or Clock(today=today)
    fault_settings = Faults()
    fault_settings.update(faults)
    state = SandboxState.open(data_dir, clock=clock, faults=fault_settings, fault_seed=fault_seed,
                              lifetimes=lifetimes)
    seed_data = load_seed(seed) if isinstance(seed, Path) else seed
    if seed_data is not None:
        created = apply_seed(state.db, seed_data)
    elif state.db.one("SELECT 1 FROM tenants LIMIT 1") is None:  # an empty sandbox gets the demo tenant
        created = apply_seed(state.db, demo_seed(clock.today()))
    else:
        created = apply_seed(state.db, {"tenants": []})  # keeps the demo client registered
    if created:
        log.info("sandbox seeded tenants %s", ", ".join(created))
    return state


def create_app(data_dir: Path, seed: dict | Path | None = None, **options: Any) -> Starlette:
    """The sandbox app over data_dir; options: clock, today, fault_seed, lifetimes and any Faults field."""
    state = open_state(data_dir, seed, **options)
    return app_for_state(state)


class _TrailingSlash:
    """`/3/financialyears/?date=` (Fortnox's own guide writes it so) means `/3/financialyears?date=`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 3 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}
        await self.app(scope, receive, send)


def app_for_state(state: SandboxState) -> Starlette:
    _install_log_filter()
    # Vouchers first: Starlette tries routes in order, and voucher posts are the hot path.
    routes = [*vouchers.ROUTES, *oauth.ROUTES, *chart.ROUTES, *resources.ROUTES, *customers.ROUTES,
              *invoices.ROUTES, *payments.ROUTES, *admin.ROUTES, *admin_vouchers.ROUTES]
    app = Starlette(routes=_one_route_per_path(routes), exception_handlers={404: _not_found, 405: _not_allowed},
                    middleware=[Middleware(_BodyLimit), Middleware(_TrailingSlash)])
    app.state.sandbox = state
    return app
