"""The ledger's connections: one committed transaction per call, from the pool or from a connection a thread
holds for its many calls."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine


class LedgerBase:
    """What every part of the Ledger builds on: the engine, and `_connect` for each read or write."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()  # a thread's held connection (see hold_connection) and its depth
        self._held: list[sa.Connection] = []
        self._held_lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def hold_connection(self) -> sa.Connection:
        """The calling thread keeps one connection for its ledger calls from now on, instead of taking one from
        the pool and giving it back (with a rollback) per call. Give it back with `release` once the thread
        has finished."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.connect()
            self._local.conn, self._local.depth = conn, 0
            with self._held_lock:
                self._held.append(conn)
        return conn

    def release(self, conn: sa.Connection) -> None:
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._held_lock:
            if conn in self._held:
                self._held.remove(conn)
        conn.close()

    def close(self) -> None:
        for conn in list(self._held):
            self.release(conn)
        self.engine.dispose()

    @contextlib.contextmanager
    def _connect(self, *, begin: bool = True) -> Iterator[sa.Connection]:
        """The connection for one call, committed at its end (rolled back on an error), as engine.begin() does:
        the thread's held connection when it has one, else one from the pool (`begin=False`: the caller
        commits itself, and what it did not commit is rolled back)."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            with self.engine.begin() if begin else self.engine.connect() as fresh:
                yield fresh
            return
        self._local.depth += 1
        try:
            yield conn
            if self._local.depth == 1:
                conn.commit()
        except BaseException:
            if self._local.depth == 1:
                conn.rollback()
            raise
        finally:
            self._local.depth -= 1
