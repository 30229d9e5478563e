"""HS256 JSON Web Tokens, as Fortnox issues access tokens (small and fast: one HMAC per request)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


class InvalidToken(Exception):
    """The token is malformed, signed with another key, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_HEADER = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


def encode(claims: dict[str, Any], key: bytes) -> str:
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{_HEADER}.{body}".encode("ascii")
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{_HEADER}.{body}.{_b64(signature)}"


def decode(token: str, key: bytes, now: float) -> dict[str, Any]:
    """The claims of a token signed with `key` that has not expired at `now`; InvalidToken otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():  # a header may carry any Latin-1 text: never a token
        raise InvalidToken("not a JWT")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    try:
        signature = _unb64(parts[2])
        if not hmac.compare_digest(expected, signature):
            raise InvalidToken("bad signature")
        claims = json.loads(_unb64(parts[1]))
        if not isinstance(claims, dict) or float(claims.get("exp", 0)) <= now:
            raise InvalidToken("expired")
    except (ValueError, TypeError, RecursionError) as exc:  # undecodable base64 or JSON, or a strange exp
        raise InvalidToken("undecodable") from exc
    return claims
