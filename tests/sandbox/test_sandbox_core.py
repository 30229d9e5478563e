"""Core behaviour in-process: demo tenant, resources, errors and their casing, paging, restart survival."""
from __future__ import annotations

from typing import Any

from sandbox_helpers import DEMO, TODAY, run, token, voucher

from pipeline.sandbox.app import create_app


def test_demo_tenant_company_information(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return (await client.get("/3/companyinformation", headers=headers)).json()

    info = run(app, scenario)["CompanyInformation"]
    assert info["DatabaseNumber"] == int(DEMO)
    assert info["CompanyName"] == "Kassasync Demo AB"


def test_financial_years_cover_today_and_last_year(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        every = (await client.get("/3/financialyears", headers=headers)).json()
        today = (await client.get("/3/financialyears?date=2026-11-28", headers=headers)).json()
        none = (await client.get("/3/financialyears?date=2030-01-01", headers=headers)).json()
        return every, today, none

    every, today, none = run(app, scenario)
    assert [(y["FromDate"], y["ToDate"]) for y in every["FinancialYears"]] == [
        ("2025-01-01", "2025-12-31"), ("2026-01-01", "2026-12-31")]
    assert [y["Id"] for y in today["FinancialYears"]] == [2]
    assert none["FinancialYears"] == [] and none["MetaInformation"]["@TotalResources"] == 0


def test_chart_has_active_and_inactive_accounts_and_pages(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        first = (await client.get("/3/accounts?financialyear=2&limit=10", headers=headers)).json()
        third = (await client.get("/3/accounts?financialyear=2&limit=10&page=3", headers=headers)).json()
        big = await client.get("/3/accounts?limit=501", headers=headers)
        return first, third, big

    first, third, big = run(app, scenario)
    meta = first["MetaInformation"]
    assert meta["@CurrentPage"] == 1 and meta["@TotalPages"] == (meta["@TotalResources"] + 9) // 10
    assert len(first["Accounts"]) == 10 and third["MetaInformation"]["@CurrentPage"] == 3
    assert first["Accounts"][0]["Number"] < third["Accounts"][0]["Number"]
    assert big.status_code == 400 and big.json()["ErrorInformation"]["code"] == 2000588


def test_required_accounts_exist_some_inactive(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return (await client.get("/3/accounts?financialyear=2&limit=500", headers=headers)).json()["Accounts"]

    accounts = {a["Number"]: a["Active"] for a in run(app, scenario)}
    for number in (1510, 1512, 1580, 1910, 1920, 1925, 1930, 2610, 2611, 2620, 2621, 2630, 2631, 2650,
                   3001, 3002, 3003, 3004, 3010, 3040, 3210, 3340, 3740):
        assert accounts[number] is True, number
    assert not all(accounts.values())


def test_not_found_is_capitalised_and_bad_request_lower_case(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        missing = await client.get("/3/accounts/9998", headers=headers)
        bad = await client.post("/3/vouchers", headers=headers, content=b"{not json")
        return missing, bad

    missing, bad = run(app, scenario)
    assert missing.status_code == 404
    assert missing.json() == {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kontot. (9998)",
                                                   "Code": 2000423}}
    assert bad.status_code == 400 and bad.json()["ErrorInformation"]["code"] == 2002115
    assert set(bad.json()["ErrorInformation"]) == {"error", "message", "code"}


def test_missing_or_bad_token_is_plain_unauthorized(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return [await client.get("/3/companyinformation"),
                await client.get("/3/companyinformation", headers={"Authorization": "Bearer x.y.z"})]

    for response in run(app, scenario):
        assert response.status_code == 401 and response.json() == {"message": "unauthorized"}


def test_post_voucher_numbers_per_series_and_year(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        numbers = []
        for series, day in (("F", "2026-11-27"), ("F", "2026-11-27"), ("A", "2026-11-27"), ("F", "2025-06-01")):
            response = await client.post("/3/vouchers", headers=headers,
                                         json=voucher(VoucherSeries=series, TransactionDate=day))
            assert response.status_code == 201, response.text
            body = response.json()["Voucher"]
            numbers.append((body["VoucherSeries"], body["VoucherNumber"], body["Year"]))
        one = (await client.get("/3/vouchers/F/2?financialyear=2", headers=headers)).json()["Voucher"]
        return numbers, one

    numbers, one = run(app, scenario)
    assert numbers == [("F", 1, 2), ("F", 2, 2), ("A", 1, 2), ("F", 1, 1)]
    assert one["VoucherRows"][0]["Description"] == "Kassa"  # filled from the account's name
    assert one["@url"].endswith("/3/vouchers/F/2?financialyear=2")
    assert one["ReferenceType"] == "MANUAL"


def test_state_survives_restart(tmp_path: Any) -> None:
    data = tmp_path / "data"

    async def post(client: Any) -> Any:
        headers = await token(client)
        return (await client.post("/3/vouchers", headers=headers, json=voucher())).json()["Voucher"]["VoucherNumber"]

    assert run(create_app(data, today=TODAY), post) == 1
    assert run(create_app(data, today=TODAY), post) == 2  # the number continues: state (and the seed) came from disk


def test_locked_period_endpoint(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        before = (await client.get("/3/settings/lockedperiod", headers=headers)).json()
        await client.post(f"/_sandbox/tenants/{DEMO}/locked-period", json={"end_date": "2026-06-30"})
        after = (await client.get("/3/settings/lockedperiod", headers=headers)).json()
        return before, after

    before, after = run(app, scenario)
    assert before == {"LockedPeriod": {"EndDate": None}}
    assert after == {"LockedPeriod": {"EndDate": "2026-06-30"}}


def test_accept_header_that_is_not_json(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return (await client.get("/3/companyinformation", headers={**headers, "Accept": "application/xml"}),
                await client.get("/3/companyinformation", headers={**headers, "Accept": "application/json"}))

    xml, json_ok = run(app, scenario)
    assert xml.status_code == 400 and xml.json()["ErrorInformation"]["code"] == 1000030
    assert json_ok.status_code == 200


def test_trailing_slash_is_the_same_resource(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return (await client.get("/3/financialyears/?date=2026-11-28", headers=headers),
                await client.get("/3/vouchers/sublist/F/", headers=headers))

    years, vouchers = run(app, scenario)
    assert years.status_code == 200 and [y["Id"] for y in years.json()["FinancialYears"]] == [2]
    assert vouchers.status_code == 200
