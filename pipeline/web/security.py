"""Security around every page: headers (CSP, frame-ancestors 'none'), CSRF tokens, the reseller's basic auth."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.web.passwords import verify_password
from pipeline.web.signing import mac

CSRF_COOKIE = "ks_csrf"
FORM_LIMIT = 16 * 1024  # our forms carry a few short fields


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """Adds the same protective headers to every answer; pages are never framed, cached or leak a Referer
    (invitation links carry their token in the path)."""

    def __init__(self, app: ASGIApp, auth_url: str) -> None:
        self.app = app
        # form-action must allow Fortnox: the consent form's answer redirects the browser there.
        self.csp = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                    f"form-action 'self' {origin(auth_url)}; frame-ancestors 'none'; base-uri 'none'")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = self.csp
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class Csrf:
    """Double-submit tokens: a random cookie, and in each form its HMAC under the app's key."""

    def __init__(self, key: bytes, secure: bool) -> None:
        self.key, self.secure = key, secure

    def cookie_value(self, request: Request) -> tuple[str, bool]:
        """The browser's CSRF cookie, or a new one (True: the answer must set it)."""
        found = request.cookies.get(CSRF_COOKIE, "")
        return (found, False) if len(found) >= 32 else (secrets.token_urlsafe(32), True)

    def token(self, cookie: str) -> str:
        return mac(self.key, cookie)

    def set_cookie(self, response: Response, cookie: str) -> None:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=self.secure, path="/")

    def valid(self, request: Request, form: dict[str, str]) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get("csrf", "")
        return len(cookie) >= 32 and bool(sent) and hmac.compare_digest(self.token(cookie), sent)


async def read_form(request: Request) -> dict[str, str] | None:
    """An application/x-www-form-urlencoded body of at most FORM_LIMIT bytes; None when larger."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class BasicAuth:
    """The reseller's login: HTTP basic auth against a scrypt hash (KASSASYNC_ADMIN_PASSWORD_HASH)."""

    def __init__(self, user: str, password_hash: str | None) -> None:
        self.user, self.password_hash = user, password_hash
        self._good: set[str] = set()  # digests of headers that passed: scrypt is slow on purpose, once is enough

    @property
    def configured(self) -> bool:
        return bool(self.password_hash)

    def allows(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not self.password_hash or not header.lower().startswith("basic "):
            return False
        seen = hashlib.sha256(header.encode()).hexdigest()
        if seen in self._good:
            return True
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        ok = hmac.compare_digest(user.encode(), self.user.encode()) and verify_password(password, self.password_hash)
        if ok:
            if len(self._good) > 1000:
                self._good.clear()
            self._good.add(seen)
        return ok

    @staticmethod
    def challenge() -> Response:
        return Response("Sign in with the reseller's user name and password.\n", status_code=401,
                        headers={"WWW-Authenticate": 'Basic realm="kassasync", charset="UTF-8"'},
                        media_type="text/plain")
