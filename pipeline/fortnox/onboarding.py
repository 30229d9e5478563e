"""Connecting a store: the authorize URL, the loopback redirect receiver, the code exchange, saved credentials.

The user approves kassasync in a browser; Fortnox redirects to `http://127.0.0.1:<port>/callback` with `code`
and `state`; we check `state` (authlib), exchange the code, read the tenant id from company information
(`DatabaseNumber`, reference/fortnox-api.md §1.5) and save the credentials. A service-account store keeps
no refresh token: later runs ask for client-credentials tokens with the `TenantId` header.
"""
from __future__ import annotations

import http.server
import logging
import queue
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlparse

import httpx2
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import MismatchingStateException, MissingCodeException
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox import convert
from pipeline.fortnox.auth import TokenEndpoint
from pipeline.fortnox.tokenstore import REFRESH, SERVICE, Credentials, TokenStore

log = logging.getLogger("kassasync.fortnox.connect")

BASE_SCOPES = ("bookkeeping", "companyinformation", "costcenter", "settings")


def required_scopes(store: StoreConfig | None) -> list[str]:
    """The scopes the store's pipeline uses: bookkeeping and set-up always, invoices only with invoice_sync."""
    scopes = list(BASE_SCOPES)
    if store is not None and store.invoice_sync:
        scopes += ["customer", "invoice"]
    return scopes


def new_state() -> str:
    return generate_token(32)


def authorize_url(auth_url: str, client_id: str, redirect_uri: str, scopes: list[str], state: str, *,
                  service_account: bool = False) -> str:
    """The consent URL. Scopes are joined with %20, as Fortnox documents (§1.1)."""
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
              "scope": " ".join(scopes), "state": state, "access_type": "offline"}
    if service_account:
        params["account_type"] = "service"
    return f"{auth_url.rstrip('/')}/auth?{urlencode(params, quote_via=quote)}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Receiver

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        if urlparse(self.path).path != "/callback":
            self.send_error(404)
            return
        self.server.results.put(f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}")
        page = ("<!doctype html><meta charset=utf-8><title>kassasync</title>"
                "<p>kassasync received Fortnox's answer. You can close this window and return to the terminal.")
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep codes out of stderr
        log.debug("loopback: %s", self.command)


class _Receiver(http.server.ThreadingHTTPServer):
    results: queue.Queue[str]


class LoopbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that catches Fortnox's redirect."""

    def __init__(self, port: int = 0) -> None:
        try:
            self._server = _Receiver(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise UserError(f"cannot listen on 127.0.0.1:{port} for Fortnox's redirect ({exc.strerror})",
                            "close the program using that port or choose another with --port") from None
        self._server.results = queue.Queue()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> str:
        try:
            return self._server.results.get(timeout=timeout)
        except queue.Empty:
            raise UserError(f"no answer from Fortnox within {timeout:.0f} s",
                            "open the printed URL in a browser, approve kassasync, and run connect again") from None


def code_from_redirect(url: str, state: str) -> str:
    """The authorization code, after checking `state`; Fortnox's refusal (error=...) becomes a UserError."""
    params = dict(parse_qsl(urlparse(url).query))
    if "error" in params:
        raise UserError(f"Fortnox did not grant access: {params['error']} {params.get('error_description', '')}"
                        .rstrip(), "approve kassasync in the browser (a system administrator must approve a "
                        "service account), then run connect again")
    try:
        return str(parse_authorization_code_response(url, state=state)["code"])
    except MismatchingStateException:
        raise UserError("the answer from the browser carries the wrong state: it does not belong to this "
                        "connect", "run connect again and use only the newest URL") from None
    except MissingCodeException:
        raise UserError("the answer from the browser carries no authorization code",
                        "run connect again") from None


@dataclass(frozen=True)
class Connected:
    credentials: Credentials
    company_name: str
    organization_number: str


async def exchange_and_save(http: httpx2.AsyncClient, endpoint: TokenEndpoint, api_url: str, tokens: TokenStore,
                            store: str, code: str, redirect_uri: str, *, service_account: bool,
                            code_verifier: str | None = None) -> Connected:
    """Trades the code for tokens, reads the tenant id, saves the store's credentials.

    `code_verifier`: the PKCE verifier, when the authorize request carried a code challenge (the web app's
    option; Fortnox documents no PKCE)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if code_verifier:
        form["code_verifier"] = code_verifier
    payload = await endpoint.request(http, form)
    access = str(payload["access_token"])
    response = await http.get(f"{api_url.rstrip('/')}/companyinformation",
                              headers={"Authorization": f"Bearer {access}", "Accept": "application/json"})
    if response.status_code != 200:
        raise UserError(f"store {store}: connected, but reading company information failed (HTTP "
                        f"{response.status_code})", "the consent must include the companyinformation scope; "
                        "run connect again")
    info = convert.company_information(response.json().get("CompanyInformation") or {})
    now = time.time()
    base = Credentials(store=store, kind=SERVICE if service_account else REFRESH,
                       tenant_id=str(info.database_number), refreshed_at=now)
    # A service account keeps no refresh token at all: nothing can rotate, nothing can expire from idleness.
    creds = base if service_account else base.with_tokens(payload, now)
    if tokens.can_encrypt or not service_account:
        tokens.save(creds)  # a service account without a key needs nothing saved: tenant_id is in the YAML
    log.info("store %s connected to tenant %s (%s)", store, creds.tenant_id, creds.kind)
    return Connected(creds, info.company_name, info.organization_number)
