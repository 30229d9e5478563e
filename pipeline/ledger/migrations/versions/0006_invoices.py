"""The invoice stream's tables (issue 16): invoice files, POS documents, customer matches, till payments.

Revision ID: 0006_invoices
Revises: 0005_reconcile
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_invoices"
down_revision = "0005_reconcile"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_files",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("invoice_count", sa.Integer, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "invoice_docs",
        sa.Column("source_id", sa.String(100), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("invoice_date", sa.Date, nullable=False),
        sa.Column("credit_of", sa.String(100)),
        sa.Column("file_digest", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("document_number", sa.Integer),
        sa.Column("customer_number", sa.String(100)),
        sa.Column("total", sa.Numeric(14, 2), nullable=False),
        sa.Column("credit_path", sa.String(16)),
        sa.Column("original_document", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error_code", sa.String(32)),
        sa.Column("error_message", sa.Text),
        sa.Column("error_hint", sa.Text),
        sa.Column("error_permanent", sa.Boolean),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("booked_at", sa.DateTime),
        if_not_exists=True,
    )
    op.create_index("ix_invoice_docs_store_date", "invoice_docs", ["store", "invoice_date"], if_not_exists=True)
    op.create_table(
        "invoice_customers",
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("pos_id", sa.String(100), primary_key=True),
        sa.Column("customer_number", sa.String(100)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16)),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "invoice_payments",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("pay_date", sa.Date, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("tender", sa.String(100), nullable=False),
        sa.Column("account", sa.Integer),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("number", sa.String(32)),
        sa.Column("error_code", sa.String(32)),
        sa.Column("error_message", sa.Text),
        sa.Column("error_hint", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_invoice_payments_store", "invoice_payments", ["store"], if_not_exists=True)
    op.create_index("ix_invoice_payments_source_id", "invoice_payments", ["source_id"], if_not_exists=True)


def downgrade() -> None:
    for table in ("invoice_payments", "invoice_customers", "invoice_docs", "invoice_files"):
        op.drop_table(table)
