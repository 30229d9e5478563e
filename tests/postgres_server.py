"""The PostgreSQL server the tests use (KASSASYNC_TEST_DATABASE_URL, default the project machines' server at
127.0.0.1:5432): each test gets an empty schema of its own, dropped afterwards; without a server that answers,
the test is skipped with the reason. tests/conftest.py makes these fixtures and the end-of-run line."""
from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARKER = "postgres"


def server_url() -> str:
    return os.environ.get("KASSASYNC_TEST_DATABASE_URL") or DEFAULT_URL


def _engine(url: str) -> sa.Engine:
    from pipeline.ledger.opening import engine_for

    return engine_for(url)


@functools.cache
def unavailable() -> str | None:
    """Why no test can use the server (None: it answers). Asked once per test session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'kassasync[postgres]')"
    url = server_url()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        first = str(exc.orig or exc).strip().splitlines()[0][:160]
        return f"no PostgreSQL server answers at {_shown(url)} (set KASSASYNC_TEST_DATABASE_URL): {first}"
    finally:
        engine.dispose()
    return None


def _shown(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def schema_url(url: str, schema: str) -> str:
    """`url` with `schema` first on the search path: the ledger's tables, Alembic's version table and whatever
    else the code creates land there."""
    parsed = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@functools.cache
def _admin() -> sa.Engine:
    return _engine(server_url())


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of an empty schema of this test's own in the test server (no tables, not migrated)."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    schema = f"kst_{os.getpid()}_{secrets.token_hex(4)}"
    with _admin().begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema_url(server_url(), schema)
    finally:
        with _admin().begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def postgres_ledger_url(postgres_url: str) -> str:
    """As postgres_url, with the ledger's schema made (`kassasync db upgrade`, as an operator would)."""
    from pipeline.ledger import migrate
    from pipeline.ledger.opening import engine_for

    engine = engine_for(postgres_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return postgres_url


def mark_users(items: list[pytest.Item]) -> None:
    """Every test that uses the server carries the `postgres` marker (counted at the end of the run)."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(MARKER)


def summary_line(stats: dict[str, list[object]]) -> str:
    """One line for the end of the run (and .ci/run): how many PostgreSQL tests ran, or why they did not."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in stats.get(outcome, []):
            keywords = getattr(report, "keywords", {})
            if MARKER in keywords and (getattr(report, "when", "call") == "call" or outcome in ("skipped", "error")):
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    ran = outcomes.get("passed", 0) + outcomes.get("failed", 0)
    if not outcomes:
        return f"PostgreSQL tests ({_shown(server_url())}): none in this selection"
    line = f"PostgreSQL tests ({_shown(server_url())}): {ran} ran"
    line += "".join(f", {n} {outcome}" for outcome, n in sorted(outcomes.items()))
    reason = unavailable() if outcomes.get("skipped") else None
    return line + (f" -- skipped because {reason}" if reason else "")
