"""OAuth as Fortnox does it: consent page, codes, rotating refresh tokens, client credentials, scopes, expiry."""
from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox_helpers import DEMO, run, token

from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URI

AUTH = (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)


def claims_of(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def authorize_params(**changes: str) -> dict[str, str]:
    params = {"client_id": DEMO_CLIENT_ID, "response_type": "code", "state": "s t&ate/42",
              "scope": "bookkeeping companyinformation", "redirect_uri": DEMO_REDIRECT_URI,
              "access_type": "offline"}
    params.update(changes)
    return params


async def get_code(client: Any, **changes: str) -> str:
    response = await client.post("/oauth-v1/auth", data={**authorize_params(**changes), "tenant_id": DEMO,
                                                         "decision": "approve"})
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0]


async def exchange(client: Any, code: str, redirect_uri: str = DEMO_REDIRECT_URI) -> Any:
    return await client.post("/oauth-v1/token", auth=AUTH, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})


async def refresh(client: Any, refresh_token: str) -> Any:
    return await client.post("/oauth-v1/token", auth=AUTH,
                             data={"grant_type": "refresh_token", "refresh_token": refresh_token})


def test_client_credentials_token_is_a_jwt_with_tenant_and_scopes(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "client_credentials"},
                                 headers={"TenantId": DEMO})

    body = run(app, scenario).json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and "refresh_token" not in body
    claims = claims_of(body["access_token"])
    assert claims["tenantId"] == int(DEMO) and claims["clientId"] == DEMO_CLIENT_ID
    assert "bookkeeping" in claims["scopes"] and claims["exp"] - claims["iat"] == 3600


def test_token_endpoint_client_and_tenant_errors(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        bad_secret = await client.post("/oauth-v1/token", auth=(DEMO_CLIENT_ID, "wrong"),
                                       data={"grant_type": "client_credentials"}, headers={"TenantId": DEMO})
        no_tenant = await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "client_credentials"})
        unknown = await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "client_credentials"},
                                    headers={"TenantId": "4242"})
        grant = await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "password"})
        return bad_secret, no_tenant, unknown, grant

    bad_secret, no_tenant, unknown, grant = run(app, scenario)
    assert bad_secret.status_code == 401 and bad_secret.headers["content-type"].startswith("text/plain")
    assert json.loads(bad_secret.text)["error"] == "invalid_client"
    assert no_tenant.status_code == 400 and no_tenant.json()["error"] == "invalid_request"
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"


def test_consent_page_then_code_flow_with_state_echoed(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        page = await client.get("/oauth-v1/auth", params=authorize_params(account_type="service"))
        approved = await client.post("/oauth-v1/auth", data={**authorize_params(), "tenant_id": DEMO,
                                                             "decision": "approve"})
        code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
        first = await exchange(client, code)
        again = await exchange(client, code)
        return page, approved, first, again

    page, approved, first, again = run(app, scenario)
    assert page.status_code == 200 and "<form" in page.text and DEMO in page.text
    location = urlsplit(approved.headers["location"])
    assert location.geturl().startswith(DEMO_REDIRECT_URI)
    assert parse_qs(location.query)["state"] == ["s t&ate/42"]
    tokens = first.json()
    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "token_type", "scope"}
    assert tokens["scope"] == "bookkeeping companyinformation"
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # single use


def test_sandbox_shortcut_and_deny(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        auto = await client.get("/oauth-v1/auth", params=authorize_params(sandbox_tenant=DEMO))
        deny = await client.post("/oauth-v1/auth", data={**authorize_params(), "tenant_id": DEMO,
                                                         "decision": "deny"})
        return auto, deny

    auto, deny = run(app, scenario)
    assert auto.status_code == 302 and "code=" in auto.headers["location"]
    assert "error=access_denied" in deny.headers["location"] and "state=" in deny.headers["location"]


def test_authorize_errors(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        unknown = await client.get("/oauth-v1/auth", params=authorize_params(client_id="nobody"))
        scope = await client.get("/oauth-v1/auth", params=authorize_params(scope="bookkeeping salary"))
        redirect = await client.get("/oauth-v1/auth", params=authorize_params(redirect_uri="http://evil/cb"))
        return unknown, scope, redirect

    unknown, scope, redirect = run(app, scenario)
    assert unknown.status_code == 400 and "ClientID supplied is invalid" in unknown.text
    assert scope.status_code == 302 and "error=invalid_scope" in scope.headers["location"]
    assert redirect.status_code == 400


def test_code_expires_after_ten_minutes(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        code = await get_code(client)
        await client.post("/_sandbox/clock", json={"advance_s": 601})
        return await exchange(client, code)

    assert run(app, scenario).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorize_request(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        return await exchange(client, await get_code(client), redirect_uri="http://127.0.0.1:1/other")

    assert run(app, scenario).status_code == 400


def test_refresh_tokens_rotate_and_the_old_one_dies_with_odd_content_type(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        first = (await exchange(client, await get_code(client))).json()
        second = await refresh(client, first["refresh_token"])
        reused = await refresh(client, first["refresh_token"])
        third = await refresh(client, second.json()["refresh_token"])
        return first, second, reused, third

    first, second, reused, third = run(app, scenario)
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    assert reused.status_code == 400
    assert reused.headers["content-type"] == "text/html; charset=UTF-8"
    assert json.loads(reused.text) == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    assert third.status_code == 200


def test_refresh_token_expires_after_45_days(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        tokens = (await exchange(client, await get_code(client))).json()
        await client.post("/_sandbox/clock", json={"advance_s": 44 * 86400})
        fresh = (await refresh(client, tokens["refresh_token"])).json()
        await client.post("/_sandbox/clock", json={"advance_s": 45 * 86400 + 1})
        return await refresh(client, fresh["refresh_token"])

    assert run(app, scenario).json()["error"] == "invalid_grant"


def test_revoke_kills_the_refresh_token(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        tokens = (await exchange(client, await get_code(client))).json()
        revoked = await client.post("/oauth-v1/revoke", auth=AUTH, data={
            "token_type_hint": "refresh_token", "token": tokens["refresh_token"]})
        return revoked, await refresh(client, tokens["refresh_token"])

    revoked, after = run(app, scenario)
    assert revoked.json() == {"revoked": True} and after.status_code == 400


def test_access_token_expiry_follows_configurable_lifetime(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        await client.post("/_sandbox/lifetimes", json={"access_s": 60})
        headers = await token(client)
        ok = await client.get("/3/companyinformation", headers=headers)
        await client.post("/_sandbox/clock", json={"advance_s": 61})
        return ok, await client.get("/3/companyinformation", headers=headers)

    ok, expired = run(app, scenario)
    assert ok.status_code == 200
    assert expired.status_code == 401 and expired.json() == {"message": "unauthorized"}


def test_revoked_consent_ends_tokens_and_client_credentials(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        headers = await token(client)
        await client.delete(f"/_sandbox/tenants/{DEMO}/consents/{DEMO_CLIENT_ID}")
        api = await client.get("/3/companyinformation", headers=headers)
        again = await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "client_credentials"},
                                  headers={"TenantId": DEMO})
        return api, again

    api, again = run(app, scenario)
    assert api.status_code == 401 and again.json()["error"] == "invalid_grant"


def test_scopes_are_enforced_per_endpoint(app: Any) -> None:
    async def scenario(client: Any) -> Any:
        tokens = (await exchange(client, await get_code(client, scope="companyinformation"))).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        return (await client.get("/3/companyinformation", headers=headers),
                await client.get("/3/accounts", headers=headers))

    allowed, denied = run(app, scenario)
    assert allowed.status_code == 200
    assert denied.status_code == 403 and denied.json()["ErrorInformation"]["code"] == 2000663


def test_token_outage_fault(make_app: Any) -> None:
    app = make_app(token_outage=True)

    async def scenario(client: Any) -> Any:
        return await client.post("/oauth-v1/token", auth=AUTH, data={"grant_type": "client_credentials"},
                                 headers={"TenantId": DEMO})

    response = run(app, scenario)
    assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")
