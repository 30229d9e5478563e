"""/3 resources around the chart: company information, locked period, financial years, cost centers."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.fortnox import codes
from pipeline.sandbox.api import (
    ApiError,
    Caller,
    check_fields,
    endpoint,
    paged,
    parse_date,
    parse_id,
    read_body,
    text_field,
    update_columns,
    year_by_id,
)
from pipeline.sandbox.responses import json_response


@endpoint("companyinformation")
async def company_information(request: Request, caller: Caller) -> Response:
    row = caller.db.one("SELECT company FROM tenants WHERE tenant_id = ?", (caller.tenant_id,))
    return json_response({"CompanyInformation": json.loads(row["company"]) if row else {}})


@endpoint("settings")
async def locked_period(request: Request, caller: Caller) -> Response:
    # [U] path and scope: the "Locked Period" resource of FX-docs; no date means no period is locked.
    row = caller.db.one("SELECT locked_until FROM tenants WHERE tenant_id = ?", (caller.tenant_id,))
    return json_response({"LockedPeriod": {"EndDate": row["locked_until"] if row else None}})


def fy_json(row: sqlite3.Row, caller: Caller, in_list: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@url": f"{caller.api_base}/financialyears/{row['id']}",
        "Id": row["id"],
        "FromDate": row["from_date"],
        "ToDate": row["to_date"],
        "AccountingMethod": row["method"],
    }
    # Quirk kept from real responses: list items say `accountCharts`, single items `AccountChartType`.
    item["accountCharts" if in_list else "AccountChartType"] = row["chart_type"]
    return item


@endpoint("bookkeeping")
async def list_financial_years(request: Request, caller: Caller) -> Response:
    on = request.query_params.get("date") or request.query_params.get("Date")
    if on:
        day = parse_date(on, "date").isoformat()
        rows = caller.db.query("SELECT * FROM financial_years WHERE tenant_id = ? AND from_date <= ? "
                               "AND to_date >= ? ORDER BY from_date", (caller.tenant_id, day, day))
    else:
        rows = caller.db.query("SELECT * FROM financial_years WHERE tenant_id = ? ORDER BY from_date",
                               (caller.tenant_id,))
    return json_response(paged(request, [fy_json(r, caller, True) for r in rows], "FinancialYears"))


@endpoint("bookkeeping")
async def get_financial_year(request: Request, caller: Caller) -> Response:
    fy_id = parse_id(request.path_params["id"], "Id")
    return json_response({"FinancialYear": fy_json(year_by_id(caller, fy_id), caller)})


FY_FIELDS = frozenset({"@url", "Id", "FromDate", "ToDate", "AccountingMethod", "AccountChartType", "accountCharts"})


def _copy_previous_year(conn: sqlite3.Connection, tenant_id: int, new_id: int, from_date: str) -> None:
    """A new year takes the chart and series of the year before it ("från föregående år"), numbers from 1."""
    prev = conn.execute("SELECT id FROM financial_years WHERE tenant_id = ? AND to_date < ? "
                        "ORDER BY to_date DESC LIMIT 1", (tenant_id, from_date)).fetchone()
    if prev is None:
        prev = conn.execute("SELECT id FROM financial_years WHERE tenant_id = ? AND id != ? ORDER BY to_date "
                            "LIMIT 1", (tenant_id, new_id)).fetchone()
    if prev is None:
        return
    conn.execute("INSERT INTO accounts (tenant_id, year, number, description, active, sru, vat_code, balance, "
                 "cost_center_settings) SELECT tenant_id, ?, number, description, active, sru, vat_code, 0, "
                 "cost_center_settings FROM accounts WHERE tenant_id = ? AND year = ?",
                 (new_id, tenant_id, prev["id"]))
    conn.execute("INSERT INTO voucher_series (tenant_id, year, code, description, manual, next_number) "
                 "SELECT tenant_id, ?, code, description, manual, 1 FROM voucher_series "
                 "WHERE tenant_id = ? AND year = ?", (new_id, tenant_id, prev["id"]))


MAX_YEAR_MONTHS = 18


def year_shape_problem(start: date, end: date) -> str | None:
    """Why a financial year of these dates cannot exist, or None.

    Bokföringslagen (3 kap.) makes a financial year twelve whole calendar months, shorter or longer (at most
    18 months) only when a business starts or changes its year. [U] Fortnox's own check is not documented;
    the sandbox holds years to whole months within that span, so a one-day year is refused.
    """
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        return "ett räkenskapsår börjar den första och slutar den sista dagen i en månad"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if not 1 <= months <= MAX_YEAR_MONTHS:
        return f"ett räkenskapsår omfattar 1–{MAX_YEAR_MONTHS} hela månader"
    return None


@endpoint("bookkeeping")
async def create_financial_year(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "FinancialYear")
    check_fields(body, FY_FIELDS)
    if not body.get("FromDate") or not body.get("ToDate"):
        raise ApiError(codes.INVALID_PARAMETER, "FromDate och ToDate krävs")
    start, end = parse_date(body["FromDate"], "FromDate"), parse_date(body["ToDate"], "ToDate")
    method = body.get("AccountingMethod") or "ACCRUAL"
    if method not in ("ACCRUAL", "CASH"):
        raise ApiError(codes.INVALID_PARAMETER, "AccountingMethod")
    problem = year_shape_problem(start, end)
    if problem:
        raise ApiError(codes.INVALID_PARAMETER, f"FromDate/ToDate: {problem}")
    chart_type = text_field(body, "AccountChartType", 100)
    with caller.db.write() as conn:
        overlap = conn.execute("SELECT id FROM financial_years WHERE tenant_id = ? AND from_date <= ? "
                               "AND to_date >= ?", (caller.tenant_id, end.isoformat(), start.isoformat())).fetchone()
        if overlap is not None:
            raise ApiError(codes.FINANCIAL_YEAR_OVERLAP, f"id {overlap['id']}")
        new_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM financial_years WHERE tenant_id = ?",
                              (caller.tenant_id,)).fetchone()[0]
        conn.execute("INSERT INTO financial_years VALUES (?, ?, ?, ?, ?, ?)",
                     (caller.tenant_id, new_id, start.isoformat(), end.isoformat(), method,
                      chart_type or "BAS 2026"))
        _copy_previous_year(conn, caller.tenant_id, new_id, start.isoformat())
    return json_response({"FinancialYear": fy_json(year_by_id(caller, new_id), caller)}, 201)


def cost_center_json(row: sqlite3.Row, caller: Caller) -> dict[str, Any]:
    item = {"@url": f"{caller.api_base}/costcenters/{row['code']}", "Active": bool(row["active"]),
            "Code": row["code"], "Description": row["description"]}
    if row["note"]:
        item["Note"] = row["note"]
    return item


@endpoint("costcenter")
async def list_cost_centers(request: Request, caller: Caller) -> Response:
    rows = caller.db.query("SELECT * FROM cost_centers WHERE tenant_id = ? ORDER BY code", (caller.tenant_id,))
    return json_response(paged(request, [cost_center_json(r, caller) for r in rows], "CostCenters"))


def _cost_center(caller: Caller, code: str) -> sqlite3.Row:
    row = caller.db.one("SELECT * FROM cost_centers WHERE tenant_id = ? AND code = ?", (caller.tenant_id, code))
    if row is None:
        raise ApiError(codes.COST_CENTER_NOT_FOUND_404, code)
    return row


@endpoint("costcenter")
async def get_cost_center(request: Request, caller: Caller) -> Response:
    return json_response({"CostCenter": cost_center_json(_cost_center(caller, request.path_params["code"]), caller)})


CC_FIELDS = frozenset({"@url", "Active", "Code", "Description", "Note"})


def _active(body: dict[str, Any], default: bool) -> bool:
    value = body.get("Active", default)
    if not isinstance(value, bool):
        raise ApiError(codes.INVALID_PARAMETER, "Active")
    return value


@endpoint("costcenter")
async def create_cost_center(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "CostCenter")
    check_fields(body, CC_FIELDS)
    code = text_field(body, "Code", 6, required=True)
    description = text_field(body, "Description", 200, required=True)
    with caller.db.write() as conn:
        if conn.execute("SELECT 1 FROM cost_centers WHERE tenant_id = ? AND code = ?",
                        (caller.tenant_id, code)).fetchone():
            raise ApiError(codes.ALREADY_EXISTS, f"kostnadsställe {code}")
        conn.execute("INSERT INTO cost_centers VALUES (?, ?, ?, ?, ?)",
                     (caller.tenant_id, code, description, text_field(body, "Note", 1000),
                      int(_active(body, True))))
    return json_response({"CostCenter": cost_center_json(_cost_center(caller, str(code)), caller)}, 201)


@endpoint("costcenter")
async def update_cost_center(request: Request, caller: Caller) -> Response:
    code = request.path_params["code"]
    _cost_center(caller, code)
    body = await read_body(request, "CostCenter")
    check_fields(body, CC_FIELDS)
    changes: dict[str, Any] = {}
    if "Description" in body:
        changes["description"] = text_field(body, "Description", 200, required=True)
    if "Note" in body:
        changes["note"] = text_field(body, "Note", 1000)
    if "Active" in body:
        changes["active"] = int(_active(body, True))
    update_columns(caller, "cost_centers", changes, code=code)
    return json_response({"CostCenter": cost_center_json(_cost_center(caller, code), caller)})


ROUTES = [
    Route("/3/companyinformation", company_information),
    Route("/3/settings/lockedperiod", locked_period),
    Route("/3/financialyears", list_financial_years),
    Route("/3/financialyears", create_financial_year, methods=["POST"]),
    Route("/3/financialyears/{id}", get_financial_year),
    Route("/3/costcenters", list_cost_centers),
    Route("/3/costcenters", create_cost_center, methods=["POST"]),
    Route("/3/costcenters/{code}", get_cost_center),
    Route("/3/costcenters/{code}", update_cost_center, methods=["PUT"]),
]
