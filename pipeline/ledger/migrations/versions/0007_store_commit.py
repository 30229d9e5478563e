"""The git commit of the store file each voucher was mapped with (issue 15): `vouchers.store_commit`.

Revision ID: 0007_store_commit
Revises: 0006_invoices
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_store_commit"
down_revision = "0006_invoices"
branch_labels = None
depends_on = None


def _has_column() -> bool:
    return "store_commit" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("vouchers")}


def upgrade() -> None:
    # only where it is missing, as the earlier revisions create their tables (SQLite has no ADD COLUMN IF NOT EXISTS)
    if not _has_column():
        op.add_column("vouchers", sa.Column("store_commit", sa.String(48)))


def downgrade() -> None:
    with op.batch_alter_table("vouchers") as batch:  # SQLite: the table copied without the column
        batch.drop_column("store_commit")
