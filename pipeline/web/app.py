"""The ASGI app of `kassasync serve`: customer pages, reseller pages, the upload endpoint, one stylesheet."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.web import fleet_pages, onboarding
from pipeline.web.config import WebConfig
from pipeline.web.context import WebContext
from pipeline.web.invitations import utc_now
from pipeline.web.security import SecurityHeaders
from pipeline.web.state import WebState
from pipeline.web.upload import put_day_file

log = logging.getLogger("kassasync.web")


async def _plain_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    text = {404: "Not found.", 405: "Method not allowed."}.get(status, "Something went wrong.")
    return PlainTextResponse(text + "\n", status_code=status)


def _warm_up(context: WebContext) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """At start, read the fleet's status in the background, so the reseller's first page need not wait for it."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        reading = asyncio.ensure_future(context.fleet.get()) if context.auth.configured else None
        yield
        if reading is not None and not reading.done():
            reading.cancel()

    return lifespan


def create_app(config: WebConfig, *, today: Callable[[], date] | None = None,
               now: Callable[[], datetime] | None = None, state: WebState | None = None) -> Starlette:
    """The app over the store files, the inbox and the ledger's database named by `config.settings`.

    `today` and `now` replace the clock (tests, the demo); `now` is naive UTC."""
    state = state or WebState.open(config.settings.ledger_url)
    context = WebContext(config, state, today=today or date.today, now=now or utc_now)
    routes = [
        *onboarding.ROUTES,
        *fleet_pages.ROUTES,
        Route("/upload/{store}/{name}", put_day_file, methods=["PUT"]),
        Mount("/static", StaticFiles(packages=[("pipeline", "templates/web/static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _plain_error, 405: _plain_error, 500: _plain_error},
                    middleware=[Middleware(SecurityHeaders, auth_url=config.settings.auth_url)],
                    lifespan=_warm_up(context))
    app.state.web = context
    return app
