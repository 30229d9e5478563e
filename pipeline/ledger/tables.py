"""The ledger's tables (SQLAlchemy Core), as the newest migration leaves them; what each column means is in
`pipeline/ledger/__init__.py`. A change here is a new migration (pipeline/ledger/migrations/versions/)."""
from __future__ import annotations

import sqlalchemy as sa

STATES = ("planned", "pending", "posted", "failed", "skipped", "held")
metadata = sa.MetaData()

files = sa.Table(
    "files", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("voucher_count", sa.Integer, nullable=False, default=0),
    sa.Column("first_seen_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

vouchers = sa.Table(
    "vouchers", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("store", sa.String(64), nullable=False, index=True),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("file_digest", sa.String(64), nullable=False, index=True),
    sa.Column("ver_id", sa.String(100), nullable=False),
    sa.Column("marker", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("payload", sa.Text),
    sa.Column("payload_digest", sa.String(64)),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("series", sa.String(16)),
    sa.Column("number", sa.Integer),
    sa.Column("year", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error_code", sa.String(32)),
    sa.Column("error_message", sa.Text),
    sa.Column("error_hint", sa.Text),
    sa.Column("error_permanent", sa.Boolean),
    sa.Column("findings", sa.Text),
    sa.Column("run_id", sa.Integer),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("posted_at", sa.DateTime),
    sa.Column("store_commit", sa.String(48)),  # revision 0007_store_commit
    sa.Index("ix_vouchers_store_date", "store", "business_date"),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("host", sa.String(200)),
    sa.Column("pid", sa.Integer),
    sa.Column("options", sa.Text),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("posted", sa.Integer, nullable=False, default=0),
    sa.Column("failed", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),
    sa.Column("summary", sa.Text),
)

# Why a fleet job failed (issue 15): procrastinate keeps a job's status, not its error, so the worker writes the
# reason here for `status`, `report` and the web pages. Pruned with the jobs (45 days).
job_failures = sa.Table(
    "job_failures", metadata,
    sa.Column("job_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("store", sa.String(64), nullable=False),
    sa.Column("task", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

financial_years = sa.Table(
    "financial_years", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("year_id", sa.Integer, primary_key=True),
    sa.Column("from_date", sa.Date, nullable=False),
    sa.Column("to_date", sa.Date, nullable=False),
)

# Per store, the business days for which the ledger knows every voucher Fortnox holds with kassasync's marker
# (pipeline/ledger/marks.py says how the mark is set and advanced).
reconciled = sa.Table(
    "reconciled", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("from_date", sa.Date, nullable=False),
    sa.Column("through_date", sa.Date, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Decisions on re-exports after posting (KS312): `correct --yes` / `corrections: post` (post the difference as a
# correction voucher, whose key is `correction_key`) or `correct --dismiss` (nothing posted, with the reason).
corrections = sa.Table(
    "corrections", metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # the held re-export's voucher key
    sa.Column("store", sa.String(64), nullable=False, index=True),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),  # post | dismiss
    sa.Column("correction_key", sa.String(220)),  # the correction voucher (decision post)
    sa.Column("reason", sa.Text),
    sa.Column("decided_by", sa.String(200), nullable=False),  # user@host, or "corrections: post"
    sa.Column("decided_at", sa.DateTime, nullable=False),
)
