"""Against a real uvicorn server on a free loopback port: auth, posting, faults seen as a real client sees them."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sandbox_helpers import DEMO, TODAY, voucher

from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from pipeline.sandbox.testing import SandboxHandle, running_sandbox

REPO = Path(__file__).resolve().parents[2]


def bearer(handle: SandboxHandle) -> dict[str, str]:
    return {"Authorization": f"Bearer {handle.token()}"}


def test_live_post_and_admin_listing(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data", today=TODAY) as sandbox:
        assert sandbox.api_url == sandbox.base_url + "/3" and sandbox.auth_url == sandbox.base_url + "/oauth-v1"
        headers = bearer(sandbox)
        response = httpx2.post(sandbox.api_url + "/vouchers?financialyear=2", json=voucher(), headers=headers)
        assert response.status_code == 201
        assert response.json()["Voucher"]["@url"].startswith(sandbox.api_url + "/vouchers/F/1")
        posted = sandbox.posted_vouchers(DEMO)
        assert [(v["series"], v["number"], v["dropped"]) for v in posted] == [("F", 1, False)]
        assert sandbox.request_count(DEMO) == 1


def test_live_drop_after_commit_is_a_transport_error(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data", today=TODAY, drop_after_commit_rate=1.0) as sandbox:
        headers = bearer(sandbox)
        with pytest.raises(httpx2.TransportError):
            httpx2.post(sandbox.api_url + "/vouchers", json=voucher(), headers=headers)
        sandbox.set_faults(drop_after_commit_rate=0.0)
        listed = httpx2.get(sandbox.api_url + "/vouchers/sublist/F", headers=headers).json()["Vouchers"]
        assert [v["VoucherNumber"] for v in listed] == [1]  # the voucher exists although the client failed
        assert sandbox.posted_vouchers()[0]["dropped"] is True


def test_live_html_errors_and_token_outage_set_at_runtime(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data", today=TODAY) as sandbox:
        headers = bearer(sandbox)
        sandbox.set_faults(html_error_rate=1.0, token_outage=True)
        page = httpx2.get(sandbox.api_url + "/companyinformation", headers=headers)
        assert page.status_code in (502, 503) and page.headers["content-type"].startswith("text/html")
        outage = httpx2.post(sandbox.auth_url + "/token", data={"grant_type": "client_credentials"},
                             auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": DEMO})
        assert outage.status_code == 503


def test_live_state_survives_a_server_restart(tmp_path: Path) -> None:
    for expected in (1, 2):
        with running_sandbox(tmp_path / "data", today=TODAY) as sandbox:
            response = httpx2.post(sandbox.api_url + "/vouchers", json=voucher(), headers=bearer(sandbox))
            assert response.json()["Voucher"]["VoucherNumber"] == expected


def test_live_token_survives_a_restart(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "data", today=TODAY) as sandbox:
        headers = bearer(sandbox)
    with running_sandbox(tmp_path / "data", today=TODAY) as sandbox:
        assert httpx2.get(sandbox.api_url + "/companyinformation", headers=headers).status_code == 200


def test_cli_serve_in_a_subprocess(tmp_path: Path) -> None:
    from pipeline.sandbox.testing import free_socket

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    command = [sys.executable, "-m", "pipeline", "--state-dir", str(tmp_path / "state"), "sandbox", "serve",
               "--port", str(port), "--data", str(tmp_path / "data"), "--today", "2026-11-28",
               "--error-rate", "0", "--rate-limit", "25"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        for _ in range(200):
            try:
                settings = httpx2.get(f"http://127.0.0.1:{port}/_sandbox/settings", timeout=1).json()
                break
            except httpx2.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("sandbox serve did not start: " + process.stderr.read1().decode())  # type: ignore[union-attr]
        assert settings["today"] == "2026-11-28" and settings["faults"]["rate_limit"] == 25
        token = httpx2.post(f"http://127.0.0.1:{port}/oauth-v1/token", data={"grant_type": "client_credentials"},
                            auth=(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), headers={"TenantId": DEMO})
        assert token.status_code == 200
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/3" in out.decode()
