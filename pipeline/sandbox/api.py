"""What every /3 endpoint shares: bearer auth, scopes, rate limit, faults, paging, financial-year choice."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipeline.fortnox import codes
from pipeline.sandbox import jwt
from pipeline.sandbox.responses import Refusal, fortnox_error, html_page, too_many_requests, unauthorized
from pipeline.sandbox.state import SandboxState
from pipeline.sandbox.voucher_rules import VoucherRejected, characters_ok, checked_text

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_ID = 2**31 - 1  # ids are int32 in Fortnox's OpenAPI document; a larger one is a 400, never a crash


class ApiError(Exception):
    """Raised inside a handler to answer with a Fortnox error."""

    def __init__(self, code: Refusal, detail: str | None = None, status: int | None = None,
                 fmt: dict[str, str] | None = None) -> None:
        super().__init__(code.message)
        self.code = code
        self.response = fortnox_error(code, detail, status, fmt)


def rejected(exc: VoucherRejected, status: int | None = None) -> ApiError:
    return ApiError(exc.code, exc.detail, status, exc.fmt)


@dataclass(frozen=True)
class Caller:
    tenant_id: int
    client_id: str
    scopes: frozenset[str]
    api_base: str  # e.g. http://127.0.0.1:8765/3, for @url fields
    state: SandboxState

    @property
    def db(self) -> Any:
        return self.state.db


Handler = Callable[[Request, Caller], Awaitable[Response]]


def sandbox_state(request: Request) -> SandboxState:
    return request.app.state.sandbox  # type: ignore[no-any-return]


async def apply_latency(state: SandboxState) -> None:
    faults = state.faults
    if faults.latency_ms or faults.jitter_ms:
        delay = faults.latency_ms + (state.dice.uniform(0, faults.jitter_ms) if faults.jitter_ms else 0.0)
        await asyncio.sleep(delay / 1000.0)


def _authenticate(request: Request, state: SandboxState) -> dict[str, Any] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    try:
        claims = jwt.decode(header[7:].strip(), state.signing_key, state.clock.now())
        client_id, tenant_id = str(claims["clientId"]), int(claims["tenantId"])
    except (jwt.InvalidToken, KeyError, TypeError, ValueError):
        return None
    # A consent the customer revoked ends every token issued under it.
    return claims if state.has_consent(client_id, tenant_id) else None


def _injected_error(state: SandboxState) -> Response | None:
    faults = state.faults
    if state.dice.hit(faults.error_rate):
        status = state.dice.choice([500, 503])
        return fortnox_error(codes.SYSTEM_EXCEPTION, status=status)
    if state.dice.hit(faults.html_error_rate):
        status = state.dice.choice([502, 503])
        title = "502 Bad Gateway" if status == 502 else "503 Service Unavailable"
        return html_page(status, title, "The server is temporarily unable to serve "
                         "your request. Please try again later.")
    return None


def endpoint(scope: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler with Fortnox's checks in Fortnox's order: token, rate limit, scope; then faults."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            state = sandbox_state(request)
            await apply_latency(state)
            claims = _authenticate(request, state)
            if claims is None:
                return unauthorized()
            tenant_id, client_id = int(claims["tenantId"]), str(claims["clientId"])
            state.count_request(tenant_id, handler.__name__)
            faults = state.faults
            if not state.limiter.allow((client_id, tenant_id), state.clock.now(), faults.rate_limit,
                                       faults.rate_window_s):
                return too_many_requests()
            scopes = frozenset(claims.get("scopes") or ())
            if scope not in scopes:
                return fortnox_error(codes.SCOPE_MISSING, f"scope {scope}")
            accept = request.headers.get("accept")
            if accept and "json" not in accept and "*/*" not in accept:
                return fortnox_error(codes.INVALID_RESPONSE_TYPE, accept)
            injected = _injected_error(state)
            if injected is not None:
                return injected
            caller = Caller(tenant_id, client_id, scopes, str(request.base_url).rstrip("/") + "/3", state)
            try:
                return await handler(request, caller)
            except ApiError as exc:
                return exc.response

        run.__name__ = handler.__name__
        return run

    return wrap


async def read_body(request: Request, wrapper: str) -> dict[str, Any]:
    """The object inside `{"<wrapper>": {...}}`; Fortnox's codes for a missing, broken or wrong body."""
    raw = await request.body()
    if not raw.strip():
        raise ApiError(codes.EMPTY_BODY)
    content_type = request.headers.get("content-type")
    if content_type is not None and "json" not in content_type.lower():
        raise ApiError(codes.INVALID_CONTENT_TYPE, content_type)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested past the parser's depth
        raise ApiError(codes.JSON_SYNTAX) from exc
    if not isinstance(data, dict) or not isinstance(data.get(wrapper), dict):
        raise ApiError(codes.EMPTY_BODY, f"väntade {wrapper}")
    try:  # every text the sandbox stores passes Fortnox's character whitelist
        characters_ok(data[wrapper])
    except VoucherRejected as exc:
        raise rejected(exc) from exc
    return data[wrapper]  # type: ignore[no-any-return]


def check_fields(body: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in body:
        if name not in allowed:
            raise ApiError(codes.UNKNOWN_FIELD, name)


def text_field(body: dict[str, Any], name: str, max_len: int, required: bool = False) -> str | None:
    """A string field of a request body, checked for presence and length (Fortnox's codes)."""
    try:
        return checked_text(body, name, max_len, required)
    except VoucherRejected as exc:
        raise rejected(exc) from exc


def update_columns(caller: Caller, table: str, changes: dict[str, Any], **key: Any) -> None:
    """Set `changes` (column -> value) on the caller's row of `table` picked by `key`; nothing when empty."""
    if not changes:
        return
    sets = ", ".join(f"{name} = ?" for name in changes)
    where = "".join(f" AND {name} = ?" for name in key)
    with caller.db.write() as conn:
        conn.execute(f"UPDATE {table} SET {sets} WHERE tenant_id = ?{where}",
                     (*changes.values(), caller.tenant_id, *key.values()))


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 10:
        raise ApiError(codes.INVALID_PARAMETER, name)
    return int(value)


def parse_id(raw: Any, what: str, refusal: Refusal = codes.INVALID_IDENTIFIER) -> int:
    """An id from a path or query (financial year, voucher number, ...): digits within int32, else a 400."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        raise ApiError(refusal, f"{what}={text[:40]}")
    return int(text)


def paged(request: Request, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Fortnox paging: `limit` (default 100, at most 500), `page` (1-based), `offset`; with MetaInformation."""
    limit = _int_param(request, "limit", DEFAULT_LIMIT)
    page = _int_param(request, "page", 1)
    offset = _int_param(request, "offset", 0)
    if not 1 <= limit <= MAX_LIMIT or page < 1 or offset < 0:
        raise ApiError(codes.INVALID_PARAMETER, "limit/page/offset")
    remaining = items[offset:]
    total_pages = (len(remaining) + limit - 1) // limit
    start = (page - 1) * limit
    return {
        "MetaInformation": {"@TotalResources": len(remaining), "@TotalPages": total_pages, "@CurrentPage": page},
        key: remaining[start:start + limit],
    }


def parse_date(value: Any, field: str) -> date:
    """A date in Fortnox's one format, YYYY-MM-DD (Python would also take 20260101 and week dates)."""
    text = str(value)
    try:
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(codes.INVALID_PARAMETER, f"{field}: {text[:40]}") from exc


def financial_year(caller: Caller, request: Request, param: str = "financialyear") -> sqlite3.Row:
    """The year a request means: `financialyear` (id), `financialyeardate`, else the year covering today."""
    db = caller.db
    raw_id = request.query_params.get(param)
    if raw_id:
        return year_by_id(caller, parse_id(raw_id, param, codes.INVALID_PARAMETER))
    on = request.query_params.get("financialyeardate")
    day = parse_date(on, "financialyeardate") if on else caller.state.clock.today()
    row = year_covering(caller, day)
    if row is None and not on:  # no year covers today: Fortnox falls back to the latest year
        row = db.one("SELECT * FROM financial_years WHERE tenant_id = ? ORDER BY to_date DESC LIMIT 1",
                     (caller.tenant_id,))
    if row is None:
        raise ApiError(codes.NO_FINANCIAL_YEAR, day.isoformat())
    return row


def year_by_id(caller: Caller, fy_id: int) -> sqlite3.Row:
    row = caller.db.one("SELECT * FROM financial_years WHERE tenant_id = ? AND id = ?", (caller.tenant_id, fy_id))
    if row is None:
        raise ApiError(codes.FINANCIAL_YEAR_NOT_FOUND, f"id {fy_id}")
    return row


def year_of_day(caller: Caller, day: date) -> sqlite3.Row:
    """The year `day` falls in; NO_FINANCIAL_YEAR when none does."""
    fy = year_covering(caller, day)
    if fy is None:
        raise ApiError(codes.NO_FINANCIAL_YEAR, day.isoformat())
    return fy


def year_covering(caller: Caller, day: date) -> sqlite3.Row | None:
    iso = day.isoformat()
    return caller.db.one(
        "SELECT * FROM financial_years WHERE tenant_id = ? AND from_date <= ? AND to_date >= ?",
        (caller.tenant_id, iso, iso),
    )
