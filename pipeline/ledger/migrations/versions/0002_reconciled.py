"""The reconciled-through marks (issue 12): per store, the days for which the ledger knows what Fortnox holds.

Revision ID: 0002_reconciled
Revises: 0001_baseline
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reconciled"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciled",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("through_date", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("reconciled")
