"""One runner per store at a time: a PostgreSQL advisory lock, or a file lock in the state dir for SQLite.

Both are released by the operating system or the database when the holding process dies, so a runner
killed mid-store never leaves a stale lock behind.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from pipeline.ledger import Ledger
from pipeline.store_ids import checked_store_id


def _lock_id(store: str) -> int:
    # a signed 64-bit number from the store id, the same in every process
    return int.from_bytes(hashlib.sha256(f"kassasync-store:{store}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def store_lock(ledger: Ledger, state_dir: Path, store: str) -> Iterator[bool]:
    """Yields True when this process holds the store's lock, False when another runner has it (no waiting)."""
    if ledger.engine.dialect.name == "postgresql":
        with _advisory_lock(ledger, store) as held:
            yield held
    else:
        with _file_lock(state_dir / "locks" / f"{checked_store_id(store)}.lock") as held:
            yield held


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _advisory_lock(ledger: Ledger, store: str) -> Iterator[bool]:
    lock_id = _lock_id(store)
    with ledger.engine.connect() as conn:  # the lock lives as long as this session
        held = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                conn.commit()
