"""Runtime settings from the environment and flags; never from stores/*.yaml (those are in git)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REAL_API_URL = "https://api.fortnox.se/3"
REAL_AUTH_URL = "https://apps.fortnox.se/oauth-v1"


@dataclass(frozen=True)
class Settings:
    stores_dir: Path
    inbox_dir: Path
    state_dir: Path
    api_url: str
    auth_url: str
    client_id: str | None
    client_secret: str | None
    secret_key: str | None
    database_url: str | None
    settle_seconds: int | None = None  # `--settle-seconds`: wins over each store file's inbox.settle_seconds

    @classmethod
    def from_env(
        cls,
        stores_dir: Path | None = None,
        inbox_dir: Path | None = None,
        state_dir: Path | None = None,
        env: dict[str, str] | None = None,
        settle_seconds: int | None = None,
    ) -> Settings:
        env = dict(os.environ) if env is None else env
        return cls(
            stores_dir=stores_dir or Path("stores"),
            inbox_dir=inbox_dir or Path("inbox"),
            state_dir=state_dir or Path(env.get("KASSASYNC_HOME") or ".kassasync"),
            api_url=(env.get("FORTNOX_API_URL") or REAL_API_URL).rstrip("/"),
            auth_url=(env.get("FORTNOX_AUTH_URL") or REAL_AUTH_URL).rstrip("/"),
            client_id=env.get("FORTNOX_CLIENT_ID") or None,
            client_secret=env.get("FORTNOX_CLIENT_SECRET") or None,
            secret_key=env.get("KASSASYNC_SECRET_KEY") or None,
            database_url=env.get("KASSASYNC_DATABASE_URL") or None,
            settle_seconds=settle_seconds,
        )

    @property
    def ledger_url(self) -> str:
        """The ledger database: PostgreSQL (or any SQLAlchemy URL) by env, else SQLite in the state dir."""
        return self.database_url or f"sqlite:///{(self.state_dir / 'ledger.sqlite3').resolve()}"
