"""Chart resources: accounts and series per year (create, update), new financial years, cost centers, invoices."""
from __future__ import annotations

from typing import Any

from sandbox_helpers import run, token


def test_account_update_active_and_description_per_year(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        put = await client.put("/3/accounts/1220?financialyear=2", headers=headers,
                               json={"Account": {"Active": True, "Description": "Inventarier"}})
        this_year = (await client.get("/3/accounts/1220?financialyear=2", headers=headers)).json()["Account"]
        last_year = (await client.get("/3/accounts/1220?financialyear=1", headers=headers)).json()["Account"]
        bad = await client.put("/3/accounts/1220", headers=headers, json={"Account": {"Number": 1221}})
        return put, this_year, last_year, bad

    put, this_year, last_year, bad = run(app, scenario)
    assert put.status_code == 200 and put.json()["Account"]["Active"] is True
    assert this_year["Description"] == "Inventarier" and this_year["Year"] == 2
    assert last_year["Active"] is False  # charts are per financial year
    assert bad.status_code == 400


def test_account_create_and_duplicate(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        body = {"Account": {"Number": 1932, "Description": "Kortinbetalningar"}}
        first = await client.post("/3/accounts?financialyear=2", headers=headers, json=body)
        again = await client.post("/3/accounts?financialyear=2", headers=headers, json=body)
        five = await client.post("/3/accounts", headers=headers,
                                 json={"Account": {"Number": 19320, "Description": "x"}})
        return first, again, five

    first, again, five = run(app, scenario)
    assert first.status_code == 201 and first.json()["Account"]["Active"] is True
    assert again.status_code == 400 and again.json()["ErrorInformation"]["code"] == 8000009
    assert five.json()["ErrorInformation"]["code"] == 2002462


def test_series_manual_flag_update_and_create(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        listed = (await client.get("/3/voucherseries?financialyear=2", headers=headers)).json()
        without_code = await client.put("/3/voucherseries/B?financialyear=2", headers=headers,
                                        json={"VoucherSeries": {"Manual": True}})
        put = await client.put("/3/voucherseries/B?financialyear=2", headers=headers,
                               json={"VoucherSeries": {"Code": "B", "Description": "Kundfakturor", "Manual": True}})
        created = await client.post("/3/voucherseries?financialyear=2", headers=headers,
                                    json={"VoucherSeries": {"Code": "K", "Description": "Kassa 2", "Manual": True}})
        missing = await client.get("/3/voucherseries/Q?financialyear=2", headers=headers)
        return listed, without_code, put, created, missing

    listed, without_code, put, created, missing = run(app, scenario)
    # The OpenAPI document requires Code in the series body, PUT included.
    assert without_code.status_code == 400 and "Code" in without_code.json()["ErrorInformation"]["message"]
    assert "VoucherSeriesCollection" in listed
    assert all("NextVoucherNumber" not in s for s in listed["VoucherSeriesCollection"])
    assert put.json()["VoucherSeries"]["Manual"] is True and put.json()["VoucherSeries"]["NextVoucherNumber"] == 1
    assert created.status_code == 201 and created.json()["VoucherSeries"]["Year"] == 2
    assert missing.status_code == 404 and missing.json()["ErrorInformation"]["Code"] == 8000011


def test_new_financial_year_copies_chart_and_series(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        created = await client.post("/3/financialyears", headers=headers, json={
            "FinancialYear": {"FromDate": "2027-01-01", "ToDate": "2027-12-31", "AccountingMethod": "ACCRUAL"}})
        overlap = await client.post("/3/financialyears", headers=headers, json={
            "FinancialYear": {"FromDate": "2026-06-01", "ToDate": "2027-05-31"}})
        fy = created.json()["FinancialYear"]["Id"]
        series = (await client.get(f"/3/voucherseries?financialyear={fy}", headers=headers)).json()
        account = (await client.get(f"/3/accounts/1910?financialyear={fy}", headers=headers)).json()
        january = await client.post("/3/vouchers", headers=headers, json={"Voucher": {
            "VoucherSeries": "F", "TransactionDate": "2027-01-02", "Description": "Nyår",
            "VoucherRows": [{"Account": 1910, "Debit": 5}, {"Account": 3001, "Credit": 5}]}})
        return created, overlap, series, account, january

    created, overlap, series, account, january = run(app, scenario)
    assert created.status_code == 201 and created.json()["FinancialYear"]["Id"] == 3
    assert overlap.status_code == 400 and overlap.json()["ErrorInformation"]["code"] == 8000008
    assert {s["Code"] for s in series["VoucherSeriesCollection"]} == {"A", "B", "C", "F"}
    assert account["Account"]["Active"] is True
    assert january.status_code == 201 and january.json()["Voucher"]["VoucherNumber"] == 1


def test_cost_centers(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        created = await client.post("/3/costcenters", headers=headers,
                                    json={"CostCenter": {"Code": "NORR", "Description": "Norr"}})
        long_code = await client.post("/3/costcenters", headers=headers,
                                      json={"CostCenter": {"Code": "TOOLONG", "Description": "x"}})
        put = await client.put("/3/costcenters/SODER", headers=headers, json={"CostCenter": {"Active": True}})
        missing = await client.get("/3/costcenters/NOPE", headers=headers)
        return created, long_code, put, missing

    created, long_code, put, missing = run(app, scenario)
    assert created.status_code == 201 and created.json()["CostCenter"]["Code"] == "NORR"
    assert long_code.status_code == 400
    assert put.json()["CostCenter"]["Active"] is True
    assert missing.status_code == 404 and "Code" in missing.json()["ErrorInformation"]


def test_customer_invoice_bookkeep(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        customer = await client.post("/3/customers", headers=headers, json={"Customer": {"Name": "Kund AB"}})
        number = customer.json()["Customer"]["CustomerNumber"]
        invoice = await client.post("/3/invoices", headers=headers, json={"Invoice": {
            "CustomerNumber": number, "InvoiceDate": "2026-11-20",
            "InvoiceRows": [{"AccountNumber": 3001, "DeliveredQuantity": "2", "Price": 100, "VAT": 25}]}})
        doc = invoice.json()["Invoice"]["DocumentNumber"]
        booked = await client.put(f"/3/invoices/{doc}/bookkeep", headers=headers)
        twice = await client.put(f"/3/invoices/{doc}/bookkeep", headers=headers)
        voucher = await client.get("/3/vouchers/B/1?financialyear=2", headers=headers)
        no_customer = await client.get("/3/customers/999", headers=headers)
        return invoice, booked, twice, voucher, no_customer

    invoice, booked, twice, voucher, no_customer = run(app, scenario)
    assert invoice.status_code == 201 and invoice.json()["Invoice"]["Total"] == 250.0
    assert booked.json()["Invoice"]["Booked"] is True and booked.json()["Invoice"]["VoucherSeries"] == "B"
    assert twice.status_code == 400 and twice.json()["ErrorInformation"]["code"] == 8000014
    rows = voucher.json()["Voucher"]["VoucherRows"]
    assert [(r["Account"], r["Debit"], r["Credit"]) for r in rows] == [
        (1510, 250.0, 0.0), (2611, 0.0, 50.0), (3001, 0.0, 200.0)]
    assert voucher.json()["Voucher"]["ReferenceType"] == "INVOICE"
    assert no_customer.status_code == 404 and no_customer.json()["ErrorInformation"]["Code"] == 2000433
