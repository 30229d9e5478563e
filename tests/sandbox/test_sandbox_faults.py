"""Rate limit (25 per 5 s, sliding, per client and tenant), injected faults, request counts, admin endpoints."""
from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sandbox_helpers import DEMO, run, token, voucher

from pipeline.sandbox.vouchers import ConnectionDropped


def test_rate_limit_is_a_sliding_window_per_tenant(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        statuses = [(await client.get("/3/settings/lockedperiod", headers=headers)).status_code for _ in range(26)]
        await client.post("/_sandbox/clock", json={"advance_s": 5.1})
        after = (await client.get("/3/settings/lockedperiod", headers=headers)).status_code
        return statuses, after

    statuses, after = run(app, scenario)
    assert statuses[:25] == [200] * 25 and statuses[25] == 429
    assert after == 200


def test_rate_limit_budgets_are_separate_per_tenant(make_app: Any) -> None:
    app = make_app(rate_limit=2)

    async def scenario(client: Any) -> Any:
        await client.post("/_sandbox/seed", json={"tenants": [{
            "tenant_id": "1000002", "financial_years": [{"from": "2026-01-01", "to": "2026-12-31"}],
            "consents": [{"client_id": "kassasync-demo"}]}]})
        one, two = await token(client), await token(client, "1000002")
        first = [(await client.get("/3/companyinformation", headers=one)).status_code for _ in range(3)]
        second = [(await client.get("/3/companyinformation", headers=two)).status_code for _ in range(2)]
        return first, second

    first, second = run(app, scenario)
    assert first == [200, 200, 429] and second == [200, 200]


def test_error_rate_answers_500_or_503_in_fortnox_shape(make_app: Any) -> None:
    app = make_app(error_rate=1.0)

    async def scenario(client: Any) -> Any:
        return await client.get("/3/companyinformation", headers=await token(client))

    response = run(app, scenario)
    assert response.status_code in (500, 503) and response.json()["ErrorInformation"]["code"] == 1000003


def test_html_error_rate_answers_an_html_page(make_app: Any) -> None:
    app = make_app(html_error_rate=1.0)

    async def scenario(client: Any) -> Any:
        return await client.get("/3/companyinformation", headers=await token(client))

    response = run(app, scenario)
    assert response.status_code in (502, 503) and response.headers["content-type"].startswith("text/html")


def test_drop_after_commit_in_process_raises_a_transport_error_but_the_voucher_exists(make_app: Any) -> None:
    app = make_app(drop_after_commit_rate=1.0)

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        with pytest.raises(ConnectionDropped):
            await client.post("/3/vouchers", headers=headers, json=voucher())
        await client.post("/_sandbox/faults", json={"drop_after_commit_rate": 0})
        listed = (await client.get("/3/vouchers/sublist/F", headers=headers)).json()["Vouchers"]
        posted = (await client.get(f"/_sandbox/tenants/{DEMO}/vouchers")).json()["vouchers"]
        return listed, posted

    listed, posted = run(app, scenario)
    assert [v["VoucherNumber"] for v in listed] == [1]
    assert posted[0]["dropped"] is True


def test_request_counts_per_tenant_and_reset(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        for _ in range(3):
            await client.get("/3/companyinformation", headers=headers)
        counted = (await client.get("/_sandbox/requests")).json()
        await client.post("/_sandbox/requests/reset")
        return counted, (await client.get("/_sandbox/requests")).json()

    counted, after = run(app, scenario)
    assert counted == {"requests": {DEMO: 3}, "operations": {"company_information": 3}}
    assert after == {"requests": {}, "operations": {}}


def test_list_without_comments_leaves_the_key_out_of_list_items_only(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        body = voucher(Comments="KS2-Z-0123456789abcdef0123 kassasync s/2026-11-27/ab/x")
        await client.post("/3/vouchers", headers=headers, json=body)
        before = (await client.get("/3/vouchers/sublist/F", headers=headers)).json()["Vouchers"]
        toggled = (await client.post("/_sandbox/faults", json={"list_without_comments": True})).json()
        after = (await client.get("/3/vouchers/sublist/F", headers=headers)).json()["Vouchers"]
        every = (await client.get("/3/vouchers", headers=headers)).json()["Vouchers"]
        one = (await client.get(f"/3/vouchers/F/{after[0]['VoucherNumber']}", headers=headers)).json()["Voucher"]
        return before, toggled, after, every, one

    before, toggled, after, every, one = run(app, scenario)
    assert before[0]["Comments"].startswith("KS2-Z-")
    assert toggled["faults"]["list_without_comments"] is True
    assert "Comments" not in after[0] and "Comments" not in every[0]
    assert one["Comments"].startswith("KS2-Z-")


def test_admin_rejects_unknown_faults_and_bad_rates(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return [await client.post("/_sandbox/faults", json={"colour": 1}),
                await client.post("/_sandbox/faults", json={"error_rate": 2}),
                await client.post("/_sandbox/faults", json={"latency_ms": 1, "jitter_ms": 1})]

    unknown, bad, ok = run(app, scenario)
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]
    assert bad.status_code == 400
    assert ok.json()["faults"]["latency_ms"] == 1.0


def test_connection_dropped_is_a_transport_error_for_in_process_clients() -> None:
    assert issubclass(ConnectionDropped, httpx2.TransportError)


def test_latency_and_jitter_delay_requests(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.sandbox import api

    delays: list[float] = []
    real_sleep = api.asyncio.sleep

    async def record(seconds: float) -> None:
        delays.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(api.asyncio, "sleep", record)
    app = make_app(latency_ms=200, jitter_ms=100, fault_seed=7)

    async def scenario(client: Any) -> Any:
        headers = await token(client)
        for _ in range(5):
            await client.get("/3/companyinformation", headers=headers)

    run(app, scenario)
    assert len(delays) == 6  # the token request and five API calls
    assert all(0.2 <= d <= 0.3 for d in delays) and len(set(delays)) > 1


def test_json_body_with_wrong_content_type(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return await client.post("/3/vouchers", headers={**await token(client), "Content-Type": "text/plain"},
                                 content=b'{"Voucher": {}}')

    response = run(app, scenario)
    assert response.status_code == 400 and response.json()["ErrorInformation"]["code"] == 1000031
