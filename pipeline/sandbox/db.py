"""The sandbox's SQLite state: schema, one connection per thread, short write transactions (WAL)."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret TEXT NOT NULL, redirect_uri TEXT, scopes TEXT NOT NULL,
    service_accounts INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id INTEGER PRIMARY KEY, company TEXT NOT NULL, locked_until TEXT);
CREATE TABLE IF NOT EXISTS consents (
    client_id TEXT NOT NULL, tenant_id INTEGER NOT NULL, scopes TEXT NOT NULL, service INTEGER NOT NULL,
    PRIMARY KEY (client_id, tenant_id));
CREATE TABLE IF NOT EXISTS financial_years (
    tenant_id INTEGER NOT NULL, id INTEGER NOT NULL, from_date TEXT NOT NULL, to_date TEXT NOT NULL,
    method TEXT NOT NULL, chart_type TEXT, PRIMARY KEY (tenant_id, id));
CREATE TABLE IF NOT EXISTS accounts (
    tenant_id INTEGER NOT NULL, year INTEGER NOT NULL, number INTEGER NOT NULL, description TEXT NOT NULL,
    active INTEGER NOT NULL, sru INTEGER, vat_code TEXT, balance REAL NOT NULL DEFAULT 0,
    cost_center_settings TEXT NOT NULL DEFAULT 'ALLOWED', PRIMARY KEY (tenant_id, year, number));
CREATE TABLE IF NOT EXISTS voucher_series (
    tenant_id INTEGER NOT NULL, year INTEGER NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL,
    manual INTEGER NOT NULL, next_number INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (tenant_id, year, code));
CREATE TABLE IF NOT EXISTS cost_centers (
    tenant_id INTEGER NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL, note TEXT,
    active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (tenant_id, code));
CREATE TABLE IF NOT EXISTS vouchers (
    tenant_id INTEGER NOT NULL, year INTEGER NOT NULL, series TEXT NOT NULL, number INTEGER NOT NULL,
    transaction_date TEXT NOT NULL, description TEXT NOT NULL, comments TEXT, cost_center TEXT,
    project TEXT, reference_type TEXT NOT NULL, reference_number TEXT, rows TEXT NOT NULL,
    client_id TEXT, created TEXT NOT NULL, PRIMARY KEY (tenant_id, year, series, number));
CREATE INDEX IF NOT EXISTS vouchers_by_date ON vouchers (tenant_id, transaction_date);
CREATE TABLE IF NOT EXISTS auth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, tenant_id INTEGER NOT NULL, scopes TEXT NOT NULL,
    redirect_uri TEXT, service INTEGER NOT NULL, expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, tenant_id INTEGER NOT NULL, scopes TEXT NOT NULL,
    expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS customers (
    tenant_id INTEGER NOT NULL, number TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant_id, number));
CREATE TABLE IF NOT EXISTS invoices (
    tenant_id INTEGER NOT NULL, number INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant_id, number));
CREATE TABLE IF NOT EXISTS invoice_payments (
    tenant_id INTEGER NOT NULL, number INTEGER NOT NULL, invoice INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (tenant_id, number));
CREATE TABLE IF NOT EXISTS terms_of_payments (
    tenant_id INTEGER NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL, days INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, code));
CREATE TABLE IF NOT EXISTS invoice_settings (
    tenant_id INTEGER PRIMARY KEY, rounding TEXT NOT NULL DEFAULT 'none');
"""

DB_FILE = "sandbox.sqlite3"


class Database:
    """One SQLite file under the data dir; each thread gets its own connection (sqlite3 objects are per thread)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.conn().executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """A data dir written by an older sandbox gets the columns added since (with their defaults)."""
        conn = self.conn()
        columns = {row["name"] for row in conn.execute("PRAGMA table_info(accounts)")}
        if "cost_center_settings" not in columns:
            conn.execute("ALTER TABLE accounts ADD COLUMN cost_center_settings TEXT NOT NULL DEFAULT 'ALLOWED'")

    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            # WAL + NORMAL: durable across a process restart, and no fsync per voucher.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction; IMMEDIATE takes the write lock at once, so number allocation is serial."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        return self.conn().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple | list = ()) -> sqlite3.Row | None:
        return self.conn().execute(sql, params).fetchone()

    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()
