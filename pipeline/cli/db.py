"""`kassasync db upgrade`: the ledger database's schema brought to this kassasync's newest migration."""
from __future__ import annotations

import click

from pipeline.cli.context import app_context


@click.group("db")
def db_group() -> None:
    """The ledger database's schema (Alembic migrations; SQLite upgrades itself when opened)."""


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Upgrade the ledger database to the schema this kassasync needs.

    Needed for PostgreSQL (KASSASYNC_DATABASE_URL) after installing a new kassasync: run it once, from one
    machine, before the runners start again; back the database up first. A SQLite ledger is upgraded when it
    is opened, so for it this only does the same at once. A ledger made before migrations is recognised by
    its tables. Running it again changes nothing.
    """
    from pipeline.ledger.migrate import where
    from pipeline.ledger.opening import engine_for, upgrade_url
    from pipeline.ledger.sqlite_file import check_or_create, sqlite_path

    url = app_context().settings.ledger_url
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    created = path is not None and not path.exists()
    check_or_create(url, upgrade_url, thorough=True)  # a missing file is made whole; a broken one stops here
    done = upgrade_url(url)
    engine = engine_for(url)
    name = where(engine)
    engine.dispose()
    if created:
        click.echo(f"ledger {name}: created at schema revision {done.after}")
    elif not done.changed:
        click.echo(f"ledger {name}: already at schema revision {done.after}; nothing to do")
    elif done.legacy:
        click.echo(f"ledger {name}: made before schema migrations; its tables are those of revision "
                   f"{done.before or '(none)'}; upgraded to {done.after}")
    else:
        click.echo(f"ledger {name}: upgraded from revision {done.before or '(an empty database)'} to {done.after}")


def register(group: click.Group) -> None:
    group.add_command(db_group)
