"""Onboarding invitations: links signed under KASSASYNC_SECRET_KEY for one store, expiring, revocable by id.

A link carries `{id, store, expires}` and an HMAC: verifying needs the key and the revoked list only, so a
link made on one machine works on another that shares the key and the database.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.errors import UserError
from pipeline.web.signing import derive_key, sign, unsign

PURPOSE = "invitation-v1"
EXPIRED, TAMPERED, REVOKED = "expired", "tampered", "revoked"
_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DURATION = timedelta(days=90)


@dataclass(frozen=True)
class Invitation:
    id: str
    store: str
    expires_at: datetime  # naive UTC, as the ledger keeps times


class InvitationRefused(Exception):
    """A link that cannot be used: `reason` is EXPIRED, TAMPERED or REVOKED (the page says which)."""

    def __init__(self, reason: str, store: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.store = store


def parse_duration(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`: how long an invitation stays valid (at most 90 days)."""
    match = _DURATION.match(text)
    if not match or int(match[1]) == 0:
        raise UserError(f"--expires {text!r} is not a duration", "write a number and a unit: 30m, 12h, 7d or 2w")
    length = timedelta(**{_UNITS[match[2]]: int(match[1])})
    if length > MAX_DURATION:
        raise UserError(f"--expires {text} is longer than 90 days", "a link is a key to the store's Fortnox "
                        "consent: send a new one later rather than one that lives for months")
    return length


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def issue(secret_key: str, store: str, valid_for: timedelta, at: datetime | None = None) -> tuple[Invitation, str]:
    """A new invitation and its token (the part of the link after /i/)."""
    at = at or utc_now()
    invitation = Invitation(secrets.token_hex(8), store, at + valid_for)
    token = sign(derive_key(secret_key, PURPOSE), {"i": invitation.id, "s": store,
                                                   "e": int(invitation.expires_at.replace(tzinfo=UTC).timestamp())})
    return invitation, token


def verify(secret_key: str, token: str, at: datetime,
           is_revoked: Callable[[str], bool] | None = None) -> Invitation:
    """The invitation a token stands for; InvitationRefused when it is changed, expired or revoked."""
    payload = unsign(derive_key(secret_key, PURPOSE), token)
    if payload is None or not {"i", "s", "e"} <= payload.keys():
        raise InvitationRefused(TAMPERED)
    invitation = Invitation(str(payload["i"]), str(payload["s"]),
                            datetime.fromtimestamp(int(payload["e"]), UTC).replace(tzinfo=None))
    if invitation.expires_at <= at:
        raise InvitationRefused(EXPIRED, invitation.store)
    if is_revoked is not None and is_revoked(invitation.id):
        raise InvitationRefused(REVOKED, invitation.store)
    return invitation


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/i/{token}"
