"""The web app's state in the ledger's database: invitations and their progress, upload tokens, uploads, sales.

The only web module that imports the ledger. Its tables are the ledger's (pipeline/ledger/web_tables.py), under
the same migrations.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from pipeline.ledger import Ledger, now, vouchers
from pipeline.ledger import web_tables as t
from pipeline.runner import items
from pipeline.web.signing import token_hash

# An invitation's life: issued -> opened -> consenting (sent to Fortnox) -> connected | refused | failed;
# revoked at any time; "expired" is read off expires_at when shown.
ISSUED, OPENED, CONSENTING, CONNECTED, REFUSED, FAILED, REVOKED = (
    "issued", "opened", "consenting", "connected", "refused", "failed", "revoked")
SALES_ACCOUNTS = range(3000, 4000)  # BAS class 3, revenue: what a day's sales total counts (net of VAT)
_SALES_STATES = ("posted", "pending", "planned")  # mapped vouchers; failed and skipped ones carry no payload


@dataclass(frozen=True)
class InvitationRow:
    id: str
    store: str
    created_at: datetime
    expires_at: datetime
    state: str
    account_type: str | None
    note: str | None
    updated_at: datetime

    def shown_state(self, at: datetime) -> str:
        """The state a person reads: an unfinished invitation past its date is expired."""
        if self.state in (ISSUED, OPENED, CONSENTING) and self.expires_at <= at:
            return "expired"
        return self.state


class WebState:
    """Reads and writes of the web tables; each call is its own transaction."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine

    @classmethod
    def open(cls, url: str) -> WebState:
        return cls(Ledger.open(url))  # the schema is the ledger's: upgraded (SQLite) or checked (PostgreSQL)

    def close(self) -> None:
        self.ledger.close()

    # invitations --------------------------------------------------------------------------------------
    def record_invitation(self, invitation_id: str, store: str, expires_at: datetime) -> None:
        stamp = now()
        with self.engine.begin() as conn:
            conn.execute(t.invitations.insert().values(id=invitation_id, store=store, created_at=stamp,
                                                       expires_at=expires_at, state=ISSUED, updated_at=stamp))

    def set_invitation_state(self, invitation_id: str, state: str, *, note: str | None = None,
                             account_type: str | None = None) -> None:
        """Moves an invitation on; a link issued elsewhere (no row here) is simply not tracked."""
        values: dict[str, object] = {"state": state, "note": note, "updated_at": now()}
        if account_type:
            values["account_type"] = account_type
        with self.engine.begin() as conn:
            conn.execute(t.invitations.update().where(t.invitations.c.id == invitation_id).values(**values))

    def invitation(self, invitation_id: str) -> InvitationRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.invitations).where(t.invitations.c.id == invitation_id)).first()
        return InvitationRow(**row._mapping) if row else None

    def invitations(self, store: str | None = None) -> list[InvitationRow]:
        query = sa.select(t.invitations).order_by(t.invitations.c.created_at.desc())
        if store:
            query = query.where(t.invitations.c.store == store)
        with self.engine.connect() as conn:
            return [InvitationRow(**row._mapping) for row in conn.execute(query)]

    def revoke(self, invitation_ids: Sequence[str], reason: str) -> None:
        stamp = now()
        with self.engine.begin() as conn:
            for invitation_id in invitation_ids:
                if conn.execute(sa.select(t.revoked_invitations.c.id)
                                .where(t.revoked_invitations.c.id == invitation_id)).first() is None:
                    conn.execute(t.revoked_invitations.insert().values(id=invitation_id, revoked_at=stamp,
                                                                       reason=reason))
                conn.execute(t.invitations.update().where(t.invitations.c.id == invitation_id)
                             .values(state=REVOKED, note=reason, updated_at=stamp))

    def is_revoked(self, invitation_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.revoked_invitations.c.id)
                                .where(t.revoked_invitations.c.id == invitation_id)).first() is not None

    def open_invitations(self, store: str) -> list[str]:
        """The ids of a store's invitations that could still be used (for revoking them on a re-send)."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.invitations.c.id).where(
                t.invitations.c.store == store, t.invitations.c.state.in_((ISSUED, OPENED, CONSENTING)))).scalars())

    # upload tokens ------------------------------------------------------------------------------------
    def new_upload_token(self, store: str) -> str:
        """A fresh token for the store, returned once; only its hash is kept, and the old one stops working."""
        token = f"ksu_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as conn:
            conn.execute(t.upload_tokens.delete().where(t.upload_tokens.c.store == store))
            conn.execute(t.upload_tokens.insert().values(store=store, token_hash=token_hash(token), created_at=now()))
        return token

    def store_of_token(self, token: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.upload_tokens.c.store)
                                .where(t.upload_tokens.c.token_hash == token_hash(token))).scalar()

    def upload_token_created(self, store: str) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.upload_tokens.c.created_at)
                                .where(t.upload_tokens.c.store == store)).scalar()

    # uploads ------------------------------------------------------------------------------------------
    def received(self, store: str, digest: str) -> str | None:
        """The name the same content was received under before, if it was."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.uploads.c.name).where(
                t.uploads.c.store == store, t.uploads.c.digest == digest)).scalar()

    def record_upload(self, store: str, digest: str, name: str, size: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.uploads.insert().values(store=store, digest=digest, name=name, size=size,
                                                   received_at=now()))

    # the ledger's sales, for the sparkline ------------------------------------------------------------
    def daily_sales(self, store: str, first: date, last: date) -> dict[date, Decimal]:
        """Per business day the store's sales net of VAT: credit minus debit on revenue accounts (3000-3999),
        over the mapped vouchers (posted or on their way). Days without a mapped voucher are absent."""
        v = vouchers.c
        query = (sa.select(v.key, v.business_date, v.payload)
                 .where(v.store == store, v.business_date >= first, v.business_date <= last,
                        v.state.in_(_SALES_STATES), v.payload.is_not(None)))
        totals: dict[date, Decimal] = {}
        with self.engine.connect() as conn:
            for key, day, payload in conn.execute(query):
                draft = items.draft_from_payload(payload, key)
                sales = sum((row.credit - row.debit for row in draft.rows if int(row.account) in SALES_ACCOUNTS),
                            Decimal(0))
                totals[day] = totals.get(day, Decimal(0)) + sales
        return totals

