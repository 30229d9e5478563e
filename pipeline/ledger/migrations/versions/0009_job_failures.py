"""Why each fleet job failed (issue 15): `job_failures`, written by the worker, read by `status`, `report` and the
web pages. On SQLite too, so that one set of tables describes every ledger (no job runs there).

Revision ID: 0009_job_failures
Revises: 0008_job_engine
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_job_failures"
down_revision = "0008_job_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_failures",
        sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("job_failures")
