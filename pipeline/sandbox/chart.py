"""/3 accounts and voucher series, both per financial year (`?financialyear=` or the year covering today)."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
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
    financial_year,
    paged,
    read_body,
    text_field,
    update_columns,
)
from pipeline.sandbox.responses import json_response

ACCOUNT_FIELDS = frozenset({
    "@url", "Active", "BalanceBroughtForward", "BalanceCarriedForward", "CostCenter", "CostCenterSettings",
    "Description", "Number", "OpeningQuantities", "Project", "ProjectSettings", "QuantitySettings",
    "QuantityUnit", "SRU", "TransactionInformation", "TransactionInformationSettings", "VATCode", "Year",
})


def account_json(row: sqlite3.Row, caller: Caller, single: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@url": f"{caller.api_base}/accounts/{row['number']}?financialyear={row['year']}",
        "Active": bool(row["active"]),
        "BalanceBroughtForward": row["balance"],
        "CostCenterSettings": row["cost_center_settings"],
        "Description": row["description"],
        "Number": row["number"],
        "ProjectSettings": "ALLOWED",
        "Year": row["year"],
    }
    if row["sru"] is not None:
        item["SRU"] = row["sru"]
    if row["vat_code"]:
        item["VATCode"] = row["vat_code"]
    if single:
        item.update({"BalanceCarriedForward": row["balance"], "QuantitySettings": "ALLOWED",
                     "TransactionInformationSettings": "ALLOWED", "OpeningQuantities": []})
    return item


def _list_of_year(request: Request, caller: Caller, table: str, order_by: str,
                  to_json: Callable[[sqlite3.Row, Caller], dict[str, Any]], key: str) -> Response:
    """A paged list of one per-year table (`accounts`, `voucher_series`) for the year the request means."""
    fy = financial_year(caller, request)
    rows = caller.db.query(f"SELECT * FROM {table} WHERE tenant_id = ? AND year = ? ORDER BY {order_by}",
                           (caller.tenant_id, fy["id"]))
    return json_response(paged(request, [to_json(r, caller) for r in rows], key))


@endpoint("bookkeeping")
async def list_accounts(request: Request, caller: Caller) -> Response:
    return _list_of_year(request, caller, "accounts", "number", account_json, "Accounts")


def _account_number(raw: Any) -> int:
    text = str(raw)
    if isinstance(raw, bool) or not (text.isascii() and text.isdigit()) or len(text) > 4 \
            or not 1000 <= int(text) <= 9999:
        raise ApiError(codes.ACCOUNT_FORMAT, text[:20])
    return int(text)


SETTINGS = ("ALLOWED", "MANDATORY", "NOTALLOWED")


def _account_columns(body: dict[str, Any]) -> dict[str, Any]:
    """The writable account fields of a POST or PUT body, checked (a wrong type is a 400, never a crash)."""
    columns: dict[str, Any] = {}
    if "Active" in body:
        if not isinstance(body["Active"], bool):
            raise ApiError(codes.INVALID_PARAMETER, "Active")
        columns["active"] = int(body["Active"])
    if "SRU" in body and body["SRU"] is not None:
        if isinstance(body["SRU"], bool) or not isinstance(body["SRU"], int) or not 0 <= body["SRU"] <= 99999:
            raise ApiError(codes.INVALID_PARAMETER, "SRU")
        columns["sru"] = body["SRU"]
    if "VATCode" in body:
        columns["vat_code"] = text_field(body, "VATCode", 10)
    if "BalanceBroughtForward" in body:
        value = body["BalanceBroughtForward"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) < 1e12:
            raise ApiError(codes.INVALID_PARAMETER, "BalanceBroughtForward")
        columns["balance"] = float(value)
    if "CostCenterSettings" in body:
        if body["CostCenterSettings"] not in SETTINGS:
            raise ApiError(codes.INVALID_PARAMETER, "CostCenterSettings")
        columns["cost_center_settings"] = body["CostCenterSettings"]
    return columns


def _account(caller: Caller, fy_id: int, number: int) -> sqlite3.Row:
    row = caller.db.one("SELECT * FROM accounts WHERE tenant_id = ? AND year = ? AND number = ?",
                        (caller.tenant_id, fy_id, number))
    if row is None:
        raise ApiError(codes.ACCOUNT_NOT_FOUND, str(number))
    return row


@endpoint("bookkeeping")
async def get_account(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    row = _account(caller, fy["id"], _account_number(request.path_params["number"]))
    return json_response({"Account": account_json(row, caller, single=True)})


@endpoint("bookkeeping")
async def create_account(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    body = await read_body(request, "Account")
    check_fields(body, ACCOUNT_FIELDS)
    number = _account_number(body.get("Number"))
    columns = {"tenant_id": caller.tenant_id, "year": fy["id"], "number": number, "active": 1,
               "description": text_field(body, "Description", 200, required=True), **_account_columns(body)}
    with caller.db.write() as conn:
        if conn.execute("SELECT 1 FROM accounts WHERE tenant_id = ? AND year = ? AND number = ?",
                        (caller.tenant_id, fy["id"], number)).fetchone():
            raise ApiError(codes.ALREADY_EXISTS, f"konto {number}")
        conn.execute(f"INSERT INTO accounts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     tuple(columns.values()))
    row = _account(caller, fy["id"], number)
    return json_response({"Account": account_json(row, caller, single=True)}, 201)


@endpoint("bookkeeping")
async def update_account(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    number = _account_number(request.path_params["number"])
    _account(caller, fy["id"], number)
    body = await read_body(request, "Account")
    check_fields(body, ACCOUNT_FIELDS)
    if "Number" in body and _account_number(body["Number"]) != number:
        raise ApiError(codes.INVALID_PARAMETER, "Number kan inte ändras")
    changes = _account_columns(body)
    if "Description" in body:
        changes["description"] = text_field(body, "Description", 200, required=True)
    update_columns(caller, "accounts", changes, year=fy["id"], number=number)
    return json_response({"Account": account_json(_account(caller, fy["id"], number), caller, single=True)})


SERIES_FIELDS = frozenset({"@url", "Approver", "Code", "Description", "Manual", "NextVoucherNumber", "Year"})


def series_json(row: sqlite3.Row, caller: Caller, single: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@url": f"{caller.api_base}/voucherseries/{row['code']}?financialyear={row['year']}",
        "Approver": {"Id": 0, "Name": ""},
        "Code": row["code"],
        "Description": row["description"],
        "Manual": bool(row["manual"]),
        "Year": row["year"],
    }
    if single:  # NextVoucherNumber is only in single items, never in lists (§3.3)
        item["NextVoucherNumber"] = row["next_number"]
    return item


def _series(caller: Caller, fy_id: int, code: str) -> sqlite3.Row:
    row = caller.db.one("SELECT * FROM voucher_series WHERE tenant_id = ? AND year = ? AND code = ?",
                        (caller.tenant_id, fy_id, code))
    if row is None:
        raise ApiError(codes.SERIES_NOT_FOUND_404, code)
    return row


@endpoint("bookkeeping")
async def list_series(request: Request, caller: Caller) -> Response:
    return _list_of_year(request, caller, "voucher_series", "code", series_json, "VoucherSeriesCollection")


@endpoint("bookkeeping")
async def get_series(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    row = _series(caller, fy["id"], request.path_params["code"])
    return json_response({"VoucherSeries": series_json(row, caller, single=True)})


@endpoint("bookkeeping")
async def create_series(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    body = await read_body(request, "VoucherSeries")
    check_fields(body, SERIES_FIELDS)
    code = str(text_field(body, "Code", 10, required=True))
    description = text_field(body, "Description", 200) or code
    with caller.db.write() as conn:
        if conn.execute("SELECT 1 FROM voucher_series WHERE tenant_id = ? AND year = ? AND code = ?",
                        (caller.tenant_id, fy["id"], code)).fetchone():
            raise ApiError(codes.ALREADY_EXISTS, f"verifikationsserie {code}")
        # [U] a new series allows manual bookkeeping only when asked to (Manual defaults to false).
        conn.execute("INSERT INTO voucher_series VALUES (?, ?, ?, ?, ?, 1)",
                     (caller.tenant_id, fy["id"], code, description, int(bool(body.get("Manual", False)))))
    return json_response({"VoucherSeries": series_json(_series(caller, fy["id"], code), caller, single=True)}, 201)


@endpoint("bookkeeping")
async def update_series(request: Request, caller: Caller) -> Response:
    fy = financial_year(caller, request)
    code = request.path_params["code"]
    _series(caller, fy["id"], code)
    body = await read_body(request, "VoucherSeries")
    check_fields(body, SERIES_FIELDS)
    if not body.get("Code"):  # the OpenAPI document requires Code in a series body, PUT included
        raise ApiError(codes.INVALID_PARAMETER, "Code krävs")
    if body["Code"] != code:
        raise ApiError(codes.INVALID_PARAMETER, "Code kan inte ändras")
    changes: dict[str, Any] = {}
    if "Manual" in body:
        if not isinstance(body["Manual"], bool):
            raise ApiError(codes.INVALID_PARAMETER, "Manual")
        changes["manual"] = int(body["Manual"])
    if "Description" in body:
        changes["description"] = text_field(body, "Description", 200) or code
    update_columns(caller, "voucher_series", changes, year=fy["id"], code=code)
    return json_response({"VoucherSeries": series_json(_series(caller, fy["id"], code), caller, single=True)})


ROUTES = [
    Route("/3/accounts", list_accounts),
    Route("/3/accounts", create_account, methods=["POST"]),
    Route("/3/accounts/{number}", get_account),
    Route("/3/accounts/{number}", update_account, methods=["PUT"]),
    Route("/3/voucherseries", list_series),
    Route("/3/voucherseries", create_series, methods=["POST"]),
    Route("/3/voucherseries/{code}", get_series),
    Route("/3/voucherseries/{code}", update_series, methods=["PUT"]),
]
