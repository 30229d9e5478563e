"""/_sandbox admin endpoints for vouchers (sandbox only): what a person does to vouchers in Fortnox's web app, so
that tests and the demo can show what `kassasync reconcile` finds.

- `POST /_sandbox/tenants/{id}/vouchers` with `{"Voucher": {...}}` (the API's shape): a voucher booked by hand
  (Bokföring > Ny verifikation), under Fortnox's rules as for the API, by no API client.
- `POST /_sandbox/tenants/{id}/vouchers/{series}/{number}/change?financialyear=N` with `{"VoucherRows": [...]}`
  (and `Description`, optional): Fortnox's "Ändra": every row is struck (`Removed: true`) and the rows given are
  added; the voucher keeps its number, date and Comments.
- `POST /_sandbox/tenants/{id}/vouchers/{series}/{number}/reverse?financialyear=N` with `{}` (or
  `VoucherSeries`, `TransactionDate`): Fortnox's "Ändringsverifikation": a new voucher with every row mirrored
  (debit and credit swapped), so the two together book nothing. [U] Its description and whether it keeps the
  original's Comments are not documented: the sandbox writes "Ändringsverifikation F 3" and no Comments.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.sandbox.admin import _bad, _json, _tenant
from pipeline.sandbox.api import (
    ApiError,
    Caller,
    financial_year,
    parse_id,
    rejected,
    sandbox_state,
    year_of_day,
)
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.voucher_rules import (
    VoucherIn,
    VoucherRejected,
    characters_ok,
    check_against_year,
    parse_voucher,
    rows_json,
)
from pipeline.sandbox.vouchers import _voucher, insert_voucher, voucher_json, year_facts


def _caller(request: Request) -> Caller:
    """The tenant as a person in Fortnox's web app: no API client, no scopes needed."""
    state = sandbox_state(request)
    tenant_id = _tenant(request)
    if state.db.one("SELECT 1 FROM tenants WHERE tenant_id = ?", (tenant_id,)) is None:
        raise ValueError(f"no tenant {tenant_id} in the sandbox")
    return Caller(tenant_id, "", frozenset(), str(request.base_url).rstrip("/") + "/3", state)


def _run(handler: Any) -> Any:
    """A 400 with the reason for a bad request; Fortnox's own error body for what Fortnox would refuse."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request, _caller(request))
        except ApiError as exc:
            return exc.response
        except VoucherRejected as exc:
            return rejected(exc, 400).response
        except (ValueError, TypeError, KeyError) as exc:
            return _bad(f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc))

    run.__name__ = handler.__name__
    return run


async def _target(request: Request, caller: Caller) -> tuple[dict[str, Any], sqlite3.Row, sqlite3.Row]:
    """The request's body, and the financial year and stored voucher its path and `financialyear` name."""
    body = await _json(request)
    characters_ok(body)
    fy = financial_year(caller, request)
    number = parse_id(request.path_params["number"], "VoucherNumber")
    return body, fy, _voucher(caller, fy["id"], request.path_params["series"], number)


@_run
async def book_by_hand(request: Request, caller: Caller) -> Response:
    body = (await _json(request)).get("Voucher")
    if not isinstance(body, dict):
        raise ValueError('send {"Voucher": {...}} as for POST /3/vouchers')
    characters_ok(body)
    return _book(caller, parse_voucher(body))


@_run
async def change(request: Request, caller: Caller) -> Response:
    body, fy, stored = await _target(request, caller)
    voucher = parse_voucher({"VoucherSeries": stored["series"], "TransactionDate": stored["transaction_date"],
                             "Description": body.get("Description", stored["description"]),
                             "VoucherRows": body.get("VoucherRows")})
    with caller.db.write() as conn:
        facts = year_facts(conn, caller, fy, voucher)
        check_against_year(voucher, facts)  # the new rows balance on their own, as the struck ones did
        rows = [{**row, "Removed": True} for row in json.loads(stored["rows"])] + rows_json(voucher, facts)
        conn.execute("UPDATE vouchers SET rows = ?, description = ? WHERE tenant_id = ? AND year = ? AND series = ? "
                     "AND number = ?", (json.dumps(rows, ensure_ascii=False), voucher.description, caller.tenant_id,
                                        fy["id"], stored["series"], stored["number"]))
    return _answer(caller, fy["id"], stored["series"], stored["number"])


@_run
async def reverse(request: Request, caller: Caller) -> Response:
    body, fy, stored = await _target(request, caller)
    mirrored = [{"Account": row["Account"], "Debit": row["Credit"], "Credit": row["Debit"],
                 "CostCenter": row.get("CostCenter") or None}
                for row in json.loads(stored["rows"]) if not row.get("Removed")]
    voucher = parse_voucher({
        "VoucherSeries": body.get("VoucherSeries", stored["series"]),
        "TransactionDate": body.get("TransactionDate", stored["transaction_date"]),
        "Description": f"Ändringsverifikation {stored['series']} {stored['number']}",
        "VoucherRows": [{k: v for k, v in row.items() if v is not None} for row in mirrored]})
    return _book(caller, voucher)


def _book(caller: Caller, voucher: VoucherIn) -> Response:
    """A new voucher in the year of its date, under Fortnox's rules, numbered next in its series."""
    year = year_of_day(caller, voucher.transaction_date)
    with caller.db.write() as conn:
        facts = year_facts(conn, caller, year, voucher)
        check_against_year(voucher, facts)
        number = insert_voucher(conn, caller, year["id"], voucher, rows_json(voucher, facts))
    return _answer(caller, year["id"], voucher.series, number)


def _answer(caller: Caller, year: int, series: str, number: int) -> Response:
    return json_response({"Voucher": voucher_json(_voucher(caller, year, series, number), caller, True)}, 201)


ROUTES = [
    Route("/_sandbox/tenants/{tenant_id:int}/vouchers", book_by_hand, methods=["POST"]),
    Route("/_sandbox/tenants/{tenant_id:int}/vouchers/{series}/{number}/change", change, methods=["POST"]),
    Route("/_sandbox/tenants/{tenant_id:int}/vouchers/{series}/{number}/reverse", reverse, methods=["POST"]),
]
