"""Against the sandbox: connect with a scripted browser, rotation, expiry, revocation, client credentials, faults."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner
from fortnox_helpers import FAST, SECRET_KEY, browser_thread, make_settings, make_store, sandbox_seed

from pipeline.cli.main import cli
from pipeline.fortnox import errors as fe
from pipeline.fortnox.auth import RefreshTokenAuth
from pipeline.fortnox.factory import client_endpoint, open_client
from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft
from pipeline.fortnox.throttle import RetryPolicy
from pipeline.fortnox.tokenstore import REFRESH, SERVICE, TokenStore
from pipeline.sandbox.testing import SandboxHandle, running_sandbox
from pipeline.settings import Settings

STORE_YAML = 'version: 1\nstore: {id}\nname: Test AB\norg_number: "559999-0001"\ninvoice_sync: false\n'


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    with running_sandbox(tmp_path / "sandbox", sandbox_seed()) as handle:
        yield handle


def env_for(handle: SandboxHandle, tmp_path: Path) -> dict[str, str]:
    return {**handle.env(), "KASSASYNC_SECRET_KEY": SECRET_KEY, "KASSASYNC_HOME": str(tmp_path / "state")}


def connect(handle: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str = "centrum",
            *extra: str, decision: str = "approve") -> Any:
    stores = tmp_path / "stores"
    stores.mkdir(exist_ok=True)
    (stores / f"{store}.yaml").write_text(STORE_YAML.format(id=store), encoding="utf-8")
    monkeypatch.setattr("webbrowser.open", lambda url: browser_thread(url, decision=decision))
    return CliRunner().invoke(cli, ["--stores", str(stores), "--state-dir", str(tmp_path / "state"), "connect",
                                    "--store", store, "--port", "0", "--timeout", "20", *extra],
                              env=env_for(handle, tmp_path))


def settings_for(handle: SandboxHandle, tmp_path: Path) -> Settings:
    return make_settings(tmp_path, handle.api_url, handle.auth_url)


def call(settings: Settings, store: str, body: Any, tenant: str | None = None,
         policy: RetryPolicy = FAST) -> Any:
    async def go() -> Any:
        async with open_client(settings, make_store(store, tenant), policy=policy) as client:
            return await body(client)

    return asyncio.run(go())


def test_connect_with_refresh_token_then_rotation(sandbox: SandboxHandle, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    result = connect(sandbox, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert 'tenant_id: "1000001"' in result.output and "Kassasync Demo AB" in result.output
    tokens = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY)
    first = tokens.load("centrum")
    assert first and first.kind == REFRESH and first.refresh_token and first.tenant_id == "1000001"

    settings = settings_for(sandbox, tmp_path)
    info = call(settings, "centrum", lambda c: c.company_information(), tenant=None)
    assert info.database_number == 1000001
    # An hour later the sandbox refuses the access token: the client rotates and carries on.
    sandbox.advance_clock(3700)
    assert call(settings, "centrum", lambda c: c.cost_centers(), tenant=None)
    second = tokens.load("centrum")
    assert second and second.refresh_token != first.refresh_token and second.access_token != first.access_token
    dead = httpx2.post(f"{sandbox.auth_url}/token", auth=("kassasync-demo", "kassasync-demo-secret"),
                       data={"grant_type": "refresh_token", "refresh_token": str(first.refresh_token)})
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_connect_refused_in_the_browser(sandbox: SandboxHandle, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    result = connect(sandbox, tmp_path, monkeypatch, "centrum", decision="deny")
    assert result.exit_code != 0
    assert "access_denied" in str(result.exception) or "access_denied" in result.output


def test_service_account_holds_no_refresh_token(sandbox: SandboxHandle, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    result = connect(sandbox, tmp_path, monkeypatch, "soder", "--service-account")
    assert result.exit_code == 0, result.output
    saved = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY).load("soder")
    assert saved and saved.kind == SERVICE and saved.refresh_token is None and saved.access_token is None
    settings = settings_for(sandbox, tmp_path)
    years = call(settings, "soder", lambda c: c.financial_years(), tenant=None)
    assert {y.from_date.year for y in years} == {date.today().year - 1, date.today().year}


def test_client_credentials_full_read_and_post(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = settings_for(sandbox, tmp_path)

    async def body(client: Any) -> Any:
        year = await client.financial_year_for(date.today())
        accounts = await client.accounts(year.id)
        series = await client.voucher_series(year.id)
        draft = VoucherDraft("F", date.today(), "Dagskassa test", (
            VoucherRowDraft(1910, debit=Decimal("125.50")), VoucherRowDraft(3001, credit=Decimal("100.40")),
            VoucherRowDraft(2611, credit=Decimal("25.10"))))
        await client.update_account(year.id, 3001, active=True)
        posted = await client.create_voucher(year.id, draft)
        listed = await client.vouchers(year.id, series="F", from_date=date.today(), to_date=date.today())
        fetched = await client.voucher(year.id, "F", posted.voucher_number)
        return accounts, series, posted, listed, fetched, await client.locked_period()

    accounts, series, posted, listed, fetched, locked = call(settings, "centrum", body, "1000001")
    assert len(accounts) > 20 and len({a.number for a in accounts}) == len(accounts)
    assert {"A", "B", "F"} <= {s.code for s in series}
    assert posted.voucher_number in {v.voucher_number for v in listed}
    assert fetched.rows and sum(r.debit for r in fetched.rows) == Decimal("125.50")
    assert locked is None


def test_expired_refresh_token_needs_reconsent(sandbox: SandboxHandle, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect(sandbox, tmp_path, monkeypatch).exit_code == 0
    sandbox.advance_clock(46 * 86400)
    settings = settings_for(sandbox, tmp_path)
    with pytest.raises(fe.ReconsentRequired) as info:
        call(settings, "centrum", lambda c: c.cost_centers(), tenant=None)
    assert "kassasync connect --store centrum" in (info.value.hint or "")
    saved = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY).load("centrum")
    assert saved and saved.needs_reconsent and saved.refresh_token  # kept, never deleted
    # A later run does not hammer Fortnox with the dead token: it says what to do straight away.
    with pytest.raises(fe.ReconsentRequired):
        call(settings, "centrum", lambda c: c.cost_centers(), tenant=None)


def test_revoked_consent_stops_one_store_and_the_others_carry_on(sandbox: SandboxHandle, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect(sandbox, tmp_path, monkeypatch, "centrum").exit_code == 0
    tokens = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY)
    saved = tokens.load("centrum")
    assert saved
    # A second store on another tenant, connected the same way.
    seed = sandbox_seed()  # (clients again: a seed without them re-registers the demo client's fixed redirect)
    sandbox.add_seed({"clients": seed["clients"], "tenants": [{**seed["tenants"][0], "tenant_id": "1000002"}]})
    monkeypatch.setattr("webbrowser.open", lambda url: browser_thread(url, tenant_id="1000002"))
    stores = tmp_path / "stores"
    (stores / "soder.yaml").write_text(STORE_YAML.format(id="soder"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--stores", str(stores), "--state-dir", str(tmp_path / "state"), "connect",
                                      "--store", "soder", "--port", "0", "--timeout", "20"],
                                env=env_for(sandbox, tmp_path))
    assert result.exit_code == 0 and 'tenant_id: "1000002"' in result.output, result.output
    sandbox.revoke_consent("1000001")
    settings = settings_for(sandbox, tmp_path)
    with pytest.raises(fe.ReconsentRequired):
        call(settings, "centrum", lambda c: c.cost_centers(), tenant=None)
    assert call(settings, "soder", lambda c: c.company_information(), tenant=None).database_number == 1000002
    refresh = CliRunner().invoke(cli, ["--state-dir", str(tmp_path / "state"), "tokens", "refresh",
                                       "--older-than", "0s"], env=env_for(sandbox, tmp_path))
    assert "centrum: needs-reconsent" in refresh.output and "soder: rotated" in refresh.output
    assert refresh.exit_code != 0


def test_revoked_service_account_says_connect_again(sandbox: SandboxHandle, tmp_path: Path) -> None:
    sandbox.revoke_consent("1000001")
    with pytest.raises(fe.ReconsentRequired) as info:
        call(settings_for(sandbox, tmp_path), "centrum", lambda c: c.cost_centers(), "1000001")
    assert "--service-account" in (info.value.hint or "")


def test_a_429_storm_is_ridden_out(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sb", sandbox_seed(), rate_limit=4, rate_window_s=0.5) as handle:
        settings = settings_for(handle, tmp_path)
        policy = RetryPolicy(attempts=3, base_delay=0.01, rate_limit_attempts=20, rate_limit_delay=0.1)

        async def body(client: Any) -> list[Any]:
            return [await client.locked_period() for _ in range(12)]

        assert call(settings, "centrum", body, "1000001", policy) == [None] * 12


def test_html_error_pages_on_reads_and_voucher_posts(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sb", sandbox_seed()) as handle:
        settings = settings_for(handle, tmp_path)
        year = call(settings, "centrum", lambda c: c.financial_year_for(date.today()), "1000001")
        handle.set_faults(html_error_rate=1.0)
        with pytest.raises(fe.ServerError) as info:
            call(settings, "centrum", lambda c: c.cost_centers(), "1000001")
        assert "HTML" in info.value.message and not info.value.permanent
        draft = VoucherDraft("F", date.today(), "x", (VoucherRowDraft(1910, debit=Decimal(1)),
                                                     VoucherRowDraft(3001, credit=Decimal(1))))
        with pytest.raises(fe.UncertainOutcome):
            call(settings, "centrum", lambda c: c.create_voucher(year.id, draft), "1000001")


def test_sandbox_errors_arrive_typed_with_hints(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sb", sandbox_seed()) as handle:
        settings = settings_for(handle, tmp_path)

        def post(series: str, day: date, debit_account: int = 1910, credit: str = "10.00") -> Any:
            async def body(client: Any) -> Any:
                year = await client.financial_year_for(day)
                draft = VoucherDraft(series, day, "test", (VoucherRowDraft(debit_account, debit=Decimal("10.00")),
                                                           VoucherRowDraft(3001, credit=Decimal(credit))))
                await client.financial_years()
                return await client.create_voucher(year.id if year else 999, draft)

            return call(settings, "centrum", body, "1000001")

        with pytest.raises(fe.SeriesNotManual) as info:
            post("B", date.today())
        assert "tick Manuell kontering for series B in the financial year" in (info.value.hint or "")
        with pytest.raises(fe.VoucherUnbalanced):
            post("F", date.today(), credit="9.00")
        with pytest.raises((fe.NoFinancialYear, fe.NotFound)):
            post("F", date(2001, 1, 1))
        with pytest.raises(fe.AccountInactive) as inactive:
            post("F", date.today(), debit_account=1220)
        assert "activate account 1220" in (inactive.value.hint or "")


def test_refresh_after_access_expiry_locally(sandbox: SandboxHandle, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect(sandbox, tmp_path, monkeypatch).exit_code == 0
    tokens = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY)
    before = tokens.load("centrum")
    assert before
    tokens.save(replace(before, access_expires_at=0.0))
    settings = settings_for(sandbox, tmp_path)

    async def go() -> str:
        auth = RefreshTokenAuth(client_endpoint(settings, "centrum", FAST), tokens, "centrum")
        async with httpx2.AsyncClient() as http:
            return await auth.access_token(http)

    token = asyncio.run(go())
    after = tokens.load("centrum")
    assert after and token == after.access_token and after.refresh_token != before.refresh_token
