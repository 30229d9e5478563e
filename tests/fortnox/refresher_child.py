"""A separate kassasync process for the cross-process token tests: rotates a store's token, or dies mid-way.

Usage: python refresher_child.py STORE MODE [ROUNDS] [GO_FILE]; settings come from the environment.
MODE `race`: wait for GO_FILE, then ROUNDS times get a new access token and use it.
MODE `crash`: rotate once and SIGKILL itself right after the new token is saved, before using it.
MODE `sync`: with DEBUG logging, what a sync does through `open_client` (reads, a voucher POST, a rejected
voucher, a token rotation forced by the sandbox clock).
"""
from __future__ import annotations

import asyncio
import logging
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


class TracingTransport(httpx2.AsyncBaseTransport):
    """Logs every request's headers and every response body at DEBUG, as a careless HTTP trace would:
    the redaction filter must clean these lines (Authorization headers, token responses)."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self._log = logging.getLogger("kassasync.trace")

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self._log.debug("request %s %s headers=%s body=%s", request.method, request.url,
                        dict(request.headers), request.content.decode(errors="replace"))
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        self._log.debug("response %s body=%s", response.status_code, body.decode(errors="replace")[:2000])
        return httpx2.Response(response.status_code, headers=response.headers, content=body,
                               request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def sync_like(settings: Settings, store: str) -> int:
    """A sync's calls, logged at DEBUG to stderr and the state directory's debug log."""
    from datetime import date
    from decimal import Decimal

    from pipeline import logs
    from pipeline.config.model import StoreConfig
    from pipeline.fortnox.errors import FortnoxError
    from pipeline.fortnox.factory import open_client
    from pipeline.fortnox.models import VoucherDraft, VoucherRowDraft

    logs.configure(2, settings.state_dir)
    config = StoreConfig(store=store, name="Test AB", org_number="559999-0001", start_date=date(2026, 1, 1),
                         voucher_series="F")
    rows = (VoucherRowDraft(1910, debit=Decimal("100.00")), VoucherRowDraft(3001, credit=Decimal("80.00")),
            VoucherRowDraft(2611, credit=Decimal("20.00")))
    async with open_client(settings, config, transport=TracingTransport()) as client:
        info = await client.company_information()
        year = await client.financial_year_for(date.today())
        assert year is not None
        await client.accounts(year.id)
        await client.voucher_series(year.id)
        await client.cost_centers()
        await client.update_account(year.id, 3001, active=True)
        posted = await client.create_voucher(year.id, VoucherDraft("F", date.today(), "Dagskassa", rows))
        await client.vouchers(year.id, series="F", from_date=date.today(), to_date=date.today())
        await client.voucher(year.id, "F", posted.voucher_number)
        try:
            await client.create_voucher(year.id, VoucherDraft("B", date.today(), "Dagskassa", rows))
        except FortnoxError as exc:
            logging.getLogger("kassasync.runner").error("%s", exc)
        print(f"synced tenant {info.database_number} voucher F{posted.voucher_number}", flush=True)
    return 0


async def main(store: str, mode: str, rounds: int, go_file: Path | None) -> int:
    settings = Settings.from_env()
    if mode == "sync":
        return await sync_like(settings, store)
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
