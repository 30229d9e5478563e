"""Test-wide guards: every test gets its own KASSASYNC_HOME and none may write into the checkout; the PostgreSQL
fixtures (tests/postgres_server.py) for every test that needs the server.

The network guard (loopback only) is pytest-socket, switched on in pyproject.toml's pytest options.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import hypothesis.configuration
import pytest
from checkout_guard import changes, snapshot
from postgres_server import mark_users, postgres_ledger_url, postgres_url, summary_line

__all__ = ["postgres_ledger_url", "postgres_url"]  # fixtures for every test directory

# The environment of the person running the tests must not reach a test (a real ledger, real Fortnox).
_CLEARED = ("KASSASYNC_DATABASE_URL", "KASSASYNC_SECRET_KEY", "KASSASYNC_DEBUG_LOG", "FORTNOX_API_URL",
            "FORTNOX_AUTH_URL", "FORTNOX_CLIENT_ID", "FORTNOX_CLIENT_SECRET")


@pytest.fixture(autouse=True, scope="session")
def _hypothesis_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Hypothesis keeps its example database in ./.hypothesis by default, that is, in the checkout. Inputs
    # worth keeping are pinned with @example in the test instead.
    hypothesis.configuration.set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))


@pytest.fixture(autouse=True)
def _own_home_and_clean_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """KASSASYNC_HOME in the test's temporary folder; fails the test if it wrote into the checkout."""
    monkeypatch.setenv("KASSASYNC_HOME", str(tmp_path / "kassasync-home"))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    if os.environ.get("MUTANT_UNDER_TEST") is not None:
        yield  # under mutmut the tests run in its copy (mutants/), where mutmut itself writes meanwhile
        return
    before = snapshot()
    yield
    written = changes(before, snapshot())
    if written:
        pytest.fail("the test wrote into the checkout (use tmp_path): " + ", ".join(written[:10]), pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_users(items)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(summary_line(terminalreporter.stats))
