"""Shared helpers for the Fortnox client tests: settings pointed at a temporary state dir, a store, a fast retry policy."""
from __future__ import annotations

from datetime import date
from pathlib import Path

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
