"""Contract: every response of every implemented /3 endpoint validates against Fortnox's OpenAPI document.

Exceptions where the document is wrong or silent, each named and tested on its own:
- `Voucher.Year` is marked required, but it is read-only and derived; clients post without it (and so do we).
- `LockedPeriod.EndDate` is typed string, but "if no date is returned, no period is locked": we answer null.
- List wrappers declare no `MetaInformation`, but real responses carry it (extra key; the document allows it).
- 400 error bodies use lower-case `error/message/code` where the document says `Error/Message/Code`; the
  document requires neither, so they still validate (the casing is tested in test_sandbox_core).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from sandbox_helpers import DEMO, run, token, voucher

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "fortnox" / "fortnox_api.json"

# (method, path template in the document, concrete path, JSON body or None)
CALLS: list[tuple[str, str, str, Any]] = [
    ("GET", "/3/companyinformation", "/3/companyinformation", None),
    ("GET", "/3/settings/lockedperiod", "/3/settings/lockedperiod", None),
    ("GET", "/3/financialyears", "/3/financialyears", None),
    ("GET", "/3/financialyears", "/3/financialyears?date=2026-11-28", None),
    ("GET", "/3/financialyears/{Id}", "/3/financialyears/2", None),
    ("POST", "/3/financialyears", "/3/financialyears",
     {"FinancialYear": {"FromDate": "2027-01-01", "ToDate": "2027-12-31", "AccountingMethod": "ACCRUAL"}}),
    ("GET", "/3/accounts", "/3/accounts?financialyear=2&limit=500", None),
    ("GET", "/3/accounts/{Number}", "/3/accounts/1910?financialyear=2", None),
    ("POST", "/3/accounts", "/3/accounts?financialyear=2", {"Account": {"Number": 1932, "Description": "Kort"}}),
    ("PUT", "/3/accounts/{Number}", "/3/accounts/1220?financialyear=2", {"Account": {"Active": True}}),
    ("GET", "/3/voucherseries", "/3/voucherseries?financialyear=2", None),
    ("GET", "/3/voucherseries/{Code}", "/3/voucherseries/F?financialyear=2", None),
    ("POST", "/3/voucherseries", "/3/voucherseries?financialyear=2",
     {"VoucherSeries": {"Code": "K", "Description": "Kassa 2", "Manual": True}}),
    ("PUT", "/3/voucherseries/{Code}", "/3/voucherseries/B?financialyear=2", {"VoucherSeries": {"Manual": True}}),
    ("POST", "/3/vouchers", "/3/vouchers?financialyear=2", voucher()),
    ("GET", "/3/vouchers", "/3/vouchers?financialyear=2&fromdate=2026-11-01&todate=2026-11-30", None),
    ("GET", "/3/vouchers/sublist", "/3/vouchers/sublist?financialyear=2", None),
    ("GET", "/3/vouchers/sublist/{VoucherSeries}", "/3/vouchers/sublist/F?financialyear=2", None),
    ("GET", "/3/vouchers/{VoucherSeries}/{VoucherNumber}", "/3/vouchers/F/1?financialyear=2", None),
    ("GET", "/3/costcenters", "/3/costcenters", None),
    ("GET", "/3/costcenters/{Code}", "/3/costcenters/CENT", None),
    ("POST", "/3/costcenters", "/3/costcenters", {"CostCenter": {"Code": "NORR", "Description": "Norr"}}),
    ("PUT", "/3/costcenters/{Code}", "/3/costcenters/NORR", {"CostCenter": {"Note": "ny"}}),
    ("POST", "/3/customers", "/3/customers", {"Customer": {"Name": "Kund AB", "OrganisationNumber": "556000-0000"}}),
    ("GET", "/3/customers", "/3/customers", None),
    ("GET", "/3/customers/{CustomerNumber}", "/3/customers/1", None),
    ("POST", "/3/invoices", "/3/invoices", {"Invoice": {"CustomerNumber": "1", "InvoiceDate": "2026-11-20",
                                                        "InvoiceRows": [{"AccountNumber": 3001, "Price": 80}]}}),
    ("GET", "/3/invoices/{DocumentNumber}", "/3/invoices/1", None),
    ("PUT", "/3/invoices/{DocumentNumber}", "/3/invoices/1", {"Invoice": {"ExternalInvoiceReference1": "KS1.s.I.1",
                                                                          "YourOrderNumber": "1"}}),
    ("GET", "/3/invoices", "/3/invoices?externalinvoicereference1=KS1.s.I", None),
    ("GET", "/3/customers", "/3/customers?organisationnumber=5560000000", None),
    ("PUT", "/3/invoices/{DocumentNumber}/bookkeep", "/3/invoices/1/bookkeep", None),
    ("POST", "/3/invoicepayments", "/3/invoicepayments",
     {"InvoicePayment": {"InvoiceNumber": 1, "Amount": 50, "PaymentDate": "2026-11-21", "ModeOfPaymentAccount": 1910}}),
    ("GET", "/3/invoicepayments", "/3/invoicepayments?invoicenumber=1", None),
    ("GET", "/3/invoicepayments/{Number}", "/3/invoicepayments/1", None),
    ("PUT", "/3/invoicepayments/{Number}/bookkeep", "/3/invoicepayments/1/bookkeep", None),
    ("PUT", "/3/invoices/{DocumentNumber}/credit", "/3/invoices/1/credit", None),
    ("PUT", "/3/invoices/{DocumentNumber}/cancel", "/3/invoices/2/cancel", None),
    ("GET", "/3/termsofpayments", "/3/termsofpayments", None),
    ("GET", "/3/termsofpayments/{Code}", "/3/termsofpayments/30", None),
    # Errors: the document's `default` response (ErrorInformationWrap).
    ("GET", "/3/accounts/{Number}", "/3/accounts/9998?financialyear=2", None),
    ("POST", "/3/vouchers", "/3/vouchers", voucher(VoucherSeries="B")),
    ("GET", "/3/vouchers/{VoucherSeries}/{VoucherNumber}", "/3/vouchers/F/77?financialyear=2", None),
    ("GET", "/3/customers/{CustomerNumber}", "/3/customers/404", None),
    ("PUT", "/3/invoices/{DocumentNumber}/credit", "/3/invoices/1/credit", None),
    ("PUT", "/3/invoices/{DocumentNumber}/bookkeep", "/3/invoices/2/bookkeep", None),
    ("PUT", "/3/invoicepayments/{Number}/bookkeep", "/3/invoicepayments/1/bookkeep", None),
    ("GET", "/3/termsofpayments/{Code}", "/3/termsofpayments/99", None),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Fortnox's OpenAPI document is not at {SPEC_PATH}")
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def response_schema(spec: dict[str, Any], method: str, template: str, status: int) -> dict[str, Any]:
    responses = spec["paths"][template][method.lower()]["responses"]
    entry = responses.get(str(status)) or responses["default"]
    schema = entry["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def validator(spec: dict[str, Any], method: str, template: str, status: int) -> Draft7Validator:
    return Draft7Validator(response_schema(spec, method, template, status),
                           format_checker=Draft7Validator.FORMAT_CHECKER)


def collect(app: Any) -> list[tuple[str, str, Any]]:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        await client.post(f"/_sandbox/tenants/{DEMO}/locked-period", json={"end_date": "2025-12-31"})
        results = []
        for method, template, path, body in CALLS:
            response = await client.request(method, path, headers=headers, json=body)
            results.append((method, template, response))
        return results

    return run(app, scenario)  # type: ignore[no-any-return]


def test_every_response_matches_the_document(spec: dict[str, Any], make_app: Any) -> None:
    app = make_app(rate_limit=0)
    failures = []
    for method, template, response in collect(app):
        assert response.headers["content-type"].startswith("application/json"), (template, response.text)
        errors = list(validator(spec, method, template, response.status_code).iter_errors(response.json()))
        if errors:
            failures.append(f"{method} {template} {response.status_code}: {errors[0].message} at "
                            f"{list(errors[0].absolute_path)}")
    assert not failures, "\n".join(failures)


def test_every_implemented_route_is_in_the_document_and_checked(spec: dict[str, Any]) -> None:
    from pipeline.sandbox import chart, customers, invoices, payments, resources, vouchers

    checked = {(m, t) for m, t, _, _ in CALLS}
    for module in (resources, chart, vouchers, customers, invoices, payments):
        for route in module.ROUTES:
            template = route.path.rstrip("/")
            for name in ("id", "number", "code", "series"):
                template = template.replace("{" + name + "}", "{*}")
            for method in route.methods - {"HEAD"}:
                known = [t for t in spec["paths"] if _same_shape(t, template)]
                assert known, f"{method} {route.path} is not in the document"
                assert any((method, t) in checked for t in known), f"{method} {route.path} has no contract call"


def _same_shape(documented: str, ours: str) -> bool:
    a, b = documented.split("/"), ours.split("/")
    if len(a) != len(b):
        return False
    return all(x == y or (x.startswith("{") and y == "{*}") for x, y in zip(a, b, strict=True))


def test_exception_voucher_year_is_required_in_the_document_but_not_by_fortnox(
        spec: dict[str, Any], app: Any) -> None:
    schema = {**spec["components"]["schemas"]["fortnox_Voucher"], "components": spec["components"]}
    body = voucher()["Voucher"]
    assert "Year" in schema["required"] and "Year" not in body
    assert list(Draft7Validator(schema).iter_errors(body))  # the document rejects a real-world request...
    relaxed = copy.deepcopy(schema)
    relaxed["required"].remove("Year")
    assert not list(Draft7Validator(relaxed).iter_errors(body))  # ...which is otherwise valid

    async def scenario(client: Any) -> Any:
        return await client.post("/3/vouchers", headers=await token(client), json=voucher())

    assert run(app, scenario).status_code == 201  # and the sandbox, like Fortnox, accepts it


def test_exception_unlocked_period_end_date_is_null(spec: dict[str, Any], app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return (await client.get("/3/settings/lockedperiod", headers=await token(client))).json()

    body = run(app, scenario)
    assert body == {"LockedPeriod": {"EndDate": None}}
    assert list(validator(spec, "GET", "/3/settings/lockedperiod", 200).iter_errors(body))  # documented exception


def test_the_contract_check_bites(spec: dict[str, Any]) -> None:
    check = validator(spec, "GET", "/3/accounts", 200)
    assert list(check.iter_errors({"Accounts": [{"Number": 12, "Description": "x"}]}))
    assert list(check.iter_errors({"Accounts": [{"Number": 1910}]}))  # Description is required
    assert list(validator(spec, "GET", "/3/vouchers/{VoucherSeries}/{VoucherNumber}", 200).iter_errors(
        {"Voucher": {"Description": "x", "TransactionDate": "2026-02-30", "VoucherSeries": "F", "Year": 1}}))
