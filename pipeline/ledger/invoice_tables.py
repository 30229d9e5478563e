"""The invoice stream's tables in the ledger's database (SQLAlchemy Core); invoices.py reads and writes them.

- `invoice_files`: one row per (store, content digest) of a file in inbox/<store>/invoices/: where it was last
  seen, `state` (`read` | `quarantined` | `archived`), `note`, how many invoices it held.
- `invoice_docs`: one row per POS document (invoice or credit note), keyed by its source id (the
  ExternalInvoiceReference1 it carries in Fortnox, pipeline.invoices.source_id). `source` is the PosInvoice as
  JSON (so a retry needs no file), `content_digest` tells a changed re-export. `state`: `planned` (read, not
  sent) | `pending` (a create may have reached Fortnox: look before creating again) | `created` (Fortnox holds
  it as `document_number`, unbooked) | `booked` | `failed` (with the finding or Fortnox error, and its fix) |
  `held` (re-exported with other content after it was sent: KS517) | `skipped` (dated before start_date, KS306:
  sent only when a person names the day, `sync --retry-failed --from D`). `credit_path` and `original_document`
  record how a credit note is sent (`credit_endpoint`: PUT /credit on that Fortnox invoice).
- `invoice_customers`: per store and POS customer id, the Fortnox CustomerNumber it matched (`via` the key that
  matched, or `created`), or `pending` while a POST /customers may have reached Fortnox.
- `invoice_payments`: one row per payment taken at the till, keyed by its document and date, amount and tender:
  `state` `planned` | `pending` (a POST may have reached Fortnox) | `created` (Fortnox `number`, unbooked) |
  `booked` | `failed`.
"""
from __future__ import annotations

import sqlalchemy as sa

from pipeline.ledger.tables import metadata  # under the ledger's migrations (revision 0006_invoices)

DOC_STATES = ("planned", "pending", "created", "booked", "failed", "held", "skipped")
PAYMENT_STATES = ("planned", "pending", "created", "booked", "failed")

invoice_files = sa.Table(
    "invoice_files", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("invoice_count", sa.Integer, nullable=False, default=0),
    sa.Column("first_seen_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

invoice_docs = sa.Table(
    "invoice_docs", metadata,
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("store", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # invoice | credit
    sa.Column("number", sa.String(100), nullable=False),  # the POS number
    sa.Column("invoice_date", sa.Date, nullable=False),
    sa.Column("credit_of", sa.String(100)),
    sa.Column("file_digest", sa.String(64), nullable=False),
    sa.Column("line", sa.Integer, nullable=False, default=0),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("document_number", sa.Integer),
    sa.Column("customer_number", sa.String(100)),
    sa.Column("total", sa.Numeric(14, 2), nullable=False),
    sa.Column("credit_path", sa.String(16)),
    sa.Column("original_document", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error_code", sa.String(32)),
    sa.Column("error_message", sa.Text),
    sa.Column("error_hint", sa.Text),
    sa.Column("error_permanent", sa.Boolean),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("booked_at", sa.DateTime),
    sa.Index("ix_invoice_docs_store_date", "store", "invoice_date"),
)

invoice_customers = sa.Table(
    "invoice_customers", metadata,
    sa.Column("store", sa.String(64), primary_key=True),
    sa.Column("pos_id", sa.String(100), primary_key=True),
    sa.Column("customer_number", sa.String(100)),
    sa.Column("state", sa.String(16), nullable=False),  # pending | known
    sa.Column("via", sa.String(16)),  # pos_id | org_number | email | created | found
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

invoice_payments = sa.Table(
    "invoice_payments", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("store", sa.String(64), nullable=False, index=True),
    sa.Column("source_id", sa.String(100), nullable=False, index=True),
    sa.Column("pay_date", sa.Date, nullable=False),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Column("tender", sa.String(100), nullable=False),
    sa.Column("account", sa.Integer),
    sa.Column("line", sa.Integer, nullable=False, default=0),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("number", sa.String(32)),
    sa.Column("error_code", sa.String(32)),
    sa.Column("error_message", sa.Text),
    sa.Column("error_hint", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

TABLES = (invoice_files, invoice_docs, invoice_customers, invoice_payments)
