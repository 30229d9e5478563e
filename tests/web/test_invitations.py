"""Invitation links: signed for one store, expiring, revocable; checked without any database row."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from pipeline.errors import UserError
from pipeline.web.invitations import (
    EXPIRED,
    REVOKED,
    TAMPERED,
    InvitationRefused,
    issue,
    link,
    parse_duration,
    verify,
)
from pipeline.web.signing import b64, derive_key, sign, unb64

KEY = "a test key that is long enough to sign with"
AT = datetime(2026, 11, 28, 12, 0)


def test_a_link_verifies_until_it_expires() -> None:
    invitation, token = issue(KEY, "cafe-001", timedelta(days=7), at=AT)
    assert invitation.expires_at == AT + timedelta(days=7)
    assert verify(KEY, token, AT + timedelta(days=6, hours=23)) == invitation
    with pytest.raises(InvitationRefused) as refused:
        verify(KEY, token, AT + timedelta(days=7))
    assert refused.value.reason == EXPIRED and refused.value.store == "cafe-001"


def test_a_changed_link_is_refused() -> None:
    _invitation, token = issue(KEY, "cafe-001", timedelta(days=7), at=AT)
    body, _, mac = token.partition(".")
    other_store = json.loads(unb64(body)) | {"s": "cafe-002"}
    for forged in (b64(json.dumps(other_store).encode()) + "." + mac, token[:-2], token + "x", "", "no-dot",
                   sign(derive_key(KEY, "oauth-state-v1"), {"i": "x", "s": "cafe-001", "e": 2**40})):
        with pytest.raises(InvitationRefused) as refused:
            verify(KEY, forged, AT)
        assert refused.value.reason == TAMPERED, forged
    with pytest.raises(InvitationRefused):
        verify("another key altogether, also long enough", token, AT)


def test_a_revoked_link_is_refused() -> None:
    invitation, token = issue(KEY, "cafe-001", timedelta(hours=1), at=AT)
    with pytest.raises(InvitationRefused) as refused:
        verify(KEY, token, AT, is_revoked=lambda i: i == invitation.id)
    assert refused.value.reason == REVOKED
    assert verify(KEY, token, AT, is_revoked=lambda i: False).store == "cafe-001"


def test_durations_and_links() -> None:
    assert parse_duration("7d") == timedelta(days=7) and parse_duration(" 12h ") == timedelta(hours=12)
    assert parse_duration("30m") == timedelta(minutes=30) and parse_duration("2w") == timedelta(weeks=2)
    for bad in ("", "7", "d", "0d", "7 days", "-1d"):
        with pytest.raises(UserError, match="not a duration"):
            parse_duration(bad)
    with pytest.raises(UserError, match="90 days"):
        parse_duration("13w")
    assert link("https://kassa.example/", "abc.def") == "https://kassa.example/i/abc.def"
