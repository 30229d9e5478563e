"""The web app's tables (issue 17, `kassasync serve`): invitations, revoked invitations, upload tokens, uploads.

Revision ID: 0004_web
Revises: 0003_corrections
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web"
down_revision = "0003_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_invitations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("account_type", sa.String(16)),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_web_invitations_store", "web_invitations", ["store"], if_not_exists=True)
    op.create_table(
        "web_revoked_invitations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("revoked_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text),
        if_not_exists=True,
    )
    op.create_table(
        "web_upload_tokens",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "web_uploads",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    for table in ("web_uploads", "web_upload_tokens", "web_revoked_invitations", "web_invitations"):
        op.drop_table(table)
