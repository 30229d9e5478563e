"""Client-credentials access tokens are cached per tenant, in the process and encrypted in the token store."""
from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

import pytest

from pipeline.fortnox import auth
from pipeline.fortnox.auth import ClientCredentialsAuth, TokenEndpoint
from pipeline.fortnox.tokenstore import TokenStore

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRJZCI6NDI0MjQyfQ.Y2FjaGVkLXRva2Vu"
KEY = "a passphrase that is long enough"


class CountingEndpoint(TokenEndpoint):
    """The token endpoint without HTTP: hands out numbered tokens and counts the calls."""

    def __init__(self, expires_in: int = 3600) -> None:
        super().__init__("http://auth.invalid", "client-id", "client-secret", store="centrum")
        self.calls = 0
        self.expires_in = expires_in

    async def request(self, http: Any, form: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, Any]:
        self.calls += 1
        assert form == {"grant_type": "client_credentials"} and headers == {"TenantId": "424242"}
        return {"access_token": f"{TOKEN}-{self.calls}", "expires_in": self.expires_in}


@pytest.fixture(autouse=True)
def fresh_process_cache() -> None:
    auth._cc_cache.clear()


def token(provider: ClientCredentialsAuth) -> str:
    return asyncio.run(provider.access_token(None))  # type: ignore[arg-type]


def test_a_new_process_reads_the_token_from_the_store_instead_of_asking(tmp_path: Path) -> None:
    endpoint, tokens = CountingEndpoint(), TokenStore(tmp_path / "tokens", KEY)
    first = token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens))
    assert token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens)) == first and endpoint.calls == 1
    auth._cc_cache.clear()  # as a new process
    assert token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens)) == first and endpoint.calls == 1
    files = list((tmp_path / "tokens").iterdir())
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    raw = files[0].read_bytes()
    assert TOKEN.encode() not in raw and b"424242" not in raw and b"424242" not in files[0].name.encode()


def test_a_token_close_to_its_expiry_is_not_used(tmp_path: Path) -> None:
    now = [1_000_000.0]
    endpoint, tokens = CountingEndpoint(expires_in=600), TokenStore(tmp_path / "tokens", KEY)
    token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens, clock=lambda: now[0]))
    now[0] += 600 - auth.EXPIRY_MARGIN + 1
    auth._cc_cache.clear()
    assert token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens, clock=lambda: now[0])).endswith("-2")
    assert endpoint.calls == 2


def test_a_refused_token_is_forgotten_in_the_process_and_the_store(tmp_path: Path) -> None:
    endpoint, tokens = CountingEndpoint(), TokenStore(tmp_path / "tokens", KEY)
    provider = ClientCredentialsAuth(endpoint, "424242", tokens=tokens)
    refused = token(provider)
    asyncio.run(provider.invalidate(refused))
    assert token(provider) != refused and endpoint.calls == 2


def test_without_a_secret_key_nothing_is_written(tmp_path: Path) -> None:
    endpoint, tokens = CountingEndpoint(), TokenStore(tmp_path / "tokens", None)
    token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens))
    assert not (tmp_path / "tokens").exists()
    auth._cc_cache.clear()
    token(ClientCredentialsAuth(endpoint, "424242", tokens=tokens))
    assert endpoint.calls == 2


def test_an_unreadable_cache_file_means_a_new_token(tmp_path: Path) -> None:
    endpoint = CountingEndpoint()
    token(ClientCredentialsAuth(endpoint, "424242", tokens=TokenStore(tmp_path / "tokens", KEY)))
    auth._cc_cache.clear()  # a new process with another key: the cache is simply not there
    token(ClientCredentialsAuth(endpoint, "424242", tokens=TokenStore(tmp_path / "tokens", "another key entirely")))
    assert endpoint.calls == 2


def test_has_token_says_whether_a_call_is_needed_without_making_one(tmp_path: Path) -> None:
    now = [1_000_000.0]
    endpoint, tokens = CountingEndpoint(expires_in=600), TokenStore(tmp_path / "tokens", KEY)
    provider = ClientCredentialsAuth(endpoint, "424242", tokens=tokens, clock=lambda: now[0])
    assert not provider.has_token() and endpoint.calls == 0
    token(provider)
    auth._cc_cache.clear()  # a new process: the token store has it
    assert ClientCredentialsAuth(endpoint, "424242", tokens=tokens, clock=lambda: now[0]).has_token()
    now[0] += 600 - auth.EXPIRY_MARGIN + 1  # too close to its expiry to use
    assert not provider.has_token() and endpoint.calls == 1
