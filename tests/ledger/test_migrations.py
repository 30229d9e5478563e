"""The ledger's migrations (Alembic) on SQLite and PostgreSQL: from an empty database, from a ledger made before
migrations (458d272's tables, and main's when migrations came in), twice in a row, and a schema that is behind."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import legacy_schemas
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner

import pipeline.ledger.invoice_tables  # noqa: F401 - its tables on the ledger's metadata
import pipeline.ledger.reconcile_tables  # noqa: F401 - its tables on the ledger's metadata
import pipeline.ledger.web_tables  # noqa: F401 - its tables on the ledger's metadata
from pipeline.cli.main import cli, main
from pipeline.ledger import Ledger, SchemaNotCurrent, metadata, migrate
from pipeline.ledger.opening import engine_for, upgrade_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind: a SQLite file that does not exist yet, a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _differences(url: str) -> list[object]:
    """What Alembic finds between the database and the tables kassasync declares (nothing, when current)."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": migrate.declared_object}), metadata))
    finally:
        engine.dispose()


def _revision(url: str) -> tuple[str | None, bool]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return migrate.current(conn)
    finally:
        engine.dispose()


def _make_old(url: str, tables: sa.MetaData) -> None:
    engine = engine_for(url)
    try:
        tables.create_all(engine)
        with engine.begin() as conn:
            legacy_schemas.fill(conn, tables)
    finally:
        engine.dispose()


def test_head_is_the_newest_revision_and_each_revision_names_its_tables() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.HEAD
    oldest_first = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert oldest_first == [name for name, _ in migrate.REVISION_TABLES]
    declared = set().union(*(tables for _, tables in migrate.REVISION_TABLES))
    assert declared == set(metadata.tables)


def test_an_empty_database_gets_every_table_and_a_second_upgrade_does_nothing(url: str) -> None:
    if _is_sqlite(url):
        Ledger.open(url).close()  # SQLite: made whole on open
    else:
        with pytest.raises(SchemaNotCurrent) as caught:  # PostgreSQL: only by `db upgrade`
            Ledger.open(url)
        assert "has no ledger tables yet" in caught.value.message
        assert "kassasync db upgrade" in (caught.value.hint or "")
        assert upgrade_url(url) == migrate.Upgraded(None, False, migrate.HEAD)
    assert _differences(url) == []
    again = upgrade_url(url)
    assert again == migrate.Upgraded(migrate.HEAD, False, migrate.HEAD) and not again.changed
    assert _revision(url) == (migrate.HEAD, False)


def test_a_ledger_from_458d272_is_stamped_at_the_baseline_and_upgraded_with_its_rows(url: str) -> None:
    _make_old(url, legacy_schemas.at_458d272())
    assert _revision(url) == ("0001_baseline", True)
    if _is_sqlite(url):
        ledger = Ledger.open(url)  # SQLite: upgraded on open
    else:
        with pytest.raises(SchemaNotCurrent) as caught:
            Ledger.open(url)
        assert "made before schema migrations" in caught.value.message
        assert upgrade_url(url) == migrate.Upgraded("0001_baseline", True, migrate.HEAD)
        ledger = Ledger.open(url)
    try:
        kept = ledger.voucher(legacy_schemas.POSTED_KEY)
        assert kept is not None and (kept.state, kept.series, kept.number, kept.year) == ("posted", "F", 12, 3)
        assert ledger.cached_years("deli") == [(3, date(2026, 1, 1), date(2026, 12, 31))]
        assert [r["state"] for r in ledger.last_runs()] == ["finished"]
        assert ledger.marks() == {}  # the new tables are there, and empty
        assert ledger.correction_decisions("deli") == []
    finally:
        ledger.close()
    assert _differences(url) == []
    assert _revision(url) == (migrate.HEAD, False)


def test_a_ledger_from_main_before_migrations_is_stamped_at_its_revision_and_upgraded(url: str) -> None:
    _make_old(url, legacy_schemas.on_main_before_alembic())
    # main before migrations had every table up to the web app's (0004_web); later revisions come on top
    assert upgrade_url(url) == migrate.Upgraded("0004_web", True, migrate.HEAD)
    assert _differences(url) == [] and _revision(url) == (migrate.HEAD, False)


def test_tables_that_came_in_another_order_still_upgrade(url: str) -> None:
    old = legacy_schemas.at_458d272()
    legacy_schemas.corrections(old)  # issue 11's table without issue 12's: a branch merged in another order
    _make_old(url, old)
    assert upgrade_url(url) == migrate.Upgraded("0001_baseline", True, migrate.HEAD)
    assert _differences(url) == []


def test_store_commit_comes_in_once_even_where_the_column_is_there_already(url: str) -> None:
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0006_invoices")
            conn.execute(sa.text("ALTER TABLE vouchers ADD COLUMN store_commit VARCHAR(48)"))  # added by hand
    finally:
        engine.dispose()
    assert upgrade_url(url) == migrate.Upgraded("0006_invoices", False, migrate.HEAD)
    assert _differences(url) == []


def test_a_ledger_made_before_migrations_is_not_stamped_past_a_revision_without_tables() -> None:
    # 0007_store_commit adds a column, which tables cannot show: stamped before it, its upgrade looks first
    assert migrate.legacy_revision(set(metadata.tables)) == "0006_invoices"


def test_a_schema_behind_stops_a_postgresql_command_with_the_database_and_the_fix(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    engine = engine_for(postgres_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0002_reconciled")
    finally:
        engine.dispose()
    monkeypatch.setenv("KASSASYNC_DATABASE_URL", postgres_url)
    with pytest.raises(SystemExit) as done:
        main(["status"])
    error = capsys.readouterr().err
    assert done.value.code == 1
    shown = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg").render_as_string()
    assert f"error: the ledger database {shown} is at schema revision 0002_reconciled" in error
    assert f"this kassasync needs {migrate.HEAD}" in error
    assert "hint: run `kassasync db upgrade` once" in error
    upgraded = CliRunner().invoke(cli, ["db", "upgrade"], env={"KASSASYNC_DATABASE_URL": postgres_url})
    assert upgraded.exit_code == 0, upgraded.output
    assert f"upgraded from revision 0002_reconciled to {migrate.HEAD}" in upgraded.output
    assert _differences(postgres_url) == []


def test_a_revision_this_kassasync_does_not_know_is_refused(url: str) -> None:
    upgrade_url(url)
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    finally:
        engine.dispose()
    with pytest.raises(SchemaNotCurrent) as caught:
        Ledger.open(url)
    assert "0099_future, which this kassasync does not know" in caught.value.message
    with pytest.raises(SchemaNotCurrent):
        upgrade_url(url)


def test_db_upgrade_twice_on_the_default_sqlite_ledger(tmp_path: Path) -> None:
    runner = CliRunner()
    state = tmp_path / "state"
    first = runner.invoke(cli, ["--state-dir", str(state), "db", "upgrade"])
    second = runner.invoke(cli, ["--state-dir", str(state), "db", "upgrade"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert f"created at schema revision {migrate.HEAD}" in first.output
    assert f"already at schema revision {migrate.HEAD}; nothing to do" in second.output
    assert (state / "ledger.sqlite3").is_file()


def test_db_upgrade_names_a_ledger_made_before_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _make_old(url, legacy_schemas.at_458d272())
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"KASSASYNC_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert f"made before schema migrations; its tables are those of revision 0001_baseline; upgraded to " \
           f"{migrate.HEAD}" in result.output


def test_runners_opening_an_old_ledger_at_once_upgrade_it_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _make_old(url, legacy_schemas.at_458d272())
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Ledger.open(url).close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _revision(url) == (migrate.HEAD, False) and _differences(url) == []


def test_a_developer_alembic_command_on_a_url_and_the_way_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    config = migrate.alembic_config(url=url)
    command.upgrade(config, "head")
    assert _revision(url) == (migrate.HEAD, False)
    command.downgrade(config, "base")
    assert _revision(url) == (None, False)
    command.upgrade(config, "head")
    assert _differences(url) == []
