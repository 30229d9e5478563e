"""Runs `kassasync enqueue` and `kassasync worker` as the fleet's operator would: separate processes on one
PostgreSQL schema, against a sandbox."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pipeline.config import load_stores
from pipeline.ledger.opening import engine_for
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import SandboxHandle

TODAY = "2026-11-28"


def seed(root: Path) -> dict[str, Any]:
    configs, diagnostics = load_stores(root / "stores")
    assert not [d for d in diagnostics if d.is_error]
    return seed_from_stores(list(configs.values()), today=date(2026, 11, 28))


def env(root: Path, sandbox: SandboxHandle, database_url: str) -> dict[str, str]:
    return {**os.environ, **sandbox.env(), "KASSASYNC_HOME": str(root / "state"),
            "KASSASYNC_DATABASE_URL": database_url}


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "--stores", str(root / "stores"), "--inbox", str(root / "inbox"),
            "-q", *args]


def worker_args(*args: str) -> tuple[str, ...]:
    """`kassasync worker` on the tests' date."""
    return ("worker", "--today", TODAY, *args)


def worker(root: Path, *args: str) -> list[str]:
    return command(root, *worker_args(*args))


def run(root: Path, environment: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command(root, *args), env=environment, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    """A query's rows from the ledger's database (the job engine's tables are there too)."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def counts(url: str, query: str) -> dict[str, int]:
    """A two-column query (a name, a count) as a mapping."""
    return {str(name): int(count) for name, count in rows(url, query)}
