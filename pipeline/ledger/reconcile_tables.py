"""The ledger's tables for `kassasync reconcile` (issue 18), on the ledger's metadata, under its migrations
(revision 0005_reconcile); their reads and writes are pipeline/runner/reconcile_records.py.

- `posted_rows`: per voucher kassasync posted (by its idempotency key), the voucher as Fortnox answered the POST
  that created it: series, number, year, date, description, Comments and the rows (JSON, amounts as text in öre),
  so that a month's reconciliation need not read each voucher again. `source` says where the rows came from:
  `post` (the POST's answer) or `read` (read from Fortnox later: a voucher the ledger learnt from a look-up or a
  `ledger rebuild`, which never saw its POST).
- `reconciliations`: per store and month (`YYYY-MM`) the last outcome of `reconcile`: agreed or not, whether
  only vouchers booked by hand differ, how many differences, the store's JSON result, and when.
"""
from __future__ import annotations

import sqlalchemy as sa

from pipeline.ledger.tables import metadata

posted_rows = sa.Table(
    "posted_rows", metadata,
    sa.Column("key", sa.String(220), primary_key=True),  # the voucher's idempotency key (vouchers.key)
    sa.Column("store", sa.String(64), nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False),  # Fortnox's financial year id
    sa.Column("series", sa.String(16), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("transaction_date", sa.Date, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("comments", sa.Text),
    sa.Column("rows", sa.Text, nullable=False),  # JSON: [{account, debit, credit, cost_center, removed, ...}]
    sa.Column("source", sa.String(8), nullable=False),  # post | read
    sa.Column("stored_at", sa.DateTime, nullable=False),
)

reconciliations = sa.Table(
    "reconciliations", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM
    sa.Column("agreed", sa.Boolean, nullable=False),
    sa.Column("only_manual", sa.Boolean, nullable=False),  # every difference is a voucher booked by hand
    sa.Column("differences", sa.Integer, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),  # the store's part of `reconcile --format json`
    sa.Column("reconciled_at", sa.DateTime, nullable=False),
)
