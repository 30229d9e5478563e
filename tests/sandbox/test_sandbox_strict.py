"""Where Fortnox is strict the sandbox is too: allowed characters, cost-center settings, series PUT, years."""
from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import DEMO, run, token, voucher

from pipeline.fortnox import codes
from pipeline.sandbox.seed import demo_seed

ROWS = [{"Account": 1910, "Debit": 10.0}, {"Account": 3001, "Credit": 10.0}]


def info(response: Any) -> dict[str, Any]:
    return {k.lower(): v for k, v in response.json()["ErrorInformation"].items()}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/3/vouchers", voucher(Description='Dagskassa "Centrum"')),
    ("POST", "/3/vouchers", voucher(Comments="KS-1 <x>")),
    ("POST", "/3/vouchers", voucher(VoucherRows=[{**ROWS[0], "TransactionInformation": "kort\tkontant"},
                                                 ROWS[1]])),
    ("POST", "/3/vouchers", voucher(VoucherRows=[{**ROWS[0], "Description": "a|b"}, ROWS[1]])),
    ("POST", "/3/accounts", {"Account": {"Number": 1939, "Description": "Bank [2]"}}),
    ("PUT", "/3/accounts/1910", {"Account": {"Description": "Kassa ~"}}),
    ("POST", "/3/voucherseries", {"VoucherSeries": {"Code": "K", "Description": "{Kassa}"}}),
    ("PUT", "/3/voucherseries/F", {"VoucherSeries": {"Code": "F", "Description": "Kassa's", "Manual": True}}),
    ("POST", "/3/costcenters", {"CostCenter": {"Code": "NY", "Description": "Ny", "Note": "a'b"}}),
    ("POST", "/3/customers", {"Customer": {"Name": 'Kalle "K" AB'}}),
])
def test_every_stored_text_is_held_to_fortnoxs_whitelist(app: Any, method: str, path: str, body: Any) -> None:
    async def scenario(client: Any) -> Any:
        return await client.request(method, path, headers=await token(client), json=body)

    response = run(app, scenario)
    assert response.status_code == 400, response.text
    assert info(response)["code"] == 2000359
    assert info(response)["message"].startswith("Värdet innehåller ej tillåtna tecken. (")


def test_the_same_texts_cleaned_are_stored(app: Any) -> None:
    from pipeline.fortnox.text import clean_body

    async def scenario(client: Any) -> Any:
        return await client.post("/3/vouchers", headers=await token(client),
                                 json=clean_body(voucher(Description='Dagskassa "Centrum" <1>')))

    created = run(app, scenario)
    assert created.status_code == 201 and created.json()["Voucher"]["Description"] == "Dagskassa ’Centrum’ (1)"


def seed_with_settings() -> dict[str, Any]:
    seed = demo_seed()
    tenant = seed["tenants"][0]
    tenant["accounts"] = {3001: {"description": "Försäljning", "cost_center_settings": "MANDATORY"},
                          1930: {"description": "Bank", "cost_center_settings": "NOTALLOWED"}}
    return seed


def test_cost_center_settings_are_enforced_with_fortnoxs_answers(make_app: Any) -> None:
    app = make_app(seed_with_settings())

    async def post(client: Any, headers: Any, rows: list[dict[str, Any]], **head: Any) -> Any:
        return await client.post("/3/vouchers", headers=headers, json=voucher(VoucherRows=rows, **head))

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        listed = (await client.get("/3/accounts", headers=headers)).json()["Accounts"]
        return (listed,
                await post(client, headers, [{"Account": 1910, "Debit": 10.0}, {"Account": 3001, "Credit": 10.0}]),
                await post(client, headers, [{"Account": 1930, "Debit": 10.0, "CostCenter": "CENT"},
                                             {"Account": 3001, "Credit": 10.0, "CostCenter": "CENT"}]),
                await post(client, headers, [{"Account": 1930, "Debit": 10.0},
                                             {"Account": 3001, "Credit": 10.0, "CostCenter": "CENT"}],
                           CostCenter="CENT"),
                await post(client, headers, [{"Account": 1930, "Debit": 10.0},
                                             {"Account": 3001, "Credit": 10.0, "CostCenter": "SODER"}]),
                await post(client, headers, [{"Account": 1930, "Debit": 10.0},
                                             {"Account": 3001, "Credit": 10.0, "CostCenter": "CENT"}]))

    listed, mandatory, not_allowed, head, inactive, fine = run(app, scenario)
    settings = {a["Number"]: a["CostCenterSettings"] for a in listed}
    assert settings[3001] == "MANDATORY" and settings[1930] == "NOTALLOWED" and settings[2611] == "NOTALLOWED"
    assert settings[1910] == "ALLOWED"
    assert info(mandatory) == {"error": 1, "code": 2000946, "message": "Kostnadsställe är obligatoriskt på konto: 3001"}
    for refused in (not_allowed, head):  # a voucher-level cost center reaches the NOTALLOWED row too
        assert codes.recognise(400, info(refused)["message"]) is codes.COST_CENTER_NOT_ALLOWED
        assert "1930" in info(refused)["message"]
    assert info(inactive) == {"error": 1, "code": 2002821, "message": 'Angivet kostnadsställe "SODER" är inte aktivt.'}
    assert fine.status_code == 201, fine.text
    assert [r["CostCenter"] for r in fine.json()["Voucher"]["VoucherRows"]] == ["", "CENT"]


def test_account_cost_center_settings_can_be_changed_and_carry_into_a_new_year(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        bad = await client.put("/3/accounts/3001", headers=headers, json={"Account": {"CostCenterSettings": "X"}})
        put = await client.put("/3/accounts/3001", headers=headers,
                               json={"Account": {"CostCenterSettings": "MANDATORY"}})
        year = await client.post("/3/financialyears", headers=headers,
                                 json={"FinancialYear": {"FromDate": "2027-01-01", "ToDate": "2027-12-31"}})
        assert year.status_code == 201, year.text
        new_id = year.json()["FinancialYear"]["Id"]
        copied = await client.get(f"/3/accounts/3001?financialyear={new_id}", headers=headers)
        return bad, put, copied

    bad, put, copied = run(app, scenario)
    assert bad.status_code == 400 and put.json()["Account"]["CostCenterSettings"] == "MANDATORY"
    assert copied.json()["Account"]["CostCenterSettings"] == "MANDATORY"


@pytest.mark.parametrize(("start", "end", "ok"), [
    ("2027-01-01", "2027-01-01", False),  # one day
    ("2027-01-15", "2027-12-31", False),  # not from the first of a month
    ("2027-01-01", "2027-12-30", False),  # not to the last of a month
    ("2027-01-01", "2028-07-31", False),  # 19 months
    ("2027-01-01", "2028-06-30", True),  # 18 months: a longer first or changed year
    ("2027-07-01", "2028-06-30", True),  # a broken year
])
def test_financial_years_are_whole_months_within_the_law(app: Any, start: str, end: str, ok: bool) -> None:
    async def scenario(client: Any) -> Any:
        return await client.post("/3/financialyears", headers=await token(client),
                                 json={"FinancialYear": {"FromDate": start, "ToDate": end}})

    response = run(app, scenario)
    assert (response.status_code == 201) is ok, response.text
    if not ok:
        assert info(response)["code"] == 2000588 and "FromDate/ToDate" in info(response)["message"]


def test_a_voucher_with_more_rows_than_the_limit_is_refused(app: Any) -> None:
    rows = [{"Account": 1910, "Debit": 1.0}] * 250 + [{"Account": 3001, "Credit": 1.0}] * 251

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return (await client.post("/3/vouchers", headers=headers, json=voucher(VoucherRows=rows)),
                await client.post("/3/vouchers", headers=headers, json=voucher(VoucherRows=rows[:500])))

    too_many, most = run(app, scenario)
    assert too_many.status_code == 400
    assert codes.recognise(400, info(too_many)["message"]) is codes.TOO_MANY_ROWS
    assert most.status_code == 201


def test_series_put_needs_its_code(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return [await client.put("/3/voucherseries/F", headers=headers, json={"VoucherSeries": body})
                for body in ({"Manual": True}, {"Code": "G", "Manual": True}, {"Code": "F", "Manual": True})]

    without, other, right = run(app, scenario)
    assert without.status_code == 400 and "Code" in info(without)["message"]
    assert other.status_code == 400 and right.status_code == 200


def test_the_demo_tenant_is_still_the_documented_one() -> None:
    assert demo_seed()["tenants"][0]["tenant_id"] == DEMO
