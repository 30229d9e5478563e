"""The encrypted token store: nothing readable on disk, mode 0600, atomic writes, wrong key explained; redaction."""
from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from pipeline import logs
from pipeline.errors import UserError
from pipeline.fortnox.maintenance import parse_age
from pipeline.fortnox.tokenstore import REFRESH, Credentials, TokenStore

REFRESH_TOKEN = "9f0c1d2e-3b4a-4c5d-8e6f-a1b2c3d4e5f6"
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRJZCI6MTAwMDAwMX0.c2lnbmF0dXJlLXZhbHVl"


def creds() -> Credentials:
    return Credentials(store="centrum", kind=REFRESH, tenant_id="1000001", refresh_token=REFRESH_TOKEN,
                       access_token=ACCESS_TOKEN, access_expires_at=2e9, refreshed_at=1.7e9)


@pytest.mark.parametrize("key", ["a passphrase that is long enough", Fernet.generate_key().decode()])
def test_round_trip_encrypted_and_private(tmp_path: Path, key: str) -> None:
    store = TokenStore(tmp_path / "tokens", key)
    store.save(creds())
    path = store.path_for("centrum")
    raw = path.read_bytes()
    assert REFRESH_TOKEN.encode() not in raw and b"1000001" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.load("centrum") == creds()
    assert store.stores() == ["centrum"]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_wrong_or_missing_key_is_a_clear_user_error(tmp_path: Path) -> None:
    TokenStore(tmp_path, "the right key, long and random").save(creds())
    with pytest.raises(UserError) as info:
        TokenStore(tmp_path, "another key entirely, also long").load("centrum")
    assert "KASSASYNC_SECRET_KEY" in info.value.message
    with pytest.raises(UserError) as info:
        TokenStore(tmp_path, None).load("centrum")
    assert "KASSASYNC_SECRET_KEY" in info.value.message and info.value.hint


def test_a_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(tmp_path, "the right key, long and random")
    store.save(creds())

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError):
        store.save(Credentials(store="centrum", kind=REFRESH, refresh_token="new-token-that-never-landed"))
    monkeypatch.undo()
    assert store.load("centrum") == creds()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_redaction_removes_tokens_headers_and_registered_secrets() -> None:
    logs.register_secret("opaque-refresh-0123456789")
    lines = [
        "Authorization: Bearer abc.def-ghi_jkl", "authorization: Basic a2Fzc2FzeW5jOnNlY3JldA==",
        f"got {ACCESS_TOKEN}", '{"refresh_token": "xyz-123-456", "access_token":"q"}',
        "rotated opaque-refresh-0123456789 ok", "GET /callback?code=AbCdEf123456&state=s3cr3tstate00",
        "client_secret=kassasync-demo-secret&grant_type=refresh_token",
    ]
    for line in lines:
        cleaned = logs.redact(line)
        for secret in ("abc.def-ghi_jkl", "a2Fzc2FzeW5jOnNlY3JldA==", ACCESS_TOKEN, "xyz-123-456",
                       "opaque-refresh-0123456789", "AbCdEf123456", "kassasync-demo-secret"):
            assert secret not in cleaned, cleaned


def test_the_filter_cleans_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("kassasync.test", logging.ERROR, __file__, 1, "token %s", (ACCESS_TOKEN,), None)
    try:
        raise RuntimeError(f"failed with Bearer {ACCESS_TOKEN}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    logs.RedactingFilter().filter(record)
    assert ACCESS_TOKEN not in record.getMessage() and ACCESS_TOKEN not in (record.exc_text or "")


@pytest.mark.parametrize(("text", "seconds"), [("30d", 30 * 86400), ("12h", 43200), ("0s", 0), ("2w", 1209600)])
def test_parse_age(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


def test_parse_age_rejects_nonsense() -> None:
    with pytest.raises(UserError):
        parse_age("a month")
