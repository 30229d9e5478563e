"""A separate kassasync process for the cross-process token tests: rotates a store's token, or dies mid-way.

Usage: python refresher_child.py STORE MODE [ROUNDS] [GO_FILE]; settings come from the environment.
MODE `race`: wait for GO_FILE, then ROUNDS times get a new access token and use it.
MODE `crash`: rotate once and SIGKILL itself right after the new token is saved, before using it.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx2

from pipeline.fortnox.auth import RefreshTokenAuth
from pipeline.fortnox.factory import client_endpoint
from pipeline.fortnox.tokenstore import Credentials, TokenStore
from pipeline.settings import Settings


async def main(store: str, mode: str, rounds: int, go_file: Path | None) -> int:
    settings = Settings.from_env()
    tokens = TokenStore.in_state_dir(settings.state_dir, settings.secret_key)
    auth = RefreshTokenAuth(client_endpoint(settings, store), tokens, store)
    if mode == "crash":
        def die(self: RefreshTokenAuth, creds: Credentials) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

        RefreshTokenAuth.after_save = die  # type: ignore[method-assign]
    async with httpx2.AsyncClient(timeout=30) as http:
        while go_file is not None and not go_file.exists():
            time.sleep(0.001)
        saved = tokens.load(store)
        # In crash mode the saved access token counts as refused, so a rotation happens now.
        token: str | None = saved.access_token if saved and mode == "crash" else None
        for _ in range(rounds):
            token = await auth.refresh(http, stale_token=token)
            response = await http.get(f"{settings.api_url}/companyinformation",
                                      headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                print(f"refused: HTTP {response.status_code}", flush=True)
                return 1
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    go = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1, go)))
