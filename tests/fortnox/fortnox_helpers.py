"""Shared helpers for the Fortnox client tests: settings pointed at a temporary state dir, a store, a fast retry policy."""
from __future__ import annotations

import html
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import pytest

from pipeline.config.model import StoreConfig
from pipeline.fortnox.throttle import RetryPolicy
from pipeline.settings import Settings

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, rate_limit_attempts=8, rate_limit_delay=0.002)
SECRET_KEY = "test-secret-key-for-token-store-0123456789"


def make_settings(tmp_path: Path, api_url: str = "http://fortnox.test/3",
                  auth_url: str = "http://fortnox.test/oauth-v1", **overrides: str | None) -> Settings:
    env = {"KASSASYNC_HOME": str(tmp_path / "state"), "FORTNOX_API_URL": api_url, "FORTNOX_AUTH_URL": auth_url,
           "FORTNOX_CLIENT_ID": "kassasync-demo", "FORTNOX_CLIENT_SECRET": "kassasync-demo-secret",
           "KASSASYNC_SECRET_KEY": SECRET_KEY}
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return Settings.from_env(env=env)


def make_store(store: str = "test-store", tenant_id: str | None = "1000001") -> StoreConfig:
    return StoreConfig(store=store, name="Test AB", org_number="555555-5555", start_date=date(2026, 1, 1),
                       voucher_series="F", tenant_id=tenant_id)


@pytest.fixture
def fast_policy() -> RetryPolicy:
    return FAST


def sandbox_seed(today: date | None = None) -> dict[str, Any]:
    """The demo seed, with the demo client accepting any loopback redirect (connect listens on a free port)."""
    from pipeline.sandbox.seed import demo_client, demo_seed

    seed = demo_seed(today or date.today())
    seed["clients"] = [{**demo_client(), "redirect_uri": None}]
    return seed


def approve_in_browser(url: str, tenant_id: str = "1000001", decision: str = "approve") -> httpx2.Response:
    """The scripted browser step: open the consent page, pick the company, approve, follow the redirect home."""
    with httpx2.Client(timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        form = {k: html.unescape(v) for k, v in form.items()}
        form.update(tenant_id=tenant_id, decision=decision)
        action = url.split("?")[0]
        answer = browser.post(action, data=form)
        assert answer.status_code == 302, answer.text
        return browser.get(answer.headers["location"])


def browser_thread(url: str, **kwargs: Any) -> bool:
    """Stand-in for webbrowser.open: approves in a background thread, like a person would."""
    threading.Thread(target=approve_in_browser, args=(url,), kwargs=kwargs, daemon=True).start()
    return True
