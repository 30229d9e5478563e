"""Decisions on re-exports after posting (issue 11, KS312): post the difference, or dismiss it with a reason.

Revision ID: 0003_corrections
Revises: 0002_reconciled
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_corrections"
down_revision = "0002_reconciled"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("correction_key", sa.String(220)),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_corrections_store", "corrections", ["store"], if_not_exists=True)


def downgrade() -> None:
    op.drop_table("corrections")
