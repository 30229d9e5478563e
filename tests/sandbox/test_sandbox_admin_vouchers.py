"""The admin endpoints that do to vouchers what a person does in Fortnox's web app: book one by hand, change one
(rows struck and added, the number kept), reverse one (a mirrored voucher)."""
from __future__ import annotations

from typing import Any

from sandbox_helpers import DEMO, run, token, voucher


def _scenario(app: Any, steps: Any) -> Any:
    async def scenario(client: Any) -> Any:
        return await steps(client, await token(client))

    return run(app, scenario)


def test_book_change_and_reverse(app: Any) -> None:
    async def steps(client: Any, headers: dict[str, str]) -> Any:
        posted = (await client.post("/3/vouchers", headers=headers, json=voucher())).json()["Voucher"]
        year = posted["Year"]
        by_hand = await client.post(f"/_sandbox/tenants/{DEMO}/vouchers", json=voucher(Description="Bankavgift"))
        changed = await client.post(f"/_sandbox/tenants/{DEMO}/vouchers/F/1/change?financialyear={year}", json={
            "VoucherRows": [{"Account": 1910, "Debit": 125.0}, {"Account": 3001, "Credit": 125.0}]})
        reversed_ = await client.post(f"/_sandbox/tenants/{DEMO}/vouchers/F/1/reverse?financialyear={year}", json={})
        listed = (await client.get(f"/3/vouchers/sublist/F?financialyear={year}", headers=headers)).json()
        read = (await client.get(f"/3/vouchers/F/1?financialyear={year}", headers=headers)).json()["Voucher"]
        everything = (await client.get(f"/_sandbox/tenants/{DEMO}/vouchers")).json()["vouchers"]
        return by_hand, changed, reversed_, listed, read, everything

    by_hand, changed, reversed_, listed, read, everything = _scenario(app, steps)
    assert by_hand.status_code == 201 and by_hand.json()["Voucher"]["VoucherNumber"] == 2
    assert everything[1]["client_id"] == "" and everything[1]["description"] == "Bankavgift"  # no API client
    assert changed.status_code == 201
    rows = read["VoucherRows"]
    assert [r["Removed"] for r in rows] == [True, True, True, False, False]  # struck, then the new rows
    assert read["VoucherNumber"] == 1 and read["Comments"] == ""
    assert [v["VoucherNumber"] for v in listed["Vouchers"]] == [1, 2, 3]  # the list looks the same for F 1
    mirror = reversed_.json()["Voucher"]
    assert mirror["VoucherNumber"] == 3 and mirror["Description"] == "Ändringsverifikation F 1"
    assert [(r["Account"], r["Debit"], r["Credit"]) for r in mirror["VoucherRows"]] == [(1910, 0.0, 125.0),
                                                                                       (3001, 125.0, 0.0)]


def test_what_fortnox_would_refuse_is_refused(app: Any) -> None:
    async def steps(client: Any, headers: dict[str, str]) -> Any:
        posted = (await client.post("/3/vouchers", headers=headers, json=voucher())).json()["Voucher"]
        year = posted["Year"]
        base = f"/_sandbox/tenants/{DEMO}/vouchers"
        return [
            await client.post(f"{base}/F/1/change?financialyear={year}", json={
                "VoucherRows": [{"Account": 1910, "Debit": 1.0}, {"Account": 3001, "Credit": 2.0}]}),  # unbalanced
            await client.post(f"{base}/F/9/reverse?financialyear={year}", json={}),  # no such voucher
            await client.post(base, json={"Voucher": {"VoucherSeries": "F"}}),  # no date
            await client.post(base, json={"Rows": []}),  # not the API's shape
            await client.post("/_sandbox/tenants/4242/vouchers", json=voucher()),  # no such tenant
            await client.post(f"{base}/F/1/reverse?financialyear={year}", json={"VoucherSeries": "Z"}),  # no series
        ]

    unbalanced, missing, no_date, shape, tenant, series = _scenario(app, steps)
    assert unbalanced.status_code == 400 and unbalanced.json()["ErrorInformation"]["code"] == 8000001
    assert missing.status_code == 404
    assert no_date.status_code == 400 and "ErrorInformation" in no_date.json()
    assert shape.status_code == 400 and '{"Voucher"' in shape.json()["error"]
    assert tenant.status_code == 400 and "no tenant 4242" in tenant.json()["error"]
    assert series.status_code == 400 and series.json()["ErrorInformation"]["code"] == 8000003
