"""The ledger's `vouchers` table: each voucher to post by its idempotency key, and its way from `planned`
through `pending` (committed before the POST) to `posted`, `failed`, `skipped` or `held`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from pipeline.ledger import statements as sql
from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import VOUCHER_FIELDS, Unposted, VoucherRecord, now, voucher_from_row
from pipeline.ledger.tables import vouchers

_POSTED_COLUMNS = tuple(sorted(("state", "series", "number", "year", "posted_at", "updated_at", "error_code",
                                "error_message", "error_hint", "error_permanent")))


def insert_vouchers(conn: sa.Connection, records: Sequence[VoucherRecord], run_id: int | None,
                    stamp: datetime) -> list[str]:
    """Inserts the records whose key is new and returns their keys; a known key keeps its row as it is (it may
    be posted)."""
    if not records:
        return []
    rows = [{**{name: getattr(r, name) for name in VOUCHER_FIELDS}, "run_id": run_id, "created_at": stamp,
             "updated_at": stamp} for r in records]
    insert = sql.insert_vouchers_ignoring_known(conn.dialect.name)
    if insert is not None:
        return list(conn.execute(insert, rows).scalars())  # RETURNING: the keys actually inserted
    keys = [r.key for r in records]
    known = set(conn.execute(sa.select(vouchers.c.key).where(vouchers.c.key.in_(keys))).scalars())
    fresh = [row for row in rows if row["key"] not in known]
    if fresh:
        conn.execute(vouchers.insert(), fresh)
    return [row["key"] for row in fresh]


class VoucherLog(LedgerBase):
    def add_vouchers(self, records: Sequence[VoucherRecord], run_id: int | None) -> int:
        """Insert the vouchers not yet known (by key); returns how many were new. One transaction."""
        if not records:
            return 0
        with self._connect() as conn:
            return len(insert_vouchers(conn, records, run_id, now()))

    def voucher(self, key: str) -> VoucherRecord | None:
        with self._connect(begin=False) as conn:
            row = conn.execute(vouchers.select().where(vouchers.c.key == key)).first()
        return voucher_from_row(row) if row else None

    def store_vouchers(self, store: str, *, states: Iterable[str] | None = None, from_date: date | None = None,
                       to_date: date | None = None, file_digest: str | None = None,
                       dates: Iterable[date] | None = None, either_states: Iterable[str] | None = None,
                       either_from: date | None = None, either_to: date | None = None) -> list[VoucherRecord]:
        """One store's vouchers in date order, narrowed by whichever filters are given (`either_*`: see
        statements.select_vouchers)."""
        lists = {"states": states, "dates": dates, "either_states": either_states}
        params: dict[str, Any] = {"store": store}
        params.update({name: list(value) for name, value in lists.items() if value is not None})
        scalars = {"from_date": from_date, "to_date": to_date, "file_digest": file_digest, "either_from": either_from,
                   "either_to": either_to}
        params.update({name: value for name, value in scalars.items() if value})
        query = sql.select_vouchers(frozenset(params) - {"store"})
        with self._connect(begin=False) as conn:
            return [voucher_from_row(r) for r in conn.execute(query, params)]

    def unposted(self, store: str, *, from_date: date | None = None, to_date: date | None = None) -> list[Unposted]:
        """The store's vouchers not posted, in date order (only the columns counts and failures use)."""
        query = sql.unposted(from_date is not None, to_date is not None)
        params = {"store": store, "from_date": from_date, "to_date": to_date}
        with self._connect(begin=False) as conn:
            return [Unposted(*row) for row in conn.execute(query, params)]

    def update_voucher(self, key: str, **values: Any) -> None:
        values["updated_at"] = now()
        columns = tuple(sorted(values))
        with self._connect() as conn:
            conn.execute(sql.update_voucher(columns), {"b_key": key, **{f"v_{c}": values[c] for c in columns}})

    def mark_pending(self, keys: Sequence[str], run_id: int | None) -> None:
        """Committed BEFORE the POSTs: from here on a voucher may exist in Fortnox, so look before re-posting."""
        if not keys:
            return
        with self._connect(begin=False) as conn:
            if self.is_sqlite:  # this one commit must survive a power cut too: sync the WAL to disk
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()
            try:
                conn.execute(sql.MARK_PENDING, {"keys": list(keys), "v_run_id": run_id, "v_updated_at": now()})
                conn.commit()
            finally:
                if self.is_sqlite:
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    conn.commit()

    def unmark_pending(self, keys: Sequence[str]) -> None:
        """Back to `planned` (nothing was sent after all): undoes mark_pending for vouchers still pending."""
        with self._connect() as conn:
            conn.execute(sql.UNMARK_PENDING, {"keys": list(keys), "v_updated_at": now()})

    def mark_posted(self, key: str, *, series: str, number: int, year: int) -> None:
        self.mark_posted_many([(key, series, number, year)])

    def mark_posted_many(self, posted: Sequence[tuple[str, str, int, int]]) -> None:
        """(key, series, number, year) of vouchers Fortnox holds, in one transaction."""
        if not posted:
            return
        stamp = now()
        rows = [{"b_key": key, "v_state": "posted", "v_series": series, "v_number": number, "v_year": year,
                 "v_posted_at": stamp, "v_updated_at": stamp, "v_error_code": None, "v_error_message": None,
                 "v_error_hint": None, "v_error_permanent": None} for key, series, number, year in posted]
        with self._connect() as conn:
            conn.execute(sql.update_voucher(_POSTED_COLUMNS), rows)

    def mark_failed(self, key: str, *, code: str | None, message: str, hint: str | None,
                    permanent: bool) -> None:
        self.update_voucher(key, state="failed", error_code=code, error_message=message, error_hint=hint,
                            error_permanent=permanent)

    def note_uncertain(self, key: str, *, code: str | None, message: str, hint: str | None) -> None:
        """The POST's outcome is unknown: stays `pending`, with the reason, until the marker check settles it."""
        self.update_voucher(key, state="pending", error_code=code, error_message=message, error_hint=hint,
                            error_permanent=False)
