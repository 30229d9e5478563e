"""`kassasync reconcile`'s tables (issue 18): each voucher as Fortnox answered its POST, each store-month's outcome.

Revision ID: 0005_reconcile
Revises: 0004_web
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_reconcile"
down_revision = "0004_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posted_rows",
        sa.Column("key", sa.String(220), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("transaction_date", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("comments", sa.Text),
        sa.Column("rows", sa.Text, nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_posted_rows_store", "posted_rows", ["store"], if_not_exists=True)
    op.create_table(
        "reconciliations",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("agreed", sa.Boolean, nullable=False),
        sa.Column("only_manual", sa.Boolean, nullable=False),
        sa.Column("differences", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("reconciled_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    for table in ("reconciliations", "posted_rows"):
        op.drop_table(table)
