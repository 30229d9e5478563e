"""The ledger's `files` table: each day file read per store and content digest, and where it is now (read,
quarantined, archived, or superseded by a rewrite in place)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa

from pipeline.ledger import statements as sql
from pipeline.ledger.connection import LedgerBase
from pipeline.ledger.records import FileRecord, VoucherRecord, WaitingFile, now
from pipeline.ledger.tables import files, vouchers
from pipeline.ledger.vouchers import insert_vouchers


class FileLog(LedgerBase):
    def file(self, store: str, digest: str) -> FileRecord | None:
        with self._connect(begin=False) as conn:
            row = conn.execute(files.select().where(files.c.store == store, files.c.digest == digest)).first()
        return FileRecord(**row._mapping) if row else None

    def record_file(self, store: str, digest: str, path: str, name: str, state: str,
                    note: str | None = None, voucher_count: int = 0) -> None:
        stamp = now()
        with self._connect() as conn:
            exists = conn.execute(sa.select(files.c.digest).where(
                files.c.store == store, files.c.digest == digest)).first()
            values = dict(path=path, name=name, state=state, note=note, voucher_count=voucher_count,
                          updated_at=stamp)
            if exists:
                conn.execute(files.update().where(files.c.store == store, files.c.digest == digest)
                             .values(**values))
            else:
                conn.execute(files.insert().values(store=store, digest=digest, first_seen_at=stamp, **values))

    def add_file(self, store: str, digest: str, path: str, name: str, records: Sequence[VoucherRecord],
                 run_id: int | None, replaced: Sequence[VoucherRecord] = (), superseded: Sequence[str] = ()) -> list[str]:
        """A file read and its vouchers, in one transaction (vouchers already known by key are kept as they are).

        `replaced`: earlier, never posted vouchers this file replaces, stored as skipped in the same
        transaction (only while they are still planned, failed or held). `superseded`: digests of this file's
        earlier versions (the till rewrote it in place): their file rows become `superseded`, so the archive
        never moves the new content under the old record. Returns the keys of the vouchers inserted."""
        stamp = now()
        row = dict(store=store, digest=digest, path=path, name=name, state="read", note=None,
                   voucher_count=len(records), first_seen_at=stamp, updated_at=stamp)
        with self._connect() as conn:
            for old in replaced:
                conn.execute(vouchers.update().where(vouchers.c.key == old.key,
                                                     vouchers.c.state.in_(("planned", "failed", "held")))
                             .values(state="skipped", error_code=old.error_code, error_message=old.error_message,
                                     error_hint=old.error_hint, error_permanent=None, updated_at=stamp))
            for earlier in superseded:
                conn.execute(files.update().where(files.c.store == store, files.c.digest == earlier).values(
                    state="superseded", note=f"the file changed in place; its new content is {digest[:12]}",
                    updated_at=stamp))
            inserted = insert_vouchers(conn, records, run_id, stamp)
            # rows rebuilt from Fortnox know only the first 16 digits of their file's digest (from the key)
            conn.execute(sql.ADOPT_REBUILT, {"b_store": store, "b_prefix": digest[:16], "v_digest": digest})
            upsert = sql.upsert_file(self.engine.dialect.name)
            if upsert is None:
                conn.execute(files.delete().where(files.c.store == store, files.c.digest == digest))
                conn.execute(files.insert(), row)
            else:
                conn.execute(upsert, row)
        return inserted

    def set_file_state(self, store: str, digest: str, state: str, *, path: str, note: str | None = None) -> None:
        with self._connect() as conn:
            conn.execute(sql.SET_FILE_STATE, {"b_store": store, "b_digest": digest, "v_state": state, "v_path": path,
                                              "v_note": note, "v_updated_at": now()})

    def store_files(self, store: str | None = None, state: str | None = None,
                    digests: Iterable[str] | None = None) -> list[FileRecord]:
        """Files the ledger knows, by store, state and content digests (each filter optional)."""
        query = sql.select_files(bool(store), bool(state), digests is not None)
        params = {"store": store, "state": state, "digests": list(digests or [])}
        with self._connect(begin=False) as conn:
            return [FileRecord(**r._mapping) for r in conn.execute(query, params)]

    def waiting_files(self, store: str) -> list[WaitingFile]:
        """The store's files in state `read`, oldest first, each with its vouchers' dates and states."""
        found: dict[str, tuple[str, str, list[date], list[str]]] = {}
        with self._connect(begin=False) as conn:
            for digest, path, name, day, state in conn.execute(sql.WAITING_FILES, {"store": store}):
                dates, states = found.setdefault(digest, (path, name, [], []))[2:]
                if state is not None:  # a file without vouchers has one row, with no voucher in it
                    dates.append(day)
                    states.append(state)
        return [WaitingFile(digest, path, name, tuple(dates), tuple(states))
                for digest, (path, name, dates, states) in found.items()]
