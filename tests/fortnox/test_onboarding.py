"""Pure parts of connect: the authorize URL, scopes per store, and the redirect's state check."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest
from fortnox_helpers import make_store

from pipeline.errors import UserError
from pipeline.fortnox.onboarding import authorize_url, code_from_redirect, new_state, required_scopes


def test_authorize_url_has_what_fortnox_documents() -> None:
    url = authorize_url("https://apps.fortnox.se/oauth-v1/", "cid", "http://127.0.0.1:8400/callback",
                        ["bookkeeping", "companyinformation"], "st4te", service_account=True)
    assert url.startswith("https://apps.fortnox.se/oauth-v1/auth?")
    assert "scope=bookkeeping%20companyinformation" in url
    query = parse_qs(urlparse(url).query)
    assert query["access_type"] == ["offline"] and query["account_type"] == ["service"]
    assert query["response_type"] == ["code"] and query["state"] == ["st4te"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8400/callback"]
    plain = authorize_url("https://x/oauth-v1", "cid", "http://127.0.0.1:1/callback", ["bookkeeping"], "s")
    assert "account_type" not in plain


def test_scopes_follow_the_store() -> None:
    assert required_scopes(make_store()) == ["bookkeeping", "companyinformation", "costcenter", "settings"]
    assert {"customer", "invoice"} <= set(required_scopes(replace(make_store(), invoice_sync=True)))


def test_state_is_random_and_checked() -> None:
    state = new_state()
    assert len(state) >= 32 and state != new_state()
    assert code_from_redirect(f"http://127.0.0.1:1/callback?code=abc&state={state}", state) == "abc"
    with pytest.raises(UserError, match="wrong state"):
        code_from_redirect("http://127.0.0.1:1/callback?code=abc&state=forged", state)
    with pytest.raises(UserError, match="access_denied"):
        code_from_redirect(f"http://127.0.0.1:1/callback?error=access_denied&state={state}", state)
    with pytest.raises(UserError, match="no authorization code"):
        code_from_redirect(f"http://127.0.0.1:1/callback?state={state}", state)
