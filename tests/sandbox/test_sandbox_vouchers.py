"""Voucher rules as Fortnox applies them, numbering (gapless, concurrent-safe), listing and look-ups."""
from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sandbox_helpers import DEMO, TODAY, run, token, voucher

from pipeline.sandbox.app import create_app

ROWS = [{"Account": 1910, "Debit": 10.0}, {"Account": 3001, "Credit": 10.0}]


def post_one(app: Any, body: dict[str, Any], query: str = "") -> Any:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return await client.post(f"/3/vouchers{query}", headers=headers, json=body)

    return run(app, scenario)


def code_of(response: Any) -> int:
    info = response.json()["ErrorInformation"]
    return int(info.get("code", info.get("Code")))


@pytest.mark.parametrize("changes, code", [
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0}]}, 2001897),
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0}, {"Account": 3001, "Credit": 9.99}]}, 8000001),
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0}, {"Account": 9876, "Credit": 10.0}]}, 2001304),
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0}, {"Account": 1220, "Credit": 10.0}]}, 2000550),
    ({"VoucherRows": [{"Account": 123, "Debit": 10.0}, {"Account": 3001, "Credit": 10.0}]}, 2002462),
    ({"VoucherSeries": "Z"}, 8000003),
    ({"VoucherSeries": "B"}, 8000002),
    ({"TransactionDate": "2030-01-02"}, 8000004),
    ({"TransactionDate": "2026-13-01"}, 2000588),
    ({"CostCenter": "NOPE"}, 8000005),
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0, "CostCenter": "XX"}, {"Account": 3001, "Credit": 10.0}]},
     8000005),
    ({"Description": "x" * 201}, 8000007),
    ({"Description": ""}, 2000588),
    ({"Comments": "x" * 1001}, 8000007),
    ({"VoucherRows": [{"Account": 1910, "Debit": 10.0, "TransactionInformation": "x" * 101},
                      {"Account": 3001, "Credit": 10.0}]}, 8000007),
    ({"Colour": "red"}, 2001399),
    ({"Description": "Kassa \U0001F600"}, 2000359),
    ({"Project": "P1"}, 2001161),
])
def test_voucher_rule_violations_are_rejected_with_400_and_lower_case(app: Any, changes: dict, code: int) -> None:
    response = post_one(app, voucher(**changes))
    assert response.status_code == 400, response.text
    assert set(response.json()["ErrorInformation"]) == {"error", "message", "code"}
    assert code_of(response) == code


def test_empty_and_wrapperless_bodies(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        return [await client.post("/3/vouchers", headers=headers, content=b""),
                await client.post("/3/vouchers", headers=headers, json={"VoucherSeries": "F"})]

    assert [code_of(r) for r in run(app, scenario)] == [2001392, 2001392]


def test_balance_is_checked_to_the_ore_not_the_float(app: Any) -> None:
    rows = [{"Account": 1910, "Debit": 0.1}, {"Account": 1910, "Debit": 0.2}, {"Account": 3001, "Credit": 0.3}]
    assert post_one(app, voucher(VoucherRows=rows)).status_code == 201


def test_date_outside_the_named_financial_year(app: Any) -> None:
    response = post_one(app, voucher(TransactionDate="2026-03-01"), "?financialyear=1")
    assert response.status_code == 400 and code_of(response) == 8000004


def test_unknown_financial_year_id_is_not_found(app: Any) -> None:
    response = post_one(app, voucher(), "?financialyear=99")
    assert response.status_code == 404 and code_of(response) == 8000010


def test_locked_period_names_the_date(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        await client.post(f"/_sandbox/tenants/{DEMO}/locked-period", json={"end_date": "2026-10-31"})
        headers = await token(client)
        locked = await client.post("/3/vouchers", headers=headers, json=voucher(TransactionDate="2026-10-31"))
        open_day = await client.post("/3/vouchers", headers=headers, json=voucher(TransactionDate="2026-11-01"))
        return locked, open_day

    locked, open_day = run(app, scenario)
    assert locked.status_code == 400 and code_of(locked) == 2000401
    assert "2026-10-31" in locked.json()["ErrorInformation"]["message"]
    assert open_day.status_code == 201


def test_cost_center_on_voucher_and_row(app: Any) -> None:
    rows = [{"Account": 1910, "Debit": 10.0, "CostCenter": "CENT"}, {"Account": 3001, "Credit": 10.0}]
    body = post_one(app, voucher(CostCenter="CENT", VoucherRows=rows)).json()["Voucher"]
    assert body["CostCenter"] == "CENT" and body["VoucherRows"][0]["CostCenter"] == "CENT"


def test_rejected_posts_leave_no_gap(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        numbers = []
        for body in (voucher(), voucher(VoucherRows=ROWS[:1]), voucher()):
            response = await client.post("/3/vouchers", headers=headers, json=body)
            if response.status_code == 201:
                numbers.append(response.json()["Voucher"]["VoucherNumber"])
        return numbers

    assert run(app, scenario) == [1, 2]


def test_concurrent_posts_in_one_server_get_distinct_gapless_numbers(make_app: Any) -> None:
    app = make_app(rate_limit=0)

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        responses = await asyncio.gather(*(client.post("/3/vouchers", headers=headers, json=voucher())
                                           for _ in range(40)))
        return sorted(r.json()["Voucher"]["VoucherNumber"] for r in responses)

    assert run(app, scenario) == list(range(1, 41))


def test_two_servers_on_one_data_dir_never_share_a_number(tmp_path: Any) -> None:
    """Numbers come from one IMMEDIATE transaction, so even two processes' worth of writers stay gapless."""
    apps = [create_app(tmp_path / "data", today=TODAY, rate_limit=0) for _ in range(2)]
    found: list[int] = []

    def worker(app: Any) -> None:
        async def scenario(client: Any) -> Any:
            headers = await token(client)
            for _ in range(25):
                response = await client.post("/3/vouchers", headers=headers, json=voucher())
                found.append(response.json()["Voucher"]["VoucherNumber"])

        run(app, scenario)

    threads = [threading.Thread(target=worker, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(found) == list(range(1, 51))


def test_list_filters_sublist_and_get(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        for day, series in (("2026-11-01", "F"), ("2026-11-15", "F"), ("2026-11-15", "A"), ("2026-11-20", "F")):
            await client.post("/3/vouchers?financialyear=2", headers=headers,
                              json=voucher(TransactionDate=day, VoucherSeries=series))
        ranged = await client.get("/3/vouchers?financialyear=2&fromdate=2026-11-10&todate=2026-11-16",
                                  headers=headers)
        by_series = await client.get("/3/vouchers?financialyear=2&voucherseries=F", headers=headers)
        sub = await client.get("/3/vouchers/sublist/F?financialyear=2&fromdate=2026-11-10", headers=headers)
        other_year = await client.get("/3/vouchers/sublist/F?financialyear=1", headers=headers)
        missing = await client.get("/3/vouchers/F/99?financialyear=2", headers=headers)
        return ranged.json(), by_series.json(), sub.json(), other_year.json(), missing

    ranged, by_series, sub, other_year, missing = run(app, scenario)
    assert [(v["VoucherSeries"], v["VoucherNumber"]) for v in ranged["Vouchers"]] == [("A", 1), ("F", 2)]
    assert [v["VoucherNumber"] for v in by_series["Vouchers"]] == [1, 2, 3]
    assert [v["TransactionDate"] for v in sub["Vouchers"]] == ["2026-11-15", "2026-11-20"]
    assert "VoucherRows" not in sub["Vouchers"][0]
    assert other_year["Vouchers"] == [] and other_year["MetaInformation"]["@TotalPages"] == 0
    assert missing.status_code == 404 and missing.json()["ErrorInformation"]["Code"] == 8000012


def test_vouchers_cannot_be_changed_or_deleted(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        await client.post("/3/vouchers", headers=headers, json=voucher())
        return [await client.put("/3/vouchers/F/1", headers=headers, json=voucher()),
                await client.delete("/3/vouchers/F/1", headers=headers)]

    for response in run(app, scenario):
        assert response.status_code in (404, 405) and "ErrorInformation" in response.json()
