"""The customer's pages: the invitation, the start of Fortnox's consent, the callback, the checklist, the kit.

`state` is signed and carries the invitation, the account type and a nonce that must match a cookie set in
the browser that started (so a stolen callback URL is useless elsewhere). With KASSASYNC_OAUTH_PKCE=s256 the
authorize request also carries an S256 code challenge whose verifier is derived from that nonce.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from urllib.parse import quote, urlencode

import httpx2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox.auth import ClientCredentialsAuth, TokenEndpoint
from pipeline.fortnox.factory import TIMEOUT, client_endpoint
from pipeline.fortnox.onboarding import Connected, authorize_url, exchange_and_save, required_scopes
from pipeline.fortnox.tokenstore import TokenStore
from pipeline.web import state as st
from pipeline.web.checklist import customer_steps, run_checklist
from pipeline.web.context import WebContext, lang_of, web
from pipeline.web.invitations import Invitation, InvitationRefused, verify
from pipeline.web.security import read_form
from pipeline.web.signing import b64, derive_key, mac, sign, unsign
from pipeline.web.tillscript import FORMATS, kit
from pipeline.web.upload import same_org_number

log = logging.getLogger("kassasync.web.onboarding")
CONSENT_COOKIE = "ks_consent"
ACCOUNT_TYPES = ("normal", "service")


def _invitation(ctx: WebContext, token: str) -> Invitation:
    return verify(ctx.config.secret_key, token, ctx.now(), ctx.state.is_revoked)


def _refused(ctx: WebContext, request: Request, exc: InvitationRefused) -> Response:
    return ctx.render(request, "refused.html.j2", 410 if exc.reason == "expired" else 403, reason=exc.reason)


def _usable(ctx: WebContext, request: Request, token: str) -> tuple[Invitation, StoreConfig] | Response:
    """The invitation and its store, or the page that says why the link cannot be used."""
    try:
        invitation = _invitation(ctx, token)
    except InvitationRefused as exc:
        return _refused(ctx, request, exc)
    config = ctx.store_config(invitation.store)
    if config is None:
        log.warning("invitation %s: store file %s is missing or invalid", invitation.id, invitation.store)
        return ctx.render(request, "message.html.j2", 503, title_key="refused_title", body_key="store_unavailable")
    return invitation, config


async def invitation_page(request: Request) -> Response:
    ctx, token = web(request), request.path_params["token"]
    found = _usable(ctx, request, token)
    if isinstance(found, Response):
        return found
    invitation, config = found
    row = ctx.state.invitation(invitation.id)
    if row is not None and row.state == st.ISSUED:
        ctx.state.set_invitation_state(invitation.id, st.OPENED)
    return ctx.render(request, "invite.html.j2", token=token, store=config, invitation=invitation,
                      scopes=required_scopes(config))


def _keys(ctx: WebContext) -> tuple[bytes, bytes]:
    return derive_key(ctx.config.secret_key, "oauth-state-v1"), derive_key(ctx.config.secret_key, "pkce-v1")


def code_verifier(pkce_key: bytes, nonce: str) -> str:
    """The PKCE verifier of one consent attempt: derived from its nonce, so nothing needs storing."""
    return mac(pkce_key, nonce)


def code_challenge(verifier: str) -> str:
    return b64(hashlib.sha256(verifier.encode("ascii")).digest())


async def _posted(ctx: WebContext, request: Request,
                  token: str) -> tuple[dict[str, str], Invitation, StoreConfig] | Response:
    """A customer form's fields with its invitation and store, or the page that refuses it (CSRF, link)."""
    form = await read_form(request)
    if form is None or not ctx.csrf.valid(request, form):
        return ctx.render(request, "message.html.j2", 403, title_key="refused_title", body_key="csrf")
    found = _usable(ctx, request, token)
    return found if isinstance(found, Response) else (form, *found)


async def start_consent(request: Request) -> Response:
    ctx, token = web(request), request.path_params["token"]
    posted = await _posted(ctx, request, token)
    if isinstance(posted, Response):
        return posted
    form, invitation, config = posted
    account_type = form.get("account_type", "")
    if account_type not in ACCOUNT_TYPES:
        return ctx.render(request, "invite.html.j2", 400, token=token, store=config, invitation=invitation,
                          scopes=required_scopes(config))
    state_key, pkce_key = _keys(ctx)
    nonce = secrets.token_urlsafe(16)
    state = sign(state_key, {"t": token, "n": nonce, "a": account_type, "l": lang_of(request)})
    endpoint = client_endpoint(ctx.config.settings, config.store)
    url = authorize_url(ctx.config.settings.auth_url, endpoint.client_id, ctx.config.redirect_uri,
                        required_scopes(config), state, service_account=account_type == "service")
    if ctx.config.pkce:
        url += "&" + urlencode({"code_challenge": code_challenge(code_verifier(pkce_key, nonce)),
                                "code_challenge_method": "S256"}, quote_via=quote)
    ctx.state.set_invitation_state(invitation.id, st.CONSENTING, account_type=account_type)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(CONSENT_COOKIE, nonce, max_age=1800, httponly=True, samesite="lax", secure=ctx.secure,
                        path="/onboard")
    return response


async def callback(request: Request) -> Response:
    """Fortnox's redirect: check state and browser, trade the code, check the company, then save."""
    ctx = web(request)
    params = request.query_params
    state_key, pkce_key = _keys(ctx)
    payload = unsign(state_key, params.get("state", ""))
    if payload is None or not {"t", "n", "a"} <= payload.keys():
        return ctx.render(request, "refused.html.j2", 403, reason="tampered")
    token = str(payload["t"])
    found = _usable(ctx, request, token)
    if isinstance(found, Response):
        return found
    invitation, config = found
    nonce = request.cookies.get(CONSENT_COOKIE, "")
    if not nonce or not secrets.compare_digest(nonce, str(payload["n"])):
        return ctx.render(request, "refused.html.j2", 403, reason="tampered")
    if "error" in params or not params.get("code"):
        detail = " ".join(p for p in (params.get("error", "no code"), params.get("error_description", "")) if p)
        return _failed(ctx, request, invitation, token, f"Fortnox: {detail}")
    service = payload["a"] == "service"
    verifier = code_verifier(pkce_key, nonce) if ctx.config.pkce else None
    settings = ctx.config.settings
    endpoint = client_endpoint(settings, config.store)
    staging = TokenStore(settings.state_dir / "tokens-staging", ctx.config.secret_key)
    async with httpx2.AsyncClient(timeout=TIMEOUT) as http:
        try:
            # Saved aside first: a wrong company's token must never replace the store's own.
            connected = await exchange_and_save(http, endpoint, settings.api_url, staging, config.store,
                                                params["code"], ctx.config.redirect_uri, service_account=service,
                                                code_verifier=verifier)
        except UserError as exc:
            return _failed(ctx, request, invitation, token, exc.message)
        except httpx2.HTTPError as exc:  # company information is read with the plain client
            return _failed(ctx, request, invitation, token, f"Fortnox could not be reached ({type(exc).__name__})")
        finally:
            staging.delete(config.store)
        if not same_org_number(connected.organization_number, config.org_number):
            await _revoke(http, ctx, connected)
            return _wrong_company(ctx, request, invitation, token, config, connected)
        problem = await _prove(http, endpoint, connected, service)
        if problem:
            return _failed(ctx, request, invitation, token, problem)
    ctx.tokens.save(connected.credentials)
    ctx.state.set_invitation_state(invitation.id, st.CONNECTED, note=(
        f"{connected.company_name} ({connected.organization_number}), tenant {connected.credentials.tenant_id}, "
        f"{'service account' if service else 'refresh token'}"))
    log.info("store %s connected through invitation %s", config.store, invitation.id)
    response = RedirectResponse(f"/i/{token}/checklist", status_code=303)
    response.delete_cookie(CONSENT_COOKIE, path="/onboard")
    return response


async def _prove(http: httpx2.AsyncClient, endpoint: TokenEndpoint, connected: Connected,
                 service: bool) -> str | None:
    """Why the connection will not last, or None: a normal account needs a refresh token; a service account
    must get a client-credentials token (as `connect --service-account` checks)."""
    if not service:
        return None if connected.credentials.refresh_token else "Fortnox answered without a refresh token"
    try:
        await ClientCredentialsAuth(endpoint, str(connected.credentials.tenant_id)).access_token(http)
    except UserError as exc:
        return f"the service account gets no token: {exc.message}"
    return None


async def _revoke(http: httpx2.AsyncClient, ctx: WebContext, connected: Connected) -> None:
    """Gives back a wrong company's refresh token at once (best effort: it is never saved either way)."""
    settings = ctx.config.settings
    refresh = connected.credentials.refresh_token
    if not refresh or not settings.client_id or not settings.client_secret:
        return
    try:
        await http.post(f"{settings.auth_url}/revoke", data={"token_type_hint": "refresh_token", "token": refresh},
                        auth=httpx2.BasicAuth(settings.client_id, settings.client_secret))
    except httpx2.HTTPError as exc:
        log.warning("could not revoke the wrong company's token: %s", type(exc).__name__)


def _failed(ctx: WebContext, request: Request, invitation: Invitation, token: str, detail: str) -> Response:
    ctx.state.set_invitation_state(invitation.id, st.FAILED, note=detail)
    log.info("invitation %s: consent failed: %s", invitation.id, detail)
    return ctx.render(request, "failed.html.j2", 502, token=token, detail=detail)


def _wrong_company(ctx: WebContext, request: Request, invitation: Invitation, token: str, config: StoreConfig,
                   connected: Connected) -> Response:
    note = (f"approved for {connected.company_name} ({connected.organization_number}), but the store's org "
            f"number is {config.org_number}")
    ctx.state.set_invitation_state(invitation.id, st.REFUSED, note=note)
    return ctx.render(request, "wrong_company.html.j2", 403, token=token, store=config,
                      company=connected.company_name, found=connected.organization_number)


async def checklist_page(request: Request) -> Response:
    ctx, token = web(request), request.path_params["token"]
    found = _usable(ctx, request, token)
    if isinstance(found, Response):
        return found
    _invitation_found, config = found
    if not ctx.tokens.has(config.store) and not config.tenant_id:
        return ctx.render(request, "message.html.j2", 409, title_key="refused_title", body_key="not_connected",
                          link=f"/i/{token}")
    steps, planned = await run_checklist(ctx.config.settings, config, ctx.today())
    shown = customer_steps(steps, planned.plan, lang_of(request), ctx.config.settings)
    company = planned.snapshot.company if planned.snapshot else None
    return ctx.render(request, "checklist.html.j2", token=token, store=config, steps=shown, company=company,
                      todo=sum(1 for s in shown if s.customer_todo), checked_at=ctx.now(), formats=FORMATS,
                      reseller_todo=sum(1 for s in shown if s.state == "todo" and s.reseller_fixes))


async def till_kit(request: Request) -> Response:
    """A new upload token, handed over once inside the downloaded kit (the old token stops working)."""
    ctx, token = web(request), request.path_params["token"]
    posted = await _posted(ctx, request, token)
    if isinstance(posted, Response):
        return posted
    form, _invitation, config = posted
    fmt = form.get("format", "powershell")
    if fmt not in FORMATS or (not ctx.tokens.has(config.store) and not config.tenant_id):
        return RedirectResponse(f"/i/{token}/checklist", status_code=303)
    upload_token = ctx.state.new_upload_token(config.store)
    body = kit(fmt, ctx.config.public_url, config.store, config.name, upload_token)
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="kassasync-{config.store}-{fmt}.zip"'})


ROUTES = [
    Route("/i/{token}", invitation_page),
    Route("/i/{token}/start", start_consent, methods=["POST"]),
    Route("/i/{token}/checklist", checklist_page),
    Route("/i/{token}/till-kit", till_kit, methods=["POST"]),
    Route("/onboard/callback", callback),
]
