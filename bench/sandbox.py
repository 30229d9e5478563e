"""Benchmark: voucher posts per second into the sandbox from 64 concurrent clients across 64 tenants.

Starts `kassasync sandbox serve` in its own process (rate limit off: 64 tenants at full speed would each be
far past Fortnox's 25 requests per 5 s), gets one client-credentials token per tenant, then posts.

    .venv/bin/python bench/sandbox.py [--tenants 64] [--posts 40] [--client raw|httpx2]
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx2

from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, demo_consent, dump_seed

TODAY = date(2026, 11, 28)


def bench_seed(tenants: int) -> dict:
    return {"version": 1, "tenants": [{
        "tenant_id": str(2000000 + n),
        "company": {"name": f"Benchbutik {n} AB", "organization_number": f"559000-{n:04d}"},
        "chart": "bas",
        "financial_years": [{"from": "2026-01-01", "to": "2026-12-31"}],
        "voucher_series": [{"code": "F", "description": "Kassa", "manual": True}],
        "consents": [demo_consent()],
    } for n in range(tenants)]}


def voucher(n: int) -> dict:
    return {"Voucher": {
        "VoucherSeries": "F", "TransactionDate": "2026-11-27", "Description": f"Dagskassa bench {n}",
        "Comments": f"kassasync:bench:{n}",
        "VoucherRows": [{"Account": 1910, "Debit": 125.0}, {"Account": 3001, "Credit": 100.0},
                        {"Account": 2611, "Credit": 25.0}],
    }}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), to report server cost independent of machine load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp: Path, port: int, tenants: int) -> subprocess.Popen[bytes]:
    seed_file = tmp / "seed.yaml"
    seed_file.write_text(dump_seed(bench_seed(tenants)), encoding="utf-8")
    command = [sys.executable, "-m", "pipeline", "--state-dir", str(tmp / "state"), "sandbox", "serve",
               "--port", str(port), "--data", str(tmp / "data"), "--seed", str(seed_file), "--rate-limit", "0",
               "--today", TODAY.isoformat()]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx2.get(f"http://127.0.0.1:{port}/_sandbox/settings", timeout=1)
            return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sandbox did not start: " + (process.stderr.read().decode() if process.stderr else ""))


class RawClient:
    """A minimal HTTP/1.1 keep-alive client, so the figure measures the sandbox and not the client library."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def __aenter__(self) -> RawClient:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)


async def one_tenant_raw(base: str, tenant: str, posts: int, failures: list[str]) -> None:
    host, port = base.removeprefix("http://").split(":")
    basic = base64.b64encode(f"{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}".encode()).decode()
    async with RawClient(host, int(port)) as client:
        status, body = await client.request("POST", "/oauth-v1/token", b"grant_type=client_credentials", {
            "Authorization": f"Basic {basic}", "TenantId": tenant,
            "Content-Type": "application/x-www-form-urlencoded"})
        headers = {"Authorization": f"Bearer {json.loads(body)['access_token']}",
                   "Content-Type": "application/json", "Accept": "application/json"}
        for n in range(posts):
            status, body = await client.request("POST", "/3/vouchers?financialyear=1",
                                                json.dumps(voucher(n)).encode(), headers)
            if status != 201:
                failures.append(f"{tenant}: {status} {body[:200]!r}")


async def one_tenant(base: str, tenant: str, posts: int, failures: list[str]) -> None:
    async with httpx2.AsyncClient(base_url=base, timeout=60) as client:
        auth = await client.post("/oauth-v1/token", data={"grant_type": "client_credentials"},
                                 auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": tenant})
        headers = {"Authorization": f"Bearer {auth.json()['access_token']}"}
        for n in range(posts):
            response = await client.post("/3/vouchers?financialyear=1", json=voucher(n), headers=headers)
            if response.status_code != 201:
                failures.append(f"{tenant}: {response.status_code} {response.text[:200]}")


async def run(base: str, tenants: int, posts: int, client: str) -> tuple[float, list[str]]:
    failures: list[str] = []
    worker = one_tenant_raw if client == "raw" else one_tenant
    # Tokens and connections are part of each task; time the whole run, which the posts dominate.
    started = time.perf_counter()
    await asyncio.gather(*(worker(base, str(2000000 + n), posts, failures) for n in range(tenants)))
    return time.perf_counter() - started, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=64)
    parser.add_argument("--posts", type=int, default=40, help="voucher posts per tenant")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client", choices=["raw", "httpx2"], default="raw",
                        help="raw: a minimal HTTP client (measures the server); httpx2: the project's client library")
    args = parser.parse_args()
    port = args.port or free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), port, args.tenants)
        try:
            cpu_before = cpu_seconds(server.pid)
            elapsed, failures = asyncio.run(run(f"http://127.0.0.1:{port}", args.tenants, args.posts, args.client))
            cpu_after = cpu_seconds(server.pid)
            total = args.tenants * args.posts
            counts = httpx2.get(f"http://127.0.0.1:{port}/_sandbox/requests").json()["requests"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"sandbox bench: {args.tenants} concurrent clients on {args.tenants} tenants x {args.posts} voucher posts = {total} posts "
          f"in {elapsed:.2f} s -> {total / elapsed:.0f} posts/s ({args.client} client, rate limit off, SQLite WAL)")
    print(f"  requests counted by the sandbox: {sum(counts.values())} over {len(counts)} tenants; "
          f"failures: {len(failures)}")
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        per_post = (cpu_after - cpu_before) / total * 1000
        print(f"  server CPU: {per_post:.2f} ms per post (tokens included) -> about {1000 / per_post:.0f} posts/s "
              f"per core when the machine is not shared")
    for failure in failures[:5]:
        print("   ", failure)


if __name__ == "__main__":
    main()
