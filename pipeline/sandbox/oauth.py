"""/oauth-v1: consent page, token endpoint (code, refresh, client credentials) and revoke, as Fortnox does them."""
from __future__ import annotations

import base64
import binascii
import html
import secrets
import sqlite3
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.sandbox import jwt
from pipeline.sandbox.api import apply_latency, sandbox_state
from pipeline.sandbox.responses import html_page, json_response, oauth_error
from pipeline.sandbox.state import SandboxState

# Fortnox answers a dead refresh token with a JSON body but this content type (recorded exchange, §1.4).
ODD_CONTENT_TYPE = "text/html; charset=UTF-8"


async def form_of(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (parsed here: Starlette's form() needs python-multipart)."""
    raw = await request.body()
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def access_token(state: SandboxState, client_id: str, tenant_id: int, scopes: list[str]) -> tuple[str, int]:
    now = int(state.clock.now())
    lifetime = int(state.lifetimes.access_s)
    claims = {
        "iss": "https://api.fortnox.se/oauth2", "aud": client_id, "sub": f"sandbox@{tenant_id}",
        "userId": "sandbox", "tenantId": tenant_id, "clientId": client_id, "rightsAsJson": "{}",
        "scopes": scopes, "scope": " ".join(scopes), "authsource": "OAUTH2", "jti": str(uuid.uuid4()),
        "iat": now, "exp": now + lifetime, "token_type": "access_token",
    }
    return jwt.encode(claims, state.signing_key), lifetime


def _client(request: Request, state: SandboxState) -> sqlite3.Row | None:
    """The client named by HTTP Basic auth, if its secret is right."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):  # not base64 (non-ASCII included), or not UTF-8
        return None
    row = state.db.one("SELECT * FROM clients WHERE client_id = ?", (client_id,))
    if row is None or not secrets.compare_digest(str(row["secret"]), secret):
        return None
    return row


def _access_answer(state: SandboxState, client_id: str, tenant_id: int, scopes: list[str]) -> dict[str, Any]:
    """The token endpoint's answer for a new access token (without a refresh token)."""
    token, lifetime = access_token(state, client_id, tenant_id, scopes)
    return {"access_token": token, "expires_in": lifetime, "token_type": "bearer", "scope": " ".join(scopes)}


def _issue_pair(state: SandboxState, client_id: str, tenant_id: int, scopes: list[str]) -> dict[str, Any]:
    answer = _access_answer(state, client_id, tenant_id, scopes)
    refresh = str(uuid.uuid4())
    with state.db.write() as conn:
        conn.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, 0)",
                     (refresh, client_id, tenant_id, " ".join(scopes), state.clock.now() + state.lifetimes.refresh_s))
    return {**answer, "refresh_token": refresh}


def _code_grant(state: SandboxState, client: sqlite3.Row, form: Any) -> Response:
    row = state.db.one("SELECT * FROM auth_codes WHERE code = ?", (form.get("code", ""),))
    if row is None or row["client_id"] != client["client_id"] or row["used"] or row["expires"] <= state.clock.now():
        return oauth_error(400, "invalid_grant", "Invalid authorization code")
    if row["redirect_uri"] and form.get("redirect_uri") != row["redirect_uri"]:
        return oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
    with state.db.write() as conn:
        conn.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (row["code"],))
    return json_response(_issue_pair(state, client["client_id"], row["tenant_id"], row["scopes"].split()))


def _refresh_grant(state: SandboxState, client: sqlite3.Row, form: Any) -> Response:
    token = form.get("refresh_token", "")
    with state.db.write() as conn:  # check and burn in one transaction: two racing refreshes, one winner
        row = conn.execute("SELECT * FROM refresh_tokens WHERE token = ?", (token,)).fetchone()
        consent = row is not None and conn.execute(
            "SELECT 1 FROM consents WHERE client_id = ? AND tenant_id = ?",
            (row["client_id"], row["tenant_id"])).fetchone() is not None
        alive = (row is not None and consent and row["client_id"] == client["client_id"] and not row["used"]
                 and row["expires"] > state.clock.now())
        if alive:
            conn.execute("UPDATE refresh_tokens SET used = 1 WHERE token = ?", (token,))
    if not alive or row is None:
        return oauth_error(400, "invalid_grant", "Invalid refresh token", ODD_CONTENT_TYPE)
    return json_response(_issue_pair(state, client["client_id"], row["tenant_id"], row["scopes"].split()))


def _client_credentials_grant(state: SandboxState, client: sqlite3.Row, request: Request) -> Response:
    raw = request.headers.get("tenantid", "").strip()
    if not tenant_number(raw):
        return oauth_error(400, "invalid_request", "The TenantId header is missing or not a number")
    consent = state.db.one("SELECT * FROM consents WHERE client_id = ? AND tenant_id = ? AND service = 1",
                           (client["client_id"], int(raw)))
    if consent is None:
        # [U] the real answer when no service-account consent exists is not public.
        return oauth_error(400, "invalid_grant", "No service account consent for this tenant")
    allowed = set(client["scopes"].split())
    scopes = [s for s in consent["scopes"].split() if s in allowed]
    return json_response(_access_answer(state, client["client_id"], int(raw), scopes))


def _token_service_down(state: SandboxState) -> bool:
    """The token-outage faults: the token endpoint and revoke are one service."""
    return state.faults.token_outage or state.dice.hit(state.faults.token_error_rate)


async def token(request: Request) -> Response:
    state = sandbox_state(request)
    await apply_latency(state)
    if _token_service_down(state):
        return html_page(503, "503 Service Unavailable", "Fortnox är inte tillgängligt just nu.")
    client = _client(request, state)
    if client is None:
        return oauth_error(401, "invalid_client", "The client credentials are invalid", "text/plain")
    form = await form_of(request)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        return _code_grant(state, client, form)
    if grant == "refresh_token":
        return _refresh_grant(state, client, form)
    if grant == "client_credentials":
        return _client_credentials_grant(state, client, request)
    return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")


async def revoke(request: Request) -> Response:
    """`token=...&token_type_hint=refresh_token` with Basic client auth (CS `StandardAuthWorkflow`): the refresh
    token stops working at once. Like RFC 7009, an unknown or already dead token is revoked all the same.
    [U] Whether Fortnox also ends the access tokens issued from it is not documented; here they run out."""
    state = sandbox_state(request)
    await apply_latency(state)
    if _token_service_down(state):
        return html_page(503, "503 Service Unavailable", "Fortnox är inte tillgängligt just nu.")
    client = _client(request, state)
    if client is None:
        return oauth_error(401, "invalid_client", "The client credentials are invalid", "text/plain")
    form = await form_of(request)
    hint = form.get("token_type_hint", "refresh_token")
    if hint not in ("refresh_token", "access_token") or not form.get("token"):
        return oauth_error(400, "invalid_request", "token and token_type_hint=refresh_token are required")
    with state.db.write() as conn:
        conn.execute("UPDATE refresh_tokens SET used = 1 WHERE token = ? AND client_id = ?",
                     (form["token"], client["client_id"]))
    return json_response({"revoked": True})


def tenant_number(text: str) -> bool:
    """A tenant id as a header or form carries it: ASCII digits that fit an SQLite integer."""
    return text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) < 2**63


def _check_authorize(state: SandboxState, params: Any) -> tuple[sqlite3.Row | None, Response | None]:
    client = state.db.one("SELECT * FROM clients WHERE client_id = ?", (params.get("client_id", ""),))
    if client is None:
        return None, html_page(400, "Fel", "Auth code or ClientID supplied is invalid")
    if params.get("response_type") != "code" or not params.get("state"):
        return None, html_page(400, "Fel", "response_type=code and state are required")
    redirect = params.get("redirect_uri") or client["redirect_uri"]
    if not redirect or (client["redirect_uri"] and redirect != client["redirect_uri"]):
        return None, html_page(400, "Fel", "redirect_uri does not match the one registered for the client")
    if params.get("account_type") == "service" and not client["service_accounts"]:
        return None, html_page(400, "Fel", "Client does not allow service account")
    unknown = [s for s in str(params.get("scope", "")).split() if s not in client["scopes"].split()]
    if unknown or not str(params.get("scope", "")).split():
        return None, _redirect(redirect, {"error": "invalid_scope", "state": params.get("state")})
    return client, None


def _redirect(uri: str, values: dict[str, Any]) -> Response:
    sep = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{sep}{urlencode(values)}", status_code=302)


def _grant_code(state: SandboxState, client: sqlite3.Row, params: Any, tenant_id: int, redirect: str) -> Response:
    scopes = str(params["scope"]).split()
    service = params.get("account_type") == "service"
    code = secrets.token_urlsafe(24)
    with state.db.write() as conn:
        conn.execute("INSERT INTO auth_codes VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                     (code, client["client_id"], tenant_id, " ".join(scopes), params.get("redirect_uri"),
                      int(service), state.clock.now() + state.lifetimes.code_s))
        old = conn.execute("SELECT service FROM consents WHERE client_id = ? AND tenant_id = ?",
                           (client["client_id"], tenant_id)).fetchone()
        conn.execute("INSERT OR REPLACE INTO consents VALUES (?, ?, ?, ?)",
                     (client["client_id"], tenant_id, " ".join(scopes), int(service or bool(old and old["service"]))))
    state.consents_changed()
    return _redirect(redirect, {"code": code, "state": params["state"]})


def _consent_page(state: SandboxState, params: Any) -> Response:
    tenants = state.db.query("SELECT tenant_id, company FROM tenants ORDER BY tenant_id")
    options = "".join(f'<option value="{t["tenant_id"]}">{t["tenant_id"]}</option>' for t in tenants)
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
                     for k, v in params.items())
    body = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Fortnox sandbox: godkänn</title></head>"
            f"<body><h1>Godkänn integrationen {html.escape(params['client_id'])}</h1>"
            f"<p>Behörigheter: {html.escape(params['scope'])}</p>"
            f"<form method=\"post\" action=\"auth\">{hidden}<label>Företag (tenant) <select name=\"tenant_id\">"
            f"{options}</select></label> <button name=\"decision\" value=\"approve\">Godkänn</button> "
            f"<button name=\"decision\" value=\"deny\">Avbryt</button></form></body></html>")
    return Response(body, media_type="text/html")


async def authorize(request: Request) -> Response:
    """GET shows the consent page; POST (the form) or GET with `sandbox_tenant` approves and redirects back."""
    state = sandbox_state(request)
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(await form_of(request))
    client, problem = _check_authorize(state, params)
    if problem is not None or client is None:
        return problem or html_page(400, "Fel", "invalid request")
    tenant = params.pop("tenant_id", None) or params.pop("sandbox_tenant", None)
    if tenant is None:
        return _consent_page(state, params)
    redirect = params.get("redirect_uri") or client["redirect_uri"]
    if params.pop("decision", "approve") != "approve":
        return _redirect(redirect, {"error": "access_denied", "state": params["state"]})
    if not tenant_number(str(tenant)) \
            or state.db.one("SELECT 1 FROM tenants WHERE tenant_id = ?", (int(tenant),)) is None:
        return html_page(400, "Fel", f"Okänt företag {html.escape(str(tenant))}")
    return _grant_code(state, client, params, int(tenant), redirect)


ROUTES = [
    Route("/oauth-v1/auth", authorize, methods=["GET", "POST"]),
    Route("/oauth-v1/token", token, methods=["POST"]),
    Route("/oauth-v1/revoke", revoke, methods=["POST"]),
]
