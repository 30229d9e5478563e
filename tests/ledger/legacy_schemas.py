"""Ledgers as kassasync made them before migrations, to upgrade in the tests: the tables of commit 458d272
(`git show 458d272:pipeline/runner/tables.py`, copied as they were) and those main had added by 54af03a."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa


def at_458d272() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
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
    sa.Table(
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
        sa.Index("ix_vouchers_store_date", "store", "business_date"),
    )
    sa.Table(
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
    sa.Table(
        "financial_years", metadata,
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("year_id", sa.Integer, primary_key=True),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("to_date", sa.Date, nullable=False),
    )
    return metadata


def reconciled(metadata: sa.MetaData) -> None:
    """Issue 12's table (main, c29930b)."""
    sa.Table(
        "reconciled", metadata,
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("from_date", sa.Date, nullable=False),
        sa.Column("through_date", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def corrections(metadata: sa.MetaData) -> None:
    """Issue 11's table (main, 56cc5e6)."""
    sa.Table(
        "corrections", metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False, index=True),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("correction_key", sa.String(220)),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
    )


def web(metadata: sa.MetaData) -> None:
    """Issue 17's tables (main, 1bfc084: pipeline/web/tables.py, made by `serve` on its own metadata)."""
    sa.Table(
        "web_invitations", metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("store", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("account_type", sa.String(16)),
        sa.Column("note", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "web_revoked_invitations", metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("revoked_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text),
    )
    sa.Table(
        "web_upload_tokens", metadata,
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "web_uploads", metadata,
        sa.Column("store", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )


def on_main_before_alembic() -> sa.MetaData:
    """Every table main's ledger had when migrations came in (54af03a)."""
    metadata = at_458d272()
    for add in (reconciled, corrections, web):
        add(metadata)
    return metadata


STAMP = datetime(2026, 11, 20, 5, 30)
POSTED_KEY = "deli/2026-11-19/" + "a" * 16 + "/Z:41"


def fill(conn: sa.Connection, metadata: sa.MetaData) -> None:
    """A day of an old ledger: a file read, its voucher posted, the run, the store's financial year."""
    t = metadata.tables
    conn.execute(t["files"].insert().values(store="deli", digest="a" * 64, path="/inbox/deli/z41.se", name="z41.se",
                                            state="archived", note=None, voucher_count=1, first_seen_at=STAMP,
                                            updated_at=STAMP))
    conn.execute(t["vouchers"].insert().values(
        key=POSTED_KEY, store="deli", business_date=date(2026, 11, 19), file_digest="a" * 64, ver_id="Z:41",
        marker="KS-0123456789abcdef0123", source="[]", payload="{}", payload_digest="p", state="posted",
        series="F", number=12, year=3, attempts=1, run_id=1, created_at=STAMP, updated_at=STAMP, posted_at=STAMP))
    conn.execute(t["runs"].insert().values(started_at=STAMP, finished_at=STAMP, host="till", pid=1, options="{}",
                                           state="finished", posted=1, failed=0, skipped=0, summary="{}"))
    conn.execute(t["financial_years"].insert().values(store="deli", year_id=3, from_date=date(2026, 1, 1),
                                                      to_date=date(2026, 12, 31)))
