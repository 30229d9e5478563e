"""/_sandbox admin endpoints (sandbox only): faults, clock, lifetimes, what was posted, request counts."""
from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.sandbox.api import sandbox_state
from pipeline.sandbox.clock import Clock
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.seed import SeedError
from pipeline.sandbox.seed_apply import apply_seed
from pipeline.sandbox.state import SandboxState


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc
    if not isinstance(data, dict):
        raise ValueError("send a JSON object")
    return data


def _bad(message: str) -> Response:
    return json_response({"error": message}, 400)


async def settings(request: Request) -> Response:
    return json_response(sandbox_state(request).settings())


def _settings_change(change: Callable[[SandboxState, dict[str, Any]], None]) -> Callable[[Request], Awaitable[Response]]:
    """A POST that applies its JSON body to the settings: 400 with the reason if it cannot, else the settings."""

    async def run(request: Request) -> Response:
        state = sandbox_state(request)
        try:
            change(state, await _json(request))
        except (ValueError, TypeError, OverflowError, OSError) as exc:  # OverflowError: a date beyond the calendar
            return _bad(str(exc))
        return json_response(state.settings())

    run.__name__ = change.__name__
    return run


@_settings_change
def set_faults(state: SandboxState, body: dict[str, Any]) -> None:
    state.faults.update(body)


CENTURY_S = 100 * 365.25 * 86400  # how far the clock may move, and the longest token lifetime
EARLIEST, LATEST = date(1970, 1, 2), date(2999, 12, 31)  # the dates the clock may show


def _seconds(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(f"{name} must be between {low:g} and {high:g} seconds, got {value!r}")
    return number


@_settings_change
def set_clock(state: SandboxState, body: dict[str, Any]) -> None:
    """`{"advance_s": 3600}` moves the clock forward; `{"today": "2027-01-02"}` sets the date."""
    unknown = set(body) - {"advance_s", "today"}
    if unknown:
        raise ValueError(f"unknown clock setting {sorted(unknown)[0]!r}; use advance_s or today")
    advance = _seconds(body["advance_s"], "advance_s", -CENTURY_S, CENTURY_S) if "advance_s" in body else 0.0
    today = date.fromisoformat(str(body["today"])) if "today" in body else None
    moved = Clock(state.clock.offset + advance, today)
    if not EARLIEST <= moved.today() <= LATEST:
        raise ValueError(f"the clock must stay between {EARLIEST} and {LATEST}")
    state.clock.offset = moved.offset


@_settings_change
def set_lifetimes(state: SandboxState, body: dict[str, Any]) -> None:
    checked = {}
    for name, value in body.items():
        if name not in ("code_s", "access_s", "refresh_s"):
            raise ValueError(f"unknown lifetime {name!r}; use code_s, access_s or refresh_s")
        checked[name] = _seconds(value, name, 1.0, CENTURY_S)
    for name, seconds in checked.items():
        setattr(state.lifetimes, name, seconds)


def _tenant(request: Request) -> int:
    """The tenant id in the path (the route takes digits only): one that cannot exist is a 400."""
    tenant_id = int(request.path_params["tenant_id"])
    if not 0 < tenant_id < 2**63:
        raise ValueError(f"tenant {tenant_id} is not a tenant id")
    return tenant_id


async def tenants(request: Request) -> Response:
    state = sandbox_state(request)
    rows = state.db.query("SELECT tenant_id, company, locked_until FROM tenants ORDER BY tenant_id")
    return json_response({"tenants": [{
        "tenant_id": str(r["tenant_id"]), "company_name": json.loads(r["company"]).get("CompanyName"),
        "locked_until": r["locked_until"], "requests": state.requests.get(r["tenant_id"], 0),
    } for r in rows]})


async def posted(request: Request) -> Response:
    """Every voucher of a tenant with its rows, oldest first; `dropped` marks the fault-injected ones."""
    state = sandbox_state(request)
    try:
        tid = _tenant(request)
    except ValueError as exc:
        return _bad(str(exc))
    rows = state.db.query("SELECT * FROM vouchers WHERE tenant_id = ? ORDER BY created, year, series, number",
                          (tid,))
    return json_response({"tenant_id": str(tid), "vouchers": [{
        "year": r["year"], "series": r["series"], "number": r["number"],
        "transaction_date": r["transaction_date"], "description": r["description"], "comments": r["comments"],
        "cost_center": r["cost_center"], "rows": json.loads(r["rows"]), "client_id": r["client_id"],
        "created": r["created"], "reference_type": r["reference_type"],
        "dropped": (tid, r["year"], r["series"], r["number"]) in state.dropped,
    } for r in rows]}, content_type="application/json; charset=utf-8")


_DOCUMENTS = {"invoices": ("invoices", "invoice", "number"), "customers": ("customers", "customer", "number"),
              "invoicepayments": ("invoice_payments", "payment", "number")}


class _Documents(Convertor[str]):
    regex = "|".join(_DOCUMENTS)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("documents", _Documents())


async def documents(request: Request) -> Response:
    """Every invoice, customer or invoice payment of a tenant as stored (Fortnox's JSON), oldest first;
    `dropped` marks those whose creating answer the drop-after-commit fault lost."""
    state = sandbox_state(request)
    try:
        tid = _tenant(request)
    except ValueError as exc:
        return _bad(str(exc))
    kind = request.path_params["kind"]
    if kind not in _DOCUMENTS:
        return json_response({"error": "not found", "path": request.url.path[:200]}, 404)
    table, dropped_as, key = _DOCUMENTS[kind]
    rows = state.db.query(f"SELECT {key}, data FROM {table} WHERE tenant_id = ? ORDER BY rowid", (tid,))
    return json_response({"tenant_id": str(tid), kind: [
        {**json.loads(r["data"]), "dropped": (tid, dropped_as, str(r[key])) in state.dropped_changes}
        for r in rows]}, content_type="application/json; charset=utf-8")


async def request_counts(request: Request) -> Response:
    state = sandbox_state(request)
    return json_response({"requests": {str(k): v for k, v in sorted(state.requests.items())},
                          "operations": dict(sorted(state.operations.items()))})


async def reset_counts(request: Request) -> Response:
    state = sandbox_state(request)
    with state.lock:
        state.requests.clear()
        state.operations.clear()
    state.limiter.reset()
    return json_response({"requests": {}, "operations": {}})


async def revoke_consent(request: Request) -> Response:
    """The customer withdraws the integration: every token and refresh token of that consent stops working."""
    state = sandbox_state(request)
    try:
        tid = _tenant(request)
    except ValueError as exc:
        return _bad(str(exc))
    with state.db.write() as conn:
        conn.execute("DELETE FROM consents WHERE tenant_id = ? AND client_id = ?",
                     (tid, request.path_params["client_id"]))
    state.consents_changed()
    return json_response({"revoked": True})


async def set_locked_period(request: Request) -> Response:
    """`{"end_date": "2026-06-30"}` locks up to and including that date; null unlocks."""
    state = sandbox_state(request)
    try:
        tid = _tenant(request)
        end = (await _json(request)).get("end_date")
        value = None if end is None else date.fromisoformat(str(end)).isoformat()
    except (ValueError, TypeError) as exc:
        return _bad(str(exc))
    with state.db.write() as conn:
        conn.execute("UPDATE tenants SET locked_until = ? WHERE tenant_id = ?", (value, tid))
    return json_response({"end_date": value})


async def seed(request: Request) -> Response:
    """Add tenants and clients from a seed (JSON body in the seed format); existing tenants are kept."""
    state = sandbox_state(request)
    try:
        created = apply_seed(state.db, await _json(request))
    except (SeedError, ValueError, KeyError, TypeError, OverflowError, sqlite3.Error) as exc:
        return _bad(f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc))
    state.consents_changed()
    return json_response({"created": created})


ROUTES = [
    Route("/_sandbox/settings", settings),
    Route("/_sandbox/faults", set_faults, methods=["POST"]),
    Route("/_sandbox/clock", set_clock, methods=["POST"]),
    Route("/_sandbox/lifetimes", set_lifetimes, methods=["POST"]),
    Route("/_sandbox/tenants", tenants),
    Route("/_sandbox/tenants/{tenant_id:int}/vouchers", posted),
    Route("/_sandbox/tenants/{tenant_id:int}/{kind:documents}", documents),
    Route("/_sandbox/tenants/{tenant_id:int}/locked-period", set_locked_period, methods=["POST"]),
    Route("/_sandbox/tenants/{tenant_id:int}/consents/{client_id}", revoke_consent, methods=["DELETE"]),
    Route("/_sandbox/requests", request_counts),
    Route("/_sandbox/requests/reset", reset_counts, methods=["POST"]),
    Route("/_sandbox/seed", seed, methods=["POST"]),
]
