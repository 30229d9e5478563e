"""The client against a scripted fake Fortnox (httpx2.MockTransport): paging, money, retries, POST safety."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fortnox_helpers import FAST, make_settings, make_store

from pipeline.errors import UserError
from pipeline.fortnox import errors as fe
from pipeline.fortnox.factory import open_client
from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft

Handler = Callable[[httpx2.Request], httpx2.Response]


class Fake:
    """Answers the token endpoint and delegates /3 calls to a per-test handler; records every request."""

    def __init__(self, api: Handler) -> None:
        self.api, self.requests, self.token_calls = api, [], 0
        self.tag = uuid.uuid4().hex[:8]  # tokens differ between tests (the process caches them per tenant)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.url.path.endswith("/oauth-v1/token"):
            self.token_calls += 1
            return httpx2.Response(200, json={"access_token": f"tok-{self.token_calls}-{self.tag}",
                                              "expires_in": 3600, "token_type": "bearer"})
        return self.api(request)

    def api_requests(self, path_part: str = "/3/") -> list[httpx2.Request]:
        return [r for r in self.requests if path_part in r.url.path]


def run(tmp_path: Path, fake: Fake, body: Callable[[Any], Any], tenant: str = "1000001") -> Any:
    settings = make_settings(tmp_path)

    async def go() -> Any:
        async with open_client(settings, make_store(tenant_id=tenant), transport=httpx2.MockTransport(fake),
                               policy=FAST) as client:
            return await body(client)

    return asyncio.run(go())


DRAFT = VoucherDraft("F", date(2026, 3, 2), "Dagskassa 2026-03-02", (
    VoucherRowDraft(1910, debit=Decimal("1250.10")), VoucherRowDraft(3001, credit=Decimal("1000.08")),
    VoucherRowDraft(2611, credit=Decimal("250.02"))))


def test_accounts_reads_every_page_at_limit_500_with_financialyear(tmp_path: Path) -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params["page"])
        items = [{"Number": 1000 + page * 10 + i, "Description": "x", "Active": i % 2 == 0, "Year": 3}
                 for i in range(3)]
        return httpx2.Response(200, json={"MetaInformation": {"@TotalPages": 3, "@CurrentPage": page,
                                                              "@TotalResources": 9}, "Accounts": items})

    fake = Fake(api)
    accounts = run(tmp_path, fake, lambda c: c.accounts(3))
    assert len(accounts) == 9
    calls = fake.api_requests()
    assert [r.url.params["page"] for r in calls] == ["1", "2", "3"]
    assert all(r.url.params["limit"] == "500" and r.url.params["financialyear"] == "3" for r in calls)
    assert all(r.headers["TenantId"] == "1000001" for r in fake.requests if "token" in r.url.path)


def test_voucher_post_sends_exact_money_and_reads_decimal(tmp_path: Path) -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)["Voucher"]
        body.update(VoucherNumber=7, Year=3)
        return httpx2.Response(201, json={"Voucher": body})

    fake = Fake(api)
    voucher = run(tmp_path, fake, lambda c: c.create_voucher(3, DRAFT))
    sent = fake.api_requests()[0]
    assert sent.url.params["financialyear"] == "3"
    assert b'"Debit": 1250.1' in sent.content and b'"Credit": 1000.08' in sent.content
    assert voucher.voucher_number == 7 and voucher.rows[1].credit == Decimal("1000.08")
    assert sum(r.debit for r in voucher.rows) == sum(r.credit for r in voucher.rows)


@pytest.mark.parametrize("failure", ["503", "timeout", "dropped"])
def test_voucher_post_is_never_retried(tmp_path: Path, failure: str) -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        if failure == "timeout":
            raise httpx2.ReadTimeout("timed out", request=request)
        if failure == "dropped":
            raise httpx2.RemoteProtocolError("peer closed", request=request)
        return httpx2.Response(503, text="<html><title>503 Service Unavailable</title></html>")

    fake = Fake(api)
    with pytest.raises(fe.UncertainOutcome) as info:
        run(tmp_path, fake, lambda c: c.create_voucher(3, DRAFT))
    assert len(fake.api_requests()) == 1
    assert "look in Fortnox" in (info.value.hint or "")


def test_reads_retry_5xx_and_timeouts_then_succeed(tmp_path: Path) -> None:
    answers = iter(["timeout", "502", "ok"])

    def api(request: httpx2.Request) -> httpx2.Response:
        what = next(answers)
        if what == "timeout":
            raise httpx2.ReadTimeout("slow", request=request)
        if what == "502":
            return httpx2.Response(502, text="<html><body>Bad gateway</body></html>")
        return httpx2.Response(200, json={"CompanyInformation": {"CompanyName": "Övningsbolaget AB",
                                                                 "OrganizationNumber": "555555-5555",
                                                                 "DatabaseNumber": 1000001}})

    info = run(tmp_path, Fake(api), lambda c: c.company_information())
    assert info.database_number == 1000001 and info.company_name == "Övningsbolaget AB"


def test_reads_give_up_after_the_policy_with_a_server_error(tmp_path: Path) -> None:
    fake = Fake(lambda r: httpx2.Response(500, json={"ErrorInformation": {"error": 1, "message": "Systemfel.",
                                                                          "code": 1000003}}))
    with pytest.raises(fe.ServerError) as info:
        run(tmp_path, fake, lambda c: c.cost_centers())
    assert len(fake.api_requests()) == FAST.attempts
    assert info.value.code == 1000003 and not info.value.permanent


def test_a_429_storm_is_waited_out_without_headers(tmp_path: Path) -> None:
    count = {"n": 0}

    def api(request: httpx2.Request) -> httpx2.Response:
        count["n"] += 1
        if count["n"] <= 5:
            return httpx2.Response(429, text="Too Many Requests")
        return httpx2.Response(200, json={"LockedPeriod": {"EndDate": "2026-01-31"}})

    assert run(tmp_path, Fake(api), lambda c: c.locked_period()) == date(2026, 1, 31)
    assert count["n"] == 6


def test_endless_429_becomes_rate_limited(tmp_path: Path) -> None:
    fake = Fake(lambda r: httpx2.Response(429, json={"message": "Too Many Requests"}))
    with pytest.raises(fe.RateLimited):
        run(tmp_path, fake, lambda c: c.locked_period())


def test_401_gets_a_new_token_once(tmp_path: Path) -> None:
    refused: list[str] = []

    def api(request: httpx2.Request) -> httpx2.Response:
        if not refused:
            refused.append(request.headers["Authorization"])
            return httpx2.Response(401, json={"message": "unauthorized"})
        assert request.headers["Authorization"] != refused[0]
        return httpx2.Response(200, json={"CostCenters": [{"Code": "CENT", "Description": "Centrum"}]})

    fake = Fake(api)
    centers = run(tmp_path, fake, lambda c: c.cost_centers())
    assert centers[0].code == "CENT" and fake.token_calls >= 1


def test_no_tenant_id_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        run(tmp_path, Fake(lambda r: httpx2.Response(200)), lambda c: c.cost_centers(), tenant=None)
    assert "tenant_id" in info.value.message and "connect" in (info.value.hint or "")


def test_no_client_credentials_is_a_user_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, FORTNOX_CLIENT_SECRET=None)

    async def go() -> None:
        async with open_client(settings, make_store()):
            pass

    with pytest.raises(UserError) as info:
        asyncio.run(go())
    assert "FORTNOX_CLIENT_SECRET" in (info.value.hint or "")


def test_store_file_and_consent_must_name_the_same_tenant(tmp_path: Path) -> None:
    from pipeline.fortnox.tokenstore import REFRESH, Credentials, TokenStore

    settings = make_settings(tmp_path)
    TokenStore.in_state_dir(settings.state_dir, settings.secret_key).save(
        Credentials(store="test-store", kind=REFRESH, tenant_id="1000002", refresh_token="r" * 36))
    with pytest.raises(UserError) as info:
        run(tmp_path, Fake(lambda r: httpx2.Response(200)), lambda c: c.cost_centers(), tenant="1000001")
    assert "1000002" in info.value.message and "connect" in (info.value.hint or "")


def test_the_client_has_every_protocol_method_with_its_signature() -> None:
    import inspect

    from pipeline.fortnox.client import FortnoxClient
    from pipeline.fortnox.protocol import FortnoxApi

    for name, member in vars(FortnoxApi).items():
        if name.startswith("_") or not callable(member):
            continue
        ours = getattr(FortnoxClient, name)
        assert inspect.iscoroutinefunction(ours), name
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(member).parameters), name


def test_series_put_sends_code_and_description(tmp_path: Path) -> None:
    def api(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)["VoucherSeries"]
        return httpx2.Response(200, json={"VoucherSeries": {**body, "Year": 3, "NextVoucherNumber": 4}})

    fake = Fake(api)
    series = run(tmp_path, fake, lambda c: c.update_voucher_series(3, "F", manual=True, description="Kassa"))
    assert json.loads(fake.api_requests()[0].content) == {
        "VoucherSeries": {"Code": "F", "Description": "Kassa", "Manual": True}}
    assert series.manual and series.code == "F"


def _chart_and_vouchers(settings: dict[int, str], posted: list[dict[str, Any]]) -> Handler:
    def api(request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET" and request.url.path.endswith("/accounts"):
            return httpx2.Response(200, json={"MetaInformation": {"@TotalPages": 1}, "Accounts": [
                {"Number": n, "Description": "x", "Active": True, "Year": 3, "CostCenterSettings": s}
                for n, s in settings.items()]})
        body = json.loads(request.content)["Voucher"]
        posted.append(body)
        return httpx2.Response(201, json={"Voucher": {**body, "VoucherNumber": len(posted), "Year": 3}})

    return api


def test_rows_on_accounts_that_take_no_cost_center_are_sent_without_one(tmp_path: Path) -> None:
    posted: list[dict[str, Any]] = []
    fake = Fake(_chart_and_vouchers({1910: "ALLOWED", 3001: "MANDATORY", 2611: "NOTALLOWED"}, posted))
    draft = replace(DRAFT, cost_center="CENT", rows=tuple(replace(r, cost_center="CENT") for r in DRAFT.rows))

    async def two_posts(client: Any) -> Any:
        await client.create_voucher(3, draft)
        return await client.create_voucher(3, replace(draft, description="Dagskassa <2>"))

    run(tmp_path, fake, two_posts)
    assert [r.get("CostCenter") for r in posted[0]["VoucherRows"]] == ["CENT", "CENT", None]
    assert "CostCenter" not in posted[0]  # never on the head, where it would reach the NOTALLOWED row
    assert len(fake.api_requests("/accounts")) == 1  # the year's settings are read once per client
    assert posted[1]["Description"] == "Dagskassa (2)"  # the text cleaning step runs on every body


def test_a_voucher_without_cost_center_costs_no_chart_read(tmp_path: Path) -> None:
    posted: list[dict[str, Any]] = []
    fake = Fake(_chart_and_vouchers({1910: "NOTALLOWED"}, posted))
    run(tmp_path, fake, lambda c: c.create_voucher(3, DRAFT))
    assert not fake.api_requests("/accounts") and len(posted) == 1
