"""Alembic's entry to the ledger's migrations: they run on the connection kassasync hands over, inside its
transaction (pipeline/ledger/migrate.py), or, for a developer's own Alembic command, on the URL in the
config's `sqlalchemy.url`."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import context

import pipeline.ledger.invoice_tables  # noqa: F401 - the invoice stream's tables, on the same metadata
import pipeline.ledger.reconcile_tables  # noqa: F401 - reconcile's tables, on the same metadata
import pipeline.ledger.web_tables  # noqa: F401 - the web app's tables, on the same metadata
from pipeline.ledger.migrate import declared_object
from pipeline.ledger.tables import metadata


def _run(connection: sa.Connection) -> None:
    # batch mode: SQLite changes a column by copying its table, so later revisions work there too
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      include_name=declared_object)
    with context.begin_transaction():
        context.run_migrations()


_given = context.config.attributes.get("connection")
if _given is not None:
    _run(_given)
else:
    _engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with _engine.begin() as _connection:
        _run(_connection)
    _engine.dispose()
