"""The sandbox ASGI app: Starlette routes for /3, /oauth-v1 and /_sandbox over one SandboxState."""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.fortnox import codes
from pipeline.sandbox import admin, chart, invoices, oauth, resources, vouchers
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
        return fortnox_error(codes.NO_SUCH_ROUTE, request.url.path)
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return json_response({"error": "not found", "path": request.url.path}, status)


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
    routes = [*vouchers.ROUTES, *oauth.ROUTES, *chart.ROUTES, *resources.ROUTES, *invoices.ROUTES,
              *admin.ROUTES]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found},
                    middleware=[Middleware(_TrailingSlash)])
    app.state.sandbox = state
    return app
