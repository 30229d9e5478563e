"""Helpers for tests and benchmarks: a real sandbox server on a free loopback port, and the in-process app."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from pipeline.sandbox.app import create_app
from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID

__all__ = ["SandboxHandle", "create_app", "running_sandbox", "DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET",
           "DEMO_TENANT_ID"]


@dataclass
class SandboxHandle:
    """A running sandbox: its URLs (what FORTNOX_API_URL and FORTNOX_AUTH_URL should say) and admin helpers."""

    base_url: str

    @property
    def api_url(self) -> str:
        return self.base_url + "/3"

    @property
    def auth_url(self) -> str:
        return self.base_url + "/oauth-v1"

    def env(self) -> dict[str, str]:
        """Environment for a kassasync process that should talk to this sandbox with the demo client."""
        return {"FORTNOX_API_URL": self.api_url, "FORTNOX_AUTH_URL": self.auth_url,
                "FORTNOX_CLIENT_ID": DEMO_CLIENT_ID, "FORTNOX_CLIENT_SECRET": DEMO_CLIENT_SECRET}

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        with httpx2.Client(base_url=self.base_url, timeout=10) as client:
            response = client.request(method, "/_sandbox" + path, json=json)
            response.raise_for_status()
            return response.json()

    def posted_vouchers(self, tenant_id: str | int = DEMO_TENANT_ID) -> list[dict[str, Any]]:
        return self.admin("GET", f"/tenants/{int(tenant_id)}/vouchers")["vouchers"]  # type: ignore[no-any-return]

    def documents(self, kind: str, tenant_id: str | int = DEMO_TENANT_ID) -> list[dict[str, Any]]:
        """A tenant's `invoices`, `customers` or `invoicepayments` as Fortnox's JSON, each with `dropped`."""
        return self.admin("GET", f"/tenants/{int(tenant_id)}/{kind}")[kind]  # type: ignore[no-any-return]

    def request_count(self, tenant_id: str | int = DEMO_TENANT_ID) -> int:
        return int(self.admin("GET", "/requests")["requests"].get(str(int(tenant_id)), 0))

    def reset_request_counts(self) -> None:
        self.admin("POST", "/requests/reset")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self.admin("POST", "/faults", faults)  # type: ignore[no-any-return]

    def advance_clock(self, seconds: float) -> None:
        self.admin("POST", "/clock", {"advance_s": seconds})

    def set_lifetimes(self, **lifetimes: float) -> None:
        self.admin("POST", "/lifetimes", lifetimes)

    def set_locked_period(self, tenant_id: str | int, end_date: str | None) -> None:
        self.admin("POST", f"/tenants/{int(tenant_id)}/locked-period", {"end_date": end_date})

    def revoke_consent(self, tenant_id: str | int, client_id: str = DEMO_CLIENT_ID) -> None:
        self.admin("DELETE", f"/tenants/{int(tenant_id)}/consents/{client_id}")

    def book_by_hand(self, tenant_id: str | int, voucher: dict[str, Any]) -> dict[str, Any]:
        """A voucher booked by a person in Fortnox's web app (`voucher` in the API's shape, without the wrapper)."""
        return self.admin("POST", f"/tenants/{int(tenant_id)}/vouchers", {"Voucher": voucher})["Voucher"]  # type: ignore[no-any-return]

    def change_voucher(self, tenant_id: str | int, year: int, series: str, number: int,
                       rows: list[dict[str, Any]], description: str | None = None) -> dict[str, Any]:
        """Fortnox's "Ändra": the voucher's rows struck, `rows` added (it keeps its number)."""
        body: dict[str, Any] = {"VoucherRows": rows, **({"Description": description} if description else {})}
        return self.admin("POST", f"/tenants/{int(tenant_id)}/vouchers/{series}/{number}/change?financialyear={year}",
                          body)["Voucher"]  # type: ignore[no-any-return]

    def reverse_voucher(self, tenant_id: str | int, year: int, series: str, number: int) -> dict[str, Any]:
        """Fortnox's "Ändringsverifikation": a new voucher that mirrors this one."""
        return self.admin("POST", f"/tenants/{int(tenant_id)}/vouchers/{series}/{number}/reverse?financialyear={year}",
                          {})["Voucher"]  # type: ignore[no-any-return]

    def add_seed(self, seed: dict[str, Any]) -> list[str]:
        return self.admin("POST", "/seed", seed)["created"]  # type: ignore[no-any-return]

    def token(self, tenant_id: str | int = DEMO_TENANT_ID) -> str:
        """An access token for the demo client by client credentials (for tests that only need a token)."""
        response = httpx2.post(self.auth_url + "/token", data={"grant_type": "client_credentials"},
                               auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": str(tenant_id)})
        response.raise_for_status()
        return str(response.json()["access_token"])


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # uvicorn's separate header and body writes meet delayed ACKs (40 ms per response).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, 0))
    return sock


@contextmanager
def running_sandbox(data_dir: Path, seed: dict | Path | None = None, **options: Any) -> Iterator[SandboxHandle]:
    """Start a uvicorn server with the sandbox in a background thread; stop it on exit.

    `options` go to create_app: any fault (`error_rate=0.5`, `rate_limit=0`, ...), `today`, `clock`,
    `fault_seed`, `lifetimes`.
    """
    app = create_app(data_dir, seed, **options)
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"sandbox-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        yield SandboxHandle(base_url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        app.state.sandbox.db.close()
