"""Helpers for the sandbox tests: run a scenario in-process (ASGI transport), a demo token, a voucher body."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx2

from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

TODAY = date(2026, 11, 28)
DEMO = "1000001"


async def token(client: httpx2.AsyncClient, tenant: str = DEMO) -> dict[str, str]:
    response = await client.post("/oauth-v1/token", data={"grant_type": "client_credentials"},
                                 auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": tenant})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


Scenario = Callable[[httpx2.AsyncClient], Awaitable[Any]]


def run(app: Any, scenario: Scenario) -> Any:
    """Run an async scenario against the app in-process."""

    async def main() -> Any:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return await scenario(client)

    return asyncio.run(main())


def voucher(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "VoucherSeries": "F", "TransactionDate": "2026-11-27", "Description": "Dagskassa 2026-11-27",
        "VoucherRows": [{"Account": 1910, "Debit": 125.0, "Credit": 0},
                        {"Account": 3001, "Debit": 0, "Credit": 100.0},
                        {"Account": 2611, "Debit": 0, "Credit": 25.0}],
    }
    body.update(changes)
    return {"Voucher": body}
