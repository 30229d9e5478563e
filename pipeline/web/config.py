"""The web app's settings: the shared Settings plus what only `serve` reads from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass

from pipeline.errors import UserError
from pipeline.fortnox.tokenstore import KEY_HINT
from pipeline.settings import Settings

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8400
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024  # a day file is a few kB; ten MiB leaves room for a year's export
DEFAULT_STATUS_SECONDS = 60


@dataclass(frozen=True)
class WebConfig:
    settings: Settings
    public_url: str  # where customers and tills reach the app (links, the OAuth redirect, till scripts)
    secret_key: str
    admin_user: str = "admin"
    admin_password_hash: str | None = None  # None: the reseller views answer 503 and say how to set it
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    pkce: bool = False  # see docs/web.md "PKCE": Fortnox documents no PKCE parameters
    status_seconds: float = DEFAULT_STATUS_SECONDS  # how old the fleet status may get before it is read again

    @property
    def redirect_uri(self) -> str:
        """The OAuth callback: register exactly this as the integration's redirect URI in Fortnox's portal."""
        return f"{self.public_url}/onboard/callback"

    @classmethod
    def from_env(cls, settings: Settings, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 env: dict[str, str] | None = None) -> WebConfig:
        env = dict(os.environ) if env is None else env
        if not settings.secret_key:
            raise UserError("kassasync serve needs KASSASYNC_SECRET_KEY: it signs the onboarding links and "
                            "encrypts the Fortnox tokens", KEY_HINT)
        public = (env.get("KASSASYNC_PUBLIC_URL") or f"http://{host}:{port}").rstrip("/")
        try:
            limit = int(env.get("KASSASYNC_UPLOAD_MAX_BYTES") or DEFAULT_UPLOAD_LIMIT)
        except ValueError:
            raise UserError(f"KASSASYNC_UPLOAD_MAX_BYTES is {env['KASSASYNC_UPLOAD_MAX_BYTES']!r}, not a number",
                            "give the largest accepted day file in bytes, e.g. 10485760") from None
        return cls(settings=settings, public_url=public, secret_key=settings.secret_key,
                   admin_user=env.get("KASSASYNC_ADMIN_USER") or "admin",
                   admin_password_hash=env.get("KASSASYNC_ADMIN_PASSWORD_HASH") or None,
                   upload_limit=limit, pkce=(env.get("KASSASYNC_OAUTH_PKCE") or "").lower() in ("s256", "1", "on"))
