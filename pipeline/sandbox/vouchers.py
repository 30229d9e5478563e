"""/3/vouchers: post with Fortnox's rules and gapless numbers per series and year; list, sublist, get one."""
from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date
from typing import Any

import httpx2
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pipeline.fortnox import codes
from pipeline.sandbox.api import (
    ApiError,
    Caller,
    endpoint,
    financial_year,
    paged,
    parse_date,
    parse_id,
    read_body,
    rejected,
    year_of_day,
)
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.voucher_rules import (
    VoucherIn,
    VoucherRejected,
    YearFacts,
    check_against_year,
    parse_voucher,
    rows_json,
)

log = logging.getLogger("kassasync.sandbox")


class ConnectionDropped(httpx2.RemoteProtocolError):
    """Raised after a voucher committed, so the client sees a broken connection instead of the answer.

    A RemoteProtocolError, so that in-process clients (ASGI transport) see the same transport error class
    as clients of the real server, where uvicorn closes the socket mid-response.
    """


class DroppedResponse(Response):
    """Sends the status line and headers, then fails: uvicorn closes the socket mid-response.

    httpx then raises RemoteProtocolError (peer closed without a complete body); in-process via
    ASGITransport the ConnectionDropped exception reaches the client. Either way the outcome is unknown.
    """

    def __init__(self, status: int = 201) -> None:
        super().__init__(b"", status_code=status, media_type="application/json")
        self.headers["content-length"] = "4096"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        raise ConnectionDropped("sandbox fault: connection dropped after the change was committed")


def dropped_after_commit(caller: Caller, kind: str, key: str, status: int = 201) -> Response | None:
    """The drop-after-commit fault for a change other than a voucher (an invoice, customer, payment, credit
    or bookkeeping): committed, then the answer is lost; the admin lists show it as `dropped`."""
    state = caller.state
    if not state.dice.hit(state.faults.drop_after_commit_rate):
        return None
    state.dropped_changes.add((caller.tenant_id, kind, key))
    log.info("fault: dropping the connection after %s %s of tenant %s", kind, key, caller.tenant_id)
    return DroppedResponse(status)


def year_facts(conn: sqlite3.Connection, caller: Caller, fy: sqlite3.Row, voucher: VoucherIn) -> YearFacts:
    tid, fy_id = caller.tenant_id, fy["id"]
    # One query for the tenant's locked period and the series (NULL manual: no such series that year).
    head = conn.execute("SELECT t.locked_until, s.manual FROM tenants t LEFT JOIN voucher_series s "
                        "ON s.tenant_id = t.tenant_id AND s.year = ? AND s.code = ? WHERE t.tenant_id = ?",
                        (fy_id, voucher.series, tid)).fetchone()
    numbers = sorted({row.account for row in voucher.rows})
    marks = ",".join("?" * len(numbers))
    accounts, settings = {}, {}
    for r in conn.execute(f"SELECT number, description, active, cost_center_settings FROM accounts "
                          f"WHERE tenant_id = ? AND year = ? AND number IN ({marks})", (tid, fy_id, *numbers)):
        accounts[r["number"]] = (r["description"], bool(r["active"]))
        settings[r["number"]] = r["cost_center_settings"]
    wanted = {c for c in [voucher.cost_center, *(r.cost_center for r in voucher.rows)] if c}
    centers = {r["code"]: bool(r["active"]) for r in conn.execute(
        "SELECT code, active FROM cost_centers WHERE tenant_id = ?", (tid,))} if wanted else {}
    return YearFacts(
        from_date=date.fromisoformat(fy["from_date"]), to_date=date.fromisoformat(fy["to_date"]),
        locked_until=date.fromisoformat(head["locked_until"]) if head and head["locked_until"] else None,
        series_manual=None if head is None or head["manual"] is None else bool(head["manual"]),
        accounts=accounts, cost_centers=frozenset(centers),
        inactive_centers=frozenset(code for code, active in centers.items() if not active),
        center_settings=settings,
    )


def voucher_json(row: sqlite3.Row, caller: Caller, with_rows: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@url": f"{caller.api_base}/vouchers/{row['series']}/{row['number']}?financialyear={row['year']}",
        "ApprovalState": 0,
        "Comments": row["comments"] or "",
        "Description": row["description"],
        "ReferenceNumber": row["reference_number"] or "",
        "ReferenceType": row["reference_type"],
        "TransactionDate": row["transaction_date"],
        "VoucherNumber": row["number"],
        "VoucherSeries": row["series"],
        "Year": row["year"],
    }
    if with_rows:
        item.update({"CostCenter": row["cost_center"] or "", "Project": row["project"] or "",
                     "VoucherRows": json.loads(row["rows"])})
    return item


def _target_year(request: Request, caller: Caller, day: date) -> sqlite3.Row:
    """`financialyear` when given; otherwise the year the TransactionDate falls in ([U] Fortnox may differ)."""
    if request.query_params.get("financialyear") or request.query_params.get("financialyeardate"):
        return financial_year(caller, request)
    return year_of_day(caller, day)


def insert_voucher(conn: sqlite3.Connection, caller: Caller, fy_id: int, voucher: VoucherIn,
                   rows: list[dict[str, Any]], reference_type: str = "MANUAL",
                   reference_number: str | None = None) -> int:
    """Take the series' next number and store the voucher, inside the caller's write transaction."""
    number = conn.execute(
        "UPDATE voucher_series SET next_number = next_number + 1 WHERE tenant_id = ? AND year = ? AND code = ? "
        "RETURNING next_number - 1", (caller.tenant_id, fy_id, voucher.series)).fetchone()[0]
    conn.execute("INSERT INTO vouchers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
        caller.tenant_id, fy_id, voucher.series, number, voucher.transaction_date.isoformat(),
        voucher.description, voucher.comments, voucher.cost_center, None, reference_type, reference_number,
        json.dumps(rows, ensure_ascii=False), caller.client_id, caller.state.clock.stamp()))
    return int(number)


@endpoint("bookkeeping")
async def create_voucher(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Voucher")
    try:
        voucher = parse_voucher(body)
        fy = _target_year(request, caller, voucher.transaction_date)
        with caller.db.write() as conn:
            facts = year_facts(conn, caller, fy, voucher)
            check_against_year(voucher, facts)
            rows = rows_json(voucher, facts)
            number = insert_voucher(conn, caller, fy["id"], voucher, rows)
    except VoucherRejected as exc:
        raise rejected(exc, 400) from exc
    state = caller.state
    if state.dice.hit(state.faults.drop_after_commit_rate):
        state.dropped.add((caller.tenant_id, fy["id"], voucher.series, number))
        log.info("fault: dropping the connection after voucher %s %s in year %s of tenant %s",
                 voucher.series, number, fy["id"], caller.tenant_id)
        return DroppedResponse()
    return json_response({"Voucher": _created_json(caller, fy["id"], number, voucher, rows)}, 201)


def _created_json(caller: Caller, fy_id: int, number: int, voucher: VoucherIn,
                  rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored voucher as GET would show it, built from what was just written (no second read)."""
    return {
        "@url": f"{caller.api_base}/vouchers/{voucher.series}/{number}?financialyear={fy_id}",
        "ApprovalState": 0, "Comments": voucher.comments or "", "Description": voucher.description,
        "ReferenceNumber": "", "ReferenceType": "MANUAL", "TransactionDate": voucher.transaction_date.isoformat(),
        "VoucherNumber": number, "VoucherSeries": voucher.series, "Year": fy_id,
        "CostCenter": voucher.cost_center or "", "Project": "", "VoucherRows": rows,
    }


def _voucher(caller: Caller, fy_id: int, series: str, number: int) -> sqlite3.Row:
    row = caller.db.one("SELECT * FROM vouchers WHERE tenant_id = ? AND year = ? AND series = ? AND number = ?",
                        (caller.tenant_id, fy_id, series, number))
    if row is None:
        raise ApiError(codes.VOUCHER_NOT_FOUND, f"{series} {number}")
    return row


async def _list(request: Request, caller: Caller, series: str | None) -> Response:
    fy = financial_year(caller, request)
    sql = "SELECT * FROM vouchers WHERE tenant_id = ? AND year = ?"
    params: list[Any] = [caller.tenant_id, fy["id"]]
    series = series or request.query_params.get("voucherseries")
    if series:
        sql, params = sql + " AND series = ?", params + [series]
    for name, op in (("fromdate", ">="), ("todate", "<=")):
        value = request.query_params.get(name)
        if value:
            sql, params = sql + f" AND transaction_date {op} ?", params + [parse_date(value, name).isoformat()]
    rows = caller.db.query(sql + " ORDER BY series, number", params)
    center = request.query_params.get("costcenter")
    if center:  # [U] the voucher's own cost center or any row's: kassasync puts it on the rows
        rows = [r for r in rows if r["cost_center"] == center
                or any(row.get("CostCenter") == center for row in json.loads(r["rows"]))]
    items = [voucher_json(r, caller, False) for r in rows]
    if caller.state.faults.list_without_comments:  # the list shape of Fortnox's older documentation
        for item in items:
            del item["Comments"]
    return json_response(paged(request, items, "Vouchers"))


@endpoint("bookkeeping")
async def list_vouchers(request: Request, caller: Caller) -> Response:
    return await _list(request, caller, None)


@endpoint("bookkeeping")
async def sublist_vouchers(request: Request, caller: Caller) -> Response:
    return await _list(request, caller, request.path_params.get("series"))


@endpoint("bookkeeping")
async def get_voucher(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    number = parse_id(request.path_params["number"], "VoucherNumber")
    row = _voucher(caller, fy["id"], request.path_params["series"], number)
    return json_response({"Voucher": voucher_json(row, caller, True)})


ROUTES = [
    Route("/3/vouchers", list_vouchers),
    Route("/3/vouchers", create_voucher, methods=["POST"]),
    Route("/3/vouchers/sublist", sublist_vouchers),
    Route("/3/vouchers/sublist/{series}", sublist_vouchers),
    Route("/3/vouchers/{series}/{number}", get_voucher),
]
