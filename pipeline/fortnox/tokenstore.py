"""The token store: one encrypted file per store in `<state-dir>/tokens/`, mode 0600, written atomically.

Files are Fernet-encrypted (AES-128-CBC + HMAC, from `cryptography`) with a key derived from
`KASSASYNC_SECRET_KEY`. A per-store lock file (`fcntl.flock`) makes one process at a time the refresher of a
store's rotating refresh token; every process re-reads the file under the lock, so the newest token wins.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import functools
import json
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pipeline import logs
from pipeline.errors import UserError
from pipeline.store_ids import checked_store_id

log = logging.getLogger("kassasync.fortnox.tokens")

REFRESH, SERVICE = "refresh", "service"
EXPIRY_MARGIN = 60.0  # seconds before expiry when a saved or cached access token is no longer handed out
KEY_HINT = ("set KASSASYNC_SECRET_KEY to a long random value and keep it (e.g. the output of "
            "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`)")


@dataclass(frozen=True)
class Credentials:
    """What `connect` left for one store. A service-account store holds no refresh token at all."""

    store: str
    kind: str  # REFRESH or SERVICE
    tenant_id: str | None = None
    refresh_token: str | None = None
    access_token: str | None = None
    access_expires_at: float = 0.0  # epoch seconds
    refreshed_at: float = 0.0  # when the refresh token was last rotated (or connected)
    scope: str = ""
    needs_reconsent: bool = False
    reconsent_reason: str | None = None

    def access_valid(self, now: float, margin: float = EXPIRY_MARGIN) -> bool:
        return bool(self.access_token) and self.access_expires_at - margin > now

    def with_tokens(self, payload: dict[str, object], now: float) -> Credentials:
        """The credentials after a token response: the new refresh token replaces the old one."""
        return replace(
            self,
            access_token=str(payload["access_token"]),
            access_expires_at=expires_at(payload, now),
            refresh_token=str(payload.get("refresh_token") or self.refresh_token or "") or None,
            refreshed_at=now if payload.get("refresh_token") else self.refreshed_at,
            scope=str(payload.get("scope") or self.scope),
            needs_reconsent=False,
            reconsent_reason=None,
        )

    def register_secrets(self) -> None:
        logs.register_secret(self.refresh_token)
        logs.register_secret(self.access_token)


def expires_at(payload: dict[str, object], now: float) -> float:
    """When a token response's access token expires (epoch seconds); Fortnox's default lifetime is an hour."""
    return now + float(str(payload.get("expires_in") or 3600))


@functools.lru_cache(maxsize=4)  # HKDF per token file read costs more than the decryption; the key never changes
def fernet_for(secret_key: str) -> Fernet:
    """A Fernet from KASSASYNC_SECRET_KEY: a Fernet key as is, any other text through HKDF-SHA256."""
    try:
        if len(base64.urlsafe_b64decode(secret_key.encode())) == 32:
            return Fernet(secret_key.encode())
    except (ValueError, TypeError):
        pass
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kassasync-token-store",
               info=b"fernet-v1").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def _write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Temp file in the same directory, fsync, rename over, fsync the directory: all or nothing, even on a crash.

    `durable=False` skips both fsyncs (still all or nothing): for caches, whose loss costs one token call.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class TokenStore:
    def __init__(self, directory: Path, secret_key: str | None) -> None:
        self.directory = directory
        self._secret_key = secret_key
        if secret_key:
            logs.register_secret(secret_key)

    @classmethod
    def in_state_dir(cls, state_dir: Path, secret_key: str | None) -> TokenStore:
        return cls(state_dir / "tokens", secret_key)

    def path_for(self, store: str) -> Path:
        return self.directory / f"{checked_store_id(store)}.token"

    @property
    def can_encrypt(self) -> bool:
        return bool(self._secret_key)

    def _fernet(self) -> Fernet:
        if not self._secret_key:
            raise UserError(f"the token store {self.directory} needs KASSASYNC_SECRET_KEY", KEY_HINT)
        return fernet_for(self._secret_key)

    def has(self, store: str) -> bool:
        return self.path_for(store).exists()

    def stores(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name[: -len(".token")] for p in self.directory.glob("*.token"))

    def load(self, store: str) -> Credentials | None:
        path = self.path_for(store)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(self._fernet().decrypt(blob))
        except InvalidToken:
            raise UserError(f"cannot decrypt {path}: KASSASYNC_SECRET_KEY is not the key it was written with",
                            "set the original KASSASYNC_SECRET_KEY, or delete the file and run "
                            f"`kassasync connect --store {store}` again") from None
        creds = Credentials(**data)
        creds.register_secrets()
        return creds

    def save(self, creds: Credentials) -> None:
        creds.register_secrets()
        blob = self._fernet().encrypt(json.dumps(asdict(creds)).encode())
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        _write_atomic(self.path_for(creds.store), blob)
        log.debug("saved credentials of store %s (kind %s)", creds.store, creds.kind)

    # Cached client-credentials access tokens, one file per tenant: a cache (no fsync, unreadable = absent).
    def _access_path(self, name: str) -> Path:
        return self.directory / f"{name}.access"

    def load_access(self, name: str) -> tuple[str, float] | None:
        """A cached access token and its expiry (epoch seconds), or None (absent, unreadable, or no key)."""
        if not self._secret_key:
            return None
        try:
            data = json.loads(self._fernet().decrypt(self._access_path(name).read_bytes()))
            token, expires_at = str(data["access_token"]), float(data["expires_at"])
        except (OSError, InvalidToken, ValueError, KeyError, TypeError):
            return None
        logs.register_secret(token)
        return token, expires_at

    def save_access(self, name: str, token: str, expires_at: float) -> None:
        """Caches an access token encrypted (only with KASSASYNC_SECRET_KEY: never in clear text)."""
        if not self._secret_key:
            return
        blob = self._fernet().encrypt(json.dumps({"access_token": token, "expires_at": expires_at}).encode())
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_atomic(self._access_path(name), blob, durable=False)

    def forget_access(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._access_path(name).unlink()

    def delete(self, store: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(store).unlink()

    def delete_all(self, store: str, access_caches: list[str]) -> list[Path]:
        """The store's credentials and the named cached access tokens: the paths removed. The lock file stays
        (another process may be waiting on it; it holds nothing)."""
        removed = []
        for path in (self.path_for(store), *map(self._access_path, access_caches)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
        return removed

    def _lock_path(self, store: str) -> Path:
        path = self.directory / f"{checked_store_id(store)}.lock"
        self.directory.mkdir(parents=True, exist_ok=True)
        return path

    @contextlib.contextmanager
    def locked(self, store: str) -> Iterator[None]:
        """Blocking exclusive lock on the store's credentials, across processes."""
        fd = os.open(self._lock_path(store), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.asynccontextmanager
    async def locked_async(self, store: str, timeout: float = 120.0) -> AsyncIterator[None]:
        """The same lock without blocking the event loop: polls a non-blocking flock."""
        fd = os.open(self._lock_path(store), os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise UserError(f"store {store}: another kassasync process has held the token lock "
                                        f"for {timeout:.0f} s", "check for a hung kassasync process") from None
                    await asyncio.sleep(0.02)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
