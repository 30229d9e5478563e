"""/3/customers: create (own or next number), get one, and the list with Fortnox's search filters.

Fortnox does not stop two customers with the same organisation number (reference invoices.md §3.5), and
neither does the sandbox: a search can find several, which is what kassasync must stop on.
"""
from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pipeline.fortnox import codes
from pipeline.sandbox.api import ApiError, Caller, endpoint, paged, read_body, text_field
from pipeline.sandbox.responses import json_response
from pipeline.sandbox.vouchers import dropped_after_commit

LIST_FIELDS = ("Address1", "Address2", "City", "CustomerNumber", "Email", "Name", "OrganisationNumber", "Phone",
               "ZipCode")
MAX_NUMBER_LENGTH = 1024  # CustomerNumber's maxLength in the OpenAPI document


def customer_data(caller: Caller, number: str) -> dict[str, Any]:
    row = caller.db.one("SELECT data FROM customers WHERE tenant_id = ? AND number = ?", (caller.tenant_id, number))
    if row is None:
        raise ApiError(codes.CUSTOMER_NOT_FOUND, number[:40])
    return json.loads(row["data"])  # type: ignore[no-any-return]


def with_url(item: dict[str, Any], caller: Caller, path: str) -> dict[str, Any]:
    return {"@url": f"{caller.api_base}/{path}", **item}


def _digits(value: Any) -> str:
    """An organisation number as compared: its digits, without a 16/19/20 century prefix ([U] whether Fortnox's
    filter ignores the dash is not documented; the sandbox does, and kassasync compares hits itself)."""
    digits = re.sub(r"\D", "", str(value or ""))
    return digits[2:] if len(digits) == 12 and digits[:2] in ("16", "19", "20") else digits


@endpoint("customer")
async def create_customer(request: Request, caller: Caller) -> Response:
    body = await read_body(request, "Customer")
    name = text_field(body, "Name", 1024, required=True)
    if not name or not name.strip():
        raise ApiError(codes.INVALID_PARAMETER, "Name krävs")
    for key, limit in (("OrganisationNumber", 30), ("Email", 1024), ("ExternalReference", 1024), ("ZipCode", 10),
                       ("CountryCode", 2)):
        text_field(body, key, limit)
    with caller.db.write() as conn:
        number = str(body.get("CustomerNumber") or "")
        if len(number) > MAX_NUMBER_LENGTH:
            raise ApiError(codes.INVALID_PARAMETER, "CustomerNumber")
        if not number:
            numbers = [int(r[0]) for r in conn.execute("SELECT number FROM customers WHERE tenant_id = ?",
                                                       (caller.tenant_id,)) if str(r[0]).isdigit()]
            number = str(max(numbers, default=0) + 1)
        if conn.execute("SELECT 1 FROM customers WHERE tenant_id = ? AND number = ?",
                        (caller.tenant_id, number)).fetchone():
            raise ApiError(codes.CUSTOMER_NUMBER_USED, number[:40])
        data = {k: v for k, v in body.items() if k != "@url"} | {"CustomerNumber": number, "Active": True}
        conn.execute("INSERT INTO customers VALUES (?, ?, ?)", (caller.tenant_id, number, json.dumps(data)))
    return dropped_after_commit(caller, "customer", number) or json_response(
        {"Customer": with_url(data, caller, f"customers/{number}")}, 201)


@endpoint("customer")
async def get_customer(request: Request, caller: Caller) -> Response:
    number = request.path_params["number"]
    return json_response({"Customer": with_url(customer_data(caller, number), caller, f"customers/{number}")})


def _matches(data: dict[str, Any], query: Any) -> bool:
    """Fortnox's list filters as the sandbox reads them ([U] exact semantics are not documented): org number by
    its digits, e-mail without regard to case, name as a part of the name, customer number exactly."""
    org = query.get("organisationnumber")
    if org and _digits(data.get("OrganisationNumber")) != _digits(org):
        return False
    email = query.get("email")
    if email and str(data.get("Email") or "").casefold() != email.casefold():
        return False
    name = query.get("name")
    if name and name.casefold() not in str(data.get("Name") or "").casefold():
        return False
    number = query.get("customernumber")
    if number and data.get("CustomerNumber") != number:
        return False
    wanted = query.get("filter")
    return not wanted or (wanted == "active") == bool(data.get("Active", True))


@endpoint("customer")
async def list_customers(request: Request, caller: Caller) -> Response:
    wanted = request.query_params.get("filter")
    if wanted and wanted not in ("active", "inactive"):
        raise ApiError(codes.INVALID_FILTER, wanted[:40])
    rows = caller.db.query("SELECT number, data FROM customers WHERE tenant_id = ? ORDER BY number",
                           (caller.tenant_id,))
    items = []
    for row in rows:
        data = json.loads(row["data"])
        if _matches(data, request.query_params):
            items.append(with_url({k: data[k] for k in LIST_FIELDS if isinstance(data.get(k), str)},
                                  caller, f"customers/{row['number']}"))
    items.sort(key=lambda item: (len(item["CustomerNumber"]), item["CustomerNumber"]))  # sorted by number
    return json_response(paged(request, items, "Customers"))


ROUTES = [
    Route("/3/customers", list_customers),
    Route("/3/customers", create_customer, methods=["POST"]),
    Route("/3/customers/{number}", get_customer),
]
