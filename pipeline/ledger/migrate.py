"""The ledger's schema migrations (Alembic): which revision a database is at, upgrading it, and recognising a
ledger made before migrations came in.

SQLite ledgers are upgraded when they are opened; a PostgreSQL ledger only by `kassasync db upgrade`, since
several runners share it and its operator decides when it changes (a schema that is behind stops the
command with that fix). An upgrade runs in one transaction, under a lock, so two processes starting at once
upgrade once: SQLite `BEGIN IMMEDIATE`, PostgreSQL a transaction-level advisory lock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipeline.errors import UserError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("kassasync.ledger")
HEAD = "0009_job_failures"  # the newest revision (a test checks it against migrations/versions/)
# The tables each revision creates, oldest first: a ledger made before migrations (tables, no alembic_version)
# is stamped at the last revision whose tables, and every earlier revision's, are all there. A revision that
# creates no table cannot be recognised so: the walk stops before it (its upgrade looks before it changes).
REVISION_TABLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("0001_baseline", frozenset({"files", "vouchers", "runs", "financial_years"})),
    ("0002_reconciled", frozenset({"reconciled"})),
    ("0003_corrections", frozenset({"corrections"})),
    ("0004_web", frozenset({"web_invitations", "web_revoked_invitations", "web_upload_tokens", "web_uploads"})),
    ("0005_reconcile", frozenset({"posted_rows", "reconciliations"})),
    ("0006_invoices", frozenset({"invoice_files", "invoice_docs", "invoice_customers", "invoice_payments"})),
    ("0007_store_commit", frozenset()),  # a column (vouchers.store_commit), no table
    ("0008_job_engine", frozenset()),  # procrastinate's tables, on PostgreSQL only
    ("0009_job_failures", frozenset({"job_failures"})),
)
VERSION_TABLE = "alembic_version"
ENGINE_PREFIX = "procrastinate_"  # the job engine's tables (0008_job_engine): beside the ledger's, not declared


def declared_object(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: the ledger's own objects, not the job engine's (autogenerate and the tests that
    compare the database with the declared tables)."""
    return not (type_ == "table" and name is not None and name.startswith(ENGINE_PREFIX))
_UPGRADE_LOCK = 0x6B61737361  # PostgreSQL advisory lock key of the upgrade ("kassa")


@dataclass(frozen=True)
class Upgraded:
    """What `upgrade` did: the revision before (None: an empty database), whether it was a ledger made before
    migrations (stamped first), and the revision now."""

    before: str | None
    legacy: bool
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.legacy


class SchemaNotCurrent(UserError):
    """The database's schema is not the one this kassasync works with."""


def where(engine: Engine) -> str:
    """The database as a person names it: the URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def current(conn: sa.Connection) -> tuple[str | None, bool]:
    """The database's revision, and whether it is a ledger made before migrations (then the revision it is
    stamped at); (None, False) for a database without the ledger's tables."""
    tables = set(sa.inspect(conn).get_table_names())
    if VERSION_TABLE in tables:
        return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar(), False
    return legacy_revision(tables), bool(tables & REVISION_TABLES[0][1])


def legacy_revision(tables: set[str]) -> str | None:
    """The revision a ledger made before migrations has reached, judged by its tables."""
    reached = None
    for revision, created in REVISION_TABLES:
        if not created or not created <= tables:
            break
        reached = revision
    return reached


def ensure_current(engine: Engine) -> None:
    """SQLite: upgraded to the newest revision when behind. PostgreSQL: SchemaNotCurrent when behind."""
    with engine.connect() as conn:
        revision, legacy = current(conn)
    if revision == HEAD and not legacy:
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise behind(engine, revision, legacy)


def behind(engine: Engine, revision: str | None, legacy: bool) -> SchemaNotCurrent:
    known = [name for name, _ in REVISION_TABLES]
    if revision is not None and revision not in known:
        return SchemaNotCurrent(
            f"the ledger database {where(engine)} is at schema revision {revision}, which this kassasync does "
            f"not know (it knows up to {HEAD}): a newer kassasync has upgraded it",
            "install the same kassasync version on this machine as on the one that upgraded the database")
    if revision is None and not legacy:
        state = "has no ledger tables yet"
    elif legacy:
        state = "was made before schema migrations (it has no alembic_version table)"
    else:
        state = f"is at schema revision {revision}; this kassasync needs {HEAD}"
    return SchemaNotCurrent(
        f"the ledger database {where(engine)} {state}",
        "run `kassasync db upgrade` once, with the same KASSASYNC_DATABASE_URL (back the database up first), "
        "then run this command again; every runner sharing the database needs this kassasync version")


def upgrade(engine: Engine) -> Upgraded:
    """The database upgraded to the newest revision, in one transaction under the upgrade lock; a ledger made
    before migrations is stamped at the revision its tables reach first. Twice in a row, the second does
    nothing."""
    from alembic import command

    with engine.connect() as conn:
        _lock(conn)
        before, legacy = current(conn)
        if before is not None and before not in {name for name, _ in REVISION_TABLES}:
            raise behind(engine, before, legacy)
        if before == HEAD and not legacy:
            conn.rollback()
            return Upgraded(before, False, HEAD)
        config = alembic_config(conn)
        if legacy:
            log.info("ledger %s: made before migrations, stamped at %s", where(engine), before)
            if before is not None:
                command.stamp(config, before)
        command.upgrade(config, "head")
        conn.commit()
    log.info("ledger %s: upgraded from %s to %s", where(engine), before or "an empty database", HEAD)
    return Upgraded(before, legacy, HEAD)


def alembic_config(conn: sa.Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration for the ledger's migrations (shipped in the package), on a connection kassasync
    holds (`conn`) or on `url` (a developer's own Alembic command: `alembic.command.revision(config, ...)`)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "pipeline.ledger:migrations")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def _lock(conn: sa.Connection) -> None:
    """The upgrade's transaction, begun holding the database's write lock (SQLite) or the upgrade lock
    (PostgreSQL), so that a second process reads the revision only after the first has upgraded."""
    if conn.dialect.name == "sqlite":
        # pysqlite begins transactions itself only before data changes, not before DDL: begin here, at once
        # as the writer, so the DDL and the version row commit together
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
