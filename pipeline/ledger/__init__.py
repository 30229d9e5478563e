"""The ledger: kassasync's shared state, one layer used by plan, report, status, the web app and the runners.

SQLAlchemy Core; SQLite in the state directory by default (`Settings.ledger_url`), PostgreSQL when
`KASSASYNC_DATABASE_URL` says so (several runners then share one ledger). The schema is Alembic's
(migrations/, migrate.py): SQLite upgrades itself on open, PostgreSQL by `kassasync db upgrade`. Tables:

- `files`: one row per (store, content digest): `path` where it was last seen, `name`, `state`
  (`read` | `quarantined` | `archived` | `superseded`: the till rewrote it in place), `note` (why it was
  quarantined or archived), `voucher_count`, `first_seen_at`, `updated_at`.
- `vouchers`: one row per voucher to post, keyed by its idempotency key
  (`store/business date/file digest/#VER id`). `marker` (put in the voucher's Comments), `source` (the
  SIE rows as JSON, so `--retry-failed` re-maps without re-reading the file), `payload` and
  `payload_digest` (the Fortnox voucher as JSON), `state` (`planned` | `pending` | `posted` | `failed` |
  `skipped` | `held`: a re-export after posting, waiting for a decision), Fortnox `series`, `number`,
  `year`, `attempts`, the last error (`error_code` such as KS304 or 2000550, `error_message`, `error_hint` =
  the fix, `error_permanent`), `findings` (JSON warnings), `business_date`, `run_id`, `created_at`,
  `updated_at`, `posted_at`, `store_commit` (the git commit of the store file it was mapped with, `<sha>-dirty`
  with uncommitted changes; pipeline/config/revision.py).
- `runs`: one row per `kassasync sync`: `started_at`, `finished_at`, `host`, `pid`, `options`,
  `state` (`running` | `finished` | `interrupted`), the counts, and `summary` (the JSON summary).
- `financial_years`: Fortnox financial years seen per store (cache, so a daily run needs no lookup).
- `reconciled`: per store, the reconciled-through mark: the days for which the ledger knows what Fortnox
  holds (marks.py). The SQLite file itself is checked at open (sqlite_file.py).
- `corrections`: decisions on re-exports after posting (voucher state `held`, KS312): post the difference as
  a correction voucher (a `vouchers` row of its own, see runner/corrections.py) or dismiss it, with the
  reason, who decided and when.
- `web_*`: the web app's invitations, revoked invitations, upload tokens and uploads (web_tables.py).
- `posted_rows`, `reconciliations`: each voucher as Fortnox answered its POST, and each store-month's outcome of
  `kassasync reconcile` (reconcile_tables.py; read and written by pipeline/runner/reconcile_records.py).
- `invoice_*`: the invoice stream's files, POS documents, customer matches and till payments
  (invoice_tables.py; read and written by invoices.py).

`pending` means "the POST may have happened": before posting a pending voucher again the runner looks for
its marker in Fortnox. See `pipeline/runner/store_sync.py`.
"""
from __future__ import annotations

from pipeline.ledger.facade import Ledger
from pipeline.ledger.migrate import SchemaNotCurrent
from pipeline.ledger.records import (
    DayStatus,
    FileRecord,
    FoundVoucher,
    Mark,
    ProblemFile,
    Recorded,
    Unposted,
    VoucherRecord,
    WaitingFile,
    day_state,
    now,
    problem_line,
)
from pipeline.ledger.sqlite_file import BrokenLedger
from pipeline.ledger.tables import (
    STATES,
    corrections,
    files,
    financial_years,
    metadata,
    reconciled,
    runs,
    vouchers,
)

__all__ = ["STATES", "BrokenLedger", "DayStatus", "FileRecord", "FoundVoucher", "Ledger", "Mark", "ProblemFile",
           "Recorded", "SchemaNotCurrent", "Unposted", "VoucherRecord", "WaitingFile", "corrections", "day_state",
           "files", "financial_years", "metadata", "now", "problem_line", "reconciled", "runs", "vouchers"]
