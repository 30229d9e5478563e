"""The fleet's job engine (issue 15): procrastinate's tables, functions and triggers, on PostgreSQL only.

procrastinate keeps its state in the same database as the ledger, so `kassasync db upgrade` makes both. The
schema is the one of the procrastinate release kassasync pins (pyproject.toml: procrastinate 3.10.x); a release
that moves the pin adds a revision that applies procrastinate's own migration files between the two. SQLite
ledgers (the embedded runner) have no job engine: nothing changes there.

Revision ID: 0008_job_engine
Revises: 0007_store_commit
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_job_engine"
down_revision = "0007_store_commit"
branch_labels = None
depends_on = None

TABLES = ("procrastinate_periodic_defers", "procrastinate_events", "procrastinate_jobs", "procrastinate_workers")
TYPES = ("procrastinate_job_event_type", "procrastinate_job_status", "procrastinate_job_to_defer_v1")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or _installed(conn):
        return
    try:
        from procrastinate.schema import SchemaManager
    except ImportError as exc:  # the postgres extra brings it
        raise RuntimeError("a PostgreSQL ledger needs the job engine: pip install 'kassasync[postgres]'") from exc
    # on the driver's cursor, with no parameters: the schema's text has `%` signs that are not placeholders
    cursor = conn.connection.cursor()
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    functions = conn.execute(sa.text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema()")).scalars().all()
    for table in TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    for function in functions:
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    for type_name in TYPES:
        conn.exec_driver_sql(f"DROP TYPE IF EXISTS {type_name} CASCADE")


def _installed(conn: sa.Connection) -> bool:
    return conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None
