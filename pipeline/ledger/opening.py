"""Opening the ledger's database: the engine (SQLite pragmas; `postgresql://` through psycopg), the SQLite
file's checks (sqlite_file.py), and the schema brought to, or checked at, the newest migration (migrate.py)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipeline.ledger import migrate
from pipeline.ledger.sqlite_file import check_or_create


def open_engine(url: str, *, thorough: bool = False, connections: int | None = None) -> Engine:
    """The ledger's engine, its schema current. A SQLite file that is missing is created whole; one that is
    there but broken raises BrokenLedger (`thorough`: every page checked); one that is behind is upgraded.
    A PostgreSQL schema that is behind raises SchemaNotCurrent (the fix: `kassasync db upgrade`)."""
    check_or_create(url, upgrade_url, thorough=thorough)
    engine = engine_for(url, connections=connections)
    try:
        migrate.ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def engine_for(url: str, *, connections: int | None = None) -> Engine:
    """An engine for the ledger's URL, with no schema work. `postgresql://` means psycopg (version 3, the
    `postgres` extra), not SQLAlchemy's default psycopg2. `connections`: the pool's size for a server database
    (a fleet worker's: two per store it runs at once), else SQLAlchemy's default of 5 (and 10 more at a peak)."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    is_sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 60}
    elif connections is not None:
        kwargs["pool_size"] = connections
    engine = sa.create_engine(parsed, **kwargs)
    if is_sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade_url(url: str) -> migrate.Upgraded:
    """The database at `url` upgraded to the newest revision (`kassasync db upgrade`; a new SQLite file is
    made with it, see sqlite_file.check_or_create)."""
    engine = engine_for(url)
    try:
        return migrate.upgrade(engine)
    finally:
        engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a status reader and a runner work at once; busy_timeout makes two runners wait, not fail.
    # synchronous=NORMAL: a commit survives the process being killed, not a power cut; the one write that
    # must survive both (`pending` before a POST) asks for a full sync itself (mark_pending).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
