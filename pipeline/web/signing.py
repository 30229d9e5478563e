"""Signed compact tokens (invitations, OAuth state) and keys derived from KASSASYNC_SECRET_KEY, one per purpose."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose: a token signed for one purpose never verifies for another."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kassasync-web",
                info=purpose.encode()).derive(secret_key.encode())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mac(key: bytes, text: str) -> str:
    return b64(hmac.new(key, text.encode(), hashlib.sha256).digest())


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """`<base64 JSON>.<base64 HMAC-SHA256>`: readable by anyone, changeable by no one without the key."""
    body = b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{mac(key, body)}"


def unsign(key: bytes, token: str) -> dict[str, Any] | None:
    """The payload of a token this key signed; None for anything else (changed, truncated, not a token)."""
    body, dot, signature = token.partition(".")
    if not dot or not hmac.compare_digest(mac(key, body), signature):
        return None
    try:
        payload = json.loads(unb64(body))
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def token_hash(token: str) -> str:
    """How an upload token is stored: SHA-256 is enough for 256 random bits (nothing to guess, nothing to salt)."""
    return hashlib.sha256(token.encode()).hexdigest()
