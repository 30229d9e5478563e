"""The reseller's password: scrypt hashes (`scrypt$n$r$p$salt$hash`) for KASSASYNC_ADMIN_PASSWORD_HASH."""
from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets

from pipeline.web.signing import b64, unb64

N, R, P = 2**14, 8, 1  # scrypt's interactive-login parameters: ~50 ms and 16 MiB per check


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by `hash_password`; False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=unb64(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(unb64(digest)))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(found, unb64(digest))
