"""The ledger as every kassasync made it before migrations (commit 458d272): files, vouchers, runs, financial years.

Revision ID: 0001_baseline
Revises: (none)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS throughout: a ledger made before Alembic is stamped at the revision its tables reach, and
    # one whose tables came in another order than these revisions (main's history) still upgrades cleanly
    op.create_table(
        "files",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("voucher_count", sa.Integer, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "vouchers",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("file_digest", sa.String(64), nullable=False),
        sa.Column("ver_id", sa.String(100), nullable=False),
        sa.Column("marker", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("payload_digest", sa.String(64)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("series", sa.String(16)),
        sa.Column("number", sa.Integer),
        sa.Column("year", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error_code", sa.String(32)),
        sa.Column("error_message", sa.Text),
        sa.Column("error_hint", sa.Text),
        sa.Column("error_permanent", sa.Boolean),
        sa.Column("findings", sa.Text),
        sa.Column("run_id", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("posted_at", sa.DateTime),
        if_not_exists=True,
    )
    op.create_index("ix_vouchers_store", "vouchers", ["store"], if_not_exists=True)
    op.create_index("ix_vouchers_file_digest", "vouchers", ["file_digest"], if_not_exists=True)
    op.create_index("ix_vouchers_store_date", "vouchers", ["store", "business_date"], if_not_exists=True)
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("host", sa.String(200)),
        sa.Column("pid", sa.Integer),
        sa.Column("options", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("posted", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text),
        if_not_exists=True,
    )
    op.create_table(
        "financial_years",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("year_id", sa.Integer, primary_key=True),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("to_date", sa.Date, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    for table in ("financial_years", "runs", "vouchers", "files"):
        op.drop_table(table)
