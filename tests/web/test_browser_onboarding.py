"""The customer's side in Chromium: the invitation, Fortnox's consent (the sandbox's page), the live checklist
going green, the till kit; and the links and consents that must be refused."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from browser_helpers import Watched, browser  # noqa: F401 - the fixture
from web_helpers import NOW, OTHER_TENANT, SECRET, TODAY, running_web, sandbox_seed, write_store

from pipeline.sandbox.testing import running_sandbox
from pipeline.web.invitations import issue, link

pytestmark = pytest.mark.browser
TENANT = 3000001


def invite(web, at=NOW, days: int = 7) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    invitation, token = issue(SECRET, "cafe-001", timedelta(days=days), at=at)
    web.state.record_invitation(invitation.id, "cafe-001", invitation.expires_at)
    return invitation.id, link(web.base_url, token)


def consent(watched: Watched, name: str, tenant: int | str, decision: str = "approve") -> None:
    """On the sandbox's consent page: shoot it, choose the company, approve or deny."""
    page = watched.page
    page.wait_for_url("**/oauth-v1/auth**")
    # The sandbox's own page has no icon, so Chromium's /favicon.ico request gets the sandbox's 404.
    watched.shot(name, status=404)
    page.select_option("select[name=tenant_id]", str(tenant))
    page.click(f"button[value={decision}]")


def test_customer_connects_and_the_checklist_goes_green(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    write_store(tmp_path / "stores", 1, tenant=False)
    seed = sandbox_seed(tmp_path, [1], locked_through="2026-06-30")  # one thing for the customer to do
    with running_sandbox(tmp_path / "sandbox", seed=seed, today=TODAY) as sandbox, \
            running_web(tmp_path, sandbox.env()) as web:
        invitation_id, url = invite(web)
        page = browser.new_page(accept_downloads=True)
        watched = Watched(page, tmp_path / "screens")
        page.goto(url)
        assert page.inner_text("#store-name") == "Café 1 AB" and page.inner_text("#org-number") == "556000-0027"
        assert "bookkeeping" in page.inner_text("ul.scopes") and page.inner_text("h1").startswith("Koppla")
        watched.shot("01-invitation-sv")
        page.click("a.lang")
        assert page.inner_text("h1") == "Connect the store's Fortnox to the till"
        watched.shot("02-invitation-en")
        page.check("input[value=service]")
        page.click("#start")
        page.wait_for_url("**/oauth-v1/auth**")
        assert "account_type=service" in page.url and "state=" in page.url
        consent(watched, "03-fortnox-consent", TENANT)
        page.wait_for_url("**/checklist")
        assert page.get_attribute("#summary", "data-todo") == "1"
        todo = page.locator("li.step[data-state=todo]")
        assert todo.count() == 1 and todo.get_attribute("data-rule") == "KS456"
        assert "Lås period" in todo.inner_text() and str(tmp_path) not in page.content()  # no server paths
        assert page.locator("li.step[data-state=done]").count() >= 6
        watched.shot("04-checklist-one-to-do")

        sandbox.set_locked_period(TENANT, None)  # the customer opens the period in Fortnox
        page.click("#check-again")
        page.wait_for_selector("#summary[data-todo='0']")
        assert page.locator("li.step[data-state=todo]").count() == 0
        watched.shot("05-checklist-all-done")

        with page.expect_download() as download:
            page.click("#kit-powershell")
        kit = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
        assert sorted(kit.namelist()) == ["kassasync-upload-token.txt", "kassasync-upload.ps1"]
        script = kit.read("kassasync-upload.ps1").decode()
        assert f"{web.base_url}/upload/cafe-001" in script and "Register-ScheduledTask" in script
        upload_token = kit.read("kassasync-upload-token.txt").decode().strip()
        assert web.state.store_of_token(upload_token) == "cafe-001"
        watched.shot("06-after-download")

        row = web.state.invitation(invitation_id)
        assert row.state == "connected" and row.account_type == "service"
        creds = web.app.state.web.tokens.load("cafe-001")
        assert creds.kind == "service" and creds.tenant_id == str(TENANT)
        secrets_seen = [s for s in (upload_token, creds.access_token, creds.refresh_token, SECRET) if s]
        for html in watched.seen:
            assert not any(secret in html for secret in secrets_seen), "a token reached a page"
        page.close()


def test_expired_tampered_and_revoked_links_are_refused(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    write_store(tmp_path / "stores", 1, tenant=False)
    with running_sandbox(tmp_path / "sandbox", seed=sandbox_seed(tmp_path, [1]), today=TODAY) as sandbox, \
            running_web(tmp_path, sandbox.env()) as web:
        page = browser.new_page()
        watched = Watched(page, tmp_path / "screens")
        _old, expired = invite(web, at=NOW - timedelta(days=8))
        response = page.goto(expired)
        assert response.status == 410 and page.get_attribute("p.refusal", "data-reason") == "expired"
        assert "gått ut" in page.inner_text("p.refusal")
        watched.shot("07-expired", status=410)

        _id, good = invite(web)
        last = good[-1]
        tampered = good[:-1] + ("A" if last != "A" else "B")
        response = page.goto(tampered)
        assert response.status == 403 and page.get_attribute("p.refusal", "data-reason") == "tampered"
        watched.shot("08-tampered", status=403)
        other_store = good.replace("/i/", "/i/x")
        assert page.goto(other_store).status == 403

        revoked_id, revoked = invite(web)
        web.state.revoke([revoked_id], "test")
        response = page.goto(revoked)
        assert response.status == 403 and page.get_attribute("p.refusal", "data-reason") == "revoked"
        watched.shot("09-revoked", status=403)
        page.close()


def test_consent_for_another_company_is_refused_and_nothing_is_saved(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    write_store(tmp_path / "stores", 1, tenant=False)
    with running_sandbox(tmp_path / "sandbox", seed=sandbox_seed(tmp_path, [1]), today=TODAY) as sandbox, \
            running_web(tmp_path, sandbox.env()) as web:
        invitation_id, url = invite(web)
        page = browser.new_page()
        watched = Watched(page, tmp_path / "screens")
        page.goto(url)
        page.check("input[value=normal]")
        page.click("#start")
        consent(watched, "10-fortnox-other-company", OTHER_TENANT)
        page.wait_for_selector("#wrong-company")
        text = page.inner_text("#wrong-company")
        assert "Fel Företag AB" in text and "556000-0027" in text and "Ingenting har sparats" in text
        watched.shot("11-wrong-company", status=403)
        assert not web.app.state.web.tokens.has("cafe-001")
        assert web.state.invitation(invitation_id).state == "refused"
        assert page.goto(url.replace("/i/", "/i/") + "/checklist").status == 409  # not connected
        watched.shot("12-not-connected", status=409)

        page.goto(url)
        page.check("input[value=service]")
        page.click("#start")
        consent(watched, "13-fortnox-deny", TENANT, decision="deny")  # Fortnox answers error=access_denied
        page.wait_for_selector("#failure-detail")
        assert "access_denied" in page.inner_text("#failure-detail")
        assert "Integration" in page.inner_text("ol.ask-fortnox")
        watched.shot("14-could-not-connect", status=502)
        assert web.state.invitation(invitation_id).state == "failed"
        page.close()
