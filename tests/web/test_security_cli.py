"""Headers, CSRF and the login over HTTP; the `onboard` and `serve` commands."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx2
import pytest
from click.testing import CliRunner
from web_helpers import NOW, SECRET, running_web, write_store

from pipeline.cli.main import cli
from pipeline.web.invitations import issue, link, verify
from pipeline.web.onboarding import CONSENT_COOKIE, code_challenge, code_verifier
from pipeline.web.signing import derive_key
from pipeline.web.state import WebState

FAKE_FORTNOX = {"FORTNOX_API_URL": "http://127.0.0.1:9/3", "FORTNOX_AUTH_URL": "http://127.0.0.1:9/oauth-v1"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_store(tmp_path / "stores", 1, tenant=False)
    return tmp_path


def test_every_answer_carries_the_security_headers(root: Path) -> None:
    with running_web(root, FAKE_FORTNOX) as web:
        _invitation, token = issue(SECRET, "cafe-001", timedelta(days=1), at=NOW)
        for answer in (httpx2.get(link(web.base_url, token)), httpx2.get(f"{web.base_url}/nowhere"),
                       httpx2.put(f"{web.base_url}/upload/cafe-001/x.se", content=b"x"),
                       httpx2.get(f"{web.base_url}/static/web.css")):
            csp = answer.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, answer.url
            assert "script-src" not in csp  # no script anywhere: default-src 'none' forbids it
            assert answer.headers["x-frame-options"] == "DENY" and answer.headers["referrer-policy"] == "no-referrer"
        assert "form-action 'self' http://127.0.0.1:9" in csp


def test_posts_without_the_csrf_token_are_refused_and_pkce_is_sent_when_on(root: Path) -> None:
    with running_web(root, FAKE_FORTNOX, pkce=True) as web:
        _invitation, token = issue(SECRET, "cafe-001", timedelta(days=1), at=NOW)
        with httpx2.Client(base_url=web.base_url) as browser:
            page = browser.get(f"/i/{token}")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            bare = browser.post(f"/i/{token}/start", data={"account_type": "service"})
            assert bare.status_code == 403
            forged = httpx2.post(f"{web.base_url}/i/{token}/start", data={"account_type": "service", "csrf": csrf})
            assert forged.status_code == 403  # the token without the browser's cookie is worth nothing
            start = browser.post(f"/i/{token}/start", data={"account_type": "service", "csrf": csrf})
            assert start.status_code == 303
            query = parse_qs(urlparse(start.headers["location"]).query)
            nonce = start.cookies[CONSENT_COOKIE]
            verifier = code_verifier(derive_key(SECRET, "pkce-v1"), nonce)
            assert query["code_challenge"] == [code_challenge(verifier)] and query["code_challenge_method"] == ["S256"]
            assert query["redirect_uri"] == [f"{web.base_url}/onboard/callback"] and query["account_type"] == ["service"]
            stolen = httpx2.get(f"{web.base_url}/onboard/callback", params={"code": "x", "state": query["state"][0]})
            assert stolen.status_code == 403  # the callback only counts in the browser that started


def test_reseller_pages_need_the_login_and_say_how_to_set_it(root: Path) -> None:
    with running_web(root, FAKE_FORTNOX, admin_password_hash=None) as web:
        closed = httpx2.get(f"{web.base_url}/fleet", auth=("admin", "anything"))
        assert closed.status_code == 503 and "kassasync onboard password-hash" in closed.text


def _kassasync(root: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
    base = {"KASSASYNC_SECRET_KEY": SECRET, "KASSASYNC_PUBLIC_URL": "https://kassa.example"}
    return CliRunner().invoke(cli, ["--stores", str(root / "stores"), "--state-dir", str(root / "state"), *args],
                              env={**base, **(env or {})}, input=stdin)


def test_onboard_commands(root: Path) -> None:
    invited = _kassasync(root, "onboard", "invite", "--store", "cafe-001", "--expires", "2d")
    assert invited.exit_code == 0, invited.output
    url = invited.stdout.splitlines()[0]
    assert url.startswith("https://kassa.example/i/")
    invitation = verify(SECRET, url.rsplit("/", 1)[1], NOW)
    assert invitation.store == "cafe-001"
    state = WebState.open(f"sqlite:///{root / 'state' / 'ledger.sqlite3'}")
    try:
        assert [i.id for i in state.invitations("cafe-001")] == [invitation.id]
        assert _kassasync(root, "onboard", "revoke", "--store", "cafe-001").exit_code == 0
        assert state.is_revoked(invitation.id)

        issued = _kassasync(root, "onboard", "upload-token", "--store", "cafe-001")
        token = issued.stdout.strip()
        assert issued.exit_code == 0 and state.store_of_token(token) == "cafe-001"
        assert token not in str(list((root / "state").rglob("*")))
    finally:
        state.close()

    script = _kassasync(root, "onboard", "till-script", "--store", "cafe-001")
    assert script.exit_code == 0 and "https://kassa.example/upload/cafe-001" in script.stdout
    assert "kassasync-upload-token.txt" in script.stdout and "Register-ScheduledTask" in script.stdout
    assert token not in script.stdout and b"\r\n" in script.stdout_bytes

    bad = _kassasync(root, "onboard", "invite", "--store", "cafe-001", "--expires", "forever")
    assert bad.exit_code == 1 and "not a duration" in str(bad.exception)
    missing = _kassasync(root, "onboard", "invite", "--store", "cafe-404")
    assert missing.exit_code == 1 and "no store file" in str(missing.exception)
    unsigned = _kassasync(root, "onboard", "invite", "--store", "cafe-001", env={"KASSASYNC_SECRET_KEY": ""})
    assert unsigned.exit_code == 1 and "KASSASYNC_SECRET_KEY" in str(unsigned.exception)

    hashed = _kassasync(root, "onboard", "password-hash", stdin="a long reseller passphrase\n" * 2)
    assert hashed.exit_code == 0 and hashed.stdout.strip().splitlines()[-1].startswith("scrypt$")
    no_key = _kassasync(root, "serve", env={"KASSASYNC_SECRET_KEY": ""})
    assert no_key.exit_code == 1 and "KASSASYNC_SECRET_KEY" in str(no_key.exception)
