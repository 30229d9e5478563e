"""The web app's own tables (SQLAlchemy Core) in the ledger's database: invitations, upload tokens, uploads.

On the ledger's metadata and under its migrations (revision 0004_web), so one `db upgrade` covers them too.
"""
from __future__ import annotations

import sqlalchemy as sa

from pipeline.ledger.tables import metadata

# Every invitation `onboard invite` (or the reseller's re-send) issued, for the reseller's list and its state.
# Verifying a link never needs its row: the link is signed; only the revoked list below is consulted.
invitations = sa.Table(
    "web_invitations", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("store", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # INVITATION_STATES
    sa.Column("account_type", sa.String(16)),  # normal | service, once the customer chose
    sa.Column("note", sa.Text),  # the last thing that happened, in words (a refusal's reason, ...)
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

revoked_invitations = sa.Table(
    "web_revoked_invitations", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("revoked_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text),
)

# One upload token per store, kept only as its SHA-256: a new token replaces (revokes) the old one.
upload_tokens = sa.Table(
    "web_upload_tokens", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Each day file content received per store, so the same content twice is answered "already received".
uploads = sa.Table(
    "web_uploads", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
)
